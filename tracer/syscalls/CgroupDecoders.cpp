// mkdir/mkdirat and opens for writing under /sys/fs/cgroup: how runc creates a container's
// cgroup and sets its limits (memory.limit_in_bytes, cpu.shares, pids.max, cgroup.procs).
//
// The same syscalls happen thousands of times elsewhere (image extraction creates every
// directory and file of a layer); those are decoded just far enough to see the path and then
// dropped, so that they cost one stop and no event.

#include "tracer/syscalls/FlagTables.h"
#include "tracer/syscalls/SyscallDecoders.h"

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>

namespace flowlab {

namespace {

constexpr std::string_view kCgroupRoot = "/sys/fs/cgroup";
constexpr std::size_t kMaxReadBackBytes = 4096;

// Whether /sys/fs/cgroup is itself the cgroup2 mount (a unified-only host). Otherwise each
// directory below it is one hierarchy ("pids", "cpu,cpuacct", "unified"), as on this
// project's target machines with cgroup v1 controllers.
bool cgroupRootIsUnified()
{
    static const bool unified = [] {
        struct statfs fs
        {
        };
        return ::statfs(std::string(kCgroupRoot).c_str(), &fs) == 0 &&
               fs.f_type == CGROUP2_SUPER_MAGIC;
    }();
    return unified;
}

struct CgroupLocation
{
    std::string hierarchy; // "pids"; "unified" on a cgroup2-only host
    std::string cgroup;    // "/docker/f06be762af50"
    std::string file;      // "pids.max", for opens
};

std::optional<CgroupLocation> locate(const std::string &path, bool isFile)
{
    if (!path.starts_with(kCgroupRoot) || path.size() <= kCgroupRoot.size() ||
        path[kCgroupRoot.size()] != '/')
        return std::nullopt;
    std::string rest = path.substr(kCgroupRoot.size()); // "/pids/docker/abc/pids.max"
    CgroupLocation location;
    if (isFile) {
        const auto slash = rest.rfind('/');
        location.file = rest.substr(slash + 1);
        rest.resize(slash);
    }
    if (cgroupRootIsUnified()) {
        location.hierarchy = "unified";
        location.cgroup = rest.empty() ? "/" : rest;
        return location;
    }
    const auto next = rest.find('/', 1);
    location.hierarchy = rest.substr(1, next == std::string::npos ? std::string::npos : next - 1);
    location.cgroup = next == std::string::npos ? "/" : rest.substr(next);
    return location;
}

void addLocation(nlohmann::json &attrs, const std::string &path, const CgroupLocation &location)
{
    attrs["path"] = path;
    attrs["hierarchy"] = location.hierarchy;
    attrs["cgroup"] = location.cgroup;
    if (!location.file.empty())
        attrs["file"] = location.file;
}

void decodeMkdirPath(const SyscallEntry &entry, std::int64_t dirfd, const decode::StringArg &path,
                     EntryDecoding &out)
{
    out.interest = Interest::Ignore;
    if (!path.value)
        return;
    const std::string resolved = decode::resolveAt(entry.tid, dirfd, *path.value);
    if (const auto location = locate(resolved, false)) {
        out.interest = Interest::Record;
        addLocation(out.syscall.attributes, resolved, *location);
    }
}

// Both opens: record writes to cgroup files, ignore everything else.
void classifyOpen(const SyscallEntry &entry, std::int64_t dirfd, const decode::StringArg &path,
                  std::uint64_t flags, EntryDecoding &out)
{
    out.interest = Interest::Ignore;
    if (!path.value || (flags & O_ACCMODE) == O_RDONLY)
        return;
    const std::string resolved = decode::resolveAt(entry.tid, dirfd, *path.value);
    const auto location = locate(resolved, true);
    if (!location || location->file.empty())
        return;
    out.interest = Interest::Record;
    out.readBackAfterWrite = true;
    addLocation(out.syscall.attributes, resolved, *location);
    out.syscall.attributes["flags"] = formatOpenFlags(flags);
}

bool takesMode(std::uint64_t flags)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

} // namespace

void decodeMkdir(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out)
{
    const auto path = decode::readString(memory, entry.args[0]);
    out.syscall.args = {{"pathname", path.rendered}, {"mode", decode::octal(entry.args[1])}};
    decodeMkdirPath(entry, AT_FDCWD, path, out);
}

void decodeMkdirat(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out)
{
    const auto dirfd = std::int64_t(entry.args[0]);
    const auto path = decode::readString(memory, entry.args[1]);
    out.syscall.args = {{"dirfd", decode::dirfd(entry.tid, dirfd)},
                        {"pathname", path.rendered},
                        {"mode", decode::octal(entry.args[2])}};
    decodeMkdirPath(entry, dirfd, path, out);
}

void decodeOpenat(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out)
{
    const auto dirfd = std::int64_t(entry.args[0]);
    const auto path = decode::readString(memory, entry.args[1]);
    const std::uint64_t flags = std::uint32_t(entry.args[2]);
    classifyOpen(entry, dirfd, path, flags, out);
    if (out.interest == Interest::Ignore)
        return; // the common case: skip rendering
    out.syscall.args = {{"dirfd", decode::dirfd(entry.tid, dirfd)},
                        {"pathname", path.rendered},
                        {"flags", formatOpenFlags(flags)}};
    if (takesMode(flags))
        out.syscall.args.push_back({"mode", decode::octal(entry.args[3])});
}

void decodeOpenat2(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out)
{
    // struct open_how (include/uapi/linux/openat2.h): flags, mode, resolve.
    struct OpenHow
    {
        std::uint64_t flags;
        std::uint64_t mode;
        std::uint64_t resolve;
    } how{};
    const auto dirfd = std::int64_t(entry.args[0]);
    const auto path = decode::readString(memory, entry.args[1]);
    const std::uint64_t size = entry.args[3];
    auto bytes = memory.read(entry.args[2], std::min<std::uint64_t>(size, sizeof how));
    if (!bytes || bytes->size() < sizeof how) {
        out.interest = Interest::Ignore;
        return;
    }
    std::memcpy(&how, bytes->data(), sizeof how);
    classifyOpen(entry, dirfd, path, how.flags, out);
    if (out.interest == Interest::Ignore)
        return;
    std::string rendered = "{flags=" + formatOpenFlags(how.flags);
    if (takesMode(how.flags))
        rendered += ", mode=" + decode::octal(how.mode);
    rendered += ", resolve=" + formatFlags(kResolveFlags, how.resolve) + "}";
    out.syscall.args = {{"dirfd", decode::dirfd(entry.tid, dirfd)},
                        {"pathname", path.rendered},
                        {"how", rendered},
                        {"size", std::to_string(size)}};
}

void recordCgroupReadBack(DecodedSyscall &syscall, const std::string &value)
{
    std::string trimmed = value.substr(0, kMaxReadBackBytes);
    while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' '))
        trimmed.pop_back();
    syscall.attributes["value"] = trimmed;
    // Honest about how the value was obtained: the write itself is not traced.
    syscall.attributes["value_read_back"] = true;
    const std::string file = syscall.attributes.value("file", std::string("value"));
    syscall.comment = "/* " + file + " read back: " + quoteString(trimmed.substr(0, 64)) + " */";
}

void recordCgroupReadBackFailure(DecodedSyscall &syscall, const std::string &why)
{
    syscall.attributes["value_read_back"] = false;
    syscall.attributes["read_back_error"] = why;
}

} // namespace flowlab
