#pragma once

// The live side of the window: the lab's state, the evidence as it arrives, buttons for the
// lab, and a command box for `docker ...` (and, with the Kubernetes lab, `kubectl ...`).
// It polls flowlabd once a second and says plainly when the daemon is not running or the
// user may not use it.

#include "engine/client/DaemonClient.h"
#include "tracer/model/Event.h"

#include <QWidget>
#include <memory>
#include <vector>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;
class QTimer;

namespace flowlab {

class LiveSession;

class LivePanel : public QWidget
{
    Q_OBJECT
public:
    LivePanel(LiveSession *session, QWidget *parent = nullptr);

    bool isConnected() const { return m_client != nullptr; }
    QString labPhase() const { return m_phase; }
    std::uint64_t lastSeq() const { return m_lastSeq; }
    // Runs what the user typed, as if entered in the command box.
    void runCommandLine(const QString &line);
    void pollNow() { poll(); }

signals:
    void eventsArrived(const std::vector<flowlab::Event> &events);
    // A typed command finished: its event is `commandSeq`, and the CLI exited at `endNs`
    // (CLOCK_MONOTONIC); see CommandFlow.h for what counts as caused by it.
    void commandCompleted(quint64 commandSeq, qint64 endNs, const QString &commandLine);
    void message(const QString &text);

private:
    void poll();
    void showDisconnected(const QString &why);
    void appendOutput(const QString &text);
    void applyTheme();

    LiveSession *m_session;
    std::unique_ptr<DaemonClient> m_client;
    QLabel *m_labState = nullptr;
    QPushButton *m_up = nullptr;
    QPushButton *m_down = nullptr;
    QLineEdit *m_command = nullptr;
    QPlainTextEdit *m_output = nullptr;
    QTableWidget *m_events = nullptr;
    QTimer *m_timer = nullptr;
    std::uint64_t m_lastSeq = 0;
    QString m_phase;
    QString m_pendingCommand;
};

} // namespace flowlab
