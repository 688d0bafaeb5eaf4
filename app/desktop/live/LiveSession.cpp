#include "app/desktop/live/LiveSession.h"

#include "engine/client/DaemonClient.h"
#include "tracer/model/Event.h"

#include <QCoreApplication>
#include <QFile>
#include <QMetaObject>
#include <QProcess>
#include <QStandardPaths>
#include <thread>
#include <unistd.h>

namespace flowlab {

LiveSession::LiveSession(std::string socketPath, QObject *parent)
    : QObject(parent)
    , m_socketPath(std::move(socketPath))
{}

LiveSession::~LiveSession()
{
    // A call still running finishes on its thread; its answer is dropped.
    *m_alive = false;
}

Status LiveSession::ping() const
{
    DaemonClient client;
    if (auto s = client.connect(m_socketPath); !s)
        return s;
    auto reply = client.call("ping", {}, {}, 3000);
    if (!reply)
        return reply.error();
    return success();
}

void LiveSession::start(Work work, std::function<void(const Result<nlohmann::json> &)> done)
{
    if (m_busy.exchange(true))
        return;
    emit busyChanged(true);
    // Answers are delivered on the GUI thread, where `alive` is also cleared: a session
    // deleted while its call runs simply never hears back.
    std::thread([this, alive = m_alive, socket = m_socketPath, work = std::move(work),
                 done = std::move(done)] {
        auto onGui = [this, alive](std::function<void()> fn) {
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [alive, fn = std::move(fn)] {
                    if (*alive)
                        fn();
                },
                Qt::QueuedConnection);
        };
        auto report = [this, onGui](std::string line) {
            onGui([this, line = QString::fromStdString(line)] { emit progress(line); });
        };
        DaemonClient client;
        Result<nlohmann::json> outcome = nlohmann::json::object();
        if (auto s = client.connect(socket); !s)
            outcome = s.error();
        else
            outcome = work(client, report);
        onGui([this, outcome = std::move(outcome), done] {
            m_busy = false;
            emit busyChanged(false);
            done(outcome);
        });
    }).detach();
}

void LiveSession::bringLabUp()
{
    start(
        [](DaemonClient &client, const std::function<void(std::string)> &report) {
            report("bringing the lab up");
            return client.call("lab.up", {}, report);
        },
        [this](const Result<nlohmann::json> &r) {
            emit labChanged(r.ok(), r ? QStringLiteral("the lab is up")
                                      : QString::fromStdString(r.error().message()));
        });
}

void LiveSession::takeLabDown()
{
    start(
        [](DaemonClient &client, const std::function<void(std::string)> &report) {
            report("taking the lab down");
            return client.call("lab.down", {}, report);
        },
        [this](const Result<nlohmann::json> &r) {
            emit labChanged(r.ok(), r ? QStringLiteral("the lab is down")
                                      : QString::fromStdString(r.error().message()));
        });
}

void LiveSession::runLesson(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        emit lessonFinished(false, path + ": " + file.errorString());
        return;
    }
    const std::string text = file.readAll().toStdString();
    start(
        [path = path.toStdString(), text](DaemonClient &client,
                                          const std::function<void(std::string)> &report) {
            return client.call("lesson.run", {{"path", path}, {"text", text}}, report);
        },
        [this, path](const Result<nlohmann::json> &r) {
            if (!r)
                emit lessonFinished(false,
                                    path + ": " + QString::fromStdString(r.error().message()));
            else
                emit lessonFinished(true, QString::fromStdString(r->value("bundle", "")));
        });
}

namespace {

// How a typed command reaches the lab: the daemon call that opens its session, and what the
// CLI is told so that it goes through Flowlab's recording path.
struct CommandRoute
{
    QString program;    // found on PATH (kubectl: $FLOWLAB_KUBECTL first)
    const char *method; // docker.session or kubectl.session
    QString missing;    // what to say when the program is not installed
};

CommandRoute routeFor(const QString &tool)
{
    if (tool == "kubectl") {
        QString program = qEnvironmentVariable("FLOWLAB_KUBECTL");
        if (program.isEmpty())
            program = QStandardPaths::findExecutable("kubectl");
        return {program, "kubectl.session",
                QObject::tr("kubectl is not installed (apt install kubernetes-client, or set "
                            "FLOWLAB_KUBECTL)")};
    }
    return {QStandardPaths::findExecutable("docker"), "docker.session",
            QObject::tr("the docker CLI is not installed (apt install docker.io)")};
}

} // namespace

void LiveSession::runCommand(const QStringList &argv)
{
    if (argv.isEmpty())
        return;
    const QString tool = argv.front();
    const CommandRoute route = routeFor(tool);
    if (route.program.isEmpty()) {
        emit commandFinished(-1, 0, 0, route.missing);
        return;
    }
    const QStringList toolArgs = argv.mid(1);
    nlohmann::json args = nlohmann::json::array();
    for (const QString &arg : toolArgs)
        args.push_back(arg.toStdString());
    start(
        [args, method = std::string(route.method)](DaemonClient &client,
                                                   const std::function<void(std::string)> &) {
            return client.call(method, {{"argv", args}, {"uid", int(::getuid())}}, {}, 5000);
        },
        [this, tool, program = route.program, toolArgs](const Result<nlohmann::json> &session) {
            if (!session) {
                emit commandFinished(-1, 0, 0, QString::fromStdString(session.error().message()));
                return;
            }
            const quint64 seq = session->value("command_seq", 0ULL);
            auto *process = new QProcess(this);
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            if (tool == "kubectl")
                // The real kubectl, through flowlabd's relay, which records every API call.
                env.insert("KUBECONFIG", QString::fromStdString(session->value("kubeconfig", "")));
            else
                // The real docker CLI, talking to the private engine through the recording tap.
                env.insert("DOCKER_HOST",
                           QString::fromStdString("unix://" + session->value("tap_socket", "")));
            process->setProcessEnvironment(env);
            process->setProcessChannelMode(QProcess::MergedChannels);
            connect(process, &QProcess::readyRead, this, [this, process] {
                emit commandOutput(QString::fromLocal8Bit(process->readAll()));
            });
            connect(process, &QProcess::finished, this, [this, process, seq](int code) {
                // The command's evidence window closes here, when the CLI has exited.
                const qint64 endNs = monotonicNowNs();
                emit commandOutput(QString::fromLocal8Bit(process->readAll()));
                m_busy = false;
                emit busyChanged(false);
                emit commandFinished(code, seq, endNs, {});
                process->deleteLater();
            });
            connect(process, &QProcess::errorOccurred, this,
                    [this, process, seq](QProcess::ProcessError error) {
                        if (error != QProcess::FailedToStart)
                            return;
                        m_busy = false;
                        emit busyChanged(false);
                        emit commandFinished(-1, seq, monotonicNowNs(), process->errorString());
                        process->deleteLater();
                    });
            m_busy = true;
            emit busyChanged(true);
            process->start(program, toolArgs);
        });
}

} // namespace flowlab
