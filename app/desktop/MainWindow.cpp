#include "app/desktop/MainWindow.h"

#include "app/desktop/diagram/FlowDiagramView.h"
#include "app/desktop/diagram/FlowScene.h"
#include "app/desktop/export/DiagramExport.h"
#include "app/desktop/inspector/EvidenceInspector.h"
#include "app/desktop/library/LessonCatalog.h"
#include "app/desktop/library/LessonLibrary.h"
#include "app/desktop/live/CommandFlow.h"
#include "app/desktop/live/KubectlFlow.h"
#include "app/desktop/live/LivePanel.h"
#include "app/desktop/live/LiveProgress.h"
#include "app/desktop/live/LiveSession.h"
#include "app/desktop/quiz/QuizView.h"
#include "app/desktop/timeline/TimelineView.h"
#include "app/desktop/transport/StepPlayer.h"
#include "app/desktop/transport/TransportBar.h"
#include "tracer/lesson/LessonLoader.h"

#include <QActionGroup>
#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QShortcut>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>

namespace flowlab {

MainWindow::MainWindow(std::string socketPath, QWidget *parent)
    : QMainWindow(parent)
{
    setObjectName("mainWindow");
    m_session = new LiveSession(std::move(socketPath), this);
    m_player = new StepPlayer(this);
    m_scene = new FlowScene(this);

    // The walkthrough page: the diagram, big, with the step controls under it.
    auto *walkthroughPage = new QWidget(this);
    m_diagram = new FlowDiagramView(m_scene, walkthroughPage);
    m_diagram->setObjectName("diagram");
    m_transport = new TransportBar(m_player, walkthroughPage);
    auto *column = new QVBoxLayout(walkthroughPage);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(0);
    column->addWidget(m_diagram, 1);
    column->addWidget(m_transport);

    m_library = new LessonLibrary(this);
    m_quiz = new QuizView(this);
    m_pages = new QStackedWidget(this);
    m_pages->addWidget(m_library);
    m_pages->addWidget(walkthroughPage);
    m_pages->addWidget(m_quiz);
    setCentralWidget(m_pages);

    m_inspector = new EvidenceInspector(this);
    m_inspectorDock = new QDockWidget(tr("Evidence"), this);
    m_inspectorDock->setObjectName("inspectorDock");
    m_inspectorDock->setWidget(m_inspector);
    addDockWidget(Qt::RightDockWidgetArea, m_inspectorDock);

    m_timeline = new TimelineView(this);
    m_timelineDock = new QDockWidget(tr("Timeline"), this);
    m_timelineDock->setObjectName("timelineDock");
    m_timelineDock->setWidget(m_timeline);
    addDockWidget(Qt::BottomDockWidgetArea, m_timelineDock);

    m_live = new LivePanel(m_session, this);
    m_liveDock = new QDockWidget(tr("Live lab"), this);
    m_liveDock->setObjectName("liveDock");
    m_liveDock->setWidget(m_live);
    addDockWidget(Qt::BottomDockWidgetArea, m_liveDock);
    tabifyDockWidget(m_timelineDock, m_liveDock);
    m_timelineDock->raise();

    m_status = new QLabel(this);
    m_status->setObjectName("statusText");
    statusBar()->addWidget(m_status, 1);

    connect(m_player, &StepPlayer::stepChanged, this, &MainWindow::onStepChanged);
    connect(m_scene, &FlowScene::animationFinished, m_player, &StepPlayer::stepShown);
    connect(m_player, &StepPlayer::reachedEnd, this, [this] {
        if (m_walkthrough && !m_walkthrough->lesson().quiz.empty())
            m_status->setText(tr("End of the lesson. Press Q for the quiz."));
        else
            m_status->setText(tr("End of the lesson."));
    });
    connect(m_transport, &TransportBar::quizRequested, this, &MainWindow::startQuiz);
    connect(m_timeline, &TimelineView::eventSelected, this, [this](std::uint64_t seq) {
        m_inspector->showEvent(seq);
        m_inspectorDock->raise();
    });
    connect(m_inspector, &EvidenceInspector::eventActivated, m_timeline,
            &TimelineView::selectEvent);
    connect(m_scene, &FlowScene::componentClicked, this, [this](const QString &id) {
        if (!m_walkthrough)
            return;
        if (const LessonComponent *c = m_walkthrough->lesson().component(id.toStdString()))
            m_status->setText(QString::fromStdString(c->label));
    });
    connect(m_library, &LessonLibrary::explainRequested, this, [this](const QString &path) {
        if (auto s = explainLesson(path); !s)
            showError(tr("Cannot open the lesson"), QString::fromStdString(s.error().message()));
    });
    connect(m_library, &LessonLibrary::runRequested, this, &MainWindow::runLessonLive);
    connect(m_quiz, &QuizView::finished, this, [this](int correct, int total) {
        m_status->setText(tr("Quiz: %1 of %2 right.").arg(correct).arg(total));
    });
    connect(m_live, &LivePanel::message, m_status, &QLabel::setText);
    connect(m_live, &LivePanel::eventsArrived, this, [this](const std::vector<Event> &events) {
        // Enough history for any one command; older evidence is in the daemon's log.
        constexpr std::size_t kKeep = 50'000;
        m_recentEvents.insert(m_recentEvents.end(), events.begin(), events.end());
        if (m_recentEvents.size() > kKeep)
            m_recentEvents.erase(m_recentEvents.begin(),
                                 m_recentEvents.end() - static_cast<std::ptrdiff_t>(kKeep));
        showEvidenceSoFar(events);
    });
    connect(m_live, &LivePanel::commandCompleted, this, &MainWindow::showCommandFlow);
    connect(m_session, &LiveSession::progress, m_status, &QLabel::setText);
    connect(m_session, &LiveSession::lessonFinished, this,
            [this](bool ok, const QString &bundleOrError) {
                m_liveRun.reset();
                if (!ok) {
                    showError(tr("The lesson did not run"), bundleOrError);
                    emit liveRunFinished(2, bundleOrError);
                    return;
                }
                auto walkthrough = Walkthrough::open(bundleOrError.toStdString());
                if (!walkthrough) {
                    const QString why = QString::fromStdString(walkthrough.error().message());
                    showError(tr("Cannot open the run's bundle"), why);
                    emit liveRunFinished(2, why);
                    return;
                }
                walkthrough->markLive();
                auto owned = std::make_unique<Walkthrough>(std::move(walkthrough).value());
                const int observed = owned->observedCount(), total = owned->stepCount();
                setWalkthrough(std::move(owned));
                const QString summary = tr("%1 of %2 steps observed; bundle in %3")
                                            .arg(observed)
                                            .arg(total)
                                            .arg(bundleOrError);
                m_status->setText(summary);
                emit liveRunFinished(observed == total ? 0 : 1, summary);
            });

    buildActions();
    buildShortcuts();
    setScheme(Theme::Scheme::Light);
    showPage(Page::Library);
    updateTitle();
    resize(1500, 950);
    QTimer::singleShot(0, this, &MainWindow::balanceDocks);
}

void MainWindow::balanceDocks()
{
    // The diagram is what the class watches: it gets most of the window, the timeline a strip
    // under it and the inspector a column beside it (both can be dragged wider). On a
    // projector the inspector's large type needs a wider column to show whole values.
    if (!m_timelineDock->isHidden())
        resizeDocks({m_timelineDock}, {height() / 4}, Qt::Vertical);
    const int percent = currentTheme().presenter ? 45 : 36;
    resizeDocks({m_inspectorDock}, {width() * percent / 100}, Qt::Horizontal);
}

MainWindow::~MainWindow()
{
    // The views hold pointers into the walkthrough: detach them before it goes.
    m_scene->setWalkthrough(nullptr);
    m_inspector->setWalkthrough(nullptr);
    m_timeline->setWalkthrough(nullptr);
}

void MainWindow::buildActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Lesson library"), QKeySequence(tr("Ctrl+L")), this,
                    [this] { showPage(Page::Library); });
    file->addAction(tr("&Open recording…"), QKeySequence::Open, this,
                    &MainWindow::openBundleDialog);
    file->addAction(tr("&Save bundle as…"), QKeySequence::Save, this,
                    &MainWindow::saveBundleDialog);
    QMenu *exports = file->addMenu(tr("&Export"));
    exports->addAction(tr("Diagram as &PNG…"), QKeySequence(tr("Ctrl+E")), this,
                       [this] { exportDiagramDialog("png"); });
    exports->addAction(tr("Diagram as &SVG…"), this, [this] { exportDiagramDialog("svg"); });
    exports->addAction(tr("All steps as s&lides…"), QKeySequence(tr("Ctrl+Shift+E")), this,
                       &MainWindow::exportSlidesDialog);
    exports->addSeparator();
    exports->addAction(tr("Packets for &Wireshark (pcapng)…"), this,
                       [this] { exportFileDialog("pcapng"); });
    exports->addAction(tr("Trace for P&erfetto (trace events)…"), this,
                       [this] { exportFileDialog("trace-events"); });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    auto *schemes = new QActionGroup(this);
    QAction *light =
        view->addAction(tr("&Light theme"), this, [this] { setScheme(Theme::Scheme::Light); });
    QAction *dark =
        view->addAction(tr("&Dark theme"), this, [this] { setScheme(Theme::Scheme::Dark); });
    for (QAction *a : {light, dark}) {
        a->setCheckable(true);
        schemes->addAction(a);
    }
    light->setChecked(true);
    QAction *presenter = view->addAction(tr("&Presenter mode"));
    presenter->setObjectName("presenterAction");
    presenter->setCheckable(true);
    presenter->setShortcut(QKeySequence(Qt::Key_F5));
    connect(presenter, &QAction::toggled, this, &MainWindow::setPresenterMode);
    view->addSeparator();
    view->addAction(m_inspectorDock->toggleViewAction());
    view->addAction(m_timelineDock->toggleViewAction());
    view->addAction(m_liveDock->toggleViewAction());

    QMenu *lesson = menuBar()->addMenu(tr("&Lesson"));
    lesson->addAction(tr("&Quiz"), QKeySequence(Qt::Key_Q), this, &MainWindow::startQuiz);
    lesson->addAction(tr("&Run selected lesson in the lab"), QKeySequence(tr("Ctrl+R")), this,
                      [this] {
                          const QString path = m_library->selectedPath();
                          if (path.isEmpty())
                              showError(tr("Nothing to run"),
                                        tr("choose a lesson in the library first (Ctrl+L)"));
                          else
                              runLessonLive(path);
                      });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard shortcuts"), QKeySequence::HelpContents, this,
                    &MainWindow::showShortcuts);
}

void MainWindow::buildShortcuts()
{
    // Step keys act on the walkthrough page only: on the library page the arrows move in the
    // list, and the quiz has its own keys.
    const std::pair<QKeySequence, void (StepPlayer::*)()> keys[] = {
        {Qt::Key_Space, &StepPlayer::togglePlay}, {Qt::Key_Right, &StepPlayer::next},
        {Qt::Key_PageDown, &StepPlayer::next},    {Qt::Key_Left, &StepPlayer::previous},
        {Qt::Key_PageUp, &StepPlayer::previous},  {Qt::Key_Home, &StepPlayer::first},
        {Qt::Key_End, &StepPlayer::last},
    };
    QList<QShortcut *> stepKeys;
    for (const auto &[key, slot] : keys) {
        auto *shortcut = new QShortcut(key, this);
        connect(shortcut, &QShortcut::activated, m_player, slot);
        stepKeys << shortcut;
    }
    auto *jump = new QShortcut(QKeySequence(tr("Ctrl+G")), this);
    connect(jump, &QShortcut::activated, this, [this] {
        if (auto *combo = m_transport->findChild<QComboBox *>("stepJump")) {
            combo->setFocus();
            combo->showPopup();
        }
    });
    stepKeys << jump;
    auto *back = new QShortcut(Qt::Key_Escape, this);
    connect(back, &QShortcut::activated, this, [this] {
        if (m_walkthrough)
            showPage(Page::Walkthrough);
    });
    connect(m_pages, &QStackedWidget::currentChanged, this, [this, stepKeys](int) {
        const bool walking = currentPage() == Page::Walkthrough;
        for (QShortcut *s : stepKeys)
            s->setEnabled(walking);
    });
}

void MainWindow::showPage(Page page)
{
    m_pages->setCurrentIndex(static_cast<int>(page));
    if (page == Page::Library)
        m_library->setFocus();
    else if (page == Page::Quiz)
        m_quiz->setFocus();
    else
        setFocus();
}

MainWindow::Page MainWindow::currentPage() const
{
    return static_cast<Page>(m_pages->currentIndex());
}

Status MainWindow::openBundle(const QString &dir)
{
    auto walkthrough = Walkthrough::open(dir.toStdString());
    if (!walkthrough)
        return walkthrough.error();
    setWalkthrough(std::make_unique<Walkthrough>(std::move(walkthrough).value()));
    switch (m_walkthrough->origin()) {
    case TraceOrigin::Synthetic:
        m_status->setText(tr("SYNTHETIC trace: its %1 events are made up, nothing in it was "
                             "captured; %2 of %3 steps match them")
                              .arg(m_walkthrough->events().size())
                              .arg(m_walkthrough->matchedCount())
                              .arg(m_walkthrough->stepCount()));
        break;
    case TraceOrigin::ExplainOnly:
        m_status->setText(tr("Explain-only bundle: nothing was run, so no step is observed."));
        break;
    case TraceOrigin::Live:
    case TraceOrigin::Recording:
        m_status->setText(tr("Recording: %1 of %2 steps observed, %3 events")
                              .arg(m_walkthrough->observedCount())
                              .arg(m_walkthrough->stepCount())
                              .arg(m_walkthrough->events().size()));
        break;
    }
    return success();
}

Status MainWindow::explainLesson(const QString &path)
{
    auto walkthrough = Walkthrough::fromLessonFile(path.toStdString());
    if (!walkthrough)
        return walkthrough.error();
    setWalkthrough(std::make_unique<Walkthrough>(std::move(walkthrough).value()));
    m_status->setText(tr("Explaining %1: nothing is run, so no step is observed. Run it "
                         "(Ctrl+R) to see the evidence.")
                          .arg(QString::fromStdString(m_walkthrough->lesson().title)));
    return success();
}

void MainWindow::runLessonLive(const QString &path)
{
    if (m_session->isBusy()) {
        showError(tr("The lab is busy"), tr("wait for the current run to finish"));
        emit liveRunFinished(2, tr("the lab is busy with another run"));
        return;
    }
    auto lesson = loadLesson(path.toStdString());
    if (!lesson) {
        showError(tr("Cannot run the lesson"), QString::fromStdString(lesson.error().message()));
        emit liveRunFinished(2, QString::fromStdString(lesson.error().message()));
        return;
    }
    if (auto s = m_session->ping(); !s) {
        const QString why = QString::fromStdString(s.error().message());
        showError(tr("Cannot reach flowlabd"), why);
        emit liveRunFinished(2, why);
        return;
    }
    m_live->pollNow();
    m_liveRun = std::make_unique<LiveRun>();
    m_liveRun->lessonPath = path;
    m_liveRun->lessonSource = lesson->source;
    m_liveRun->startNs = monotonicNowNs();
    m_liveRun->sinceSeq = m_live->lastSeq();
    m_liveDock->raise();
    m_status->setText(tr("Running %1 in the lab…").arg(QString::fromStdString(lesson->title)));
    m_session->runLesson(path);
}

void MainWindow::showEvidenceSoFar(const std::vector<Event> &events)
{
    if (!m_liveRun)
        return;
    for (const Event &event : events)
        if (event.seq > m_liveRun->sinceSeq && event.monotonicNs >= m_liveRun->startNs)
            m_liveRun->events.push_back(event);
    auto lesson = parseLesson(m_liveRun->lessonSource.dump(), m_liveRun->lessonPath.toStdString());
    if (!lesson)
        return;
    // Each action's window closes as the daemon reports the action's end; steps that look in
    // a window still open are shown as seen so far, not observed. The daemon's final check
    // replaces all of this when the run ends.
    auto walkthrough = Walkthrough::fromBundle(
        liveBundleSoFar(*lesson, m_liveRun->events, m_liveRun->startNs, monotonicNowNs()));
    if (!walkthrough)
        return;
    int latest = 0;
    for (int i = 0; i < walkthrough->stepCount(); ++i)
        if (walkthrough->step(i).matched())
            latest = i;
    setWalkthrough(std::make_unique<Walkthrough>(std::move(walkthrough).value()));
    m_player->jumpTo(latest);
}

std::vector<std::string> MainWindow::lessonDirectories() const
{
    // The library's, the defaults, and last the lessons this app was built with, so that a
    // FLOWLAB_LESSONS_DIR of the teacher's own lessons does not hide docker-run's diagram.
    std::vector<std::string> directories = m_library->catalog().directories();
    std::vector<std::string> more = LessonCatalog::defaultDirectories();
    more.push_back(LessonCatalog::builtinDirectory());
    for (const std::string &directory : more)
        if (std::find(directories.begin(), directories.end(), directory) == directories.end())
            directories.push_back(directory);
    return directories;
}

void MainWindow::showCommandFlow(quint64 commandSeq, qint64 endNs, const QString &commandLine)
{
    // kubectl's flow is drawn on the built-in control-plane stage, docker's on docker-run's.
    Result<Lesson> stage = commandLine.startsWith("kubectl")
                               ? Result<Lesson>(kubectlCommandStage())
                               : loadCommandFlowStage(lessonDirectories());
    if (!stage)
        return showError(tr("Cannot show the command's flow"),
                         QString::fromStdString(stage.error().message()));
    const CommandSpan span{commandLine.toStdString(), commandSeq, endNs};
    auto bundle = commandFlowBundle(*stage, span, m_recentEvents);
    if (!bundle)
        return showError(tr("Cannot show the command's flow"),
                         QString::fromStdString(bundle.error().message()));
    auto walkthrough = Walkthrough::fromBundle(std::move(bundle).value());
    if (!walkthrough)
        return showError(tr("Cannot show the command's flow"),
                         QString::fromStdString(walkthrough.error().message()));
    setWalkthrough(std::make_unique<Walkthrough>(std::move(walkthrough).value()));
    m_status->setText(tr("The flow of `%1`: %2 of %3 expected hops observed in the evidence "
                         "it caused (from the command to the CLI's exit)")
                          .arg(commandLine)
                          .arg(m_walkthrough->observedCount())
                          .arg(m_walkthrough->stepCount()));
}

void MainWindow::setWalkthrough(std::unique_ptr<Walkthrough> walkthrough)
{
    // Views switch to the new walkthrough before the old one is destroyed.
    std::unique_ptr<Walkthrough> old = std::move(m_walkthrough);
    m_walkthrough = std::move(walkthrough);
    m_scene->setWalkthrough(m_walkthrough.get());
    m_inspector->setWalkthrough(m_walkthrough.get());
    m_timeline->setWalkthrough(m_walkthrough.get());
    m_transport->setWalkthrough(m_walkthrough.get());
    if (m_walkthrough)
        m_quiz->setQuiz(m_walkthrough->lesson().quiz,
                        QString::fromStdString(m_walkthrough->lesson().title));
    m_player->setStepCount(m_walkthrough ? m_walkthrough->stepCount() : 0);
    old.reset();
    updateTitle();
    showPage(m_walkthrough ? Page::Walkthrough : Page::Library);
}

void MainWindow::onStepChanged(int index, bool animate)
{
    m_scene->setSpeed(m_player->speed());
    m_scene->showStep(index, animate);
    m_inspector->showStep(index);
    m_inspector->setCurrentTab(m_inspector->preferredTab());
    m_timeline->setCurrentStep(index);
    if (currentPage() == Page::Quiz)
        showPage(Page::Walkthrough);
    if (!animate)
        m_player->stepShown();
}

void MainWindow::showStep(int index)
{
    m_player->jumpTo(index);
    m_scene->finishAnimation();
}

void MainWindow::startQuiz()
{
    if (!m_walkthrough || m_walkthrough->lesson().quiz.empty()) {
        m_status->setText(tr("This lesson has no quiz."));
        return;
    }
    m_player->pause();
    m_quiz->setQuiz(m_walkthrough->lesson().quiz,
                    QString::fromStdString(m_walkthrough->lesson().title));
    showPage(Page::Quiz);
}

void MainWindow::setScheme(Theme::Scheme scheme)
{
    ThemeManager::instance().apply(Theme::make(scheme, currentTheme().presenter));
}

void MainWindow::setPresenterMode(bool on)
{
    if (on && !currentTheme().presenter)
        m_timelineWanted = !m_timelineDock->isHidden();
    ThemeManager::instance().apply(Theme::make(currentTheme().scheme, on));
    // On a projector the diagram and the evidence get the room: the live panel and the
    // timeline step aside (the View menu brings them back) and return with the mode.
    m_liveDock->setVisible(!on);
    m_timelineDock->setVisible(!on && m_timelineWanted);
    QTimer::singleShot(0, this, &MainWindow::balanceDocks);
}

void MainWindow::updateTitle()
{
    QString title = QStringLiteral("Flowlab");
    if (m_walkthrough) {
        title += QStringLiteral(" — ") + QString::fromStdString(m_walkthrough->lesson().title);
        const QString dir = QString::fromStdString(m_walkthrough->bundleDir());
        switch (m_walkthrough->origin()) {
        case TraceOrigin::Recording:
            title += tr(" (recording: %1)").arg(dir);
            break;
        case TraceOrigin::Synthetic:
            title += dir.isEmpty() ? tr(" (SYNTHETIC: nothing captured)")
                                   : tr(" (SYNTHETIC, nothing captured: %1)").arg(dir);
            break;
        case TraceOrigin::ExplainOnly:
            title += tr(" (explain-only)");
            break;
        case TraceOrigin::Live:
            title += m_walkthrough->inProgress() ? tr(" (live, running)") : tr(" (live)");
            break;
        }
    }
    setWindowTitle(title);
}

void MainWindow::showError(const QString &what, const QString &message)
{
    m_status->setText(what + ": " + message);
    // Offscreen (tests, scripted exports) nobody can press OK: the status line and the
    // return values carry the message there.
    if (QGuiApplication::platformName() != QLatin1String("offscreen"))
        QMessageBox::warning(this, what, message);
}

void MainWindow::openBundleDialog()
{
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Open a recording (a bundle directory with trace.json)"));
    if (dir.isEmpty())
        return;
    if (auto s = openBundle(dir); !s)
        showError(tr("Cannot open the recording"), QString::fromStdString(s.error().message()));
}

void MainWindow::saveBundleDialog()
{
    if (!m_walkthrough)
        return showError(tr("Nothing to save"), tr("open or run a lesson first"));
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Save the bundle into"));
    if (dir.isEmpty())
        return;
    if (auto s = saveBundle(*m_walkthrough, dir); !s)
        showError(tr("Cannot save the bundle"), QString::fromStdString(s.error().message()));
    else
        m_status->setText(tr("Saved the bundle in %1").arg(dir));
}

void MainWindow::exportDiagramDialog(const QString &format)
{
    if (!m_walkthrough)
        return showError(tr("Nothing to export"), tr("open or run a lesson first"));
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export the diagram"),
        QStringLiteral("step-%1.%2").arg(m_player->currentStep() + 1).arg(format),
        format == "svg" ? tr("SVG images (*.svg)") : tr("PNG images (*.png)"));
    if (path.isEmpty())
        return;
    const Status s =
        format == "svg" ? exportDiagramSvg(*m_scene, path) : exportDiagramPng(*m_scene, path);
    if (!s)
        showError(tr("Cannot export the diagram"), QString::fromStdString(s.error().message()));
    else
        m_status->setText(tr("Exported %1").arg(path));
}

void MainWindow::exportSlidesDialog()
{
    if (!m_walkthrough)
        return showError(tr("Nothing to export"), tr("open or run a lesson first"));
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Export the slides into"));
    if (dir.isEmpty())
        return;
    auto slides = exportSlides(*m_walkthrough, dir, [this](const std::string &line) {
        m_status->setText(QString::fromStdString(line));
        QCoreApplication::processEvents(QEventLoop::ExcludeUserInputEvents);
    });
    if (!slides)
        showError(tr("Cannot export the slides"), QString::fromStdString(slides.error().message()));
    else
        m_status->setText(tr("Exported %1 slides to %2/index.html").arg(*slides).arg(dir));
}

void MainWindow::exportFileDialog(const QString &kind)
{
    if (!m_walkthrough)
        return showError(tr("Nothing to export"), tr("open or run a lesson first"));
    const bool pcap = kind == "pcapng";
    const QString path = QFileDialog::getSaveFileName(
        this, pcap ? tr("Export packets") : tr("Export the trace for Perfetto"),
        pcap ? QStringLiteral("capture.pcapng") : QStringLiteral("trace-events.json"),
        pcap ? tr("pcapng captures (*.pcapng)") : tr("Trace events (*.json)"));
    if (path.isEmpty())
        return;
    const Status s =
        pcap ? exportPcapng(*m_walkthrough, path) : exportTraceEvents(*m_walkthrough, path);
    if (!s)
        showError(tr("Cannot export"), QString::fromStdString(s.error().message()));
    else
        m_status->setText(tr("Exported %1").arg(path));
}

void MainWindow::showShortcuts()
{
    QMessageBox::information(
        this, tr("Keyboard shortcuts"),
        tr("<table cellpadding=4>"
           "<tr><td><b>Space</b></td><td>play / pause</td></tr>"
           "<tr><td><b>→</b> or <b>Page Down</b></td><td>next step</td></tr>"
           "<tr><td><b>←</b> or <b>Page Up</b></td><td>previous step</td></tr>"
           "<tr><td><b>Home</b> / <b>End</b></td><td>first / last step</td></tr>"
           "<tr><td><b>Ctrl+G</b></td><td>jump to a step</td></tr>"
           "<tr><td><b>Q</b></td><td>the lesson's quiz</td></tr>"
           "<tr><td><b>Esc</b></td><td>back to the walkthrough</td></tr>"
           "<tr><td><b>Ctrl+L</b></td><td>lesson library</td></tr>"
           "<tr><td><b>Ctrl+O</b> / <b>Ctrl+S</b></td><td>open / save a bundle</td></tr>"
           "<tr><td><b>Ctrl+E</b> / <b>Ctrl+Shift+E</b></td><td>export the diagram / "
           "slides</td></tr>"
           "<tr><td><b>F5</b></td><td>presenter mode</td></tr>"
           "</table>"));
}

} // namespace flowlab
