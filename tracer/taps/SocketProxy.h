#pragma once

// The byte pump under every tap: listens on a unix socket and, for each client, connects to the
// upstream socket and forwards every byte both ways as soon as it arrives, never waiting for a
// whole message. Half-close and backpressure pass through, so streams, hijacked sessions and
// long uploads behave exactly as without the tap. Each connection shows a copy of its bytes to a
// ProxyObserver, which decodes them; decoding trouble never stops forwarding.
//
// HttpTap (Docker API) and GrpcTap (containerd) are this proxy with different observers and a
// different answer for a client whose upstream cannot be reached.

#include "tracer/base/Result.h"

#include <QObject>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

class QLocalServer;

namespace flowlab {

struct SocketProxyOptions
{
    std::string listenPath;           // where clients connect, e.g. /run/flowlab/docker-tap.sock
    std::string upstreamPath;         // the real socket, e.g. /run/flowlab/docker.sock
    std::optional<std::string> group; // group owning the listening socket, e.g. "docker"
    mode_t mode = 0660;               // permission bits of the listening socket
    std::string tapName = "tap";      // in logs and errors: "docker tap", "containerd tap"
    std::string upstreamName = "upstream"; // in errors and end reasons: "dockerd", "containerd"
};

// Watches one proxied connection. Each call comes after the bytes were forwarded, so an
// observer only ever sees; one that throws is dropped and the connection carries on without it.
class ProxyObserver
{
public:
    virtual ~ProxyObserver() = default;
    virtual void clientBytes(std::string_view bytes) = 0;
    virtual void upstreamBytes(std::string_view bytes) = 0;
    // That side will send no more (EOF or a failed socket).
    virtual void clientClosed() = 0;
    virtual void upstreamClosed() = 0;
    // The connection is gone; `reason` says who ended it. The last call the observer gets.
    virtual void connectionClosed(const std::string &reason) = 0;
};

// Talks to a client whose upstream could not be reached, e.g. to answer an HTTP request with a
// 502 the CLI can print.
class UnreachableUpstreamResponder
{
public:
    virtual ~UnreachableUpstreamResponder() = default;
    // Bytes the client sent. Returns the reply once there is one; the proxy sends it, then
    // half-closes towards the client and waits (briefly) for the client to close.
    virtual std::optional<std::string> clientBytes(std::string_view bytes) = 0;
};

struct SocketProxyHooks
{
    // Connection `id` reached the upstream: what watches its bytes (null: nothing does).
    std::function<std::unique_ptr<ProxyObserver>(std::uint64_t id)> observe;
    // Connection `id` could not reach the upstream: what answers the client. Null (or no hook)
    // closes the client at once, which is all a client can understand in some protocols.
    std::function<std::unique_ptr<UnreachableUpstreamResponder>(std::uint64_t id,
                                                                const Error &error)>
        unreachable;
};

class SocketProxy : public QObject
{
    Q_OBJECT

public:
    // How long a connection may linger once it cannot carry traffic any more (the upstream gone
    // while the client holds on, or an unreachable-upstream reply sent and the client not
    // closing).
    static constexpr int kLingerMs = 5000;

    SocketProxy(SocketProxyOptions options, SocketProxyHooks hooks, QObject *parent = nullptr);
    ~SocketProxy() override;

    // Listens on options.listenPath. A stale socket file left by a dead process is replaced; a
    // live one, or a file that is not a socket, is an error.
    Status start();
    // Stops listening and closes every connection, telling observers what was still open.
    void stop();

    bool isListening() const;
    std::size_t connectionCount() const { return m_connections.size(); }
    // Bytes read from one side and not yet written to the other, over all connections. Bounded
    // by backpressure: about StreamSocket::kHighWater plus one read per direction.
    std::size_t bufferedBytes() const;
    const SocketProxyOptions &options() const { return m_options; }

signals:
    void connectionOpened(quint64 id);
    void connectionClosed(quint64 id);

private:
    class Connection;

    void accept(quintptr descriptor);
    void finished(quint64 id);

    SocketProxyOptions m_options;
    SocketProxyHooks m_hooks;
    std::unique_ptr<QLocalServer> m_server;
    std::map<quint64, std::unique_ptr<Connection>> m_connections;
    quint64 m_nextConnection = 1;
};

} // namespace flowlab
