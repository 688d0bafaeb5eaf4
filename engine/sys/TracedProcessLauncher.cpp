#include "engine/sys/TracedProcessLauncher.h"

#include "tracer/syscalls/SyscallTracer.h"

#include <chrono>
#include <csignal>
#include <thread>

namespace flowlab {

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
    return isAliveInProc(process);
}

Status TracedProcessLauncher::stop(const ProcessHandle &process, int signal, int graceMs)
{
    if (!isAliveInProc(process))
        return success();
    if (::kill(process.pid, signal) != 0 && errno != ESRCH)
        return Error::fromErrno("kill " + std::to_string(process.pid));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(graceMs);
    while (std::chrono::steady_clock::now() < deadline && isAliveInProc(process))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (isAliveInProc(process))
        ::kill(process.pid, SIGKILL);
    for (int i = 0; i < 100 && isAliveInProc(process); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    // Not a tracee any more (e.g. the registry)? Then it is our plain child: reap it.
    (void)m_plain.isRunning(process);
    return isAliveInProc(process)
               ? Error("process " + std::to_string(process.pid) + " did not exit after SIGKILL")
               : success();
}

} // namespace flowlab
