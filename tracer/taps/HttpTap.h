#pragma once

// A transparent, recording tap on the Docker API unix socket. The docker CLI connects to the
// tap (DOCKER_HOST=unix:///run/flowlab/docker-tap.sock); for each client the tap connects to the
// private dockerd's socket and forwards every byte both ways as soon as it arrives, never
// waiting for a whole message, so pull progress, `logs -f` and hijacked attach/exec sessions
// behave exactly as without it. A copy of the bytes goes to a DockerApiRecorder, which appends
// "api" events to the EventLog (see DockerApiEvent.h). Decoding trouble never stops forwarding.
//
// If dockerd cannot be reached, each client's first request is answered with
// "502 Bad Gateway" and {"message": "flowlab tap: dockerd is not reachable at <path>: <error>"},
// which the docker CLI prints.

#include "tracer/base/Result.h"
#include "tracer/model/EventLog.h"
#include "tracer/taps/HttpMessageParser.h"

#include <QObject>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>

namespace flowlab {

class SocketProxy;

struct HttpTapOptions
{
    std::string listenPath;           // where clients connect, e.g. /run/flowlab/docker-tap.sock
    std::string upstreamPath;         // the dockerd socket, e.g. /run/flowlab/docker.sock
    std::optional<std::string> group; // group owning the tap socket, e.g. "docker"
    mode_t mode = 0660;               // permission bits of the tap socket
    EventSource source{"dockerd", "", 0, ""}; // the callee the API events are about
    std::size_t bodyCap = HttpMessageParser::kDefaultBodyCap;
};

class HttpTap : public QObject
{
    Q_OBJECT

public:
    HttpTap(EventLog &log, HttpTapOptions options, QObject *parent = nullptr);
    ~HttpTap() override;

    // Listens on options.listenPath. A stale socket file left by a dead process is replaced; a
    // live one, or a file that is not a socket, is an error.
    Status start();
    // Stops listening and closes every connection, recording what was still open.
    void stop();

    bool isListening() const;
    std::size_t connectionCount() const;
    // Bytes read from one side and not yet written to the other, over all connections. Bounded
    // by backpressure: about StreamSocket::kHighWater plus one read per direction.
    std::size_t bufferedBytes() const;
    const HttpTapOptions &options() const { return m_options; }

signals:
    void connectionOpened(quint64 id);
    void connectionClosed(quint64 id);

private:
    EventLog &m_log;
    HttpTapOptions m_options;
    std::unique_ptr<SocketProxy> m_proxy; // the byte pump; this class adds the Docker decoding
};

} // namespace flowlab
