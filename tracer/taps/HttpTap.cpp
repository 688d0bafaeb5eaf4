#include "tracer/taps/HttpTap.h"

#include "tracer/taps/DockerApiRecorder.h"
#include "tracer/taps/StreamSocket.h"

#include <QLocalServer>
#include <QTimer>
#include <cerrno>
#include <functional>
#include <grp.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace flowlab {

namespace {

// How long a connection may linger once it cannot carry traffic any more (dockerd gone while
// the client holds on, or a 502 answered and the client not closing).
constexpr int kLingerMs = 5000;

// Receives accepted descriptors instead of letting QLocalServer wrap them in QLocalSocket,
// which cannot half-close (see StreamSocket.h).
class DescriptorServer : public QLocalServer
{
public:
    explicit DescriptorServer(std::function<void(quintptr)> accepted)
        : m_accepted(std::move(accepted))
    {}

protected:
    void incomingConnection(quintptr descriptor) override { m_accepted(descriptor); }

private:
    std::function<void(quintptr)> m_accepted;
};

// A socket file nobody listens on is left behind by a process that died; a live one belongs to
// someone else and is not ours to take.
Status removeStaleSocket(const std::string &path)
{
    struct stat info
    {
    };
    if (::lstat(path.c_str(), &info) != 0) {
        if (errno == ENOENT)
            return success();
        return Error::fromErrno("lstat " + path);
    }
    if (!S_ISSOCK(info.st_mode))
        return Error(path + " exists and is not a socket; not replacing it");
    Result<int> probe = connectUnixSocket(path);
    if (probe) {
        ::close(*probe);
        return Error("another process is listening on " + path);
    }
    if (probe.error().errnum() != ECONNREFUSED)
        return probe.error().withContext("probing " + path);
    if (::unlink(path.c_str()) != 0)
        return Error::fromErrno("unlink stale socket " + path);
    return success();
}

Result<gid_t> groupId(const std::string &name)
{
    std::vector<char> buffer(16 * 1024);
    group entry{};
    group *found = nullptr;
    const int rc = ::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (rc != 0)
        return Error("getgrnam_r " + name, rc);
    if (!found)
        return Error("getgrnam_r " + name + ": no such group");
    return found->gr_gid;
}

// Qt creates the socket in a private directory and renames it into place when any access
// option is set, so it is never reachable with looser permissions than asked for.
QLocalServer::SocketOptions accessOptions(mode_t mode)
{
    QLocalServer::SocketOptions options = QLocalServer::NoOptions;
    if (mode & S_IRWXU)
        options |= QLocalServer::UserAccessOption;
    if (mode & S_IRWXG)
        options |= QLocalServer::GroupAccessOption;
    if (mode & S_IRWXO)
        options |= QLocalServer::OtherAccessOption;
    return options == QLocalServer::NoOptions ? QLocalServer::UserAccessOption : options;
}

} // namespace

// One client connection: two StreamSockets and the recorder that watches the bytes go by.
class HttpTap::Connection : public QObject
{
public:
    Connection(HttpTap &tap, quint64 id, int clientDescriptor)
        : m_tap(tap)
        , m_id(id)
        , m_client(std::make_unique<StreamSocket>(clientDescriptor, "client"))
    {
        m_linger.setSingleShot(true);
        connect(&m_linger, &QTimer::timeout, this, [this] { finish(m_endReason); });
    }

    void start()
    {
        Result<std::unique_ptr<StreamSocket>> upstream =
            StreamSocket::connectTo(m_tap.m_options.upstreamPath, "dockerd");
        if (!upstream) {
            startBadGateway(upstream.error());
            return;
        }
        m_upstream = std::move(*upstream);
        m_recorder = std::make_unique<DockerApiRecorder>(
            m_tap.m_log, m_id,
            DockerApiRecorderOptions{m_tap.m_options.source, m_tap.m_options.bodyCap});
        m_client->setHandlers({
            [this](std::string_view bytes) { onClientData(bytes); },
            [this] { onClientEnd(); },
            [this](const Error &error) { onSocketFailed(Side::Client, error); },
            [this] { m_upstream->setReadPaused(false); },
            [this] { maybeFinish(); },
        });
        m_upstream->setHandlers({
            [this](std::string_view bytes) { onUpstreamData(bytes); },
            [this] { onUpstreamEnd(); },
            [this](const Error &error) { onSocketFailed(Side::Upstream, error); },
            [this] { m_client->setReadPaused(false); },
            [this] { maybeFinish(); },
        });
    }

    // The tap is stopping: record what is open and close both sides now.
    void abort(const std::string &reason) { finish(reason); }

    std::size_t bufferedBytes() const
    {
        return m_client->pendingWriteBytes() + (m_upstream ? m_upstream->pendingWriteBytes() : 0);
    }

private:
    enum class Side { Client, Upstream };

    // Recording must never cost forwarding: a recorder that throws is dropped.
    template <typename F> void record(F &&call)
    {
        if (!m_recorder)
            return;
        try {
            call(*m_recorder);
        } catch (const std::exception &e) {
            spdlog::warn("docker tap, connection {}: recording failed, forwarding without it: {}",
                         m_id, e.what());
            m_recorder.reset();
        }
    }

    void onClientData(std::string_view bytes)
    {
        m_upstream->write(bytes); // forward first: the recorder only watches
        if (m_upstream->writeBufferFull())
            m_client->setReadPaused(true);
        record([&](DockerApiRecorder &r) { r.clientBytes(bytes); });
    }

    void onUpstreamData(std::string_view bytes)
    {
        m_client->write(bytes);
        if (m_client->writeBufferFull())
            m_upstream->setReadPaused(true);
        record([&](DockerApiRecorder &r) { r.daemonBytes(bytes); });
    }

    void onClientEnd()
    {
        if (m_endReason.empty())
            m_endReason = "the client closed the connection";
        record([](DockerApiRecorder &r) { r.clientClosed(); });
        m_upstream->shutdownWrite(); // half-close: dockerd may still answer
        maybeFinish();
    }

    void onUpstreamEnd()
    {
        if (m_endReason.empty())
            m_endReason = "dockerd closed the connection";
        record([](DockerApiRecorder &r) { r.daemonClosed(); });
        m_client->shutdownWrite();
        maybeFinish();
    }

    void onSocketFailed(Side side, const Error &error)
    {
        const bool client = side == Side::Client;
        spdlog::info("docker tap, connection {}: {}", m_id, error.message());
        if (m_endReason.empty())
            m_endReason = std::string(client ? "the client" : "dockerd") +
                          " connection failed: " + error.message();
        if (client) {
            // Nobody is left to answer; closing tells dockerd to cancel what it is doing.
            record([](DockerApiRecorder &r) { r.clientClosed(); });
            finish(m_endReason);
            return;
        }
        record([](DockerApiRecorder &r) { r.daemonClosed(); });
        m_client->shutdownWrite(); // after what dockerd already sent
        m_linger.start(kLingerMs);
        maybeFinish();
    }

    void maybeFinish()
    {
        const auto done = [](const std::unique_ptr<StreamSocket> &socket) {
            return !socket || !socket->isOpen() ||
                   (socket->readFinished() && socket->writeFinished());
        };
        if (done(m_client) && done(m_upstream))
            finish(m_endReason);
    }

    void finish(const std::string &reason)
    {
        if (m_finished)
            return;
        m_finished = true;
        m_linger.stop();
        const std::string why = reason.empty() ? "the connection closed" : reason;
        record([&](DockerApiRecorder &r) { r.connectionClosed(why); });
        m_client->close();
        if (m_upstream)
            m_upstream->close();
        m_tap.finished(m_id);
    }

    void startBadGateway(const Error &error)
    {
        m_upstreamError = error;
        spdlog::warn("docker tap, connection {}: dockerd is not reachable at {}: {}", m_id,
                     m_tap.m_options.upstreamPath, error.message());
        // The CLI must have sent its request before it reads an answer, or it reports a
        // broken pipe instead of our message.
        m_gatewayParser = std::make_unique<HttpMessageParser>(HttpMessageType::Request, 0);
        m_gatewayParser->setHandlers(
            {nullptr, nullptr, [this](const HttpMessage &m) { answerBadGateway(m); }, nullptr});
        m_client->setHandlers({
            [this](std::string_view bytes) {
                if (!m_answered && !m_gatewayParser->feed(bytes))
                    answerBadGateway(HttpMessage{});
            },
            [this] {
                if (m_endReason.empty())
                    m_endReason = "the client closed the connection";
                if (!m_answered)
                    finish(m_endReason);
                else
                    maybeFinish();
            },
            [this](const Error &e) { finish("the client connection failed: " + e.message()); },
            nullptr,
            [this] { maybeFinish(); },
        });
        m_linger.start(kLingerMs);
    }

    void answerBadGateway(const HttpMessage &request)
    {
        if (m_answered)
            return;
        m_answered = true;
        const std::string &upstream = m_tap.m_options.upstreamPath;
        const std::string message = "flowlab tap: dockerd is not reachable at " + upstream + ": " +
                                    m_upstreamError->message();
        const std::string body = nlohmann::json{{"message", message}}.dump() + "\n";
        std::string response = "HTTP/1.1 502 Bad Gateway\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: " +
                               std::to_string(body.size()) +
                               "\r\n"
                               "Connection: close\r\n\r\n";
        if (request.method != "HEAD")
            response += body;
        m_client->write(response);
        m_client->shutdownWrite();
        m_linger.start(kLingerMs);

        Event event;
        event.kind = EventKind::Log;
        event.source = EventSource{"flowlab-tap", m_tap.m_options.source.node, 0, ""};
        const std::string call =
            request.method.empty() ? "a request" : request.method + " " + request.path;
        event.summary = call + " → 502: dockerd is not reachable at " + upstream + ": " +
                        m_upstreamError->message();
        event.attributes = {{"connection", m_id},   {"level", "error"},
                            {"upstream", upstream}, {"error", m_upstreamError->message()},
                            {"status", 502},        {"method", request.method},
                            {"path", request.path}};
        try {
            m_tap.m_log.append(std::move(event));
        } catch (const std::exception &e) {
            spdlog::warn("docker tap, connection {}: recording failed: {}", m_id, e.what());
        }
    }

    HttpTap &m_tap;
    quint64 m_id;
    std::unique_ptr<StreamSocket> m_client;
    std::unique_ptr<StreamSocket> m_upstream;
    std::unique_ptr<DockerApiRecorder> m_recorder;
    std::optional<Error> m_upstreamError;
    std::unique_ptr<HttpMessageParser> m_gatewayParser;
    bool m_answered = false;
    bool m_finished = false;
    std::string m_endReason;
    QTimer m_linger;
};

HttpTap::HttpTap(EventLog &log, HttpTapOptions options, QObject *parent)
    : QObject(parent)
    , m_log(log)
    , m_options(std::move(options))
{}

HttpTap::~HttpTap()
{
    // Not inside the server's notification here, so it can go at once, not via the event loop.
    if (m_server)
        m_server->close();
    m_server.reset();
    stop();
}

bool HttpTap::isListening() const
{
    return m_server && m_server->isListening();
}

Status HttpTap::start()
{
    const std::string &path = m_options.listenPath;
    const std::string what = "starting the docker tap on " + path;
    if (isListening())
        return Error("already listening").context(what);
    if (Status stale = removeStaleSocket(path); !stale)
        return std::move(stale).context(what);

    auto server = std::make_unique<DescriptorServer>([this](quintptr fd) { accept(fd); });
    server->setSocketOptions(accessOptions(m_options.mode));
    if (!server->listen(QString::fromStdString(path)))
        return Error("listen: " + server->errorString().toStdString()).context(what);

    std::optional<Error> failure;
    if (m_options.group) {
        Result<gid_t> gid = groupId(*m_options.group);
        if (!gid)
            failure = gid.error();
        else if (::chown(path.c_str(), static_cast<uid_t>(-1), *gid) != 0)
            failure = Error::fromErrno("chown " + path + " to group " + *m_options.group);
    }
    if (!failure && ::chmod(path.c_str(), m_options.mode) != 0)
        failure = Error::fromErrno("chmod " + path);
    if (failure) {
        server->close(); // also removes the socket file
        return failure->context(what);
    }
    m_server = std::move(server);
    spdlog::info("docker tap listening on {}, forwarding to {}", path, m_options.upstreamPath);
    return success();
}

void HttpTap::stop()
{
    if (m_server) {
        m_server->close();
        // stop() may run inside the server's own notification (a slot on connectionOpened).
        m_server.release()->deleteLater();
    }
    auto connections = std::move(m_connections);
    m_connections.clear();
    for (auto &[id, connection] : connections)
        connection->abort("the tap stopped");
}

std::size_t HttpTap::bufferedBytes() const
{
    std::size_t total = 0;
    for (const auto &[id, connection] : m_connections)
        total += connection->bufferedBytes();
    return total;
}

void HttpTap::accept(quintptr descriptor)
{
    const quint64 id = m_nextConnection++;
    auto connection = std::make_unique<Connection>(*this, id, static_cast<int>(descriptor));
    Connection *started = connection.get();
    m_connections.emplace(id, std::move(connection));
    emit connectionOpened(id);
    started->start();
}

void HttpTap::finished(quint64 id)
{
    const auto it = m_connections.find(id);
    if (it != m_connections.end()) {
        // Called from inside the connection's socket handlers: delete it from the event loop.
        it->second.release()->deleteLater();
        m_connections.erase(it);
    }
    emit connectionClosed(id);
}

} // namespace flowlab
