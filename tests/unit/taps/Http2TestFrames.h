#pragma once

// Builds HTTP/2 byte streams for the tap tests: frames by hand, header blocks with libnghttp2's
// HPACK deflater (so the parser is checked against an independent encoder, never against
// itself), and gRPC's length-prefixed messages.

#include <QByteArray>
#include <QList>
#include <QRandomGenerator>
#include <QString>
#include <nghttp2/nghttp2.h>
#include <string>
#include <utility>
#include <vector>

namespace flowlab::test {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

inline QByteArray frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream,
                        const QByteArray &payload)
{
    QByteArray out(9, '\0');
    const auto length = std::uint32_t(payload.size());
    out[0] = char(length >> 16);
    out[1] = char(length >> 8);
    out[2] = char(length);
    out[3] = char(type);
    out[4] = char(flags);
    out[5] = char((stream >> 24) & 0x7f);
    out[6] = char(stream >> 16);
    out[7] = char(stream >> 8);
    out[8] = char(stream);
    return out + payload;
}

inline QByteArray u32(std::uint32_t value)
{
    QByteArray out(4, '\0');
    out[0] = char(value >> 24);
    out[1] = char(value >> 16);
    out[2] = char(value >> 8);
    out[3] = char(value);
    return out;
}

inline QByteArray settings(const std::vector<std::pair<std::uint16_t, std::uint32_t>> &values)
{
    QByteArray payload;
    for (const auto &[id, value] : values) {
        payload += char(id >> 8);
        payload += char(id);
        payload += u32(value);
    }
    return frame(0x4, 0, 0, payload);
}

inline QByteArray settingsAck()
{
    return frame(0x4, 0x1, 0, {});
}

// gRPC's framing: compressed flag, big-endian length, message.
inline QByteArray grpcMessage(const QByteArray &message)
{
    return char(0) + u32(std::uint32_t(message.size())) + message;
}

// A protobuf key and value, for hand-encoded messages.
inline QByteArray varint(std::uint64_t value)
{
    QByteArray out;
    do {
        std::uint8_t byte = value & 0x7f;
        value >>= 7;
        if (value)
            byte |= 0x80;
        out += char(byte);
    } while (value);
    return out;
}
inline QByteArray pbVarint(std::uint32_t field, std::uint64_t value)
{
    return varint(std::uint64_t(field) << 3) + varint(value);
}
inline QByteArray pbBytes(std::uint32_t field, const QByteArray &value)
{
    return varint((std::uint64_t(field) << 3) | 2) + varint(std::uint64_t(value.size())) + value;
}

// One direction's HPACK encoder, as a real peer keeps it for the whole connection.
class HpackEncoder
{
public:
    // `maxTableSize` bounds what changeTableSize() may grow the table to; it starts at 4096.
    explicit HpackEncoder(std::size_t maxTableSize = 4096)
    {
        nghttp2_hd_deflate_new(&m_deflater, maxTableSize);
    }
    ~HpackEncoder() { nghttp2_hd_deflate_del(m_deflater); }
    HpackEncoder(const HpackEncoder &) = delete;
    HpackEncoder &operator=(const HpackEncoder &) = delete;

    // The next header block; fields are indexed into the dynamic table as nghttp2 decides.
    QByteArray encode(const HeaderList &headers)
    {
        std::vector<nghttp2_nv> nva;
        for (const auto &[name, value] : headers)
            nva.push_back({reinterpret_cast<std::uint8_t *>(const_cast<char *>(name.data())),
                           reinterpret_cast<std::uint8_t *>(const_cast<char *>(value.data())),
                           name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
        QByteArray out(int(nghttp2_hd_deflate_bound(m_deflater, nva.data(), nva.size())), '\0');
        const ssize_t n =
            nghttp2_hd_deflate_hd(m_deflater, reinterpret_cast<std::uint8_t *>(out.data()),
                                  std::size_t(out.size()), nva.data(), nva.size());
        out.resize(n < 0 ? 0 : int(n));
        return out;
    }
    void changeTableSize(std::size_t size)
    {
        nghttp2_hd_deflate_change_table_size(m_deflater, size);
    }

private:
    nghttp2_hd_deflater *m_deflater = nullptr;
};

inline HeaderList grpcRequestHeaders(const std::string &path)
{
    return {{":method", "POST"},
            {":scheme", "http"},
            {":path", path},
            {":authority", "localhost"},
            {"content-type", "application/grpc"},
            {"user-agent", "grpc-go/1.66.3"},
            {"te", "trailers"},
            {"containerd-namespace", "moby"},
            {"grpc-timeout", "9999925u"}};
}

// Slices: the whole input, one byte at a time, or seeded random sizes of 1..17 bytes.
inline QList<QByteArray> slice(const QByteArray &input, const QString &mode, quint32 seed = 7)
{
    QList<QByteArray> slices;
    if (mode == "whole") {
        slices << input;
    } else if (mode == "bytewise") {
        for (char c : input)
            slices << QByteArray(1, c);
    } else {
        QRandomGenerator random(seed);
        for (qsizetype at = 0; at < input.size();) {
            const qsizetype size = random.bounded(1, 18);
            slices << input.mid(at, size);
            at += size;
        }
    }
    return slices;
}

} // namespace flowlab::test
