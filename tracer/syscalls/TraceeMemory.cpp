#include "tracer/syscalls/TraceeMemory.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

namespace flowlab {

namespace {

constexpr std::size_t kPageSize = 4096;
constexpr std::size_t kMaxIovecs = 64;

std::string hexAddress(std::uint64_t address)
{
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "%#llx", static_cast<unsigned long long>(address));
    return buffer;
}

} // namespace

Result<std::size_t> TraceeMemory::readSome(std::uint64_t address, void *buffer,
                                           std::size_t length) const
{
    if (length == 0)
        return std::size_t(0);
    // One remote iovec per page: process_vm_readv stops at the first iovec it cannot read
    // and never splits one, so a string that ends just before an unmapped page still reads.
    std::size_t done = 0;
    while (done < length) {
        iovec local{static_cast<char *>(buffer) + done, 0};
        iovec remote[kMaxIovecs];
        std::size_t count = 0;
        std::uint64_t at = address + done;
        std::size_t planned = 0;
        while (count < kMaxIovecs && done + planned < length) {
            const std::size_t toPageEnd = kPageSize - (at % kPageSize);
            const std::size_t chunk = std::min(toPageEnd, length - done - planned);
            remote[count++] = {reinterpret_cast<void *>(at), chunk};
            at += chunk;
            planned += chunk;
        }
        local.iov_len = planned;
        const ssize_t got = ::process_vm_readv(m_tid, &local, 1, remote, count, 0);
        if (got < 0) {
            if (errno == EFAULT)
                return done;
            if (errno == ENOSYS || errno == EPERM)
                return readViaProcMem(address, buffer, length);
            return Error::fromErrno("process_vm_readv " + std::to_string(m_tid) + " at " +
                                    hexAddress(address + done));
        }
        done += std::size_t(got);
        if (std::size_t(got) < planned)
            return done;
    }
    return done;
}

Result<std::size_t> TraceeMemory::readViaProcMem(std::uint64_t address, void *buffer,
                                                 std::size_t length) const
{
    const std::string path = "/proc/" + std::to_string(m_tid) + "/mem";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error::fromErrno("open " + path);
    std::size_t done = 0;
    while (done < length) {
        const std::size_t toPageEnd = kPageSize - ((address + done) % kPageSize);
        const std::size_t chunk = std::min(toPageEnd, length - done);
        const ssize_t got = ::pread(fd, static_cast<char *>(buffer) + done, chunk,
                                    static_cast<off_t>(address + done));
        if (got <= 0)
            break; // EIO/EFAULT: the page is not mapped; what we have is the answer
        done += std::size_t(got);
    }
    ::close(fd);
    return done;
}

Result<std::vector<std::uint8_t>> TraceeMemory::read(std::uint64_t address,
                                                     std::size_t length) const
{
    std::vector<std::uint8_t> bytes(length);
    auto got = readSome(address, bytes.data(), length);
    if (!got)
        return got.error();
    bytes.resize(*got);
    return bytes;
}

Result<std::string> TraceeMemory::readExact(std::uint64_t address, std::size_t length) const
{
    std::string bytes(length, '\0');
    auto got = readSome(address, bytes.data(), length);
    if (!got)
        return got.error();
    if (*got != length)
        return Error("reading " + std::to_string(length) + " bytes of " + std::to_string(m_tid) +
                         " at " + hexAddress(address),
                     EFAULT);
    return bytes;
}

Result<TraceeString> TraceeMemory::readString(std::uint64_t address, std::size_t maxBytes) const
{
    if (address == 0)
        return Error("reading a string of " + std::to_string(m_tid) + ": NULL pointer", EFAULT);
    TraceeString result;
    // Page-sized steps: most strings end in the first one, and no read crosses into a page
    // that the string does not need.
    char chunk[kPageSize];
    std::uint64_t at = address;
    while (result.bytes.size() < maxBytes) {
        const std::size_t want =
            std::min(kPageSize - (at % kPageSize), maxBytes - result.bytes.size());
        auto got = readSome(at, chunk, want);
        if (!got)
            return got.error();
        const auto *nul = static_cast<const char *>(std::memchr(chunk, '\0', *got));
        if (nul) {
            result.bytes.append(chunk, std::size_t(nul - chunk));
            return result;
        }
        result.bytes.append(chunk, *got);
        if (*got < want) {
            if (result.bytes.empty())
                return Error("reading a string of " + std::to_string(m_tid) + " at " +
                                 hexAddress(address),
                             EFAULT);
            result.truncated = true; // ran into unmapped memory without a NUL
            return result;
        }
        at += *got;
    }
    result.truncated = true;
    return result;
}

Result<TraceeStringArray> TraceeMemory::readStringArray(std::uint64_t address, std::size_t maxItems,
                                                        std::size_t maxBytesEach) const
{
    TraceeStringArray result;
    if (address == 0)
        return result; // execve(path, NULL, ...) is allowed on Linux: an empty argv
    std::vector<std::uint64_t> pointers(maxItems + 1);
    auto got = readSome(address, pointers.data(), pointers.size() * sizeof(std::uint64_t));
    if (!got)
        return got.error();
    const std::size_t count = *got / sizeof(std::uint64_t);
    for (std::size_t i = 0; i < count; ++i) {
        if (pointers[i] == 0)
            return result;
        if (i == maxItems) {
            result.truncated = true;
            return result;
        }
        auto item = readString(pointers[i], maxBytesEach);
        if (!item)
            return item.error();
        result.truncated = result.truncated || item->truncated;
        result.items.push_back(std::move(item->bytes));
    }
    if (count <= maxItems)
        return Error("reading an array of " + std::to_string(m_tid) + " at " + hexAddress(address) +
                         ": no NULL before unmapped memory",
                     EFAULT);
    return result;
}

} // namespace flowlab
