#pragma once

// A connected unix stream socket driven by the Qt event loop: the tap's byte pump on each side.
// QLocalSocket cannot do this job: it has no half-close, and when the peer shuts down its write
// side it closes the whole socket, so `echo hi | docker run -i alpine cat` (the CLI closes its
// write side after stdin, then reads the output) would lose the output. This class owns the
// descriptor and does read(2)/send(2)/shutdown(2) itself.

#include "tracer/base/Result.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

class QSocketNotifier;

namespace flowlab {

// Connects a non-blocking, close-on-exec unix stream socket to `path` and returns its
// descriptor. A unix connect completes at once or fails (EAGAIN when the backlog is full).
// Errors read "connect: No such file or directory".
Result<int> connectUnixSocket(const std::string &path);

class StreamSocket
{
public:
    // Pending writes above kHighWater make writeBufferFull() true; drained() fires once they
    // are back down to kLowWater. The tap pauses the other side's reading in between.
    static constexpr std::size_t kHighWater = 1024 * 1024;
    static constexpr std::size_t kLowWater = 256 * 1024;

    struct Handlers
    {
        std::function<void(std::string_view)> data; // bytes read, as they arrive
        std::function<void()> endOfStream;          // the peer will send no more
        std::function<void(const Error &)> failed;  // read or write failed; the socket is closed
        std::function<void()> drained;              // pending writes fell back to kLowWater
        std::function<void()> writeShutDown;        // queued bytes sent, then our FIN
    };

    // Adopts a connected descriptor and makes it non-blocking. `name` is used in errors
    // ("read client: Connection reset by peer").
    StreamSocket(int fd, std::string name);
    ~StreamSocket();
    StreamSocket(const StreamSocket &) = delete;
    StreamSocket &operator=(const StreamSocket &) = delete;

    // Connects to the unix socket at `path`. Fails at once rather than blocking the event loop.
    static Result<std::unique_ptr<StreamSocket>> connectTo(const std::string &path,
                                                           std::string name);

    void setHandlers(Handlers handlers) { m_handlers = std::move(handlers); }

    // Sends what the kernel takes now and queues the rest. Ignored after shutdownWrite() or close.
    void write(std::string_view bytes);
    // Sends our FIN once queued bytes are out; the peer can still send to us.
    void shutdownWrite();
    void setReadPaused(bool paused);
    // Closes the descriptor now; queued bytes are dropped and no handler runs afterwards.
    void close();

    bool isOpen() const { return m_fd >= 0; }
    bool readFinished() const { return m_readFinished; }
    bool writeFinished() const { return m_writeShut; }
    std::size_t pendingWriteBytes() const { return m_out.size() - m_outOffset; }
    bool writeBufferFull() const { return pendingWriteBytes() > kHighWater; }
    const std::string &name() const { return m_name; }

private:
    void onReadable();
    void onWritable();
    bool flush();
    void updateReadNotifier();
    void fail(Error error);

    int m_fd = -1;
    std::string m_name;
    Handlers m_handlers;
    std::unique_ptr<QSocketNotifier> m_readNotifier;
    std::unique_ptr<QSocketNotifier> m_writeNotifier;
    std::vector<char> m_readBuffer;
    std::string m_out;
    std::size_t m_outOffset = 0;
    bool m_readPaused = false;
    bool m_readFinished = false;
    bool m_shutdownRequested = false;
    bool m_writeShut = false;
    bool m_aboveHighWater = false;
};

} // namespace flowlab
