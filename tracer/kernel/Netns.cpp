#include "tracer/kernel/Netns.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace flowlab {

void UniqueFd::reset(int fd)
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = fd;
}

std::string netnsPath(const std::string &netns)
{
    if (netns.empty() || netns.front() == '/')
        return netns;
    return "/run/netns/" + netns;
}

std::string defaultNetnsLabel(const std::string &path)
{
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<UniqueFd> openNetns(const std::string &path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return Error::fromErrno("open " + path);
    struct statfs fs
    {
    };
    if (::fstatfs(fd.get(), &fs) != 0)
        return Error::fromErrno("fstatfs " + path);
    if (fs.f_type != NSFS_MAGIC)
        return Error("open " + path + ": not a namespace file (nothing is bind-mounted on it)");
    const int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
    if (type < 0)
        return Error::fromErrno("ioctl NS_GET_NSTYPE " + path);
    if (type != CLONE_NEWNET)
        return Error("open " + path + ": a namespace, but not a network namespace");
    return fd;
}

Result<NetnsIdentity> netnsIdentity(int netnsFd)
{
    struct stat st
    {
    };
    if (::fstat(netnsFd, &st) != 0)
        return Error::fromErrno("fstat netns fd");
    return NetnsIdentity{st.st_dev, st.st_ino};
}

Result<NetnsIdentity> netnsIdentity(const std::string &path)
{
    auto fd = openNetns(path);
    if (!fd.ok())
        return fd.error();
    return netnsIdentity(fd->get());
}

Status enterNetns(int netnsFd, const std::string &label)
{
    // setns(CLONE_NEWNET) moves only the calling thread, never the whole process.
    if (::setns(netnsFd, CLONE_NEWNET) != 0)
        return Error::fromErrno("setns(CLONE_NEWNET) into " + label);
    return success();
}

Status enterNetns(const std::string &path)
{
    auto fd = openNetns(path);
    if (!fd.ok())
        return fd.error();
    return enterNetns(fd->get(), path);
}

Status runOnThreadInNetns(int netnsFd, const std::string &label, const std::function<void()> &body)
{
    Status entered;
    try {
        // The thread ends right after `body`, so nothing else ever runs in the borrowed
        // namespace by accident.
        std::thread thread([&] {
            entered = enterNetns(netnsFd, label);
            if (entered.ok())
                body();
        });
        thread.join();
    } catch (const std::system_error &e) {
        return Error("std::thread for netns " + label, e.code().value());
    }
    return entered;
}

namespace {

std::string joined(const std::vector<std::string> &argv)
{
    std::string text;
    for (const auto &arg : argv)
        text += (text.empty() ? "" : " ") + arg;
    return text;
}

// PATH first, then the sbin directories a root shell would have but a service may not.
std::string resolveProgram(const std::string &name)
{
    if (name.find('/') != std::string::npos)
        return name;
    std::string dirs = std::getenv("PATH") ? std::getenv("PATH") : "";
    dirs += ":/usr/sbin:/sbin:/usr/bin:/bin";
    std::size_t at = 0;
    while (at <= dirs.size()) {
        const std::size_t colon = std::min(dirs.find(':', at), dirs.size());
        const std::string dir = dirs.substr(at, colon - at);
        if (!dir.empty()) {
            const std::string candidate = dir + "/" + name;
            if (::access(candidate.c_str(), X_OK) == 0)
                return candidate;
        }
        at = colon + 1;
    }
    return {};
}

Status makePipe(UniqueFd &readEnd, UniqueFd &writeEnd)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return Error::fromErrno("pipe2");
    readEnd.reset(fds[0]);
    writeEnd.reset(fds[1]);
    return success();
}

} // namespace

Result<ProgramRun> runProgramInNetns(const std::string &netnsPath,
                                     const std::vector<std::string> &argv,
                                     const std::string &stdinData, int timeoutMs)
{
    const std::string what = joined(argv) + " in netns " + netnsPath;
    if (argv.empty())
        return Error("running a program in netns " + netnsPath + ": empty argv");
    const std::string path = resolveProgram(argv[0]);
    if (path.empty())
        return Error(what + ": " + argv[0] + " not found in PATH, /usr/sbin or /sbin");
    auto netns = openNetns(netnsPath);
    if (!netns.ok())
        return netns.error().withContext(what);

    // stdin is a socket so that writing to a child that died early gives EPIPE via
    // MSG_NOSIGNAL instead of a process-wide SIGPIPE.
    int inPair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, inPair) != 0)
        return Error::fromErrno("socketpair").withContext(what);
    UniqueFd inParent(inPair[0]), inChild(inPair[1]);
    UniqueFd outRead, outWrite, errRead, errWrite;
    for (auto [r, w] : {std::pair{&outRead, &outWrite}, std::pair{&errRead, &errWrite}}) {
        if (Status made = makePipe(*r, *w); !made.ok())
            return made.error().withContext(what);
    }
    std::vector<char *> cargv;
    for (const auto &arg : argv)
        cargv.push_back(const_cast<char *>(arg.c_str()));
    cargv.push_back(nullptr);

    // posix_spawn, not fork: glibc spawns with CLONE_VM|CLONE_VFORK, so nothing copies the
    // page tables of a daemon that may hold hundreds of MB of events. A fork there stalled the
    // capture threads' page faults long enough for their rings to overflow. The child gets
    // the netns of the thread that spawns it, so it is spawned from a thread that joined it.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, inChild.get(), 0);
    posix_spawn_file_actions_adddup2(&actions, outWrite.get(), 1);
    posix_spawn_file_actions_adddup2(&actions, errWrite.get(), 2);
    // Other threads' descriptors opened without O_CLOEXEC must not leak into the program.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, all;
    ::sigemptyset(&none);
    ::sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int spawnError = 0;
    Status entered = runOnThreadInNetns(netns->get(), netnsPath, [&] {
        spawnError =
            ::posix_spawn(&pid, path.c_str(), &actions, &attributes, cargv.data(), environ);
    });
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (!entered.ok())
        return entered.error().withContext(what);
    if (spawnError != 0)
        return Error("execve " + path, spawnError).withContext(what);

    inChild.reset();
    outWrite.reset();
    errWrite.reset();

    auto reap = [pid]() {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        return status;
    };

    ProgramRun run;
    std::size_t stdinSent = 0;
    if (stdinData.empty())
        ::shutdown(inParent.get(), SHUT_WR);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    bool outOpen = true, errOpen = true;
    while (outOpen || errOpen) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0) {
            ::kill(pid, SIGKILL);
            reap();
            return Error(what + ": timed out after " + std::to_string(timeoutMs) + " ms");
        }
        pollfd fds[3] = {{outOpen ? outRead.get() : -1, POLLIN, 0},
                         {errOpen ? errRead.get() : -1, POLLIN, 0},
                         {stdinSent < stdinData.size() ? inParent.get() : -1, POLLOUT, 0}};
        const int ready = ::poll(fds, 3, int(left));
        if (ready < 0 && errno != EINTR) {
            const Error error = Error::fromErrno("poll").withContext(what);
            ::kill(pid, SIGKILL);
            reap();
            return error;
        }
        if (ready <= 0)
            continue;
        if (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
            const ssize_t sent = ::send(inParent.get(), stdinData.data() + stdinSent,
                                        stdinData.size() - stdinSent, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (sent > 0)
                stdinSent += std::size_t(sent);
            else if (sent < 0 && errno != EAGAIN && errno != EINTR)
                stdinSent = stdinData.size(); // the child stopped reading; its exit says why
            if (stdinSent == stdinData.size())
                ::shutdown(inParent.get(), SHUT_WR);
        }
        for (int i = 0; i < 2; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buffer[16384];
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0)
                (i == 0 ? run.out : run.err).append(buffer, std::size_t(n));
            else if (n == 0 || errno != EINTR)
                (i == 0 ? outOpen : errOpen) = false;
        }
    }
    const int status = reap();
    if (WIFSIGNALED(status))
        return Error(what + ": killed by signal " + std::to_string(WTERMSIG(status)));
    run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

Result<std::string> outputOfProgramInNetns(const std::string &netnsPath,
                                           const std::vector<std::string> &argv,
                                           const std::string &stdinData, int timeoutMs)
{
    auto run = runProgramInNetns(netnsPath, argv, stdinData, timeoutMs);
    if (!run.ok())
        return run.error();
    if (run->exitCode != 0) {
        std::string err = run->err;
        while (!err.empty() && (err.back() == '\n' || err.back() == ' '))
            err.pop_back();
        return Error(joined(argv) + " in netns " + netnsPath + ": exited with status " +
                     std::to_string(run->exitCode) + (err.empty() ? "" : ": " + err));
    }
    return std::move(run->out);
}

} // namespace flowlab
