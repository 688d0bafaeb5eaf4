#pragma once

// Flag names as data, strace's "xlat" idea: a table per argument kind, and one formatter.
// Bits that no entry names are printed as hex with a comment, never guessed:
// `CLONE_NEWNS|CLONE_NEWPID|0x80000000 /* CLONE_??? */`.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab {

struct FlagName
{
    std::uint64_t value; // one bit, or several bits that only count together (O_SYNC)
    std::string_view name;
};

struct FlagTable
{
    std::span<const FlagName> entries; // multi-bit entries come before their parts
    std::string_view unknownComment;   // e.g. "CLONE_???"
};

// `A|B|0x... /* X_??? */`; "0" for zero.
std::string formatFlags(const FlagTable &table, std::uint64_t value);
// The names of the set bits that the table knows, in table order.
std::vector<std::string> flagNames(const FlagTable &table, std::uint64_t value);

// clone(2) without its exit-signal byte, clone3's flags.
extern const FlagTable kCloneFlags;
// unshare(2): only the flags unshare accepts; a clone flag it rejects is unknown here.
extern const FlagTable kUnshareFlags;
// setns(2)'s nstype and the namespace bits of the others: CLONE_NEW*.
extern const FlagTable kNamespaceFlags;
// mount(2) flags, MS_*. MS_MGC_VAL is matched by formatMountFlags, not here.
extern const FlagTable kMountFlags;
// umount2(2): MNT_* and UMOUNT_NOFOLLOW.
extern const FlagTable kUmountFlags;
// open flags other than the access mode, O_*.
extern const FlagTable kOpenFlags;
// AT_* flags of execveat.
extern const FlagTable kAtFlags;
// openat2's struct open_how resolve field, RESOLVE_*.
extern const FlagTable kResolveFlags;

// `O_WRONLY|O_CREAT|O_TRUNC`: the access mode is a two-bit field, not flags.
std::string formatOpenFlags(std::uint64_t flags);
// mount(2) flags, with the historical magic number in the upper half printed as MS_MGC_VAL.
std::string formatMountFlags(std::uint64_t flags);
// clone(2): `CLONE_VM|...|SIGCHLD`, the low byte being the signal sent to the parent on exit.
std::string formatCloneFlagsWithSignal(std::uint64_t flags);

// The short namespace names of the CLONE_NEW* bits set: {"mnt", "uts", "ipc", "pid", "net"}.
std::vector<std::string> namespaceNames(std::uint64_t flags);

// "SIGCHLD"; "0" for 0; "SIG??? 77" when the number has no name.
std::string signalName(int signal);
// "EINVAL"; "E??? 4242" when the number has no name.
std::string errnoName(int errnum);

} // namespace flowlab
