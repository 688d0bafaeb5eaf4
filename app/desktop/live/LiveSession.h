#pragma once

// The app's line to flowlabd for work that takes a while: bringing the lab up, running a
// lesson, running a command the user typed. Each call runs on its own thread with its own
// connection, so the window stays responsive; progress and the outcome come back as signals
// on the GUI thread. The app runs as the user: access is by the socket's group.

#include "tracer/base/Result.h"

#include <QObject>
#include <QString>
#include <QStringList>
#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace flowlab {

class LiveSession : public QObject
{
    Q_OBJECT
public:
    explicit LiveSession(std::string socketPath, QObject *parent = nullptr);
    ~LiveSession() override;

    const std::string &socketPath() const { return m_socketPath; }
    bool isBusy() const { return m_busy; }

    // A quick check: fails saying whether the daemon is not running or access is denied.
    Status ping() const;

    void bringLabUp();
    void takeLabDown();
    // Runs the lesson for real; lessonFinished carries the daemon's bundle directory.
    void runLesson(const QString &path);
    // A `docker ...` line, run through the recording API tap, or a `kubectl ...` line, run with
    // the lab's kubeconfig through flowlabd's recording relay (the lab must have a control
    // plane). argv starts with the program's name. commandFinished carries the sequence number
    // of the command's event and when the CLI exited (CLOCK_MONOTONIC, as events are stamped),
    // so the caller can tell what it caused.
    void runCommand(const QStringList &argv);

signals:
    void busyChanged(bool busy);
    void progress(const QString &line);
    void labChanged(bool ok, const QString &message);
    void lessonFinished(bool ok, const QString &bundleDirOrError);
    void commandOutput(const QString &text);
    void commandFinished(int exitCode, quint64 commandSeq, qint64 endNs, const QString &error);

private:
    // Runs `work` on a thread with a connected client; `done` runs on the GUI thread.
    using Work = std::function<Result<nlohmann::json>(class DaemonClient &,
                                                      const std::function<void(std::string)> &)>;
    void start(Work work, std::function<void(const Result<nlohmann::json> &)> done);

    std::string m_socketPath;
    std::atomic<bool> m_busy{false};
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace flowlab
