#include "tracer/syscalls/SeccompFilter.h"

#include "tracer/syscalls/SyscallTable.h"

#include <cerrno>
#include <cstddef>
#include <linux/seccomp.h>
#include <sys/prctl.h>

namespace flowlab {

namespace {

constexpr std::uint32_t kLoadWord = BPF_LD | BPF_W | BPF_ABS;

sock_filter statement(std::uint16_t code, std::uint32_t k)
{
    return sock_filter{code, 0, 0, k};
}

sock_filter jump(std::uint16_t code, std::uint32_t k, std::size_t from, std::size_t ifTrue,
                 std::size_t ifFalse)
{
    // Offsets count from the instruction after the jump.
    return sock_filter{code, std::uint8_t(ifTrue - from - 1), std::uint8_t(ifFalse - from - 1), k};
}

// The low 32 bits of syscall argument `index`: open flags are an int, and every flag the
// filter looks at in clone's is below bit 32. x86_64 is little endian, so they come first.
std::uint32_t argLowWordOffset(int index)
{
    return std::uint32_t(offsetof(seccomp_data, args) + sizeof(std::uint64_t) * std::size_t(index));
}

} // namespace

std::vector<sock_filter> buildTraceFilter()
{
    const auto syscalls = tracedSyscalls();
    const std::size_t count = syscalls.size();
    // An argument check (TrapCondition) is a load and a test of `anyOf`, plus a test of
    // `noneOf` when it has one.
    const auto checkLength = [](const TrapCondition &only) -> std::size_t {
        if (only.never || only.arg < 0)
            return 0;
        return only.noneOf && !only.equals ? 3 : 2;
    };
    std::size_t checkInstructions = 0;
    for (const SyscallInfo &info : syscalls)
        checkInstructions += checkLength(info.trapOnlyIf);
    // Classic BPF only jumps forward, so the layout is:
    //   0 load arch; 1 other arch -> allow; 2 load nr; 3 x32 -> allow;
    //   one compare per traced syscall, to trace or to its argument check;
    //   the argument checks; allow; trace.
    const std::size_t firstCompare = 4;
    const std::size_t firstCheck = firstCompare + count;
    const std::size_t allow = firstCheck + checkInstructions;
    const std::size_t trace = allow + 1;

    std::vector<sock_filter> program;
    std::vector<sock_filter> checks;
    program.push_back(statement(kLoadWord, offsetof(seccomp_data, arch)));
    program.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 2, allow));
    program.push_back(statement(kLoadWord, offsetof(seccomp_data, nr)));
    program.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, kX32SyscallBit, 3, allow, 4));
    for (std::size_t i = 0; i < count; ++i) {
        const SyscallInfo &info = syscalls[i];
        const std::size_t at = firstCompare + i;
        std::size_t target = trace;
        if (info.trapOnlyIf.never) {
            target = allow; // matched only so that it is not mistaken for a missing entry
        } else if (const TrapCondition &only = info.trapOnlyIf; only.arg >= 0) {
            target = firstCheck + checks.size();
            checks.push_back(statement(kLoadWord, argLowWordOffset(only.arg)));
            if (only.equals) {
                checks.push_back(
                    jump(BPF_JMP | BPF_JEQ | BPF_K, *only.equals, target + 1, trace, allow));
            } else if (only.noneOf) {
                checks.push_back(
                    jump(BPF_JMP | BPF_JSET | BPF_K, only.anyOf, target + 1, target + 2, allow));
                checks.push_back(
                    jump(BPF_JMP | BPF_JSET | BPF_K, only.noneOf, target + 2, allow, trace));
            } else {
                checks.push_back(
                    jump(BPF_JMP | BPF_JSET | BPF_K, only.anyOf, target + 1, trace, allow));
            }
        }
        const std::size_t next = i + 1 == count ? allow : at + 1;
        program.push_back(
            jump(BPF_JMP | BPF_JEQ | BPF_K, std::uint32_t(info.number), at, target, next));
    }
    program.insert(program.end(), checks.begin(), checks.end());
    program.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    program.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_TRACE));
    return program;
}

int installTraceFilter(const sock_fprog &program)
{
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0)
        return errno;
    return 0;
}

} // namespace flowlab
