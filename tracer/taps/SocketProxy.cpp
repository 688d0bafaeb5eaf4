#include "tracer/taps/SocketProxy.h"

#include "tracer/taps/StreamSocket.h"

#include <QLocalServer>
#include <QTimer>
#include <cerrno>
#include <grp.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace flowlab {

namespace {

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

// One client connection: two StreamSockets and the observer that watches the bytes go by.
class SocketProxy::Connection : public QObject
{
public:
    Connection(SocketProxy &proxy, quint64 id, int clientDescriptor)
        : m_proxy(proxy)
        , m_id(id)
        , m_client(std::make_unique<StreamSocket>(clientDescriptor, "client"))
    {
        m_linger.setSingleShot(true);
        connect(&m_linger, &QTimer::timeout, this, [this] { finish(m_endReason); });
    }

    void start()
    {
        const SocketProxyOptions &o = m_proxy.m_options;
        Result<std::unique_ptr<StreamSocket>> upstream =
            StreamSocket::connectTo(o.upstreamPath, o.upstreamName);
        if (!upstream) {
            startUnreachable(upstream.error());
            return;
        }
        m_upstream = std::move(*upstream);
        if (m_proxy.m_hooks.observe)
            m_observer = m_proxy.m_hooks.observe(m_id);
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

    // The proxy is stopping: tell the observer what is open and close both sides now.
    void abort(const std::string &reason) { finish(reason); }

    std::size_t bufferedBytes() const
    {
        return m_client->pendingWriteBytes() + (m_upstream ? m_upstream->pendingWriteBytes() : 0);
    }

private:
    enum class Side { Client, Upstream };

    const std::string &tapName() const { return m_proxy.m_options.tapName; }
    const std::string &upstreamName() const { return m_proxy.m_options.upstreamName; }

    // Observing must never cost forwarding: an observer that throws is dropped.
    template <typename F> void observe(F &&call)
    {
        if (!m_observer)
            return;
        try {
            call(*m_observer);
        } catch (const std::exception &e) {
            spdlog::warn("{}, connection {}: recording failed, forwarding without it: {}",
                         tapName(), m_id, e.what());
            m_observer.reset();
        }
    }

    void onClientData(std::string_view bytes)
    {
        m_upstream->write(bytes); // forward first: the observer only watches
        if (m_upstream->writeBufferFull())
            m_client->setReadPaused(true);
        observe([&](ProxyObserver &o) { o.clientBytes(bytes); });
    }

    void onUpstreamData(std::string_view bytes)
    {
        m_client->write(bytes);
        if (m_client->writeBufferFull())
            m_upstream->setReadPaused(true);
        observe([&](ProxyObserver &o) { o.upstreamBytes(bytes); });
    }

    void onClientEnd()
    {
        if (m_endReason.empty())
            m_endReason = "the client closed the connection";
        observe([](ProxyObserver &o) { o.clientClosed(); });
        m_upstream->shutdownWrite(); // half-close: the upstream may still answer
        maybeFinish();
    }

    void onUpstreamEnd()
    {
        if (m_endReason.empty())
            m_endReason = upstreamName() + " closed the connection";
        observe([](ProxyObserver &o) { o.upstreamClosed(); });
        m_client->shutdownWrite();
        maybeFinish();
    }

    void onSocketFailed(Side side, const Error &error)
    {
        const bool client = side == Side::Client;
        spdlog::info("{}, connection {}: {}", tapName(), m_id, error.message());
        if (m_endReason.empty())
            m_endReason = (client ? std::string("the client") : upstreamName()) +
                          " connection failed: " + error.message();
        if (client) {
            // Nobody is left to answer; closing tells the upstream to cancel what it is doing.
            observe([](ProxyObserver &o) { o.clientClosed(); });
            finish(m_endReason);
            return;
        }
        observe([](ProxyObserver &o) { o.upstreamClosed(); });
        m_client->shutdownWrite(); // after what the upstream already sent
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
        observe([&](ProxyObserver &o) { o.connectionClosed(why); });
        // The connection itself is deleted later, maybe after the event log is gone.
        m_observer.reset();
        m_responder.reset();
        m_client->close();
        if (m_upstream)
            m_upstream->close();
        m_proxy.finished(m_id);
    }

    void startUnreachable(const Error &error)
    {
        spdlog::warn("{}, connection {}: {} is not reachable at {}: {}", tapName(), m_id,
                     upstreamName(), m_proxy.m_options.upstreamPath, error.message());
        if (m_proxy.m_hooks.unreachable)
            m_responder = m_proxy.m_hooks.unreachable(m_id, error);
        if (!m_responder) {
            finish(upstreamName() + " is not reachable: " + error.message());
            return;
        }
        m_client->setHandlers({
            [this](std::string_view bytes) {
                if (m_answered || !m_responder)
                    return;
                std::optional<std::string> reply;
                try {
                    reply = m_responder->clientBytes(bytes);
                } catch (const std::exception &e) {
                    spdlog::warn("{}, connection {}: answering failed: {}", tapName(), m_id,
                                 e.what());
                    finish("answering the client failed");
                    return;
                }
                if (reply)
                    answer(*reply);
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

    void answer(const std::string &reply)
    {
        m_answered = true;
        m_client->write(reply);
        m_client->shutdownWrite();
        m_linger.start(kLingerMs);
    }

    SocketProxy &m_proxy;
    quint64 m_id;
    std::unique_ptr<StreamSocket> m_client;
    std::unique_ptr<StreamSocket> m_upstream;
    std::unique_ptr<ProxyObserver> m_observer;
    std::unique_ptr<UnreachableUpstreamResponder> m_responder;
    bool m_answered = false;
    bool m_finished = false;
    std::string m_endReason;
    QTimer m_linger;
};

SocketProxy::SocketProxy(SocketProxyOptions options, SocketProxyHooks hooks, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_hooks(std::move(hooks))
{}

SocketProxy::~SocketProxy()
{
    // Not inside the server's notification here, so it can go at once, not via the event loop.
    if (m_server)
        m_server->close();
    m_server.reset();
    stop();
}

bool SocketProxy::isListening() const
{
    return m_server && m_server->isListening();
}

Status SocketProxy::start()
{
    const std::string &path = m_options.listenPath;
    const std::string what = "starting the " + m_options.tapName + " on " + path;
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
    spdlog::info("{} listening on {}, forwarding to {}", m_options.tapName, path,
                 m_options.upstreamPath);
    return success();
}

void SocketProxy::stop()
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

std::size_t SocketProxy::bufferedBytes() const
{
    std::size_t total = 0;
    for (const auto &[id, connection] : m_connections)
        total += connection->bufferedBytes();
    return total;
}

void SocketProxy::accept(quintptr descriptor)
{
    const quint64 id = m_nextConnection++;
    auto connection = std::make_unique<Connection>(*this, id, static_cast<int>(descriptor));
    Connection *started = connection.get();
    m_connections.emplace(id, std::move(connection));
    emit connectionOpened(id);
    started->start();
}

void SocketProxy::finished(quint64 id)
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
