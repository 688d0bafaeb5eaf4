// fork, vfork, execve, execveat, prctl(PR_SET_NAME) and sethostname: the processes of a
// `docker run` and the container's PID 1 exec.

#include "tracer/syscalls/FlagTables.h"
#include "tracer/syscalls/SyscallDecoders.h"

#include <sys/prctl.h>

namespace flowlab {

namespace {

// `["nginx", "-g", "daemon off;"]`, with `...` when the array was longer than we read.
std::string renderArgv(const TraceeStringArray &argv)
{
    std::string out = "[";
    for (std::size_t i = 0; i < argv.items.size(); ++i) {
        if (i > 0)
            out += ", ";
        out += quoteString(argv.items[i]);
    }
    if (argv.truncated)
        out += argv.items.empty() ? "..." : ", ...";
    return out + "]";
}

// The environment is never read: docker passes secrets there (-e PASSWORD=...), and the
// lesson does not need it. The line shows path and argv only.
void decodeExecCommon(const TraceeMemory &memory, std::uint64_t pathAddress,
                      std::uint64_t argvAddress, EntryDecoding &out, std::vector<SyscallArg> &args)
{
    const auto path = decode::readString(memory, pathAddress);
    args.push_back({"pathname", path.rendered});
    if (path.value)
        out.syscall.attributes["path"] = *path.value;
    auto argv = memory.readStringArray(argvAddress, decode::kMaxArgvItems, decode::kMaxArgBytes);
    if (argv) {
        args.push_back({"argv", renderArgv(*argv)});
        out.syscall.attributes["argv"] = argv->items;
        if (argv->truncated)
            out.syscall.attributes["argv_truncated"] = true;
    } else {
        args.push_back({"argv", decode::pointer(argvAddress)});
    }
}

} // namespace

void decodeForkLike(const SyscallEntry &, const TraceeMemory &, EntryDecoding &) {}

void decodeExecve(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out)
{
    std::vector<SyscallArg> args;
    decodeExecCommon(memory, entry.args[0], entry.args[1], out, args);
    out.syscall.args = std::move(args);
}

void decodeExecveat(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out)
{
    // execveat(dirfd, pathname, argv, envp, flags)
    std::vector<SyscallArg> args{{"dirfd", decode::dirfd(entry.tid, std::int64_t(entry.args[0]))}};
    decodeExecCommon(memory, entry.args[1], entry.args[2], out, args);
    const std::uint64_t flags = std::uint32_t(entry.args[4]);
    args.push_back({"flags", formatFlags(kAtFlags, flags)});
    out.syscall.args = std::move(args);
    out.syscall.attributes["flags"] = flagNames(kAtFlags, flags);
}

void decodePrctl(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out)
{
    // The filter traps PR_SET_NAME only: prctl(PR_SET_NAME, name), a name of at most 16 bytes
    // with its NUL (TASK_COMM_LEN); longer ones are cut by the kernel, and so here.
    constexpr std::size_t kTaskCommLen = 16;
    if (entry.args[0] != PR_SET_NAME) {
        out.syscall.args = {{"option", std::to_string(entry.args[0])}};
        return;
    }
    const auto name = memory.readString(entry.args[1], kTaskCommLen - 1);
    if (!name) {
        out.syscall.args = {{"option", "PR_SET_NAME"}, {"name", decode::pointer(entry.args[1])}};
        return;
    }
    out.syscall.args = {{"option", "PR_SET_NAME"}, {"name", quoteString(name->bytes)}};
    out.syscall.attributes["name"] = name->bytes;
}

void decodeSethostname(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out)
{
    // The name is `len` bytes, not NUL-terminated; the kernel refuses more than 64.
    constexpr std::size_t kHostNameMax = 64;
    const std::uint64_t length = entry.args[1];
    if (length > kHostNameMax) {
        out.syscall.args = {{"name", decode::pointer(entry.args[0])}};
        out.syscall.attributes["length"] = length;
        return;
    }
    auto name = memory.readExact(entry.args[0], std::size_t(length));
    if (!name) {
        out.syscall.args = {{"name", decode::pointer(entry.args[0])}};
        return;
    }
    // Rendered with the name only, as the lessons show it: sethostname("f06be762af50").
    out.syscall.args = {{"name", quoteString(*name)}};
    out.syscall.attributes["hostname"] = *name;
}

} // namespace flowlab
