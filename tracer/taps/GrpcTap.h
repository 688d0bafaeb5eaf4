#pragma once

// A transparent, recording tap on containerd's gRPC socket. flowlabd points the private
// dockerd's `containerd` setting at the tap (e.g. /run/flowlab/containerd-tap.sock); for each
// connection the tap connects to containerd's real socket and forwards every byte both ways as
// soon as it arrives (see SocketProxy), so long-lived streams such as Events/Subscribe and big
// Content/Write uploads behave as without it. A copy of the bytes goes to a GrpcCallRecorder,
// which appends "grpc" events (see GrpcCallEvent.h). Decoding trouble never stops forwarding.
//
// If containerd cannot be reached, the client's connection is closed after a "log" event: a gRPC
// client cannot read an explanation, but it reports the closed connection and retries.

#include "tracer/base/Result.h"
#include "tracer/model/EventLog.h"
#include "tracer/taps/ProtobufWireDecoder.h"

#include <QObject>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>

namespace flowlab {

class SocketProxy;

struct GrpcTapOptions
{
    std::string listenPath;   // where dockerd connects, e.g. /run/flowlab/containerd-tap.sock
    std::string upstreamPath; // containerd's socket, e.g. /run/flowlab/containerd/containerd.sock
    std::optional<std::string> group;            // group owning the tap socket
    mode_t mode = 0660;                          // permission bits of the tap socket
    EventSource source{"containerd", "", 0, ""}; // the callee the events are about
    std::string caller = "dockerd";              // who connects to the tap
    ProtobufDecodeLimits fieldLimits;            // bounds of the generic message decode
};

class GrpcTap : public QObject
{
    Q_OBJECT

public:
    GrpcTap(EventLog &log, GrpcTapOptions options, QObject *parent = nullptr);
    ~GrpcTap() override;

    // Listens on options.listenPath. A stale socket file left by a dead process is replaced; a
    // live one, or a file that is not a socket, is an error.
    Status start();
    // Stops listening and closes every connection, recording the calls still open.
    void stop();

    bool isListening() const;
    std::size_t connectionCount() const;
    // Bytes read from one side and not yet written to the other, over all connections.
    std::size_t bufferedBytes() const;
    const GrpcTapOptions &options() const { return m_options; }

signals:
    void connectionOpened(quint64 id);
    void connectionClosed(quint64 id);

private:
    EventLog &m_log;
    GrpcTapOptions m_options;
    std::unique_ptr<SocketProxy> m_proxy;
};

} // namespace flowlab
