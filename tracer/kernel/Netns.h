#pragma once

// Network namespaces named by nsfs paths (/run/netns/flowlab-docker, or a Docker sandbox bind
// mount). A socket belongs to the netns of the thread that created it, so every monitor makes its
// sockets on a short-lived thread that joined the netns (runInNetns), then polls them from
// anywhere. Programs run in a netns are spawned from such a thread, so only their network
// namespace differs: never `ip netns exec`, which also unshares the mount namespace and remounts
// /sys.

#include "tracer/base/Result.h"

#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace flowlab {

// An owned file descriptor, closed when it goes out of scope (crun's cleanup_close).
class UniqueFd
{
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd)
        : m_fd(fd)
    {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd &&other) noexcept
        : m_fd(std::exchange(other.m_fd, -1))
    {}
    UniqueFd &operator=(UniqueFd &&other) noexcept
    {
        if (this != &other)
            reset(std::exchange(other.m_fd, -1));
        return *this;
    }
    UniqueFd(const UniqueFd &) = delete;
    UniqueFd &operator=(const UniqueFd &) = delete;

    int get() const { return m_fd; }
    bool valid() const { return m_fd >= 0; }
    int release() { return std::exchange(m_fd, -1); }
    void reset(int fd = -1);

private:
    int m_fd = -1;
};

// A namespace a monitor watches: where it is and what events call it ("flowlab-docker",
// "container 3f2a1b4c5d6e").
struct WatchedNetns
{
    std::string path;
    std::string label;
};

// What a nsfs file refers to. Two paths name the same netns when these are equal; a path whose
// identity changed (or vanished) no longer names the netns a monitor opened.
struct NetnsIdentity
{
    dev_t dev = 0;
    ino_t ino = 0;
    bool operator==(const NetnsIdentity &) const = default;
};

// The nsfs path for a netns name: "/run/netns/<name>"; a name that already is a path
// ("/proc/123/ns/net") is returned as it is.
std::string netnsPath(const std::string &netns);

// The label a path gets when the caller has none: the file name ("/run/netns/flowlab-docker" ->
// "flowlab-docker").
std::string defaultNetnsLabel(const std::string &path);

// Opens `path` read-only and checks that it is a network namespace (not, say, the empty file a
// runtime creates before bind-mounting the namespace onto it).
Result<UniqueFd> openNetns(const std::string &path);
Result<NetnsIdentity> netnsIdentity(int netnsFd);
Result<NetnsIdentity> netnsIdentity(const std::string &path);

// Moves the calling thread, and only it, into the netns `netnsFd` for the rest of its life: for a
// thread that lives there (a capture's). Work that only needs to start there uses
// runOnThreadInNetns, which leaves the caller's thread alone.
Status enterNetns(int netnsFd, const std::string &label);
// The same for the netns at `path`, opened (and checked) with openNetns.
Status enterNetns(const std::string &path);

// Runs `body` on a new thread that first joins the netns `netnsFd`, and waits for it. Only that
// thread changes namespace; the caller's stays as it was.
Status runOnThreadInNetns(int netnsFd, const std::string &label, const std::function<void()> &body);

template <typename T>
Result<T> runInNetns(int netnsFd, const std::string &label, const std::function<Result<T>()> &fn)
{
    std::optional<Result<T>> result;
    Status joined = runOnThreadInNetns(netnsFd, label, [&] { result.emplace(fn()); });
    if (!joined.ok())
        return joined.error();
    return std::move(*result);
}

struct ProgramRun
{
    int exitCode = -1; // the exit status; a signal death is reported as an error instead
    std::string out;
    std::string err;
};

// Runs argv[0] (looked up in PATH, then /usr/sbin and /sbin) in the netns at `netnsPath`:
// posix_spawn from a thread that joined the netns. Feeds `stdinData`, collects both outputs, and
// kills the child after `timeoutMs`. Errors name the program, the netns and the failing step.
Result<ProgramRun> runProgramInNetns(const std::string &netnsPath,
                                     const std::vector<std::string> &argv,
                                     const std::string &stdinData = {}, int timeoutMs = 10'000);

// Like runProgramInNetns, but a non-zero exit is an error quoting stderr; returns stdout.
Result<std::string> outputOfProgramInNetns(const std::string &netnsPath,
                                           const std::vector<std::string> &argv,
                                           const std::string &stdinData = {},
                                           int timeoutMs = 10'000);

} // namespace flowlab
