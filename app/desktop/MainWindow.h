#pragma once

// The Flowlab window: the lesson library, the flow diagram with its step controls, the
// evidence inspector, the timeline, and the live panel that drives flowlabd. It wires the
// parts together; each part lives in its own folder and knows nothing of the others.

#include "app/desktop/model/Walkthrough.h"
#include "app/desktop/theme/Theme.h"
#include "tracer/base/Result.h"

#include <QMainWindow>
#include <memory>

class QDockWidget;
class QLabel;
class QStackedWidget;

namespace flowlab {

class EvidenceInspector;
class FlowDiagramView;
class FlowScene;
class LessonLibrary;
class LivePanel;
class LiveSession;
class QuizView;
class StepPlayer;
class TimelineView;
class TransportBar;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(std::string socketPath, QWidget *parent = nullptr);
    ~MainWindow() override;

    // A recorded bundle directory (trace.json inside). Errors name the path.
    Status openBundle(const QString &dir);
    // A lesson walked through without running it.
    Status explainLesson(const QString &path);
    // Runs the lesson for real through flowlabd; liveRunFinished says how it went.
    void runLessonLive(const QString &path);
    void showStep(int index); // 0-based, without animation

    enum class Page { Library, Walkthrough, Quiz };
    void showPage(Page page);
    Page currentPage() const;

    void setScheme(Theme::Scheme scheme);
    void setPresenterMode(bool on);

    const Walkthrough *walkthrough() const { return m_walkthrough.get(); }
    FlowScene *scene() const { return m_scene; }
    FlowDiagramView *diagramView() const { return m_diagram; }
    EvidenceInspector *inspector() const { return m_inspector; }
    TimelineView *timeline() const { return m_timeline; }
    StepPlayer *player() const { return m_player; }
    TransportBar *transport() const { return m_transport; }
    LivePanel *livePanel() const { return m_live; }
    QuizView *quiz() const { return m_quiz; }
    LessonLibrary *library() const { return m_library; }

signals:
    // `status` as the command line reports it: 0 every step observed, 1 some step missing,
    // 2 the run failed.
    void liveRunFinished(int status, const QString &message);

private:
    void buildActions();
    // Sizes the docks for the window and the mode (presenter: a wider inspector).
    void balanceDocks();
    void buildShortcuts();
    void setWalkthrough(std::unique_ptr<Walkthrough> walkthrough);
    void onStepChanged(int index, bool animate);
    void showError(const QString &what, const QString &message);
    void updateTitle();
    void openBundleDialog();
    void saveBundleDialog();
    void exportDiagramDialog(const QString &format);
    void exportSlidesDialog();
    void exportFileDialog(const QString &kind);
    void showShortcuts();
    void startQuiz();
    // While a lesson runs live: the steps matched so far against what has arrived.
    void showEvidenceSoFar(const std::vector<Event> &events);
    // A command typed in the live panel finished: show the flow its evidence makes.
    void showCommandFlow(quint64 commandSeq, qint64 endNs, const QString &commandLine);
    // Where lessons are looked for, the app's own last (see showCommandFlow).
    std::vector<std::string> lessonDirectories() const;

    std::unique_ptr<Walkthrough> m_walkthrough;
    LiveSession *m_session = nullptr;
    StepPlayer *m_player = nullptr;
    FlowScene *m_scene = nullptr;
    FlowDiagramView *m_diagram = nullptr;
    TransportBar *m_transport = nullptr;
    EvidenceInspector *m_inspector = nullptr;
    TimelineView *m_timeline = nullptr;
    LivePanel *m_live = nullptr;
    QuizView *m_quiz = nullptr;
    LessonLibrary *m_library = nullptr;
    QStackedWidget *m_pages = nullptr;
    QDockWidget *m_inspectorDock = nullptr;
    QDockWidget *m_timelineDock = nullptr;
    QDockWidget *m_liveDock = nullptr;
    QLabel *m_status = nullptr;
    bool m_timelineWanted = true; // the timeline's visibility to restore after presenter mode

    // The live run in progress: its lesson, and the events it has caused so far.
    struct LiveRun
    {
        QString lessonPath;
        nlohmann::json lessonSource;
        std::int64_t startNs = 0;
        std::uint64_t sinceSeq = 0;
        std::vector<Event> events;
    };
    std::unique_ptr<LiveRun> m_liveRun;
    std::vector<Event> m_recentEvents; // the daemon's latest events, for typed commands
};

} // namespace flowlab
