#pragma once

// The seccomp-bpf program that a traced launch installs before exec: SECCOMP_RET_TRACE for
// the syscalls in SyscallTable, SECCOMP_RET_ALLOW for everything else, so that only the
// syscalls a lesson needs ever stop the tracee. Opens are trapped only for writing: the
// filter checks the flags argument's access mode, the one part of an open it can see.
//
// Without a tracer attached, a RET_TRACE syscall fails with ENOSYS. SyscallTracer attaches
// with PTRACE_O_EXITKILL so that this state never lasts (see SyscallTracer.h).

#include "tracer/base/Result.h"

#include <linux/filter.h>
#include <vector>

namespace flowlab {

std::vector<sock_filter> buildTraceFilter();

// Installs `program` on the calling thread and, via inheritance, every later child. Only
// async-signal-safe calls: usable between fork and exec. Returns 0 or an errno value.
// Needs CAP_SYS_ADMIN unless no_new_privs is set (tests without root set it).
int installTraceFilter(const sock_fprog &program);

} // namespace flowlab
