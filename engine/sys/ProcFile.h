#pragma once

// Reading a small kernel file such as /proc/PID/stat or /proc/PID/cgroup. The process may exit
// while it is read, and then read(2) fails with ESRCH: that must mean "nothing", not an
// exception (a std::ifstream's filebuf throws from underflow on a read error, and an
// istreambuf_iterator does not catch it).

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace flowlab {

// The file's content, or what could be read before an error; "" when it cannot be opened.
inline std::string readProcFile(const std::string &path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return {};
    std::string content;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            content.append(buffer, std::size_t(n));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        break;
    }
    ::close(fd);
    return content;
}

} // namespace flowlab
