#pragma once

// The syscall tracer: ptrace + seccomp-bpf, strace -f --seccomp-bpf in a library.
//
// flowlabd launches containerd and dockerd through launch(); from then on every process they
// start (containerd-shim, runc, `runc init`, the container's processes) is followed across
// fork, vfork, clone and exec, and the syscalls that teach `docker run` (SyscallTable.h) are
// recorded into the EventLog:
//   - `syscall` events, e.g. "runc: unshare(CLONE_NEWNS|CLONE_NEWUTS|...|CLONE_NEWNET) = 0",
//     with attrs {syscall, category, args, retval, errno, tid, comm, exe, ppid, ...extras};
//   - `process` events for fork/vfork/clone (parent -> child, thread or process), exec (the new
//     argv) and exit (status or signal).
// A seccomp filter traps only those syscalls, so the rest of the workload runs at full speed.
//
// One dedicated thread is the ptracer of everything launched: ptrace requests are only
// accepted from the thread that attached. It waits with waitpid(-1, __WALL | __WNOTHREAD):
// __WNOTHREAD keeps it from reaping children of the process's other threads (QProcess,
// LinuxProcessLauncher). Conversely, nobody else may wait for a traced process; use
// waitForExit() and isRunning(). launch() wakes the thread with a real-time signal whose
// handler does nothing (installed once, process-wide, on the first free SIGRTMIN+n).
//
// If the tracer dies. Every tracee is attached with PTRACE_O_EXITKILL: when the tracer
// thread exits for any reason (flowlabd crashing, kill -9, this object being destroyed), the
// kernel sends SIGKILL to every tracee. The lab's containerd, dockerd, shims and containers
// therefore die with the tracer and nothing is left half-working. Without EXITKILL they would
// be: the seccomp filter stays installed, and with no tracer every trapped syscall (clone,
// mount, execve...) fails with ENOSYS, so the services would run on but fail to start
// anything. After such a death `flowlab-cli lab down` removes what the killed processes left
// behind (mounts, cgroups, netns, files). The destructor does the same killing explicitly,
// then reaps the processes and records their exits.
//
// Attaching. The child stops itself (SIGSTOP) after installing the filter; the tracer then
// attaches with PTRACE_SEIZE, as strace does for a command it starts, rather than
// PTRACE_TRACEME: seize mode reports group-stops as PTRACE_EVENT_STOP (left stopped with
// PTRACE_LISTEN, as without a tracer) and lets auto-attached children start with an event stop
// instead of a SIGSTOP to swallow. A child whose first stop arrives before its parent's fork
// event is held until that event, so that "clone → 4321" always comes before 4321's events.
// PTRACE_O_TRACEEXIT is not used: it costs a stop per exiting thread, and the reaped wait
// status says the same.
//
// Cgroup limits. A seccomp filter cannot see the bytes of a later write(), so an open for
// writing under /sys/fs/cgroup is recorded, and the file is read back (through our own
// descriptor on it) at that thread's next traced stop or at its exit; the event says so with
// attrs {value, value_read_back: true}.
//
// Listeners of the EventLog run on the tracer thread while a tracee is stopped: keep them
// short, and never call launch() from one.

#include "tracer/base/Result.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace flowlab {

class EventLog;

struct TracedLaunch
{
    std::vector<std::string> argv; // argv[0]: an absolute path, or a name looked up in PATH
    std::vector<std::pair<std::string, std::string>> env; // added to a minimal PATH
    std::string netnsPath; // joined with setns before exec, e.g. /run/netns/flowlab-docker
    std::string logPath;   // stdout and stderr are appended here; "" is /dev/null
    std::string node;      // source.node of the events, e.g. "flowlab-docker"
    std::string workingDir = "/";
};

// Identified by pid and start time, so that a recycled pid is never mistaken for ours.
struct TracedProcess
{
    pid_t pid = 0;
    unsigned long long startTime = 0; // /proc/PID/stat field 22
};

// Counters for the overhead benchmark and for health checks.
struct TracerStats
{
    std::uint64_t stops = 0;              // every waitpid report for a tracee, exits included
    std::uint64_t seccompStops = 0;       // a traced syscall was entered
    std::uint64_t syscallExitStops = 0;   // caught for a return value
    std::uint64_t eventStops = 0;         // fork/vfork/clone/exec/stop ptrace events
    std::uint64_t signalStops = 0;        // signal-delivery stops; the signal is re-injected
    std::uint64_t groupStops = 0;         // job-control stops, left stopped with PTRACE_LISTEN
    std::uint64_t ignoredSyscalls = 0;    // trapped but not part of a lesson (opens elsewhere)
    std::uint64_t decodedAtForkEvent = 0; // clones let through by the filter, read at the event
    std::uint64_t syscallEvents = 0;
    std::uint64_t processEvents = 0;
    std::uint64_t threads = 0;      // traced now
    std::uint64_t processes = 0;    // traced now
    std::int64_t timeInStopsNs = 0; // tracer time between a stop's report and the resume
};

class SyscallTracer
{
public:
    explicit SyscallTracer(EventLog &log);
    // Kills every tracee, reaps it (recording its exit) and joins the tracer thread.
    ~SyscallTracer();
    SyscallTracer(const SyscallTracer &) = delete;
    SyscallTracer &operator=(const SyscallTracer &) = delete;

    // Starts a traced process: fork on the tracer thread; in the child setsid, setns into
    // netnsPath, stdio to the log, the seccomp filter, then a stop for PTRACE_SEIZE, then exec.
    // Returns once the exec succeeded, or with the failing step and errno. Thread-safe.
    Result<TracedProcess> launch(const TracedLaunch &launch);

    // The wait status once `process` has exited; nullopt if it still runs after `timeout`.
    std::optional<int> waitForExit(const TracedProcess &process, std::chrono::milliseconds timeout);
    bool isRunning(const TracedProcess &process) const;

    TracerStats stats() const;

    class Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace flowlab
