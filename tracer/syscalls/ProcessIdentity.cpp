#include "tracer/syscalls/ProcessIdentity.h"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <limits.h>
#include <sstream>
#include <unistd.h>

namespace flowlab {

namespace {

// Reads a small /proc file with one read(); these files are generated whole on first read.
std::string readSmallFile(const std::string &path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return {};
    std::string content(4096, '\0');
    ssize_t got;
    while ((got = ::read(fd, content.data(), content.size())) < 0 && errno == EINTR) {
    }
    ::close(fd);
    content.resize(got > 0 ? std::size_t(got) : 0);
    return content;
}

// Versioned or suffixed executables that a lesson treats as one component.
constexpr std::array<std::pair<std::string_view, std::string_view>, 2> kComponentPrefixes{{
    {"containerd-shim", "containerd-shim"}, // containerd-shim-runc-v2, -v1
    {"docker-proxy", "docker-proxy"},
}};

std::string_view basename(std::string_view path)
{
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

} // namespace

std::optional<ProcStat> readProcStat(pid_t pid)
{
    const std::string content = readSmallFile("/proc/" + std::to_string(pid) + "/stat");
    // The command name may hold spaces and parentheses; fields resume after the last ')'.
    const auto open = content.find('(');
    const auto close = content.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open)
        return std::nullopt;
    ProcStat stat;
    stat.comm = content.substr(open + 1, close - open - 1);
    std::istringstream fields(content.substr(close + 1));
    std::string field;
    for (int index = 3; index <= 22 && (fields >> field); ++index) {
        if (index == 3)
            stat.state = field.empty() ? '?' : field[0];
        else if (index == 4)
            stat.ppid = pid_t(std::atoi(field.c_str()));
        else if (index == 22)
            stat.startTime = std::strtoull(field.c_str(), nullptr, 10);
    }
    return stat;
}

pid_t readTgid(pid_t tid)
{
    const std::string content = readSmallFile("/proc/" + std::to_string(tid) + "/status");
    const auto at = content.find("\nTgid:");
    if (at == std::string::npos)
        return 0;
    return pid_t(std::atoi(content.c_str() + at + 6));
}

std::string readProcLink(pid_t pid, std::string_view what)
{
    const std::string path = "/proc/" + std::to_string(pid) + "/" + std::string(what);
    char buffer[PATH_MAX];
    const ssize_t length = ::readlink(path.c_str(), buffer, sizeof buffer);
    if (length <= 0)
        return {};
    return std::string(buffer, std::size_t(length));
}

std::string componentName(std::string_view exe, std::string_view comm)
{
    std::string_view path = exe;
    constexpr std::string_view kDeleted = " (deleted)";
    if (path.size() > kDeleted.size() && path.ends_with(kDeleted))
        path.remove_suffix(kDeleted.size());
    // runc re-executes a sealed memfd copy of itself; the memfd's name ends in the real path.
    constexpr std::string_view kMemfd = "/memfd:";
    if (path.starts_with(kMemfd)) {
        path.remove_prefix(kMemfd.size());
        const auto colon = path.rfind(':');
        if (colon != std::string_view::npos)
            path.remove_prefix(colon + 1);
    }
    std::string_view name = basename(path);
    if (name.empty()) {
        name = comm;
        // runc's nsexec stages rename themselves "runc:[1:CHILD]".
        const auto bracket = name.find(":[");
        if (bracket != std::string_view::npos)
            name = name.substr(0, bracket);
    }
    for (const auto &[prefix, component] : kComponentPrefixes)
        if (name.starts_with(prefix))
            return std::string(component);
    return std::string(name);
}

} // namespace flowlab
