#include "tracer/syscalls/TraceEvents.h"

#include "tracer/syscalls/FlagTables.h"

#include <sys/wait.h>

namespace flowlab {

namespace {

Event baseEvent(EventKind kind, const TraceeIdentity &who)
{
    Event event;
    event.kind = kind;
    event.source.component = who.component;
    event.source.node = who.node;
    event.source.pid = who.tgid;
    auto &attrs = event.attributes;
    attrs["tid"] = who.tid;
    attrs["comm"] = who.comm;
    attrs["exe"] = who.exe;
    attrs["ppid"] = who.ppid;
    return event;
}

std::string renderArgv(const std::vector<std::string> &argv)
{
    std::string out = "[";
    for (std::size_t i = 0; i < argv.size(); ++i)
        out += (i > 0 ? ", " : "") + quoteString(argv[i]);
    return out + "]";
}

} // namespace

Event makeSyscallEvent(const TraceeIdentity &who, const DecodedSyscall &syscall)
{
    Event event = baseEvent(EventKind::Syscall, who);
    event.summary = who.component + ": " + renderSyscallLine(syscall, kSummaryStringLimit);
    auto &attrs = event.attributes;
    for (const auto &[key, value] : syscall.attributes.items())
        attrs[key] = value;
    attrs["syscall"] = syscall.name;
    nlohmann::json args = nlohmann::json::object();
    for (const SyscallArg &arg : syscall.args)
        args[arg.name] = arg.value;
    attrs["args"] = args;
    attrs["line"] = renderSyscallLine(syscall);
    if (syscall.retval)
        attrs["retval"] = *syscall.retval;
    else
        attrs["retval"] = nullptr; // the thread never came back from it
    if (syscall.errnum != 0) {
        const auto restart = restartCodeName(syscall.errnum);
        attrs["errno"] = restart ? std::string(*restart) : errnoName(syscall.errnum);
    }
    return event;
}

Event makeForkEvent(const TraceeIdentity &parent, std::string_view how, pid_t child, bool thread)
{
    Event event = baseEvent(EventKind::Process, parent);
    event.summary = parent.component + ": " + std::string(how) + " → " +
                    (thread ? "thread " : "process ") + std::to_string(child);
    auto &attrs = event.attributes;
    attrs["event"] = std::string(how);
    attrs["child_pid"] = child;
    attrs["thread"] = thread;
    return event;
}

Event makeExecEvent(const TraceeIdentity &who, const std::vector<std::string> &argv,
                    const std::string &previousComponent, pid_t formerTid)
{
    Event event = baseEvent(EventKind::Process, who);
    event.summary = who.component + ": exec " + who.exe + " " + renderArgv(argv);
    auto &attrs = event.attributes;
    attrs["event"] = "exec";
    attrs["argv"] = argv;
    attrs["previous_component"] = previousComponent;
    // A non-leader thread that execs takes over the leader's id (see ptrace(2)).
    if (formerTid != who.tid)
        attrs["former_tid"] = formerTid;
    return event;
}

Event makeExitEvent(const TraceeIdentity &who, int waitStatus)
{
    Event event = baseEvent(EventKind::Process, who);
    auto &attrs = event.attributes;
    attrs["event"] = "exit";
    if (WIFEXITED(waitStatus)) {
        attrs["exit_code"] = WEXITSTATUS(waitStatus);
        event.summary =
            who.component + ": exited with status " + std::to_string(WEXITSTATUS(waitStatus));
    } else {
        const std::string signal = signalName(WTERMSIG(waitStatus));
        attrs["signal"] = signal;
        attrs["core_dumped"] = bool(WCOREDUMP(waitStatus));
        event.summary = who.component + ": killed by " + signal +
                        (WCOREDUMP(waitStatus) ? " (core dumped)" : "");
    }
    return event;
}

} // namespace flowlab
