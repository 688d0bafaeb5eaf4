#include "tracer/syscalls/TraceSession.h"

#include "tracer/model/EventLog.h"
#include "tracer/syscalls/ProcessIdentity.h"
#include "tracer/syscalls/SyscallDecoders.h"
#include "tracer/syscalls/TraceeMemory.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

namespace flowlab {

namespace {

bool isJobControlStop(int signal)
{
    return signal == SIGSTOP || signal == SIGTSTP || signal == SIGTTIN || signal == SIGTTOU;
}

std::vector<std::string> readCmdline(pid_t pid)
{
    std::vector<std::string> argv;
    const std::string path = "/proc/" + std::to_string(pid) + "/cmdline";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return argv;
    std::string content(8192, '\0');
    const ssize_t got = ::read(fd, content.data(), content.size());
    ::close(fd);
    content.resize(got > 0 ? std::size_t(got) : 0);
    std::size_t start = 0;
    while (start < content.size()) {
        auto end = content.find('\0', start);
        if (end == std::string::npos)
            end = content.size();
        argv.push_back(content.substr(start, end - start));
        start = end + 1;
    }
    return argv;
}

} // namespace

TraceSession::TraceSession(EventLog &log, TracerCounters &counters, LaunchHooks hooks)
    : m_log(log)
    , m_counters(counters)
    , m_hooks(std::move(hooks))
{}

TraceSession::~TraceSession()
{
    for (auto &[tid, thread] : m_threads)
        for (ReadBack &readBack : thread.readBacks)
            ::close(readBack.fd);
}

void TraceSession::adoptLaunched(pid_t pid, const std::string &node)
{
    Thread &thread = m_threads[pid];
    thread.tid = pid;
    thread.tgid = pid;
    // Its SIGSTOP was consumed by the launcher's waitpid before PTRACE_SEIZE.
    thread.started = true;
    thread.announced = true;
    Process &process = m_processes[pid];
    process.node = node;
    process.launched = true;
    process.exe = readProcLink(pid, "exe");
    if (const auto stat = readProcStat(pid)) {
        process.comm = stat->comm;
        process.ppid = stat->ppid;
    }
    process.component = componentName(process.exe, process.comm);
    thread.comm = process.comm;
    refreshCounts();
}

void TraceSession::handle(pid_t tid, int status)
{
    const std::int64_t start = monotonicNowNs();
    ++m_counters.stops;
    if (WIFEXITED(status) || WIFSIGNALED(status))
        onGone(tid, status);
    else if (WIFSTOPPED(status))
        onStop(tid, status);
    m_counters.timeInStopsNs += monotonicNowNs() - start;
}

void TraceSession::onStop(pid_t tid, int status)
{
    auto found = m_threads.find(tid);
    Thread &thread = found != m_threads.end() ? found->second : adoptUnknown(tid);
    // "The thread's next traced stop": whatever it wrote to a cgroup file is there by now.
    flushReadBacks(thread);

    const int signal = WSTOPSIG(status);
    const int event = (status >> 16) & 0xff;
    if (signal == (SIGTRAP | 0x80)) { // PTRACE_O_TRACESYSGOOD
        ++m_counters.syscallExitStops;
        onSyscallExit(thread);
        return;
    }
    if (event == 0) {
        onSignal(thread, signal);
        return;
    }
    if (event == PTRACE_EVENT_SECCOMP) {
        ++m_counters.seccompStops;
        onSeccomp(thread);
        return;
    }
    ++m_counters.eventStops;
    switch (event) {
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
        onFork(thread, event);
        break;
    case PTRACE_EVENT_EXEC:
        onExec(thread);
        break;
    case PTRACE_EVENT_STOP:
        onEventStop(thread, signal);
        break;
    default:
        resume(thread);
    }
}

TraceSession::Thread &TraceSession::adoptUnknown(pid_t tid)
{
    // A tracee we have not met is a child auto-attached by PTRACE_O_TRACE{FORK,VFORK,CLONE}
    // whose first stop beat its parent's fork event to us (the kernel queues the newest
    // tracee first). It is held until that event, so that "clone → 4321" comes before
    // anything 4321 does; the event also says which process it belongs to, so nothing is read
    // from /proc here, on the hot path of every fork.
    Thread &thread = m_threads[tid];
    thread.tid = tid;
    refreshCounts();
    return thread;
}

void TraceSession::onSignal(Thread &thread, int signal)
{
    ++m_counters.signalStops;
    if (!thread.started && signal == SIGSTOP) {
        // The initial stop of an auto-attached child in non-seize mode: absorb it.
        thread.started = true;
        if (!thread.announced) {
            thread.held = true;
            return;
        }
        resume(thread);
        return;
    }
    thread.started = true;
    // Every other signal belongs to the tracee: SIGCHLD, SIGTERM, SIGURG for Go's preemption.
    resume(thread, signal);
}

void TraceSession::onEventStop(Thread &thread, int signal)
{
    if (isJobControlStop(signal) && thread.started) {
        // A group-stop: PTRACE_LISTEN keeps it stopped, as without a tracer, until SIGCONT.
        ++m_counters.groupStops;
        ::ptrace(PTRACE_LISTEN, thread.tid, nullptr, nullptr);
        return;
    }
    const bool initial = !thread.started;
    thread.started = true;
    if (initial && !thread.announced) {
        thread.held = true;
        return;
    }
    resume(thread);
}

void TraceSession::onSeccomp(Thread &thread)
{
    __ptrace_syscall_info info{};
    const long size = ::ptrace(PTRACE_GET_SYSCALL_INFO, thread.tid, sizeof info, &info);
    const SyscallInfo *syscall = nullptr;
    if (size > 0 && info.op == PTRACE_SYSCALL_INFO_SECCOMP && info.arch == kAuditArch)
        syscall = syscallByNumber(long(info.seccomp.nr));
    if (!syscall) {
        resume(thread);
        return;
    }
    SyscallEntry entry;
    entry.tid = thread.tid;
    entry.info = syscall;
    for (std::size_t i = 0; i < entry.args.size(); ++i)
        entry.args[i] = info.seccomp.args[i];
    EntryDecoding decoding = decodeSyscallEntry(entry, TraceeMemory(thread.tid));
    if (decoding.interest == Interest::Ignore) {
        ++m_counters.ignoredSyscalls;
        resume(thread); // PTRACE_CONT: no exit stop for a syscall we do not record
        return;
    }
    finishUnreturned(thread); // cannot happen in a consistent trace; never drop one silently
    thread.inSyscall =
        PendingSyscall{std::move(decoding.syscall), syscall->id, decoding.readBackAfterWrite};
    resume(thread); // PTRACE_SYSCALL: stop again at the exit for the return value
}

void TraceSession::onSyscallExit(Thread &thread)
{
    if (!thread.inSyscall) {
        resume(thread);
        return;
    }
    PendingSyscall pending = std::move(*thread.inSyscall);
    thread.inSyscall.reset();
    __ptrace_syscall_info info{};
    const long size = ::ptrace(PTRACE_GET_SYSCALL_INFO, thread.tid, sizeof info, &info);
    if (size > 0 && info.op == PTRACE_SYSCALL_INFO_EXIT)
        decodeSyscallExit(pending.decoded, info.exit.rval, info.exit.is_error != 0);

    const auto &retval = pending.decoded.retval;
    if (pending.readBack && retval && *retval >= 0 && pending.decoded.errnum == 0) {
        // Our own descriptor on the same file, opened now while the tracee's fd is surely
        // valid; read once the write has happened.
        const std::string fdPath =
            "/proc/" + std::to_string(thread.tid) + "/fd/" + std::to_string(*retval);
        const int fd = ::open(fdPath.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            thread.readBacks.push_back({std::move(pending.decoded), fd});
        } else {
            recordCgroupReadBackFailure(pending.decoded,
                                        Error::fromErrno("open " + fdPath).message());
            emitSyscall(thread, pending.decoded);
        }
    } else {
        emitSyscall(thread, pending.decoded);
    }
    if (pending.id == SyscallId::Prctl && pending.decoded.errnum == 0 &&
        pending.decoded.attributes.contains("name"))
        thread.comm = pending.decoded.attributes["name"].get<std::string>();
    resume(thread);
}

void TraceSession::onFork(Thread &thread, int event)
{
    unsigned long message = 0;
    ::ptrace(PTRACE_GETEVENTMSG, thread.tid, nullptr, &message);
    const auto child = pid_t(message);
    const char *how = event == PTRACE_EVENT_FORK    ? "fork"
                      : event == PTRACE_EVENT_VFORK ? "vfork"
                                                    : "clone";
    bool isThread = false;
    std::vector<std::uint64_t> links;
    if (thread.inSyscall) {
        // The fork event tells the result before the syscall returns: record the clone now,
        // so it comes before anything the child does, and skip the exit stop.
        DecodedSyscall decoded = std::move(thread.inSyscall->decoded);
        thread.inSyscall.reset();
        isThread = decoded.attributes.value("thread", false);
        decoded.retval = child;
        decoded.attributes["child_pid"] = child;
        links.push_back(emitSyscall(thread, decoded));
    } else if (std::optional<DecodedSyscall> decoded = decodeUntrappedClone(thread)) {
        // A clone the filter let through (no namespace flags): decoded now, from the registers
        // it was called with, one stop fewer than trapping it.
        isThread = decoded->attributes.value("thread", false);
        decoded->retval = child;
        decoded->attributes["child_pid"] = child;
        links.push_back(emitSyscall(thread, *decoded));
    } else {
        isThread = event == PTRACE_EVENT_CLONE && readTgid(child) == thread.tgid;
    }
    registerChild(thread, child, isThread);
    emitProcessEvent(makeForkEvent(identityOf(thread), how, child, isThread), std::move(links));
    Thread &childThread = m_threads[child];
    childThread.announced = true;
    if (childThread.held) {
        childThread.held = false;
        resume(childThread);
    }
    resume(thread);
}

std::optional<DecodedSyscall> TraceSession::decodeUntrappedClone(const Thread &thread)
{
    // At a fork event the caller is still inside the syscall: orig_rax holds its number and
    // the argument registers are as it made the call.
    user_regs_struct regs{};
    if (::ptrace(PTRACE_GETREGS, thread.tid, nullptr, &regs) != 0)
        return std::nullopt;
    const SyscallInfo *info = syscallByNumber(long(regs.orig_rax));
    if (!info || info->category != SyscallCategory::Process || info->id == SyscallId::Execve ||
        info->id == SyscallId::Execveat)
        return std::nullopt;
    SyscallEntry entry;
    entry.tid = thread.tid;
    entry.info = info;
    entry.args = {regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9};
    EntryDecoding decoding = decodeSyscallEntry(entry, TraceeMemory(thread.tid));
    if (decoding.interest == Interest::Ignore)
        return std::nullopt;
    ++m_counters.decodedAtForkEvent;
    return std::move(decoding.syscall);
}

void TraceSession::registerChild(const Thread &parent, pid_t child, bool isThread)
{
    const bool known = m_threads.contains(child);
    Thread &thread = m_threads[child];
    thread.tid = child;
    thread.tgid = isThread ? parent.tgid : child;
    thread.comm = parent.comm;
    if (!isThread) {
        // Also when adoptUnknown() created it: the event names the real parent, which a
        // CLONE_PARENT child's /proc ppid does not.
        Process process = m_processes[parent.tgid];
        process.launched = false;
        process.execed = false;
        // The kernel's idea of the parent (CLONE_PARENT makes it the caller's parent).
        const auto stat = readProcStat(child);
        process.ppid = stat ? stat->ppid : parent.tgid;
        m_processes[child] = std::move(process);
    }
    if (!known)
        refreshCounts();
}

void TraceSession::onExec(Thread &leader)
{
    unsigned long message = 0;
    ::ptrace(PTRACE_GETEVENTMSG, leader.tid, nullptr, &message);
    const auto formerTid = pid_t(message);
    if (formerTid != leader.tid) {
        // A non-leader thread exec'd and took over the leader's id; its state moves along.
        if (auto former = m_threads.find(formerTid); former != m_threads.end()) {
            finishUnreturned(leader);
            leader.inSyscall = std::move(former->second.inSyscall);
            for (ReadBack &readBack : former->second.readBacks)
                leader.readBacks.push_back(std::move(readBack));
            m_threads.erase(former);
            refreshCounts();
        }
    }
    leader.started = true;
    Process &process = m_processes[leader.tgid];
    const TraceeIdentity before = identityOf(leader);
    std::vector<std::string> argv;
    std::vector<std::uint64_t> links;
    if (leader.inSyscall && (leader.inSyscall->id == SyscallId::Execve ||
                             leader.inSyscall->id == SyscallId::Execveat)) {
        // Credited to the program that made the call: "runc: execve("/usr/sbin/nginx", ...)".
        DecodedSyscall decoded = std::move(leader.inSyscall->decoded);
        leader.inSyscall.reset();
        decoded.retval = 0;
        if (decoded.attributes.contains("argv"))
            argv = decoded.attributes["argv"].get<std::vector<std::string>>();
        TraceeIdentity caller = before;
        caller.tid = formerTid; // the thread that called execve, whose id is gone now
        ++m_counters.syscallEvents;
        links.push_back(m_log.append(makeSyscallEvent(caller, decoded)));
    }
    if (argv.empty())
        argv = readCmdline(leader.tgid);
    process.exe = readProcLink(leader.tgid, "exe");
    if (const auto stat = readProcStat(leader.tgid)) {
        process.comm = stat->comm;
        process.ppid = stat->ppid;
    }
    process.component = componentName(process.exe, process.comm);
    leader.comm = process.comm;
    emitProcessEvent(makeExecEvent(identityOf(leader), argv, before.component, formerTid),
                     std::move(links));
    const bool firstExecOfLaunch = process.launched && !process.execed;
    process.execed = true;
    if (firstExecOfLaunch && m_hooks.execed)
        m_hooks.execed(leader.tgid);
    resume(leader);
}

void TraceSession::onGone(pid_t tid, int status)
{
    auto found = m_threads.find(tid);
    if (found == m_threads.end())
        return;
    Thread &thread = found->second;
    if (thread.tgid == 0) { // died while held, before anyone announced it
        m_threads.erase(found);
        refreshCounts();
        return;
    }
    flushReadBacks(thread);
    finishUnreturned(thread);
    const pid_t tgid = thread.tgid;
    const bool leader = tid == tgid;
    TraceeIdentity identity = identityOf(thread);
    m_threads.erase(found);
    if (leader) {
        // With __WALL the leader is reported last, once the whole thread group is gone.
        std::erase_if(m_threads, [tgid](const auto &entry) { return entry.second.tgid == tgid; });
        emitProcessEvent(makeExitEvent(identity, status));
        const bool launched = m_processes[tgid].launched;
        m_processes.erase(tgid);
        releaseHeldChildrenOf(tgid);
        rereadParentsOfChildren(tgid);
        refreshCounts(); // before the hook: a waiter may read the stats at once
        if (launched && m_hooks.exited)
            m_hooks.exited(tgid, status);
        return;
    }
    refreshCounts();
}

void TraceSession::releaseHeldChildrenOf(pid_t tgid)
{
    // The parent died between creating a child and reporting it: nobody will announce it.
    // Rare, so /proc is asked only here.
    for (auto &[tid, thread] : m_threads) {
        if (!thread.held)
            continue;
        const pid_t owner = readTgid(tid);
        const auto stat = readProcStat(owner != 0 ? owner : tid);
        if (owner != tgid && !(stat && stat->ppid == tgid))
            continue;
        thread.held = false;
        thread.announced = true;
        thread.tgid = owner != 0 ? owner : tid;
        if (!m_processes.contains(thread.tgid)) {
            Process &process = m_processes[thread.tgid];
            process.exe = readProcLink(thread.tgid, "exe");
            process.comm = stat ? stat->comm : std::string();
            process.component = componentName(process.exe, process.comm);
        }
        resume(thread);
    }
}

void TraceSession::resume(Thread &thread, int signal)
{
    const auto request = thread.inSyscall ? PTRACE_SYSCALL : PTRACE_CONT;
    // ESRCH: killed meanwhile (SIGKILL needs no tracer); its exit will be reported.
    ::ptrace(request, thread.tid, nullptr, reinterpret_cast<void *>(long(signal)));
}

void TraceSession::flushReadBacks(Thread &thread)
{
    if (thread.readBacks.empty())
        return;
    std::vector<ReadBack> readBacks = std::move(thread.readBacks);
    thread.readBacks.clear();
    for (ReadBack &readBack : readBacks) {
        std::string value(4096, '\0');
        const ssize_t got = ::pread(readBack.fd, value.data(), value.size(), 0);
        if (got >= 0) {
            value.resize(std::size_t(got));
            recordCgroupReadBack(readBack.decoded, value);
        } else {
            recordCgroupReadBackFailure(readBack.decoded, Error::fromErrno("pread").message());
        }
        ::close(readBack.fd);
        emitSyscall(thread, readBack.decoded);
    }
}

void TraceSession::finishUnreturned(Thread &thread)
{
    if (!thread.inSyscall)
        return;
    DecodedSyscall decoded = std::move(thread.inSyscall->decoded);
    thread.inSyscall.reset();
    decoded.retval.reset(); // rendered "= ?", as strace does for a thread that died inside
    emitSyscall(thread, decoded);
}

std::uint64_t TraceSession::emitSyscall(const Thread &thread, const DecodedSyscall &syscall)
{
    ++m_counters.syscallEvents;
    return m_log.append(makeSyscallEvent(identityOf(thread), syscall));
}

std::uint64_t TraceSession::emitProcessEvent(Event event, std::vector<std::uint64_t> links)
{
    ++m_counters.processEvents;
    event.links = std::move(links);
    return m_log.append(std::move(event));
}

TraceeIdentity TraceSession::identityOf(const Thread &thread) const
{
    static const Process kUnknown;
    const auto found = m_processes.find(thread.tgid);
    const Process &process = found != m_processes.end() ? found->second : kUnknown;
    TraceeIdentity identity;
    identity.tid = thread.tid;
    identity.tgid = thread.tgid;
    identity.ppid = process.ppid;
    identity.comm = thread.comm.empty() ? process.comm : thread.comm;
    identity.exe = process.exe;
    identity.component = process.component;
    identity.node = process.node;
    return identity;
}

void TraceSession::rereadParentsOfChildren(pid_t tgid)
{
    for (auto &[pid, process] : m_processes) {
        if (process.ppid != tgid)
            continue;
        if (const auto stat = readProcStat(pid))
            process.ppid = stat->ppid;
    }
}

void TraceSession::killAll()
{
    for (const auto &[tgid, process] : m_processes)
        ::kill(tgid, SIGKILL);
    for (const auto &[tid, thread] : m_threads)
        if (thread.tgid == 0)
            ::kill(tid, SIGKILL);
}

void TraceSession::forgetAll()
{
    std::vector<pid_t> launched;
    for (const auto &[tgid, process] : m_processes)
        if (process.launched)
            launched.push_back(tgid);
    for (auto &[tid, thread] : m_threads)
        for (ReadBack &readBack : thread.readBacks)
            ::close(readBack.fd);
    m_threads.clear();
    m_processes.clear();
    refreshCounts();
    for (const pid_t pid : launched)
        if (m_hooks.exited)
            m_hooks.exited(pid, -1);
}

void TraceSession::refreshCounts()
{
    m_counters.threads = m_threads.size();
    m_counters.processes = m_processes.size();
}

} // namespace flowlab
