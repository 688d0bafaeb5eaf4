#include "tracer/syscalls/FlagTables.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mount.h>

namespace flowlab {

namespace {

// The clone bits are the kernel ABI (include/uapi/linux/sched.h), the same on every arch;
// written out because glibc's <sched.h> lags the kernel and clashes with <linux/sched.h>.
constexpr std::uint64_t kCloneNewTime = 0x00000080;
constexpr std::uint64_t kCloneNewNs = 0x00020000;
constexpr std::uint64_t kCloneNewCgroup = 0x02000000;
constexpr std::uint64_t kCloneNewUts = 0x04000000;
constexpr std::uint64_t kCloneNewIpc = 0x08000000;
constexpr std::uint64_t kCloneNewUser = 0x10000000;
constexpr std::uint64_t kCloneNewPid = 0x20000000;
constexpr std::uint64_t kCloneNewNet = 0x40000000;

constexpr std::array kCloneEntries{
    FlagName{0x00000100, "CLONE_VM"},
    FlagName{0x00000200, "CLONE_FS"},
    FlagName{0x00000400, "CLONE_FILES"},
    FlagName{0x00000800, "CLONE_SIGHAND"},
    FlagName{0x00001000, "CLONE_PIDFD"},
    FlagName{0x00002000, "CLONE_PTRACE"},
    FlagName{0x00004000, "CLONE_VFORK"},
    FlagName{0x00008000, "CLONE_PARENT"},
    FlagName{0x00010000, "CLONE_THREAD"},
    FlagName{kCloneNewNs, "CLONE_NEWNS"},
    FlagName{0x00040000, "CLONE_SYSVSEM"},
    FlagName{0x00080000, "CLONE_SETTLS"},
    FlagName{0x00100000, "CLONE_PARENT_SETTID"},
    FlagName{0x00200000, "CLONE_CHILD_CLEARTID"},
    FlagName{0x00400000, "CLONE_DETACHED"},
    FlagName{0x00800000, "CLONE_UNTRACED"},
    FlagName{0x01000000, "CLONE_CHILD_SETTID"},
    FlagName{kCloneNewCgroup, "CLONE_NEWCGROUP"},
    FlagName{kCloneNewUts, "CLONE_NEWUTS"},
    FlagName{kCloneNewIpc, "CLONE_NEWIPC"},
    FlagName{kCloneNewUser, "CLONE_NEWUSER"},
    FlagName{kCloneNewPid, "CLONE_NEWPID"},
    FlagName{kCloneNewNet, "CLONE_NEWNET"},
    FlagName{0x80000000, "CLONE_IO"},
    FlagName{0x100000000ULL, "CLONE_CLEAR_SIGHAND"},
    FlagName{0x200000000ULL, "CLONE_INTO_CGROUP"},
    // Only in clone3's flags and unshare: in clone(2) this byte is the exit signal.
    FlagName{kCloneNewTime, "CLONE_NEWTIME"},
};

// What kernel/fork.c's check_unshare_flags() accepts.
constexpr std::array kUnshareEntries{
    FlagName{0x00000100, "CLONE_VM"},         FlagName{0x00000200, "CLONE_FS"},
    FlagName{0x00000400, "CLONE_FILES"},      FlagName{0x00000800, "CLONE_SIGHAND"},
    FlagName{0x00010000, "CLONE_THREAD"},     FlagName{kCloneNewNs, "CLONE_NEWNS"},
    FlagName{0x00040000, "CLONE_SYSVSEM"},    FlagName{kCloneNewCgroup, "CLONE_NEWCGROUP"},
    FlagName{kCloneNewUts, "CLONE_NEWUTS"},   FlagName{kCloneNewIpc, "CLONE_NEWIPC"},
    FlagName{kCloneNewUser, "CLONE_NEWUSER"}, FlagName{kCloneNewPid, "CLONE_NEWPID"},
    FlagName{kCloneNewNet, "CLONE_NEWNET"},   FlagName{kCloneNewTime, "CLONE_NEWTIME"},
};

constexpr std::array kNamespaceEntries{
    FlagName{kCloneNewNs, "CLONE_NEWNS"},     FlagName{kCloneNewCgroup, "CLONE_NEWCGROUP"},
    FlagName{kCloneNewUts, "CLONE_NEWUTS"},   FlagName{kCloneNewIpc, "CLONE_NEWIPC"},
    FlagName{kCloneNewUser, "CLONE_NEWUSER"}, FlagName{kCloneNewPid, "CLONE_NEWPID"},
    FlagName{kCloneNewNet, "CLONE_NEWNET"},   FlagName{kCloneNewTime, "CLONE_NEWTIME"},
};

// The names /proc/PID/ns uses, which is what a learner sees in `ls -l /proc/self/ns`.
constexpr std::array<std::pair<std::uint64_t, std::string_view>, 8> kNamespaceShortNames{{
    {kCloneNewNs, "mnt"},
    {kCloneNewUts, "uts"},
    {kCloneNewIpc, "ipc"},
    {kCloneNewPid, "pid"},
    {kCloneNewNet, "net"},
    {kCloneNewUser, "user"},
    {kCloneNewCgroup, "cgroup"},
    {kCloneNewTime, "time"},
}};

// MS_SUBMOUNT..MS_BORN are kernel-internal bits (include/uapi/linux/mount.h); a caller that
// passes them gets them named rather than hidden.
constexpr std::array kMountEntries{
    FlagName{MS_RDONLY, "MS_RDONLY"},
    FlagName{MS_NOSUID, "MS_NOSUID"},
    FlagName{MS_NODEV, "MS_NODEV"},
    FlagName{MS_NOEXEC, "MS_NOEXEC"},
    FlagName{MS_SYNCHRONOUS, "MS_SYNCHRONOUS"},
    FlagName{MS_REMOUNT, "MS_REMOUNT"},
    FlagName{MS_MANDLOCK, "MS_MANDLOCK"},
    FlagName{MS_DIRSYNC, "MS_DIRSYNC"},
    FlagName{MS_NOSYMFOLLOW, "MS_NOSYMFOLLOW"},
    FlagName{MS_NOATIME, "MS_NOATIME"},
    FlagName{MS_NODIRATIME, "MS_NODIRATIME"},
    FlagName{MS_BIND, "MS_BIND"},
    FlagName{MS_MOVE, "MS_MOVE"},
    FlagName{MS_REC, "MS_REC"},
    FlagName{MS_SILENT, "MS_SILENT"},
    FlagName{MS_POSIXACL, "MS_POSIXACL"},
    FlagName{MS_UNBINDABLE, "MS_UNBINDABLE"},
    FlagName{MS_PRIVATE, "MS_PRIVATE"},
    FlagName{MS_SLAVE, "MS_SLAVE"},
    FlagName{MS_SHARED, "MS_SHARED"},
    FlagName{MS_RELATIME, "MS_RELATIME"},
    FlagName{MS_KERNMOUNT, "MS_KERNMOUNT"},
    FlagName{MS_I_VERSION, "MS_I_VERSION"},
    FlagName{MS_STRICTATIME, "MS_STRICTATIME"},
    FlagName{MS_LAZYTIME, "MS_LAZYTIME"},
    FlagName{1U << 26, "MS_SUBMOUNT"},
    FlagName{1U << 27, "MS_NOREMOTELOCK"},
    FlagName{1U << 28, "MS_NOSEC"},
    FlagName{1U << 29, "MS_BORN"},
    FlagName{MS_ACTIVE, "MS_ACTIVE"},
    FlagName{1U << 31, "MS_NOUSER"},
};

constexpr std::array kUmountEntries{
    FlagName{MNT_FORCE, "MNT_FORCE"},
    FlagName{MNT_DETACH, "MNT_DETACH"},
    FlagName{MNT_EXPIRE, "MNT_EXPIRE"},
    FlagName{UMOUNT_NOFOLLOW, "UMOUNT_NOFOLLOW"},
};

// O_LARGEFILE is 0 in 64-bit userspace headers, but Go passes the kernel's bit.
constexpr std::uint64_t kKernelLargeFile = 0100000;
constexpr std::array kOpenEntries{
    FlagName{O_TMPFILE, "O_TMPFILE"}, // includes O_DIRECTORY: must come first
    FlagName{O_SYNC, "O_SYNC"},       // includes O_DSYNC
    FlagName{O_CREAT, "O_CREAT"},         FlagName{O_EXCL, "O_EXCL"},
    FlagName{O_NOCTTY, "O_NOCTTY"},       FlagName{O_TRUNC, "O_TRUNC"},
    FlagName{O_APPEND, "O_APPEND"},       FlagName{O_NONBLOCK, "O_NONBLOCK"},
    FlagName{O_DSYNC, "O_DSYNC"},         FlagName{O_ASYNC, "O_ASYNC"},
    FlagName{O_DIRECT, "O_DIRECT"},       FlagName{kKernelLargeFile, "O_LARGEFILE"},
    FlagName{O_DIRECTORY, "O_DIRECTORY"}, FlagName{O_NOFOLLOW, "O_NOFOLLOW"},
    FlagName{O_NOATIME, "O_NOATIME"},     FlagName{O_CLOEXEC, "O_CLOEXEC"},
    FlagName{O_PATH, "O_PATH"},
};

constexpr std::array kAtEntries{
    FlagName{AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"},
    FlagName{AT_EMPTY_PATH, "AT_EMPTY_PATH"},
};

constexpr std::array kResolveEntries{
    FlagName{0x01, "RESOLVE_NO_XDEV"},     FlagName{0x02, "RESOLVE_NO_MAGICLINKS"},
    FlagName{0x04, "RESOLVE_NO_SYMLINKS"}, FlagName{0x08, "RESOLVE_BENEATH"},
    FlagName{0x10, "RESOLVE_IN_ROOT"},     FlagName{0x20, "RESOLVE_CACHED"},
};

std::string hex(std::uint64_t value)
{
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "%#llx", static_cast<unsigned long long>(value));
    return buffer;
}

} // namespace

const FlagTable kCloneFlags{kCloneEntries, "CLONE_???"};
const FlagTable kUnshareFlags{kUnshareEntries, "CLONE_???"};
const FlagTable kNamespaceFlags{kNamespaceEntries, "CLONE_???"};
const FlagTable kMountFlags{kMountEntries, "MS_???"};
const FlagTable kUmountFlags{kUmountEntries, "MNT_???"};
const FlagTable kOpenFlags{kOpenEntries, "O_???"};
const FlagTable kAtFlags{kAtEntries, "AT_???"};
const FlagTable kResolveFlags{kResolveEntries, "RESOLVE_???"};

std::vector<std::string> flagNames(const FlagTable &table, std::uint64_t value)
{
    std::vector<std::string> names;
    for (const FlagName &entry : table.entries) {
        if (entry.value != 0 && (value & entry.value) == entry.value) {
            names.emplace_back(entry.name);
            value &= ~entry.value;
        }
    }
    return names;
}

std::string formatFlags(const FlagTable &table, std::uint64_t value)
{
    if (value == 0)
        return "0";
    std::string out;
    std::uint64_t rest = value;
    for (const FlagName &entry : table.entries) {
        if (entry.value != 0 && (rest & entry.value) == entry.value) {
            if (!out.empty())
                out += '|';
            out += entry.name;
            rest &= ~entry.value;
        }
    }
    if (rest != 0) {
        if (!out.empty())
            out += '|';
        out += hex(rest) + " /* " + std::string(table.unknownComment) + " */";
    }
    return out;
}

std::string formatOpenFlags(std::uint64_t flags)
{
    static constexpr std::array<std::string_view, 4> kAccessModes{"O_RDONLY", "O_WRONLY", "O_RDWR",
                                                                  "O_ACCMODE"};
    std::string out(kAccessModes[flags & O_ACCMODE]);
    const std::uint64_t rest = flags & ~std::uint64_t(O_ACCMODE);
    if (rest != 0)
        out += "|" + formatFlags(kOpenFlags, rest);
    return out;
}

std::string formatMountFlags(std::uint64_t flags)
{
    // Before 2.4 the upper 16 bits had to hold 0xC0ED; callers still pass it.
    constexpr std::uint64_t kMagicMask = 0xffff0000;
    constexpr std::uint64_t kMagicValue = 0xc0ed0000;
    if ((flags & kMagicMask) == kMagicValue) {
        const std::uint64_t rest = flags & ~kMagicMask;
        return rest == 0 ? "MS_MGC_VAL" : "MS_MGC_VAL|" + formatFlags(kMountFlags, rest);
    }
    return formatFlags(kMountFlags, flags);
}

std::string formatCloneFlagsWithSignal(std::uint64_t flags)
{
    constexpr std::uint64_t kSignalMask = 0xff;
    const std::uint64_t bits = flags & ~kSignalMask;
    const int exitSignal = int(flags & kSignalMask);
    if (exitSignal == 0)
        return formatFlags(kCloneFlags, bits);
    const std::string signal = signalName(exitSignal);
    return bits == 0 ? signal : formatFlags(kCloneFlags, bits) + "|" + signal;
}

std::vector<std::string> namespaceNames(std::uint64_t flags)
{
    std::vector<std::string> names;
    for (const auto &[bit, name] : kNamespaceShortNames)
        if (flags & bit)
            names.emplace_back(name);
    return names;
}

std::string signalName(int signal)
{
    if (signal == 0)
        return "0";
    if (const char *abbrev = ::sigabbrev_np(signal))
        return std::string("SIG") + abbrev;
    // Real-time signals, numbered from the kernel's SIGRTMIN (32) as strace does; glibc's
    // SIGRTMIN is higher because it keeps two for itself.
    constexpr int kKernelRtMin = 32;
    constexpr int kKernelRtMax = 64;
    if (signal >= kKernelRtMin && signal <= kKernelRtMax)
        return "SIGRT_" + std::to_string(signal - kKernelRtMin);
    return "SIG??? " + std::to_string(signal);
}

std::string errnoName(int errnum)
{
    if (const char *name = ::strerrorname_np(errnum))
        return name;
    return "E??? " + std::to_string(errnum);
}

} // namespace flowlab
