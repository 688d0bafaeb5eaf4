#pragma once

// Bounded reads from a stopped tracee's memory: process_vm_readv, falling back to
// /proc/PID/mem where that is refused. A tracee can pass any pointer, so every read has a limit
// and a bad pointer is a failed read, never a crash or an endless string.

#include "tracer/base/Result.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace flowlab {

struct TraceeString
{
    std::string bytes;
    bool truncated = false; // no NUL within the limit
};

struct TraceeStringArray
{
    std::vector<std::string> items;
    bool truncated = false; // more entries than the limit, or an entry was cut
};

class TraceeMemory
{
public:
    explicit TraceeMemory(pid_t tid)
        : m_tid(tid)
    {}

    // Up to `length` bytes at `address`; fewer when the range runs into unmapped memory.
    Result<std::vector<std::uint8_t>> read(std::uint64_t address, std::size_t length) const;
    // A NUL-terminated string of at most `maxBytes` bytes.
    Result<TraceeString> readString(std::uint64_t address, std::size_t maxBytes) const;
    // Exactly `length` bytes (sethostname's name is not NUL-terminated).
    Result<std::string> readExact(std::uint64_t address, std::size_t length) const;
    // A NULL-terminated array of string pointers such as argv.
    Result<TraceeStringArray> readStringArray(std::uint64_t address, std::size_t maxItems,
                                              std::size_t maxBytesEach) const;

private:
    // Reads as much as possible, stopping at the first unreadable page; returns bytes read.
    Result<std::size_t> readSome(std::uint64_t address, void *buffer, std::size_t length) const;
    Result<std::size_t> readViaProcMem(std::uint64_t address, void *buffer,
                                       std::size_t length) const;

    pid_t m_tid;
};

} // namespace flowlab
