#pragma once

// Launches the lab's container engine (containerd, dockerd) under `strace -f --seccomp-bpf`
// trapping the syscalls Flowlab's own tracer traps, instead of under that tracer: the
// comparison leg of the tracing overhead benchmark (flowlabd --engine-wrapper=strace, see
// tests/bench/README.md). Other services start as usual. strace writes its lines beside the
// service's log: /run/flowlab/logs/dockerd.log gets /run/flowlab/logs/dockerd.strace.
//
// The handle is strace's own. Stopping signals the engine (strace's child), not strace:
// strace would pass the signal on but detach at once, and a detached tracee's trapped
// syscalls fail with ENOSYS (seccomp RET_TRACE without a tracer) in the middle of its
// shutdown. strace exits when its last tracee has.

#include "engine/sys/ProcessLauncher.h"

#include <functional>
#include <memory>
#include <set>
#include <string>

namespace flowlab {

struct StraceOptions
{
    std::string program = "/usr/bin/strace";
    std::string syscalls; // for -e trace=; tracedSyscallNames(), never a list of our own
};

class StracedProcessLauncher final : public ProcessLauncher
{
public:
    // Sends `signal` to the children of `parent` and returns how many there were.
    using SignalChildrenFn = std::function<int(pid_t parent, int signal)>;

    // `wrapped` names the programs (by file name) launched under strace; `inner` starts the
    // processes.
    StracedProcessLauncher(std::unique_ptr<ProcessLauncher> inner, std::set<std::string> wrapped,
                           StraceOptions options,
                           SignalChildrenFn signalChildren = signalChildrenInProc);

    Result<ProcessHandle> launch(const LaunchSpec &spec) override;
    bool isRunning(const ProcessHandle &process) override;
    Status stop(const ProcessHandle &process, int signal, int graceMs) override;

    // The command line `spec` runs with under strace.
    std::vector<std::string> straceCommandLine(const LaunchSpec &spec) const;

private:
    std::unique_ptr<ProcessLauncher> m_inner;
    std::set<std::string> m_wrappedPrograms;
    StraceOptions m_options;
    SignalChildrenFn m_signalChildren;
    std::set<pid_t> m_straces; // launched here, still to be stopped
};

} // namespace flowlab
