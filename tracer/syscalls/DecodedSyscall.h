#pragma once

// A syscall as the decoders understood it, and its one-line strace-style rendering:
//   unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET) = 0
//   pivot_root(".", ".") = -1 EINVAL (Invalid argument)

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab {

struct SyscallArg
{
    std::string name;  // the man page's name: "flags", "target", "argv"
    std::string value; // rendered: "CLONE_NEWNS|CLONE_NEWPID", "\"/proc\"", "[\"true\"]"
};

struct DecodedSyscall
{
    std::string name;
    std::vector<SyscallArg> args; // in call order
    // Structured extras for lesson matchers, e.g. {"namespaces": ["mnt", "uts"]} or the
    // mount data split into {"options": {"lowerdir": ...}}.
    nlohmann::json attributes = nlohmann::json::object();
    // clone(2) is rendered `name=value` like strace, since its argument order differs by arch.
    bool namedArgs = false;

    // nullopt: the syscall never returned to us (the thread died inside it).
    std::optional<std::int64_t> retval;
    int errnum = 0; // set when the call failed; retval is then -1
    // Appended after the return value, e.g. `/* pids.max now "42" */`.
    std::string comment;
};

// Rendering limit for string arguments in summaries, like strace's -s. Attributes keep the
// whole value.
inline constexpr std::size_t kSummaryStringLimit = 256;

// `name(args) = ret`, with string arguments cut to `maxString` bytes (`"abc"...`).
std::string renderSyscallLine(const DecodedSyscall &syscall,
                              std::size_t maxString = std::string::npos);

// A C string literal in strace's style: quotes, \n \t \" \\ escapes, \ooo for other bytes.
std::string quoteString(std::string_view bytes, bool truncated = false);

// Names for the kernel's internal restart codes, which a tracer can see as return values.
std::optional<std::string_view> restartCodeName(std::int64_t errnum);

} // namespace flowlab
