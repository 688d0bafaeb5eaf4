#include "engine/kube/proxy/RuleApplier.h"
#include "tracer/kernel/Netns.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace flowlab::kube::proxy {

namespace {

std::string joined(const std::vector<std::string> &argv)
{
    std::string text;
    for (const auto &arg : argv)
        text += (text.empty() ? "" : " ") + arg;
    return text;
}

Result<UniqueFd> memoryFile(const char *name, const std::string &contents)
{
    UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
    if (!fd.valid())
        return Error::fromErrno(std::string("memfd_create ") + name);
    for (std::size_t written = 0; written < contents.size();) {
        const ssize_t n = ::write(fd.get(), contents.data() + written, contents.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return Error::fromErrno(std::string("write ") + name);
        written += std::size_t(n);
    }
    if (::lseek(fd.get(), 0, SEEK_SET) != 0)
        return Error::fromErrno(std::string("lseek ") + name);
    return fd;
}

std::string contentsOf(int fd)
{
    std::string out;
    ::lseek(fd, 0, SEEK_SET);
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
        out.append(buffer, std::size_t(n));
    return out;
}

// Runs a program in this process's own namespace: no setns, so it needs no privilege (tests
// point --iptables-restore at a script). Input and output go through memory files rather than
// pipes: a 10 MB ruleset can neither fill a pipe nor deadlock against the program's output.
Result<ProgramRun> runHere(const std::vector<std::string> &argv, const std::string &input,
                           int timeoutMs)
{
    auto in = memoryFile("iptables-restore-input", input);
    if (!in)
        return in.error();
    auto out = memoryFile("iptables-restore-output", {});
    if (!out)
        return out.error();
    auto err = memoryFile("iptables-restore-errors", {});
    if (!err)
        return err.error();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in->get(), 0);
    posix_spawn_file_actions_adddup2(&actions, out->get(), 1);
    posix_spawn_file_actions_adddup2(&actions, err->get(), 2);
    std::vector<char *> cargv;
    for (const auto &arg : argv)
        cargv.push_back(const_cast<char *>(arg.c_str()));
    cargv.push_back(nullptr);
    pid_t pid = -1;
    const int spawned =
        ::posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0)
        return Error("posix_spawn " + argv[0], spawned);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (true) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid)
            break;
        if (done < 0 && errno != EINTR)
            return Error::fromErrno("waitpid " + argv[0]);
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return Error(joined(argv) + ": killed after " + std::to_string(timeoutMs) + " ms");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (WIFSIGNALED(status))
        return Error(joined(argv) + ": killed by signal " + std::to_string(WTERMSIG(status)));
    return ProgramRun{WEXITSTATUS(status), contentsOf(out->get()), contentsOf(err->get())};
}

} // namespace

IptablesRestoreApplier::IptablesRestoreApplier(IptablesPrograms programs, std::string netns,
                                               int timeoutMs)
    : m_programs(std::move(programs))
    , m_netns(std::move(netns))
    , m_timeoutMs(timeoutMs)
{}

std::string IptablesRestoreApplier::describe() const
{
    return m_programs.restore + (m_netns.empty() ? "" : " in netns " + m_netns);
}

Result<RestoreRun> IptablesRestoreApplier::restore(const std::string &input)
{
    // --noflush: only the chains the input declares are emptied; whatever else the node's
    // namespace holds (Docker's, the CNI portmap plugin's) stays.
    const std::vector<std::string> argv = {m_programs.restore, "--noflush"};
    const auto started = std::chrono::steady_clock::now();
    auto run = m_netns.empty() ? runHere(argv, input, m_timeoutMs)
                               : runProgramInNetns(netnsPath(m_netns), argv, input, m_timeoutMs);
    if (!run)
        return run.error().withContext("applying the rules with " + describe());
    RestoreRun out;
    out.commandLine = joined(argv) + (m_netns.empty() ? "" : " (in netns " + m_netns + ")");
    out.exitCode = run->exitCode;
    out.output = run->err + run->out;
    out.took = std::chrono::steady_clock::now() - started;
    return out;
}

Result<std::string> IptablesRestoreApplier::save()
{
    const std::vector<std::string> argv = {m_programs.save};
    auto run = m_netns.empty() ? runHere(argv, {}, m_timeoutMs)
                               : runProgramInNetns(netnsPath(m_netns), argv, {}, m_timeoutMs);
    if (!run)
        return run.error();
    if (run->exitCode != 0)
        return Error(m_programs.save + (m_netns.empty() ? "" : " in netns " + m_netns) +
                     ": exited with status " + std::to_string(run->exitCode) + ": " + run->err);
    return std::move(run->out);
}

} // namespace flowlab::kube::proxy
