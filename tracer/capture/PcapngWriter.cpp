#include "tracer/capture/PcapngWriter.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace flowlab {

namespace {

constexpr std::uint32_t kSectionHeaderBlock = 0x0a0d0d0a;
constexpr std::uint32_t kInterfaceDescriptionBlock = 1;
constexpr std::uint32_t kNameResolutionBlock = 4;
constexpr std::uint32_t kEnhancedPacketBlock = 6;
constexpr std::uint32_t kByteOrderMagic = 0x1a2b3c4d;

constexpr std::uint16_t kOptEndOfOpt = 0;
constexpr std::uint16_t kOptComment = 1;
constexpr std::uint16_t kShbUserAppl = 4;
constexpr std::uint16_t kIfName = 2;
constexpr std::uint16_t kIfDescription = 3;
constexpr std::uint16_t kIfTsresol = 9;
constexpr std::uint16_t kIfFilter = 11;
constexpr std::uint16_t kNrbRecordEnd = 0;
constexpr std::uint16_t kNrbRecordIpv4 = 1;
constexpr std::uint16_t kNrbRecordIpv6 = 2;

constexpr std::size_t kMaxOptionLength = 0xffff;

// Builds one block in host byte order (the section's byte order is whatever the magic says).
class BlockBuilder
{
public:
    explicit BlockBuilder(std::uint32_t type)
    {
        u32(type);
        u32(0); // total length, patched by finish()
    }

    void u16(std::uint16_t value) { raw(&value, sizeof value); }
    void u32(std::uint32_t value) { raw(&value, sizeof value); }
    void raw(const void *data, std::size_t size)
    {
        const auto *bytes = static_cast<const std::uint8_t *>(data);
        m_bytes.insert(m_bytes.end(), bytes, bytes + size);
    }
    void pad()
    {
        while (m_bytes.size() % 4 != 0)
            m_bytes.push_back(0);
    }

    // An option's value is padded to 32 bits; its length field counts the unpadded bytes.
    void option(std::uint16_t code, std::string_view value)
    {
        value = value.substr(0, kMaxOptionLength);
        u16(code);
        u16(std::uint16_t(value.size()));
        raw(value.data(), value.size());
        pad();
    }
    void endOfOptions()
    {
        u16(kOptEndOfOpt);
        u16(0);
    }

    std::vector<std::uint8_t> finish()
    {
        pad();
        const auto total = std::uint32_t(m_bytes.size() + 4);
        u32(total);
        std::memcpy(m_bytes.data() + 4, &total, sizeof total);
        return std::move(m_bytes);
    }

private:
    std::vector<std::uint8_t> m_bytes;
};

// Cuts a UTF-8 string to at most `limit` bytes without splitting a character.
std::string_view utf8Prefix(std::string_view text, std::size_t limit)
{
    if (text.size() <= limit)
        return text;
    std::size_t end = limit;
    while (end > 0 && (std::uint8_t(text[end]) & 0xc0) == 0x80)
        --end;
    return text.substr(0, end);
}

} // namespace

PcapngWriter::PcapngWriter(std::string application)
{
    BlockBuilder shb(kSectionHeaderBlock);
    shb.u32(kByteOrderMagic);
    shb.u16(1);          // major version
    shb.u16(0);          // minor version
    shb.u32(0xffffffff); // section length: not given (-1 as 64 bits)
    shb.u32(0xffffffff);
    shb.option(kShbUserAppl, application);
    shb.endOfOptions();
    m_buffer = shb.finish();
}

PcapngWriter::~PcapngWriter()
{
    if (m_file)
        (void)close();
}

Status PcapngWriter::open(const std::string &path)
{
    if (m_file)
        return Error("opening " + path + ": already streaming to " + m_path);
    std::FILE *file = std::fopen(path.c_str(), "wb");
    if (!file)
        return Error::fromErrno("fopen " + path);
    m_file = file;
    m_path = path;
    return emit({});
}

Status PcapngWriter::flush()
{
    if (!m_file)
        return success();
    flushNames();
    Status status = emit({});
    if (status && std::fflush(m_file) != 0) {
        m_streamError = Error::fromErrno("writing " + m_path);
        return *m_streamError;
    }
    return status;
}

Status PcapngWriter::close()
{
    if (!m_file)
        return success();
    Status status = flush();
    if (std::fclose(m_file) != 0 && status.ok())
        status = Error::fromErrno("fclose " + m_path);
    m_file = nullptr;
    return status;
}

std::uint32_t PcapngWriter::addInterface(const PcapngInterface &interface)
{
    flushNames();
    BlockBuilder idb(kInterfaceDescriptionBlock);
    idb.u16(std::uint16_t(interface.linkType));
    idb.u16(0); // reserved
    idb.u32(interface.snapLength);
    if (!interface.name.empty())
        idb.option(kIfName, interface.name);
    if (!interface.description.empty())
        idb.option(kIfDescription, interface.description);
    const char nanoseconds = 9;
    idb.option(kIfTsresol, std::string_view(&nanoseconds, 1));
    if (!interface.filter.empty()) {
        // The first byte says which kind of filter follows; 0 is a libpcap filter string.
        idb.option(kIfFilter, std::string(1, '\0') + interface.filter);
    }
    idb.endOfOptions();
    (void)emit(idb.finish()); // a streaming failure is sticky: the next call reports it
    m_interfaces.push_back(interface);
    return std::uint32_t(m_interfaces.size() - 1);
}

Status PcapngWriter::addPacket(std::uint32_t interfaceId, std::int64_t timestampNs,
                               std::span<const std::uint8_t> data, std::uint32_t originalLength,
                               std::string_view comment)
{
    if (interfaceId >= m_interfaces.size())
        return Error("adding a packet: no interface " + std::to_string(interfaceId) + " (" +
                     std::to_string(m_interfaces.size()) + " defined)");
    flushNames();
    const std::uint32_t snapLength = m_interfaces[interfaceId].snapLength;
    if (snapLength != 0 && data.size() > snapLength)
        data = data.first(snapLength);
    const auto capturedLength = std::uint32_t(data.size());
    const auto timestamp = std::uint64_t(timestampNs);

    BlockBuilder epb(kEnhancedPacketBlock);
    epb.u32(interfaceId);
    epb.u32(std::uint32_t(timestamp >> 32));
    epb.u32(std::uint32_t(timestamp));
    epb.u32(capturedLength);
    epb.u32(std::max(originalLength, capturedLength));
    epb.raw(data.data(), data.size());
    epb.pad();
    if (!comment.empty()) {
        epb.option(kOptComment, utf8Prefix(comment, kMaxOptionLength));
        epb.endOfOptions();
    }
    ++m_packetCount;
    return emit(epb.finish());
}

Status PcapngWriter::addNameRecord(const std::string &address, const std::string &name)
{
    if (name.empty() || name.find('\0') != std::string::npos)
        return Error("name record for " + address + ": the name must be non-empty text");
    std::uint8_t binary[16];
    std::uint16_t type = kNrbRecordIpv4;
    std::size_t addressLength = 4;
    if (inet_pton(AF_INET, address.c_str(), binary) != 1) {
        if (inet_pton(AF_INET6, address.c_str(), binary) != 1)
            return Error("name record for \"" + address + "\": not an IPv4 or IPv6 address");
        type = kNrbRecordIpv6;
        addressLength = 16;
    }
    const std::size_t valueLength = addressLength + name.size() + 1; // the name ends in NUL
    if (valueLength > kMaxOptionLength)
        return Error("name record for " + address + ": name too long");
    auto put16 = [this](std::uint16_t value) {
        const auto *bytes = reinterpret_cast<const std::uint8_t *>(&value);
        m_pendingNames.insert(m_pendingNames.end(), bytes, bytes + 2);
    };
    put16(type);
    put16(std::uint16_t(valueLength));
    m_pendingNames.insert(m_pendingNames.end(), binary, binary + addressLength);
    m_pendingNames.insert(m_pendingNames.end(), name.begin(), name.end());
    m_pendingNames.push_back(0);
    while (m_pendingNames.size() % 4 != 0)
        m_pendingNames.push_back(0);
    return success();
}

void PcapngWriter::flushNames()
{
    if (m_pendingNames.empty())
        return;
    BlockBuilder nrb(kNameResolutionBlock);
    nrb.raw(m_pendingNames.data(), m_pendingNames.size());
    nrb.u16(kNrbRecordEnd);
    nrb.u16(0);
    m_pendingNames.clear();
    (void)emit(nrb.finish());
}

Status PcapngWriter::emit(std::vector<std::uint8_t> block)
{
    m_buffer.insert(m_buffer.end(), block.begin(), block.end());
    if (!m_file)
        return success();
    if (m_streamError)
        return *m_streamError;
    const std::size_t written = std::fwrite(m_buffer.data(), 1, m_buffer.size(), m_file);
    const bool complete = written == m_buffer.size();
    const int savedErrno = errno;
    m_buffer.clear();
    if (!complete) {
        m_streamError = Error("writing " + m_path, savedErrno);
        return *m_streamError;
    }
    return success();
}

std::vector<std::uint8_t> PcapngWriter::bytes()
{
    flushNames();
    return m_buffer;
}

Status PcapngWriter::write(const std::string &path)
{
    if (m_file)
        return Error("writing " + path + ": the writer is streaming to " + m_path);
    flushNames();
    const std::string temporary = path + ".partial";
    std::FILE *file = std::fopen(temporary.c_str(), "wb");
    if (!file)
        return Error::fromErrno("fopen " + temporary);
    const bool written = std::fwrite(m_buffer.data(), 1, m_buffer.size(), file) == m_buffer.size();
    const int savedErrno = errno;
    if (std::fclose(file) != 0 || !written) {
        ::unlink(temporary.c_str());
        return Error("writing " + temporary, written ? errno : savedErrno);
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        const Error error = Error::fromErrno("rename " + temporary + " to " + path);
        ::unlink(temporary.c_str());
        return error;
    }
    return success();
}

} // namespace flowlab
