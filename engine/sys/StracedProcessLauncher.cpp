#include "engine/sys/StracedProcessLauncher.h"

#include <chrono>
#include <csignal>
#include <thread>

namespace flowlab {

namespace {

std::string programName(const std::string &path)
{
    return path.substr(path.rfind('/') + 1);
}

// dockerd.log → dockerd.strace, in the same directory.
std::string straceOutputFor(const std::string &logPath)
{
    if (logPath.empty())
        return "/dev/null";
    const auto slash = logPath.rfind('/');
    const auto dot = logPath.rfind('.');
    const bool hasExtension =
        dot != std::string::npos && (slash == std::string::npos || dot > slash);
    return (hasExtension ? logPath.substr(0, dot) : logPath) + ".strace";
}

} // namespace

StracedProcessLauncher::StracedProcessLauncher(std::unique_ptr<ProcessLauncher> inner,
                                               std::set<std::string> wrapped, StraceOptions options,
                                               SignalChildrenFn signalChildren)
    : m_inner(std::move(inner))
    , m_wrappedPrograms(std::move(wrapped))
    , m_options(std::move(options))
    , m_signalChildren(std::move(signalChildren))
{}

std::vector<std::string> StracedProcessLauncher::straceCommandLine(const LaunchSpec &spec) const
{
    std::vector<std::string> argv{m_options.program,
                                  "-f",
                                  "--seccomp-bpf",
                                  "-e",
                                  "trace=" + m_options.syscalls,
                                  "-o",
                                  straceOutputFor(spec.logPath),
                                  "--"};
    argv.insert(argv.end(), spec.argv.begin(), spec.argv.end());
    return argv;
}

Result<ProcessHandle> StracedProcessLauncher::launch(const LaunchSpec &spec)
{
    if (spec.argv.empty())
        return Error("launch: empty command line");
    const std::string program = programName(spec.argv.front());
    if (!m_wrappedPrograms.count(program))
        return m_inner->launch(spec);
    if (m_options.program.empty())
        return Error("starting " + program +
                     " under strace: strace is not installed (Debian "
                     "package strace)");
    if (m_options.syscalls.empty())
        return Error("starting " + program + " under strace: no syscalls to trace were given");
    LaunchSpec wrapped = spec;
    wrapped.argv = straceCommandLine(spec);
    auto handle = m_inner->launch(wrapped);
    if (!handle)
        return handle.error().withContext("starting " + program + " under strace");
    m_straces.insert(handle->pid);
    return handle;
}

bool StracedProcessLauncher::isRunning(const ProcessHandle &process)
{
    return m_inner->isRunning(process);
}

Status StracedProcessLauncher::stop(const ProcessHandle &process, int signal, int graceMs)
{
    if (!m_straces.count(process.pid) || !m_inner->isRunning(process) ||
        m_signalChildren(process.pid, signal) == 0) {
        m_straces.erase(process.pid);
        return m_inner->stop(process, signal, graceMs);
    }
    m_straces.erase(process.pid);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(graceMs);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!m_inner->isRunning(process))
            return success();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // The engine (or a tracee it left) outlived its grace: end strace; `lab down` kills what
    // it leaves behind.
    return m_inner->stop(process, SIGKILL, 2000);
}

} // namespace flowlab
