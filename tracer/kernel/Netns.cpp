#include "tracer/kernel/Netns.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
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

struct ChildFailure
{
    int stage; // 1 = setns, 2 = execve
    int errnum;
};

// Between fork and exec only async-signal-safe calls: the parent may be multi-threaded.
[[noreturn]] void childAfterFork(int netnsFd, int in, int out, int err, int statusFd,
                                 const char *path, char *const argv[])
{
    sigset_t all;
    ::sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    ChildFailure failure{1, 0};
    if (::setns(netnsFd, CLONE_NEWNET) != 0) {
        failure.errnum = errno;
        [[maybe_unused]] auto n = ::write(statusFd, &failure, sizeof failure);
        ::_exit(127);
    }
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) {
        failure = {3, errno};
        [[maybe_unused]] auto n = ::write(statusFd, &failure, sizeof failure);
        ::_exit(127);
    }
    // Other threads' fds without O_CLOEXEC must not leak into the program (best effort: needs
    // Linux 5.11; the status pipe is already close-on-exec).
    ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    ::execve(path, argv, environ);
    failure = {2, errno};
    [[maybe_unused]] auto n = ::write(statusFd, &failure, sizeof failure);
    ::_exit(127);
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
    UniqueFd outRead, outWrite, errRead, errWrite, statusRead, statusWrite;
    for (auto [r, w] : {std::pair{&outRead, &outWrite}, std::pair{&errRead, &errWrite},
                        std::pair{&statusRead, &statusWrite}}) {
        if (Status made = makePipe(*r, *w); !made.ok())
            return made.error().withContext(what);
    }
    std::vector<char *> cargv;
    for (const auto &arg : argv)
        cargv.push_back(const_cast<char *>(arg.c_str()));
    cargv.push_back(nullptr);

    const pid_t pid = ::fork();
    if (pid < 0)
        return Error::fromErrno("fork").withContext(what);
    if (pid == 0)
        childAfterFork(netns->get(), inChild.get(), outWrite.get(), errWrite.get(),
                       statusWrite.get(), path.c_str(), cargv.data());

    inChild.reset();
    outWrite.reset();
    errWrite.reset();
    statusWrite.reset();

    auto reap = [pid]() {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        return status;
    };

    // The status pipe closes on a successful exec (CLOEXEC) or carries why the child gave up.
    ChildFailure failure{0, 0};
    ssize_t got;
    do {
        got = ::read(statusRead.get(), &failure, sizeof failure);
    } while (got < 0 && errno == EINTR);
    if (got == sizeof failure) {
        reap();
        const std::string call = failure.stage == 1   ? std::string("setns(CLONE_NEWNET)")
                                 : failure.stage == 2 ? "execve " + path
                                                      : std::string("dup2");
        return Error(call, failure.errnum).withContext(what);
    }

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
