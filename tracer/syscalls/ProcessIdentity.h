#pragma once

// Who a tracee is, from /proc: its command name, executable, parent, and the friendly
// component name that events carry ("runc", "containerd-shim", "dockerd", "nginx").

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace flowlab {

struct ProcStat
{
    std::string comm;
    char state = '?';
    pid_t ppid = 0;
    unsigned long long startTime = 0; // field 22, clock ticks since boot
};

// /proc/PID/stat, or nullopt when the process is gone.
std::optional<ProcStat> readProcStat(pid_t pid);
// The thread group of a thread, from /proc/TID/status; 0 when it is gone.
pid_t readTgid(pid_t tid);
// readlink of /proc/PID/<what> ("exe", "cwd", "fd/3"); "" when it cannot be read.
std::string readProcLink(pid_t pid, std::string_view what);

// The name a lesson shows for a process. From the executable's basename, with runc's
// memfd re-exec ("/memfd:runc_cloned:/usr/bin/runc (deleted)") and the shim's versioned
// name ("containerd-shim-runc-v2") folded; the command name when there is no executable.
std::string componentName(std::string_view exe, std::string_view comm);

} // namespace flowlab
