#pragma once

// Turning what the tracer saw into evidence events: `syscall` events with the strace-style
// line as summary, and `process` events for fork, exec and exit.

#include "tracer/model/Event.h"
#include "tracer/syscalls/DecodedSyscall.h"

#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace flowlab {

// Who did it, as the events name it.
struct TraceeIdentity
{
    std::string component; // "runc", "containerd-shim"
    std::string node;      // the launch's node, inherited by every descendant
    std::string exe;
    std::string comm;
    pid_t tgid = 0;
    pid_t tid = 0;
    pid_t ppid = 0;
};

// Summary: "runc: unshare(CLONE_NEWNS|...) = 0".
Event makeSyscallEvent(const TraceeIdentity &who, const DecodedSyscall &syscall);
// how: "fork", "vfork" or "clone". Summary: "runc: clone → process 4321".
Event makeForkEvent(const TraceeIdentity &parent, std::string_view how, pid_t child, bool thread);
// Summary: "nginx: exec /usr/sbin/nginx [\"nginx\", \"-g\", \"daemon off;\"]".
Event makeExecEvent(const TraceeIdentity &who, const std::vector<std::string> &argv,
                    const std::string &previousComponent, pid_t formerTid);
// Summary: "nginx: exited with status 0" or "nginx: killed by SIGKILL".
Event makeExitEvent(const TraceeIdentity &who, int waitStatus);

} // namespace flowlab
