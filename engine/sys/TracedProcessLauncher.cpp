#include "engine/sys/TracedProcessLauncher.h"

#include "tracer/syscalls/SyscallTracer.h"

#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

namespace flowlab {

namespace {

bool aliveInProc(const ProcessHandle &process)
{
    if (process.pid <= 0)
        return false;
    const auto start = processStartTime(process.pid);
    if (start == 0 || (process.startTime != 0 && start != process.startTime))
        return false;
    std::ifstream stat("/proc/" + std::to_string(process.pid) + "/stat");
    std::string content((std::istreambuf_iterator<char>(stat)), {});
    const auto close = content.rfind(')');
    return close != std::string::npos && close + 2 < content.size() && content[close + 2] != 'Z' &&
           content[close + 2] != 'X';
}

} // namespace

Result<ProcessHandle> TracedProcessLauncher::launch(const LaunchSpec &spec)
{
    const std::string program = spec.argv.at(0).substr(spec.argv.at(0).rfind('/') + 1);
    if (!m_traced.count(program))
        return m_plain.launch(spec);
    TracedLaunch launch;
    launch.argv = spec.argv;
    launch.env = spec.env;
    launch.netnsPath = spec.netns.empty() ? "" : "/run/netns/" + spec.netns;
    launch.logPath = spec.logPath;
    launch.node = spec.netns;
    launch.workingDir = spec.workingDir;
    auto traced = m_tracer.launch(launch);
    if (!traced)
        return traced.error().withContext("starting " + program + " under the syscall tracer");
    return ProcessHandle{traced->pid, traced->startTime};
}

bool TracedProcessLauncher::isRunning(const ProcessHandle &process)
{
    return aliveInProc(process);
}

Status TracedProcessLauncher::stop(const ProcessHandle &process, int signal, int graceMs)
{
    if (!aliveInProc(process))
        return success();
    if (::kill(process.pid, signal) != 0 && errno != ESRCH)
        return Error::fromErrno("kill " + std::to_string(process.pid));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(graceMs);
    while (std::chrono::steady_clock::now() < deadline && aliveInProc(process))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (aliveInProc(process))
        ::kill(process.pid, SIGKILL);
    for (int i = 0; i < 100 && aliveInProc(process); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    // Not a tracee any more (e.g. the registry)? Then it is our plain child: reap it.
    (void)m_plain.isRunning(process);
    return aliveInProc(process)
               ? Error("process " + std::to_string(process.pid) + " did not exit after SIGKILL")
               : success();
}

} // namespace flowlab
