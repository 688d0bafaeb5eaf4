#include "engine/sys/Command.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace flowlab {

namespace {

struct Pipe
{
    int fds[2] = {-1, -1};
    ~Pipe() { closeBoth(); }
    void closeBoth()
    {
        for (int &fd : fds)
            if (fd >= 0) {
                ::close(fd);
                fd = -1;
            }
    }
    void closeEnd(int i)
    {
        if (fds[i] >= 0) {
            ::close(fds[i]);
            fds[i] = -1;
        }
    }
};

} // namespace

std::string joinCommandLine(const std::vector<std::string> &argv)
{
    std::string line;
    for (const auto &arg : argv) {
        if (!line.empty())
            line += ' ';
        const bool quote = arg.empty() || arg.find_first_of(" \t\"'$|&;<>()*") != std::string::npos;
        line += quote ? "'" + arg + "'" : arg;
    }
    return line;
}

std::string findProgram(const std::string &program)
{
    if (program.find('/') != std::string::npos)
        return ::access(program.c_str(), X_OK) == 0 ? program : std::string();
    std::string path = ::getenv("PATH") ? ::getenv("PATH") : "";
    // Daemons started from a minimal environment may lack the sbin dirs where ip and
    // iptables live.
    path += ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find(':', start), path.size());
        const std::string dir = path.substr(start, end - start);
        if (!dir.empty()) {
            const std::string candidate = dir + "/" + program;
            struct stat st
            {
            };
            if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
                ::access(candidate.c_str(), X_OK) == 0)
                return candidate;
        }
        start = end + 1;
    }
    return {};
}

Result<CommandOutput> runCommand(const std::vector<std::string> &argv,
                                 const CommandOptions &options)
{
    if (argv.empty())
        return Error("runCommand: empty command line");
    const std::string program = findProgram(argv[0]);
    if (program.empty())
        return Error(argv[0] + ": program not found in PATH");

    Pipe in, out, err;
    if (::pipe2(in.fds, O_CLOEXEC) != 0 || ::pipe2(out.fds, O_CLOEXEC) != 0 ||
        ::pipe2(err.fds, O_CLOEXEC) != 0)
        return Error::fromErrno("pipe2");

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in.fds[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out.fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err.fds[1], 2);

    std::vector<char *> cargv;
    for (const auto &arg : argv)
        cargv.push_back(const_cast<char *>(arg.c_str()));
    cargv.push_back(nullptr);

    // The caller's environment, with options.env set over it.
    std::vector<std::string> envStrings;
    for (char **entry = environ; *entry; ++entry) {
        const std::string text = *entry;
        const std::string key = text.substr(0, text.find('='));
        bool replaced = false;
        for (const auto &[k, v] : options.env)
            replaced = replaced || k == key;
        if (!replaced)
            envStrings.push_back(text);
    }
    for (const auto &[key, value] : options.env)
        envStrings.push_back(key + "=" + value);
    std::vector<char *> envp;
    for (auto &entry : envStrings)
        envp.push_back(entry.data());
    envp.push_back(nullptr);

    pid_t pid = 0;
    const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, cargv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        return Error("posix_spawn " + program, rc);

    in.closeEnd(0);
    out.closeEnd(1);
    err.closeEnd(1);

    CommandOutput result;
    std::size_t written = 0;
    if (options.stdinData.empty())
        in.closeEnd(1);
    else
        ::fcntl(in.fds[1], F_SETFL, O_NONBLOCK);

    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeoutMs);
    bool timedOut = false;
    while (out.fds[0] >= 0 || err.fds[0] >= 0) {
        pollfd fds[3];
        int n = 0;
        if (out.fds[0] >= 0)
            fds[n++] = {out.fds[0], POLLIN, 0};
        if (err.fds[0] >= 0)
            fds[n++] = {err.fds[0], POLLIN, 0};
        if (in.fds[1] >= 0)
            fds[n++] = {in.fds[1], POLLOUT, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timedOut = true;
            break;
        }
        if (::poll(fds, n, int(left.count())) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < n; ++i) {
            if (!fds[i].revents)
                continue;
            if (fds[i].fd == in.fds[1]) {
                const ssize_t w = ::write(in.fds[1], options.stdinData.data() + written,
                                          options.stdinData.size() - written);
                if (w > 0)
                    written += std::size_t(w);
                if (w < 0 || written == options.stdinData.size())
                    in.closeEnd(1);
                continue;
            }
            char buffer[8192];
            const ssize_t r = ::read(fds[i].fd, buffer, sizeof buffer);
            const bool isOut = fds[i].fd == out.fds[0];
            if (r <= 0) {
                (isOut ? out : err).closeEnd(0);
                continue;
            }
            (isOut ? result.out : result.err).append(buffer, std::size_t(r));
        }
    }
    if (timedOut)
        ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timedOut)
        return Error(joinCommandLine(argv) + ": timed out after " +
                     std::to_string(options.timeoutMs / 1000) + " s");
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

Result<CommandOutput> runChecked(const std::vector<std::string> &argv,
                                 const CommandOptions &options)
{
    auto result = runCommand(argv, options);
    if (!result)
        return result;
    if (result->exitCode != 0) {
        std::string detail = result->err.empty() ? result->out : result->err;
        while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' '))
            detail.pop_back();
        return Error(joinCommandLine(argv) + ": exit " + std::to_string(result->exitCode) +
                     (detail.empty() ? "" : ": " + detail));
    }
    return result;
}

} // namespace flowlab
