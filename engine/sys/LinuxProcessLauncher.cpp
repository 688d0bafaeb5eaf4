#include "engine/sys/ProcFile.h"
#include "engine/sys/ProcessLauncher.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sched.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace flowlab {

unsigned long long processStartTime(pid_t pid)
{
    const std::string content = readProcFile("/proc/" + std::to_string(pid) + "/stat");
    // The command name may hold spaces and parentheses; fields resume after the last ')'.
    const auto close = content.rfind(')');
    if (close == std::string::npos)
        return 0;
    std::istringstream fields(content.substr(close + 2));
    std::string field;
    // After ')' come field 3 (state) onward; start time is field 22.
    for (int i = 3; i <= 22; ++i)
        if (!(fields >> field))
            return 0;
    return std::stoull(field);
}

Result<ProcessHandle> LinuxProcessLauncher::launch(const LaunchSpec &spec)
{
    if (spec.argv.empty())
        return Error("launch: empty command line");

    int netnsFd = -1;
    if (!spec.netns.empty()) {
        const std::string path = "/run/netns/" + spec.netns;
        netnsFd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (netnsFd < 0)
            return Error::fromErrno("open " + path);
    }
    int logFd = ::open(spec.logPath.empty() ? "/dev/null" : spec.logPath.c_str(),
                       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (logFd < 0) {
        const Error error = Error::fromErrno("open " + spec.logPath);
        if (netnsFd >= 0)
            ::close(netnsFd);
        return error;
    }

    // Everything the child needs is prepared before fork: after it, only async-signal-safe
    // calls are made.
    std::vector<std::string> envStrings{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                                        "/usr/bin:/sbin:/bin"};
    for (const auto &[key, value] : spec.env)
        envStrings.push_back(key + "=" + value);
    std::vector<char *> envp;
    for (auto &entry : envStrings)
        envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::vector<char *> argv;
    for (const auto &arg : spec.argv)
        argv.push_back(const_cast<char *>(arg.c_str()));
    argv.push_back(nullptr);

    // A pipe whose write end closes on exec tells us whether exec succeeded.
    int execPipe[2];
    if (::pipe2(execPipe, O_CLOEXEC) != 0)
        return Error::fromErrno("pipe2");

    const pid_t pid = ::fork();
    if (pid < 0) {
        const Error error = Error::fromErrno("fork");
        ::close(execPipe[0]);
        ::close(execPipe[1]);
        return error;
    }
    if (pid == 0) {
        // A session of its own: the service outlives flowlabd (lab down cleans it up, even
        // after a kill -9 of the daemon) and no terminal signal reaches it.
        ::setsid();
        int err = 0;
        if (netnsFd >= 0 && ::setns(netnsFd, CLONE_NEWNET) != 0)
            err = errno;
        if (!err && ::chdir(spec.workingDir.c_str()) != 0)
            err = errno;
        if (!err) {
            const int devNull = ::open("/dev/null", O_RDONLY);
            ::dup2(devNull, 0);
            ::dup2(logFd, 1);
            ::dup2(logFd, 2);
            sigset_t none;
            sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
            ::execve(argv[0], argv.data(), envp.data());
            err = errno;
        }
        (void)!::write(execPipe[1], &err, sizeof err);
        ::_exit(127);
    }
    ::close(execPipe[1]);
    if (netnsFd >= 0)
        ::close(netnsFd);
    ::close(logFd);
    int childErr = 0;
    ssize_t got;
    while ((got = ::read(execPipe[0], &childErr, sizeof childErr)) < 0 && errno == EINTR) {
    }
    ::close(execPipe[0]);
    if (got == sizeof childErr) {
        ::waitpid(pid, nullptr, 0);
        return Error("starting " + spec.argv[0] + (spec.netns.empty() ? "" : " in " + spec.netns),
                     childErr);
    }
    return ProcessHandle{pid, processStartTime(pid)};
}

int signalChildrenInProc(pid_t parent, int signal)
{
    const std::string task = std::to_string(parent);
    std::ifstream children("/proc/" + task + "/task/" + task + "/children");
    int count = 0;
    for (pid_t child; children >> child; ++count)
        ::kill(child, signal);
    return count;
}

bool isAliveInProc(const ProcessHandle &process)
{
    if (process.pid <= 0)
        return false;
    const auto start = processStartTime(process.pid);
    if (start == 0 || (process.startTime != 0 && start != process.startTime))
        return false;
    const std::string content = readProcFile("/proc/" + std::to_string(process.pid) + "/stat");
    const auto close = content.rfind(')');
    return close != std::string::npos && close + 2 < content.size() && content[close + 2] != 'Z' &&
           content[close + 2] != 'X';
}

bool LinuxProcessLauncher::isRunning(const ProcessHandle &process)
{
    if (process.pid <= 0)
        return false;
    // Reap it if it is our child and has exited, so it does not linger as a zombie.
    ::waitpid(process.pid, nullptr, WNOHANG);
    if (isAliveInProc(process))
        return true;
    ::waitpid(process.pid, nullptr, WNOHANG); // it died after the first reap attempt
    return false;
}

Status LinuxProcessLauncher::stop(const ProcessHandle &process, int signal, int graceMs)
{
    if (!isRunning(process))
        return success();
    if (::kill(process.pid, signal) != 0 && errno != ESRCH)
        return Error::fromErrno("kill " + std::to_string(process.pid));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(graceMs);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!isRunning(process))
            return success();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(process.pid, SIGKILL);
    for (int i = 0; i < 100 && isRunning(process); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return isRunning(process)
               ? Error("process " + std::to_string(process.pid) + " did not exit after SIGKILL")
               : success();
}

} // namespace flowlab
