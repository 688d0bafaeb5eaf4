#include "tracer/syscalls/SyscallDecoders.h"

#include "tracer/syscalls/FlagTables.h"
#include "tracer/syscalls/ProcessIdentity.h"

#include <array>
#include <cstdio>
#include <fcntl.h>
#include <vector>

namespace flowlab {

namespace {

using Decoder = void (*)(const SyscallEntry &, const TraceeMemory &, EntryDecoding &);

constexpr std::array<std::pair<SyscallId, Decoder>, 18> kDecoders{{
    {SyscallId::Clone, decodeClone},
    {SyscallId::Clone3, decodeClone3},
    {SyscallId::Fork, decodeForkLike},
    {SyscallId::Vfork, decodeForkLike},
    {SyscallId::Unshare, decodeUnshare},
    {SyscallId::Setns, decodeSetns},
    {SyscallId::Mount, decodeMount},
    {SyscallId::Umount2, decodeUmount2},
    {SyscallId::PivotRoot, decodePivotRoot},
    {SyscallId::Chroot, decodeChroot},
    {SyscallId::Sethostname, decodeSethostname},
    {SyscallId::Prctl, decodePrctl},
    {SyscallId::Execve, decodeExecve},
    {SyscallId::Execveat, decodeExecveat},
    {SyscallId::Mkdir, decodeMkdir},
    {SyscallId::Mkdirat, decodeMkdirat},
    {SyscallId::Openat, decodeOpenat},
    {SyscallId::Openat2, decodeOpenat2},
}};

// Removes "." and ".." and doubled slashes, without touching the file system (the path is
// the tracee's view, which may be another mount namespace).
std::string normalizePath(const std::string &path)
{
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos)
            end = path.size();
        const std::string part = path.substr(start, end - start);
        if (part == "..") {
            if (!parts.empty())
                parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        start = end + 1;
    }
    std::string out;
    for (const auto &part : parts)
        out += "/" + part;
    return out.empty() ? "/" : out;
}

} // namespace

EntryDecoding decodeSyscallEntry(const SyscallEntry &entry, const TraceeMemory &memory)
{
    EntryDecoding out;
    out.syscall.name = std::string(entry.info->name);
    out.syscall.attributes["category"] = std::string(toString(entry.info->category));
    for (const auto &[id, decoder] : kDecoders) {
        if (id == entry.info->id) {
            decoder(entry, memory, out);
            return out;
        }
    }
    return out;
}

void decodeSyscallExit(DecodedSyscall &syscall, std::int64_t rval, bool isError)
{
    if (isError) {
        syscall.errnum = int(-rval);
        syscall.retval = -1;
        return;
    }
    syscall.retval = rval;
}

namespace decode {

std::string pointer(std::uint64_t address)
{
    if (address == 0)
        return "NULL";
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "%#llx", static_cast<unsigned long long>(address));
    return buffer;
}

std::string octal(std::uint64_t mode)
{
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "%#04llo", static_cast<unsigned long long>(mode));
    return buffer;
}

StringArg readString(const TraceeMemory &memory, std::uint64_t address, std::size_t maxBytes)
{
    if (address == 0)
        return {"NULL", std::nullopt};
    auto read = memory.readString(address, maxBytes);
    if (!read)
        return {pointer(address), std::nullopt};
    return {quoteString(read->bytes, read->truncated), read->bytes};
}

std::string dirfd(pid_t tid, std::int64_t fd)
{
    // AT_FDCWD arrives as a 32-bit int in a 64-bit register.
    if (std::int32_t(fd) == AT_FDCWD)
        return "AT_FDCWD";
    return fdWithTarget(tid, std::int32_t(fd));
}

std::string fdWithTarget(pid_t tid, std::int64_t fd)
{
    const std::string target = readProcLink(tid, "fd/" + std::to_string(fd));
    return target.empty() ? std::to_string(fd) : std::to_string(fd) + "<" + target + ">";
}

std::string resolveAt(pid_t tid, std::int64_t fd, const std::string &path)
{
    if (path.starts_with('/'))
        return normalizePath(path);
    const std::string base = std::int32_t(fd) == AT_FDCWD
                                 ? readProcLink(tid, "cwd")
                                 : readProcLink(tid, "fd/" + std::to_string(std::int32_t(fd)));
    if (base.empty())
        return path; // unknown base: keep it relative so it never matches a prefix by accident
    return normalizePath(base + "/" + path);
}

} // namespace decode

} // namespace flowlab
