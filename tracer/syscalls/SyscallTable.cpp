#include "tracer/syscalls/SyscallTable.h"

#include <array>
#include <cstdlib>
#include <fcntl.h>
#include <linux/audit.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#if !defined(__x86_64__)
#error "The syscall tracer knows only x86_64 syscall numbers; add a table for this arch."
#endif

namespace flowlab {

namespace {

using enum SyscallCategory;

// O_WRONLY or O_RDWR (any access-mode bit set means the open may write), and no O_CREAT.
constexpr TrapCondition kOpensForWriting{2, O_ACCMODE, O_CREAT};
// CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID and NEWNET. (CLONE_NEWTIME is
// clone3 and unshare only: in clone's flags its bit is part of the exit signal.)
constexpr TrapCondition kMakesNamespaces{0, 0x7E020000, 0};
constexpr TrapCondition kAtForkEventOnly{-1, 0, 0, true};
constexpr TrapCondition kRenamesThread{0, 0, 0, false, PR_SET_NAME};

// x86_64 numbers (arch/x86/entry/syscalls/syscall_64.tbl). Written out so that the table
// reads like the kernel's; the static_asserts below check them against the libc headers.
constexpr std::array<SyscallInfo, 18> kTable{{
    {SyscallId::Clone, 56, "clone", 5, Process, kMakesNamespaces},
    {SyscallId::Fork, 57, "fork", 0, Process},
    {SyscallId::Vfork, 58, "vfork", 0, Process},
    {SyscallId::Execve, 59, "execve", 3, Process},
    {SyscallId::Mkdir, 83, "mkdir", 2, Cgroup},
    {SyscallId::PivotRoot, 155, "pivot_root", 2, Mount},
    {SyscallId::Chroot, 161, "chroot", 1, Mount},
    {SyscallId::Mount, 165, "mount", 5, Mount},
    {SyscallId::Umount2, 166, "umount2", 2, Mount},
    {SyscallId::Sethostname, 170, "sethostname", 2, Namespace},
    {SyscallId::Openat, 257, "openat", 4, Cgroup, kOpensForWriting},
    {SyscallId::Mkdirat, 258, "mkdirat", 3, Cgroup},
    {SyscallId::Unshare, 272, "unshare", 1, Namespace},
    {SyscallId::Setns, 308, "setns", 2, Namespace},
    {SyscallId::Execveat, 322, "execveat", 5, Process},
    {SyscallId::Clone3, 435, "clone3", 2, Process, kAtForkEventOnly},
    // runc opens cgroup files with openat2 (RESOLVE_BENEATH) when the kernel has it. Its flags
    // sit in a struct the filter cannot read, so every openat2 is trapped; few programs use it.
    {SyscallId::Openat2, 437, "openat2", 4, Cgroup},
    // Only PR_SET_NAME: runc names its stages ("runc:[1:CHILD]"), and events carry the name.
    {SyscallId::Prctl, 157, "prctl", 5, Process, kRenamesThread},
}};

static_assert(kTable[0].number == SYS_clone && kTable[1].number == SYS_fork &&
              kTable[2].number == SYS_vfork && kTable[3].number == SYS_execve &&
              kTable[4].number == SYS_mkdir && kTable[5].number == SYS_pivot_root &&
              kTable[6].number == SYS_chroot && kTable[7].number == SYS_mount &&
              kTable[8].number == SYS_umount2 && kTable[9].number == SYS_sethostname &&
              kTable[10].number == SYS_openat && kTable[11].number == SYS_mkdirat &&
              kTable[12].number == SYS_unshare && kTable[13].number == SYS_setns &&
              kTable[14].number == SYS_execveat);
#ifdef SYS_clone3
static_assert(kTable[15].number == SYS_clone3);
#endif
#ifdef SYS_openat2
static_assert(kTable[16].number == SYS_openat2);
#endif
static_assert(kTable[17].number == SYS_prctl);
static_assert(kMakesNamespaces.anyOf ==
              (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
               CLONE_NEWPID | CLONE_NEWNET));

} // namespace

const std::uint32_t kAuditArch = AUDIT_ARCH_X86_64;
const std::uint32_t kX32SyscallBit = 0x40000000;

std::string_view toString(SyscallCategory category)
{
    switch (category) {
    case Process:
        return "process";
    case Namespace:
        return "namespace";
    case Mount:
        return "mount";
    case Cgroup:
        return "cgroup";
    }
    return "process";
}

std::span<const SyscallInfo> tracedSyscalls()
{
    return kTable;
}

std::string tracedSyscallNames()
{
    std::string names;
    for (const SyscallInfo &info : kTable) {
        if (!names.empty())
            names += ',';
        names += info.name;
    }
    return names;
}

const SyscallInfo *syscallByNumber(long number)
{
    for (const SyscallInfo &info : kTable)
        if (info.number == number)
            return &info;
    return nullptr;
}

const SyscallInfo *syscallByName(std::string_view name)
{
    for (const SyscallInfo &info : kTable)
        if (info.name == name)
            return &info;
    return nullptr;
}

const SyscallInfo &syscallById(SyscallId id)
{
    for (const SyscallInfo &info : kTable)
        if (info.id == id)
            return info;
    std::abort(); // every SyscallId has a row: a missing one is a programming error
}

} // namespace flowlab
