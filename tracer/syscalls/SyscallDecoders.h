#pragma once

// Decoders, grouped by topic as in strace: NamespaceDecoders.cpp (clone, clone3, unshare,
// setns), MountDecoders.cpp (mount, umount2, pivot_root, chroot), ProcessDecoders.cpp (fork,
// vfork, execve, execveat, sethostname), CgroupDecoders.cpp (mkdir, mkdirat, openat, openat2
// under /sys/fs/cgroup). Arguments are decoded at the seccomp stop, while the tracee is
// stopped and its memory still holds them; the return value is added at the exit stop.

#include "tracer/syscalls/DecodedSyscall.h"
#include "tracer/syscalls/SyscallTable.h"
#include "tracer/syscalls/TraceeMemory.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

namespace flowlab {

struct SyscallEntry
{
    pid_t tid = 0;
    const SyscallInfo *info = nullptr;
    std::array<std::uint64_t, 6> args{};
};

enum class Interest {
    Record, // becomes a syscall event
    Ignore, // trapped but not part of the lesson (an open for writing outside the cgroup fs)
};

struct EntryDecoding
{
    DecodedSyscall syscall;
    Interest interest = Interest::Record;
    // A cgroup file opened for writing: a seccomp filter cannot see the later write(), so
    // the tracer reads the file back at the thread's next stop (see SyscallTracer.h).
    bool readBackAfterWrite = false;
};

EntryDecoding decodeSyscallEntry(const SyscallEntry &entry, const TraceeMemory &memory);
// Adds the return value (or errno) and what it means: a child pid, a file descriptor.
void decodeSyscallExit(DecodedSyscall &syscall, std::int64_t rval, bool isError);

// Records the value a cgroup file held when it was read back after the write.
void recordCgroupReadBack(DecodedSyscall &syscall, const std::string &value);
void recordCgroupReadBackFailure(DecodedSyscall &syscall, const std::string &why);

// Topic decoders; each fills `out.syscall.args` and attributes.
void decodeClone(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodeClone3(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodeUnshare(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodeSetns(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodeMount(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodeUmount2(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodePivotRoot(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodeChroot(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodeForkLike(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodeExecve(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodeExecveat(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodePrctl(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodeSethostname(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodeMkdir(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodeMkdirat(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodeOpenat(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);
void decodeOpenat2(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out);

// Shared by the topic decoders.
namespace decode {

inline constexpr std::size_t kMaxPath = 4096;      // PATH_MAX
inline constexpr std::size_t kMaxMountData = 4096; // the kernel copies at most a page
inline constexpr std::size_t kMaxArgvItems = 64;
inline constexpr std::size_t kMaxArgBytes = 4096;

// "NULL" or "0x7ffd...".
std::string pointer(std::uint64_t address);
// "0755".
std::string octal(std::uint64_t mode);

struct StringArg
{
    std::string rendered;             // quoted, or the pointer when unreadable
    std::optional<std::string> value; // the bytes, when they could be read
};
StringArg readString(const TraceeMemory &memory, std::uint64_t address,
                     std::size_t maxBytes = kMaxPath);

// A dirfd argument: "AT_FDCWD", or strace -y style "3</sys/fs/cgroup>".
std::string dirfd(pid_t tid, std::int64_t fd);
// An fd with what it points at: "3<uts:[4026531838]>".
std::string fdWithTarget(pid_t tid, std::int64_t fd);
// The absolute path a *at() call names, resolved against its dirfd or cwd; lexical only.
std::string resolveAt(pid_t tid, std::int64_t dirfd, const std::string &path);

} // namespace decode

} // namespace flowlab
