#pragma once

// The traced syscall set as data: number, name, argument count and topic, strace's "sysent".
// Everything that depends on the architecture (syscall numbers, the audit arch the seccomp
// filter checks) lives in SyscallTable.cpp and nowhere else. x86_64 only for now.
//
// exit and exit_group are not in the set: the tracer sees them as the wait status it reaps,
// which also covers deaths by signal.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace flowlab {

// Architecture-neutral names for the syscalls we decode; decoders dispatch on these.
enum class SyscallId {
    Clone,
    Clone3,
    Fork,
    Vfork,
    Unshare,
    Setns,
    Mount,
    Umount2,
    PivotRoot,
    Chroot,
    Sethostname,
    Prctl,
    Execve,
    Execveat,
    Mkdir,
    Mkdirat,
    Openat,
    Openat2,
};

// The lesson topic a syscall teaches; also the attrs "category".
enum class SyscallCategory {
    Process,   // fork, clone, exec
    Namespace, // unshare, setns, sethostname
    Mount,     // mount, umount2, pivot_root, chroot
    Cgroup,    // mkdir and opens for writing under /sys/fs/cgroup
};

std::string_view toString(SyscallCategory category);

// When the seccomp filter traps a syscall: always, never, or only when the low word of one
// argument has any of `anyOf`'s bits set and none of `noneOf`'s. openat is trapped only when
// it opens for writing (its access mode) without O_CREAT: cgroupfs files always exist, and
// runc writes them without O_CREAT (through openat2, which is always trapped), while the
// engine's own state files (dockerd reopens its network store dozens of times per container)
// are opened with it. clone is trapped only when it makes a namespace; clone3 never, since
// its flags sit in memory the filter cannot read; prctl only when it renames the thread
// (PR_SET_NAME), which is how the tracer knows a tracee's name without asking /proc at
// every event. A clone that is let through is still recorded:
// when it makes a task, the tracer decodes it at the fork ptrace event it stops for anyway, which
// spares a stop for every thread the Go runtime or pthread_create starts. The price: a
// namespace-less clone, or any clone3, that fails makes no task and goes unrecorded.
struct TrapCondition
{
    int arg = -1; // -1: always trapped, unless `never`
    std::uint32_t anyOf = 0;
    std::uint32_t noneOf = 0;
    bool never = false;
    // Instead of the bit tests: trapped only when the argument is exactly this value.
    std::optional<std::uint32_t> equals;
};

struct SyscallInfo
{
    SyscallId id;
    int number; // for kAuditArch
    std::string_view name;
    int argCount;
    SyscallCategory category;
    TrapCondition trapOnlyIf;
};

// AUDIT_ARCH_X86_64: the seccomp filter lets other ABIs (i386 via int 0x80) run untraced
// rather than misreading their numbers.
extern const std::uint32_t kAuditArch;
// Numbers at or above this belong to the x32 ABI on x86_64; they are not traced either.
extern const std::uint32_t kX32SyscallBit;

std::span<const SyscallInfo> tracedSyscalls();
const SyscallInfo *syscallByNumber(long number);
const SyscallInfo *syscallByName(std::string_view name);
const SyscallInfo &syscallById(SyscallId id);

// The traced set's names in table order, comma-separated: the list `strace -e trace=` takes,
// so that a comparison run under strace traps the same syscalls (flowlab-trace-run
// --list-syscalls, flowlabd --engine-wrapper=strace). strace cannot look at an open's flags,
// so under it every openat traps, not only opens for writing.
std::string tracedSyscallNames();

} // namespace flowlab
