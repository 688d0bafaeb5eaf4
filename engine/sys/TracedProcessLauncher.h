#pragma once

// Launches the lab's container engine (containerd, dockerd) under the syscall tracer, so that
// every shim, runc and container process they start is followed; other services start as
// usual. If the tracer (flowlabd) dies, PTRACE_O_EXITKILL kills the traced processes: the lab
// is never left half-working, and `flowlab-cli lab down` removes the rest.

#include "engine/sys/ProcessLauncher.h"

#include <set>
#include <string>

namespace flowlab {

class SyscallTracer;

class TracedProcessLauncher final : public ProcessLauncher
{
public:
    // `traced` names the programs (by file name) launched under `tracer`.
    TracedProcessLauncher(SyscallTracer &tracer, std::set<std::string> traced)
        : m_tracer(tracer)
        , m_traced(std::move(traced))
    {}

    Result<ProcessHandle> launch(const LaunchSpec &spec) override;
    // From /proc only: a traced process is reaped by the tracer thread, and a waitpid here
    // would steal its notifications.
    bool isRunning(const ProcessHandle &process) override;
    Status stop(const ProcessHandle &process, int signal, int graceMs) override;

private:
    SyscallTracer &m_tracer;
    std::set<std::string> m_traced;
    LinuxProcessLauncher m_plain;
};

} // namespace flowlab
