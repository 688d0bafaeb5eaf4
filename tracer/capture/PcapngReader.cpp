#include "tracer/capture/PcapngReader.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>

namespace flowlab {

namespace {

constexpr std::uint32_t kSectionHeaderBlock = 0x0a0d0d0a;
constexpr std::uint32_t kInterfaceDescriptionBlock = 1;
constexpr std::uint32_t kNameResolutionBlock = 4;
constexpr std::uint32_t kEnhancedPacketBlock = 6;
constexpr std::uint32_t kByteOrderMagic = 0x1a2b3c4d;

std::size_t padded(std::size_t length)
{
    return (length + 3) & ~std::size_t(3);
}

// One block's body, read in host byte order with bounds checks.
class Body
{
public:
    Body(std::span<const std::uint8_t> bytes, std::size_t blockOffset)
        : m_bytes(bytes)
        , m_blockOffset(blockOffset)
    {}

    std::size_t size() const { return m_bytes.size(); }
    bool has(std::size_t offset, std::size_t count) const
    {
        return offset <= m_bytes.size() && count <= m_bytes.size() - offset;
    }
    template <typename T> T read(std::size_t offset) const
    {
        T value;
        std::memcpy(&value, m_bytes.data() + offset, sizeof value);
        return value;
    }
    std::span<const std::uint8_t> span(std::size_t offset, std::size_t count) const
    {
        return m_bytes.subspan(offset, count);
    }
    std::string text(std::size_t offset, std::size_t count) const
    {
        return std::string(reinterpret_cast<const char *>(m_bytes.data() + offset), count);
    }
    Error error(const std::string &what) const
    {
        return Error("pcapng block at offset " + std::to_string(m_blockOffset) + ": " + what);
    }

    using OptionHandler = std::function<void(std::uint16_t code, std::size_t at, std::size_t len)>;
    // Walks the options from `offset` to the end of the body. A list that is not empty must end
    // with opt_endofopt, and nothing may follow it.
    Status options(std::size_t offset, const OptionHandler &handle) const
    {
        if (offset == m_bytes.size())
            return success();
        while (true) {
            if (!has(offset, 4))
                return error("option at body offset " + std::to_string(offset) +
                             " runs past the block (no opt_endofopt)");
            const auto code = read<std::uint16_t>(offset);
            const auto length = read<std::uint16_t>(offset + 2);
            if (code == 0) {
                if (length != 0)
                    return error("opt_endofopt with length " + std::to_string(length));
                if (offset + 4 != m_bytes.size())
                    return error("bytes after opt_endofopt");
                return success();
            }
            if (!has(offset + 4, padded(length)))
                return error("option " + std::to_string(code) + " of length " +
                             std::to_string(length) + " runs past the block");
            handle(code, offset + 4, length);
            offset += 4 + padded(length);
        }
    }

private:
    std::span<const std::uint8_t> m_bytes;
    std::size_t m_blockOffset;
};

// Timestamp units per second, from if_tsresol: 10^-n, or 2^-n when the top bit is set.
// Saturates: a file may claim seconds and a timestamp of 2^64 (the fuzzer's first finding).
std::int64_t timestampToNs(std::uint64_t units, std::uint8_t tsresol)
{
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    const unsigned exponent = tsresol & 0x7f;
    if (tsresol & 0x80) {
        const long double ns = static_cast<long double>(units) * 1e9L / ldexpl(1.0L, int(exponent));
        return ns >= static_cast<long double>(kMax) ? kMax : std::int64_t(ns);
    }
    if (exponent <= 9) {
        std::uint64_t factor = 1;
        for (unsigned i = exponent; i < 9; ++i)
            factor *= 10;
        return units > std::uint64_t(kMax) / factor ? kMax : std::int64_t(units * factor);
    }
    std::uint64_t divisor = 1;
    for (unsigned i = 9; i < std::min(exponent, 28u); ++i)
        divisor = divisor > std::numeric_limits<std::uint64_t>::max() / 10 ? divisor : divisor * 10;
    return std::int64_t(units / divisor); // divisor >= 10: always fits
}

class Reader
{
public:
    Result<PcapngFile> read(std::span<const std::uint8_t> bytes)
    {
        std::size_t offset = 0;
        while (offset < bytes.size()) {
            if (bytes.size() - offset < 12)
                return Error("pcapng block at offset " + std::to_string(offset) + ": " +
                             std::to_string(bytes.size() - offset) +
                             " trailing bytes, too short for a block");
            std::uint32_t type;
            std::uint32_t length;
            std::memcpy(&type, bytes.data() + offset, 4);
            std::memcpy(&length, bytes.data() + offset + 4, 4);
            const Body header(bytes.subspan(offset), offset);
            if (offset == 0 && type != kSectionHeaderBlock)
                return header.error("the file does not start with a section header block");
            if (length < 12 || length % 4 != 0)
                return header.error("total length " + std::to_string(length) +
                                    " is not a multiple of 4 of at least 12");
            if (length > bytes.size() - offset)
                return header.error("total length " + std::to_string(length) +
                                    " runs past the end of the file");
            std::uint32_t trailer;
            std::memcpy(&trailer, bytes.data() + offset + length - 4, 4);
            if (trailer != length)
                return header.error("trailing total length " + std::to_string(trailer) +
                                    " differs from the leading " + std::to_string(length));
            const Body body(bytes.subspan(offset + 8, length - 12), offset);
            Status status = block(type, body);
            if (!status)
                return status.error();
            m_file.blockTypes.push_back(type);
            offset += length;
        }
        if (m_file.blockTypes.empty())
            return Error("pcapng: empty file");
        return std::move(m_file);
    }

private:
    Status block(std::uint32_t type, const Body &body)
    {
        switch (type) {
        case kSectionHeaderBlock:
            return section(body);
        case kInterfaceDescriptionBlock:
            return interface(body);
        case kEnhancedPacketBlock:
            return packet(body);
        case kNameResolutionBlock:
            return names(body);
        default:
            return success();
        }
    }

    Status section(const Body &body)
    {
        if (!m_file.blockTypes.empty())
            return body.error("a second section; only one is supported");
        if (!body.has(0, 16))
            return body.error("section header block too short");
        const auto magic = body.read<std::uint32_t>(0);
        if (magic != kByteOrderMagic)
            return body.error("byte order magic " + std::to_string(magic) +
                              ": byte-swapped sections are not supported");
        if (body.read<std::uint16_t>(4) != 1)
            return body.error("major version " + std::to_string(body.read<std::uint16_t>(4)));
        return body.options(16, [&](std::uint16_t code, std::size_t at, std::size_t length) {
            if (code == 4)
                m_file.application = body.text(at, length);
        });
    }

    Status interface(const Body &body)
    {
        if (!body.has(0, 8))
            return body.error("interface description block too short");
        PcapngInterface interface;
        interface.linkType = LinkType(body.read<std::uint16_t>(0));
        interface.snapLength = body.read<std::uint32_t>(4);
        std::uint8_t tsresol = 6;
        Status status =
            body.options(8, [&](std::uint16_t code, std::size_t at, std::size_t length) {
                if (code == 2)
                    interface.name = body.text(at, length);
                else if (code == 3)
                    interface.description = body.text(at, length);
                else if (code == 9 && length == 1)
                    tsresol = body.read<std::uint8_t>(at);
                else if (code == 11 && length >= 1 && body.read<std::uint8_t>(at) == 0)
                    interface.filter = body.text(at + 1, length - 1);
            });
        if (!status)
            return status;
        m_file.interfaces.push_back(interface);
        m_tsresol.push_back(tsresol);
        return success();
    }

    Status packet(const Body &body)
    {
        if (!body.has(0, 20))
            return body.error("enhanced packet block too short");
        PcapngPacket packet;
        packet.interfaceId = body.read<std::uint32_t>(0);
        if (packet.interfaceId >= m_file.interfaces.size())
            return body.error("packet on interface " + std::to_string(packet.interfaceId) +
                              ", but only " + std::to_string(m_file.interfaces.size()) +
                              " are described before it");
        const std::uint64_t units =
            std::uint64_t(body.read<std::uint32_t>(4)) << 32 | body.read<std::uint32_t>(8);
        packet.timestampNs = timestampToNs(units, m_tsresol[packet.interfaceId]);
        const auto capturedLength = body.read<std::uint32_t>(12);
        packet.originalLength = body.read<std::uint32_t>(16);
        if (!body.has(20, padded(capturedLength)))
            return body.error("captured length " + std::to_string(capturedLength) +
                              " runs past the block");
        if (capturedLength > packet.originalLength)
            return body.error("captured length " + std::to_string(capturedLength) +
                              " exceeds the original length " +
                              std::to_string(packet.originalLength));
        const auto data = body.span(20, capturedLength);
        packet.data.assign(data.begin(), data.end());
        Status status = body.options(20 + padded(capturedLength),
                                     [&](std::uint16_t code, std::size_t at, std::size_t length) {
                                         if (code == 1)
                                             packet.comments.push_back(body.text(at, length));
                                     });
        if (!status)
            return status;
        m_file.packets.push_back(std::move(packet));
        return success();
    }

    Status names(const Body &body)
    {
        std::size_t offset = 0;
        while (true) {
            if (!body.has(offset, 4))
                return body.error("name records run past the block (no nrb_record_end)");
            const auto type = body.read<std::uint16_t>(offset);
            const auto length = body.read<std::uint16_t>(offset + 2);
            offset += 4;
            if (type == 0)
                break;
            if (!body.has(offset, padded(length)))
                return body.error("name record of length " + std::to_string(length) +
                                  " runs past the block");
            const std::size_t addressLength = type == 1 ? 4 : type == 2 ? 16 : 0;
            if (addressLength != 0) {
                if (length <= addressLength || body.read<std::uint8_t>(offset + length - 1) != 0)
                    return body.error("name record without a NUL-terminated name");
                char text[INET6_ADDRSTRLEN];
                inet_ntop(type == 1 ? AF_INET : AF_INET6, body.span(offset, addressLength).data(),
                          text, sizeof text);
                // Several names may follow one address, each ending in NUL.
                std::string rest = body.text(offset + addressLength, length - addressLength - 1);
                std::size_t start = 0;
                while (start <= rest.size()) {
                    const std::size_t end = std::min(rest.find('\0', start), rest.size());
                    m_file.names.push_back({text, rest.substr(start, end - start)});
                    start = end + 1;
                }
            }
            offset += padded(length);
        }
        return body.options(offset, [](std::uint16_t, std::size_t, std::size_t) {});
    }

    PcapngFile m_file;
    std::vector<std::uint8_t> m_tsresol; // per interface
};

} // namespace

Result<PcapngFile> readPcapng(std::span<const std::uint8_t> bytes)
{
    return Reader().read(bytes);
}

Result<PcapngFile> readPcapngFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error::fromErrno("opening " + path);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                          std::istreambuf_iterator<char>());
    return readPcapng(bytes).context("reading " + path);
}

} // namespace flowlab
