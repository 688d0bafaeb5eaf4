// mount, umount2, pivot_root and chroot: the overlay root of a container and runc's move
// into it.

#include "tracer/syscalls/FlagTables.h"
#include "tracer/syscalls/SyscallDecoders.h"

#include <fcntl.h>

namespace flowlab {

namespace {

// "lowerdir=/a:/b,upperdir=/u,workdir=/w,index=off" -> {"lowerdir": "/a:/b", ...}. Bare
// words ("ro") become true. Commas inside values are not escaped by callers of mount(2)
// for the file systems the lessons show, so a plain split is faithful.
nlohmann::json splitMountOptions(const std::string &data)
{
    nlohmann::json options = nlohmann::json::object();
    std::size_t start = 0;
    while (start < data.size()) {
        auto end = data.find(',', start);
        if (end == std::string::npos)
            end = data.size();
        const std::string item = data.substr(start, end - start);
        if (!item.empty()) {
            const auto equals = item.find('=');
            if (equals == std::string::npos)
                options[item] = true;
            else
                options[item.substr(0, equals)] = item.substr(equals + 1);
        }
        start = end + 1;
    }
    return options;
}

std::vector<std::string> splitColons(const std::string &list)
{
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= list.size()) {
        auto end = list.find(':', start);
        if (end == std::string::npos)
            end = list.size();
        if (end > start)
            items.push_back(list.substr(start, end - start));
        start = end + 1;
    }
    return items;
}

void addPath(nlohmann::json &attrs, const char *key, const decode::StringArg &arg)
{
    if (arg.value)
        attrs[key] = *arg.value;
}

} // namespace

void decodeMount(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out)
{
    const auto source = decode::readString(memory, entry.args[0]);
    const auto target = decode::readString(memory, entry.args[1]);
    const auto fstype = decode::readString(memory, entry.args[2]);
    const std::uint64_t flags = entry.args[3];
    const auto data = decode::readString(memory, entry.args[4], decode::kMaxMountData);
    out.syscall.args = {{"source", source.rendered},
                        {"target", target.rendered},
                        {"filesystemtype", fstype.rendered},
                        {"mountflags", formatMountFlags(flags)},
                        {"data", data.rendered}};
    auto &attrs = out.syscall.attributes;
    addPath(attrs, "source", source);
    addPath(attrs, "target", target);
    addPath(attrs, "fstype", fstype);
    attrs["flags"] = flagNames(kMountFlags, flags);
    if (data.value) {
        attrs["data"] = *data.value;
        attrs["options"] = splitMountOptions(*data.value);
        // An overlay's lower layers, top first: the image layers a lesson points at.
        const auto &options = attrs["options"];
        if (options.contains("lowerdir") && options["lowerdir"].is_string())
            attrs["lowerdirs"] = splitColons(options["lowerdir"].get<std::string>());
    }
}

void decodeUmount2(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out)
{
    const auto target = decode::readString(memory, entry.args[0]);
    const std::uint64_t flags = std::uint32_t(entry.args[1]);
    out.syscall.args = {{"target", target.rendered}, {"flags", formatFlags(kUmountFlags, flags)}};
    addPath(out.syscall.attributes, "target", target);
    out.syscall.attributes["flags"] = flagNames(kUmountFlags, flags);
}

void decodePivotRoot(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out)
{
    const auto newRoot = decode::readString(memory, entry.args[0]);
    const auto putOld = decode::readString(memory, entry.args[1]);
    out.syscall.args = {{"new_root", newRoot.rendered}, {"put_old", putOld.rendered}};
    addPath(out.syscall.attributes, "new_root", newRoot);
    addPath(out.syscall.attributes, "put_old", putOld);
    // runc calls pivot_root(".", ".") from inside the new root; the directory tells where.
    const std::string cwd = decode::resolveAt(entry.tid, AT_FDCWD, ".");
    if (cwd.starts_with('/'))
        out.syscall.attributes["cwd"] = cwd;
}

void decodeChroot(const SyscallEntry &entry, const TraceeMemory &memory, EntryDecoding &out)
{
    const auto path = decode::readString(memory, entry.args[0]);
    out.syscall.args = {{"path", path.rendered}};
    addPath(out.syscall.attributes, "path", path);
}

} // namespace flowlab
