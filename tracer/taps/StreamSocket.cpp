#include "tracer/taps/StreamSocket.h"

#include <QSocketNotifier>
#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace flowlab {

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;

bool wouldBlock(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

// Notifiers may be the ones whose activation is on the stack; delete them from the event loop.
void retire(std::unique_ptr<QSocketNotifier> &notifier)
{
    if (!notifier)
        return;
    notifier->setEnabled(false);
    notifier.release()->deleteLater();
}

} // namespace

StreamSocket::StreamSocket(int fd, std::string name)
    : m_fd(fd)
    , m_name(std::move(name))
    , m_readBuffer(kReadChunk)
{
    const int flags = ::fcntl(m_fd, F_GETFL);
    if (flags >= 0)
        ::fcntl(m_fd, F_SETFL, flags | O_NONBLOCK);
    m_readNotifier = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Read);
    m_writeNotifier = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Write);
    m_writeNotifier->setEnabled(false);
    QObject::connect(m_readNotifier.get(), &QSocketNotifier::activated, m_readNotifier.get(),
                     [this] { onReadable(); });
    QObject::connect(m_writeNotifier.get(), &QSocketNotifier::activated, m_writeNotifier.get(),
                     [this] { onWritable(); });
}

StreamSocket::~StreamSocket()
{
    close();
}

Result<int> connectUnixSocket(const std::string &path)
{
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path)
        return Error("connect: socket path is longer than " +
                     std::to_string(sizeof address.sun_path - 1) + " bytes");
    path.copy(address.sun_path, path.size());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return Error::fromErrno("socket");
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        Error error = Error::fromErrno("connect");
        ::close(fd);
        return error;
    }
    return fd;
}

Result<std::unique_ptr<StreamSocket>> StreamSocket::connectTo(const std::string &path,
                                                              std::string name)
{
    Result<int> fd = connectUnixSocket(path);
    if (!fd)
        return fd.error();
    return std::make_unique<StreamSocket>(*fd, std::move(name));
}

void StreamSocket::close()
{
    if (m_fd < 0)
        return;
    retire(m_readNotifier);
    retire(m_writeNotifier);
    ::close(m_fd);
    m_fd = -1;
    m_out.clear();
    m_outOffset = 0;
}

void StreamSocket::fail(Error error)
{
    close();
    if (m_handlers.failed)
        m_handlers.failed(error);
}

void StreamSocket::onReadable()
{
    if (m_fd < 0)
        return;
    const ssize_t n = ::read(m_fd, m_readBuffer.data(), m_readBuffer.size());
    if (n > 0) {
        if (m_handlers.data)
            m_handlers.data(std::string_view(m_readBuffer.data(), static_cast<std::size_t>(n)));
        return;
    }
    if (n == 0) {
        m_readFinished = true;
        updateReadNotifier();
        if (m_handlers.endOfStream)
            m_handlers.endOfStream();
        return;
    }
    if (!wouldBlock(errno))
        fail(Error::fromErrno("read " + m_name));
}

bool StreamSocket::flush()
{
    while (pendingWriteBytes() > 0) {
        const ssize_t n = ::send(m_fd, m_out.data() + m_outOffset, pendingWriteBytes(),
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (wouldBlock(errno))
                break;
            fail(Error::fromErrno("send " + m_name));
            return false;
        }
        m_outOffset += static_cast<std::size_t>(n);
    }
    if (m_outOffset == m_out.size()) {
        m_out.clear();
        m_outOffset = 0;
    } else if (m_outOffset > kLowWater) {
        m_out.erase(0, m_outOffset);
        m_outOffset = 0;
    }
    return true;
}

void StreamSocket::write(std::string_view bytes)
{
    if (m_fd < 0 || m_shutdownRequested || bytes.empty())
        return;
    m_out.append(bytes);
    if (!flush())
        return;
    if (pendingWriteBytes() > 0)
        m_writeNotifier->setEnabled(true);
    if (pendingWriteBytes() > kHighWater)
        m_aboveHighWater = true;
}

void StreamSocket::onWritable()
{
    if (m_fd < 0 || !flush())
        return;
    if (m_aboveHighWater && pendingWriteBytes() <= kLowWater) {
        m_aboveHighWater = false;
        if (m_handlers.drained)
            m_handlers.drained();
        if (m_fd < 0)
            return;
    }
    if (pendingWriteBytes() > 0)
        return;
    m_writeNotifier->setEnabled(false);
    if (m_shutdownRequested && !m_writeShut) {
        ::shutdown(m_fd, SHUT_WR);
        m_writeShut = true;
        if (m_handlers.writeShutDown)
            m_handlers.writeShutDown();
    }
}

void StreamSocket::shutdownWrite()
{
    if (m_fd < 0 || m_shutdownRequested)
        return;
    m_shutdownRequested = true;
    if (pendingWriteBytes() > 0)
        return; // onWritable() sends the FIN after the queue
    ::shutdown(m_fd, SHUT_WR);
    m_writeShut = true;
    if (m_handlers.writeShutDown)
        m_handlers.writeShutDown();
}

void StreamSocket::setReadPaused(bool paused)
{
    m_readPaused = paused;
    updateReadNotifier();
}

void StreamSocket::updateReadNotifier()
{
    if (m_readNotifier)
        m_readNotifier->setEnabled(!m_readPaused && !m_readFinished);
}

} // namespace flowlab
