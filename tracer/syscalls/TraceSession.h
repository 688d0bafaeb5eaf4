#pragma once

// The tracer thread's state machine: one step per waitpid report. It knows every traced
// thread and process, decodes trapped syscalls, follows fork/clone/exec/exit, and emits the
// events. Used only on the tracer thread (see SyscallTracer.h), so it has no locks; the
// counters are atomics because stats() reads them from other threads.

#include "tracer/syscalls/DecodedSyscall.h"
#include "tracer/syscalls/SyscallTable.h"
#include "tracer/syscalls/TraceEvents.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <unordered_map>
#include <vector>

namespace flowlab {

class EventLog;

struct TracerCounters
{
    std::atomic<std::uint64_t> stops{0};
    std::atomic<std::uint64_t> seccompStops{0};
    std::atomic<std::uint64_t> syscallExitStops{0};
    std::atomic<std::uint64_t> eventStops{0};
    std::atomic<std::uint64_t> signalStops{0};
    std::atomic<std::uint64_t> groupStops{0};
    std::atomic<std::uint64_t> ignoredSyscalls{0};
    std::atomic<std::uint64_t> decodedAtForkEvent{0};
    std::atomic<std::uint64_t> syscallEvents{0};
    std::atomic<std::uint64_t> processEvents{0};
    std::atomic<std::uint64_t> threads{0};
    std::atomic<std::uint64_t> processes{0};
    std::atomic<std::int64_t> timeInStopsNs{0};
};

class TraceSession
{
public:
    struct LaunchHooks
    {
        std::function<void(pid_t)> execed;      // a launched process's first exec succeeded
        std::function<void(pid_t, int)> exited; // a launched process was reaped (wait status)
    };

    TraceSession(EventLog &log, TracerCounters &counters, LaunchHooks hooks);
    ~TraceSession();
    TraceSession(const TraceSession &) = delete;
    TraceSession &operator=(const TraceSession &) = delete;

    // A process the launcher forked and seized: traced from now on, and its events carry `node`.
    void adoptLaunched(pid_t pid, const std::string &node);
    // One waitpid(-1, __WALL) report.
    void handle(pid_t tid, int status);

    bool empty() const { return m_threads.empty(); }
    // SIGKILL to every traced process: the explicit form of what PTRACE_O_EXITKILL does.
    void killAll();
    // waitpid reported ECHILD: whatever we thought was traced is gone (someone else reaped it).
    void forgetAll();

private:
    struct PendingSyscall
    {
        DecodedSyscall decoded;
        SyscallId id;
        bool readBack = false;
    };
    struct ReadBack
    {
        DecodedSyscall decoded;
        int fd = -1; // our own open of the tracee's file, via /proc/TID/fd/N
    };
    struct Thread
    {
        pid_t tid = 0;
        pid_t tgid = 0; // 0 until its parent's fork event says (see adoptUnknown)
        // The kernel's comm: inherited at clone, reset by exec, changed by prctl(PR_SET_NAME)
        // (trapped for this), so events never need to ask /proc for it.
        std::string comm;
        std::optional<PendingSyscall> inSyscall; // entered, not yet returned
        std::vector<ReadBack> readBacks;
        bool started = false;   // past its first stop
        bool announced = false; // its parent's fork/clone event has been seen
        bool held = false;      // stopped until that event comes, so events stay in causal order
    };
    struct Process
    {
        std::string node;
        std::string exe;
        std::string comm;
        std::string component;
        pid_t ppid = 0; // set at fork and exec; read again when the parent exits
        bool launched = false;
        bool execed = false;
    };

    void onStop(pid_t tid, int status);
    void onGone(pid_t tid, int status);
    void onSeccomp(Thread &thread);
    void onSyscallExit(Thread &thread);
    void onFork(Thread &thread, int event);
    void onExec(Thread &thread);
    void onEventStop(Thread &thread, int signal);
    void onSignal(Thread &thread, int signal);

    Thread &adoptUnknown(pid_t tid);
    void registerChild(const Thread &parent, pid_t child, bool isThread);
    // The clone, fork or vfork that `thread`, stopped at a fork event, did not trap.
    std::optional<DecodedSyscall> decodeUntrappedClone(const Thread &thread);
    void releaseHeldChildrenOf(pid_t tgid);
    void resume(Thread &thread, int signal = 0);

    void flushReadBacks(Thread &thread);
    void finishUnreturned(Thread &thread);
    std::uint64_t emitSyscall(const Thread &thread, const DecodedSyscall &syscall);
    std::uint64_t emitProcessEvent(Event event, std::vector<std::uint64_t> links = {});
    TraceeIdentity identityOf(const Thread &thread) const;
    // `tgid` exited: its children were reparented (to a subreaper such as the shim, or init).
    void rereadParentsOfChildren(pid_t tgid);
    void refreshCounts();

    EventLog &m_log;
    TracerCounters &m_counters;
    LaunchHooks m_hooks;
    std::unordered_map<pid_t, Thread> m_threads;
    std::unordered_map<pid_t, Process> m_processes;
};

} // namespace flowlab
