#include "app/cli/CliSupport.h"

#include <chrono>
#include <climits>
#include <cstdio>
#include <fcntl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace flowlab::cli {

namespace {

// flowlabd is installed (or built) beside flowlab-cli.
std::string daemonProgram()
{
    char self[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        std::string dir(self, std::size_t(n));
        dir = dir.substr(0, dir.rfind('/'));
        if (::access((dir + "/flowlabd").c_str(), X_OK) == 0)
            return dir + "/flowlabd";
    }
    return "flowlabd";
}

Status startDaemon()
{
    const std::string program = daemonProgram();
    const pid_t pid = ::fork();
    if (pid < 0)
        return Error::fromErrno("fork");
    if (pid == 0) {
        // Detach twice so the daemon is nobody's child and outlives this command.
        ::setsid();
        if (::fork() != 0)
            ::_exit(0);
        const int log = ::open("/var/log/flowlabd.log", O_WRONLY | O_CREAT | O_APPEND, 0640);
        const int devNull = ::open("/dev/null", O_RDONLY);
        ::dup2(devNull, 0);
        if (log >= 0) {
            ::dup2(log, 1);
            ::dup2(log, 2);
        }
        // The daemon and the lab services it starts live long: whatever this command
        // inherited (a caller's `flock` descriptor, a pipe) must not live on with them.
        ::closefrom(3);
        ::execlp(program.c_str(), program.c_str(), "--exit-when-down", nullptr);
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return success();
}

} // namespace

int fail(const std::string &message, int code)
{
    std::fprintf(stderr, "flowlab-cli: %s\n", message.c_str());
    return code;
}

bool wantsHelp(const Args &args)
{
    for (const auto &arg : args) {
        if (arg == "--")
            return false;
        if (arg == "-h" || arg == "--help" || arg == "help")
            return true;
    }
    return false;
}

ProgressFn progressPrinter(const CliContext &context)
{
    if (context.quiet)
        return {};
    return [](const std::string &line) { std::fprintf(stderr, "  · %s\n", line.c_str()); };
}

Result<std::unique_ptr<DaemonClient>> connectDaemon(const CliContext &context, bool startIfNeeded)
{
    auto client = std::make_unique<DaemonClient>();
    Status connected = client->connect(context.paths.daemonSocket());
    if (connected)
        return client;
    if (!startIfNeeded || ::geteuid() != 0 ||
        connected.error().message().find("not running") == std::string::npos)
        return connected.error();

    if (!context.quiet)
        std::fprintf(stderr, "  · starting flowlabd (log: /var/log/flowlabd.log)\n");
    if (auto s = startDaemon(); !s)
        return s.error().withContext("starting flowlabd");
    for (int i = 0; i < 100; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        client = std::make_unique<DaemonClient>();
        if (client->connect(context.paths.daemonSocket()))
            return client;
    }
    return Error("flowlabd did not start within 5 s; see /var/log/flowlabd.log");
}

} // namespace flowlab::cli
