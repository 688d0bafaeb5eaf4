// clone, clone3, unshare and setns: how runc builds a container's namespaces.

#include "tracer/syscalls/FlagTables.h"
#include "tracer/syscalls/ProcessIdentity.h"
#include "tracer/syscalls/SyscallDecoders.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace flowlab {

namespace {

constexpr std::uint64_t kCloneThread = 0x00010000;
constexpr std::uint64_t kCloneSetTls = 0x00080000;
constexpr std::uint64_t kCloneIntoCgroup = 0x200000000ULL;

// struct clone_args (include/uapi/linux/sched.h), version 2: 88 bytes. Older callers pass
// a shorter prefix; newer ones a longer struct whose tail we do not know and do not read.
struct CloneArgs
{
    std::uint64_t flags;
    std::uint64_t pidfd;
    std::uint64_t childTid;
    std::uint64_t parentTid;
    std::uint64_t exitSignal;
    std::uint64_t stack;
    std::uint64_t stackSize;
    std::uint64_t tls;
    std::uint64_t setTid;
    std::uint64_t setTidSize;
    std::uint64_t cgroup;
};
static_assert(sizeof(CloneArgs) == 88);

void addCloneAttributes(std::uint64_t flags, int exitSignal, EntryDecoding &out)
{
    auto &attrs = out.syscall.attributes;
    attrs["flags"] = flagNames(kCloneFlags, flags);
    attrs["namespaces"] = namespaceNames(flags);
    attrs["thread"] = (flags & kCloneThread) != 0;
    attrs["exit_signal"] = signalName(exitSignal);
}

} // namespace

void decodeClone(const SyscallEntry &entry, const TraceeMemory &, EntryDecoding &out)
{
    // x86_64 order: flags, stack, parent_tid, child_tid, tls. strace names the arguments
    // because the order differs between architectures; so do we.
    const std::uint64_t flags = entry.args[0];
    out.syscall.namedArgs = true;
    out.syscall.args = {
        {"child_stack", decode::pointer(entry.args[1])},
        {"flags", formatCloneFlagsWithSignal(flags)},
    };
    if (flags & kCloneSetTls)
        out.syscall.args.push_back({"tls", decode::pointer(entry.args[4])});
    addCloneAttributes(flags & ~std::uint64_t(0xff), int(flags & 0xff), out);
}

void decodeClone3(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out)
{
    const std::uint64_t address = entry.args[0];
    const std::uint64_t size = entry.args[1];
    CloneArgs args{};
    auto bytes = memory.read(address, std::min<std::uint64_t>(size, sizeof args));
    if (!bytes || bytes->size() < offsetof(CloneArgs, tls)) {
        out.syscall.args = {{"cl_args", decode::pointer(address)}, {"size", std::to_string(size)}};
        return;
    }
    std::memcpy(&args, bytes->data(), bytes->size());
    std::string rendered = "{flags=" + formatFlags(kCloneFlags, args.flags);
    rendered += ", exit_signal=" + signalName(int(args.exitSignal));
    rendered += ", stack=" + decode::pointer(args.stack);
    rendered += ", stack_size=" + (args.stackSize == 0 ? "0" : decode::pointer(args.stackSize));
    if (args.flags & kCloneSetTls)
        rendered += ", tls=" + decode::pointer(args.tls);
    if ((args.flags & kCloneIntoCgroup) && bytes->size() >= sizeof args)
        rendered += ", cgroup=" + decode::fdWithTarget(entry.tid, std::int64_t(args.cgroup));
    rendered += "}";
    out.syscall.args = {{"cl_args", rendered}, {"size", std::to_string(size)}};
    addCloneAttributes(args.flags, int(args.exitSignal), out);
}

void decodeUnshare(const SyscallEntry &entry, const TraceeMemory &, EntryDecoding &out)
{
    // unshare takes an int: the upper half of the register is not part of the call.
    const std::uint64_t flags = std::uint32_t(entry.args[0]);
    out.syscall.args = {{"flags", formatFlags(kUnshareFlags, flags)}};
    out.syscall.attributes["flags"] = flagNames(kUnshareFlags, flags);
    out.syscall.attributes["namespaces"] = namespaceNames(flags);
}

void decodeSetns(const SyscallEntry &entry, const TraceeMemory &, EntryDecoding &out)
{
    const auto fd = std::int32_t(entry.args[0]);
    const std::uint64_t nstype = std::uint32_t(entry.args[1]);
    out.syscall.args = {{"fd", decode::fdWithTarget(entry.tid, fd)},
                        {"nstype", formatFlags(kNamespaceFlags, nstype)}};
    auto &attrs = out.syscall.attributes;
    // nstype 0 means "whatever the fd is": the fd's link says which ("net:[4026532008]").
    const std::string target = readProcLink(entry.tid, "fd/" + std::to_string(fd));
    if (!target.empty())
        attrs["fd_target"] = target;
    std::vector<std::string> namespaces = namespaceNames(nstype);
    if (namespaces.empty()) {
        const auto colon = target.find(":[");
        if (colon != std::string::npos)
            namespaces.push_back(target.substr(0, colon));
    }
    attrs["namespaces"] = namespaces;
}

} // namespace flowlab
