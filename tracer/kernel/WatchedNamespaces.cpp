#include "tracer/kernel/WatchedNamespaces.h"

#include <cerrno>
#include <linux/netlink.h>
#include <sys/socket.h>

namespace flowlab {

Event netnsNote(const std::string &component, const std::string &netns, const std::string &text,
                const std::string &level)
{
    Event event;
    event.kind = EventKind::Log;
    event.source = {component, netns, 0, netns};
    event.summary = text;
    event.attributes = {{"netns", netns}, {"level", level}};
    return event;
}

Result<bool> receiveAvailable(int fd, const char *call,
                              const std::function<void(const char *, std::size_t)> &chunk)
{
    bool overrun = false;
    alignas(nlmsghdr) char buffer[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n >= 0) {
            chunk(buffer, std::size_t(n));
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return overrun;
        if (errno == EINTR)
            continue;
        if (errno == ENOBUFS) {
            overrun = true;
            continue;
        }
        return Error::fromErrno(call);
    }
}

void setReceiveBuffer(int fd, int bytes)
{
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

} // namespace flowlab
