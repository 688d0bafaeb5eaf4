#include "tracer/taps/ProtobufWireDecoder.h"

#include <cstdint>
#include <optional>
#include <string>

namespace flowlab {

namespace {

enum class WireType : std::uint8_t { Varint = 0, Fixed64 = 1, Length = 2, Fixed32 = 5 };

constexpr std::uint64_t kMaxFieldNumber = (1u << 29) - 1;

std::string hexPreview(std::string_view bytes, std::size_t cap)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    const std::size_t shown = std::min(bytes.size(), cap);
    out.reserve(shown * 2);
    for (std::size_t i = 0; i < shown; ++i) {
        const auto byte = static_cast<unsigned char>(bytes[i]);
        out += kDigits[byte >> 4];
        out += kDigits[byte & 0xf];
    }
    return out;
}

// A cursor over the input that never reads past its end.
class Reader
{
public:
    explicit Reader(std::string_view bytes)
        : m_bytes(bytes)
    {}

    bool atEnd() const { return m_at >= m_bytes.size(); }
    std::size_t offset() const { return m_at; }

    std::optional<std::uint64_t> varint()
    {
        std::uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (atEnd())
                return std::nullopt;
            const auto byte = static_cast<unsigned char>(m_bytes[m_at++]);
            // The tenth byte may only carry bit 63.
            if (shift == 63 && byte > 1)
                return std::nullopt;
            value |= std::uint64_t(byte & 0x7f) << shift;
            if (!(byte & 0x80))
                return value;
        }
        return std::nullopt;
    }

    std::optional<std::string_view> take(std::uint64_t length)
    {
        if (length > m_bytes.size() - m_at)
            return std::nullopt;
        const std::string_view out = m_bytes.substr(m_at, std::size_t(length));
        m_at += std::size_t(length);
        return out;
    }

    std::string_view rest() const { return m_bytes.substr(m_at); }

    std::optional<std::uint64_t> littleEndian(int size)
    {
        const std::optional<std::string_view> bytes = take(std::uint64_t(size));
        if (!bytes)
            return std::nullopt;
        std::uint64_t value = 0;
        for (int i = size - 1; i >= 0; --i)
            value = (value << 8) | static_cast<unsigned char>((*bytes)[std::size_t(i)]);
        return value;
    }

private:
    std::string_view m_bytes;
    std::size_t m_at = 0;
};

class Decoder
{
public:
    explicit Decoder(const ProtobufDecodeLimits &limits)
        : m_limits(limits)
    {}

    // Fields of one message, or the offset at which `bytes` stopped being a message. With
    // `cutShort`, a field the input ends inside is dropped and decoding stops there.
    struct Outcome
    {
        nlohmann::json fields = nlohmann::json::array();
        std::optional<std::size_t> badOffset;
        std::string problem;
        bool cut = false;
    };

    Outcome message(std::string_view bytes, std::size_t depth, bool cutShort)
    {
        Outcome out;
        Reader reader(bytes);
        while (!reader.atEnd()) {
            const std::size_t start = reader.offset();
            const auto bad = [&](std::string problem) {
                if (cutShort) {
                    out.cut = true;
                } else {
                    out.badOffset = start;
                    out.problem = std::move(problem);
                }
                return out;
            };
            const std::optional<std::uint64_t> key = reader.varint();
            if (!key)
                return bad("truncated field key");
            const std::uint64_t number = *key >> 3;
            const auto wire = static_cast<WireType>(*key & 7);
            if (number == 0 || number > kMaxFieldNumber) {
                out.badOffset = start; // never explained by a cut
                out.problem = "field number " + std::to_string(number) + " is out of range";
                return out;
            }
            nlohmann::json field = {{"field", number}};
            switch (wire) {
            case WireType::Varint: {
                const std::optional<std::uint64_t> value = reader.varint();
                if (!value)
                    return bad("truncated varint");
                field["type"] = "varint";
                field["value"] = *value;
                if (*value > std::uint64_t(INT64_MAX))
                    field["signed"] = static_cast<std::int64_t>(*value); // a negative int32/64
                break;
            }
            case WireType::Fixed64:
            case WireType::Fixed32: {
                const int size = wire == WireType::Fixed64 ? 8 : 4;
                const std::optional<std::uint64_t> value = reader.littleEndian(size);
                if (!value)
                    return bad("truncated fixed" + std::to_string(size * 8));
                field["type"] = size == 8 ? "fixed64" : "fixed32";
                field["value"] = *value;
                break;
            }
            case WireType::Length: {
                const std::optional<std::uint64_t> length = reader.varint();
                if (!length)
                    return bad("truncated length");
                const std::optional<std::string_view> value = reader.take(*length);
                if (!value && cutShort && m_kept < m_limits.maxFields) {
                    // The usual cut: a big bytes field (a content blob). Its size still tells.
                    field["type"] = "bytes";
                    field["length"] = *length;
                    field["hex"] = hexPreview(reader.rest(), m_limits.maxHexBytes);
                    field["cut"] = true;
                    ++m_kept;
                    out.fields.push_back(std::move(field));
                    out.cut = true;
                    return out;
                }
                if (!value)
                    return bad("length " + std::to_string(*length) + " runs past the end");
                lengthDelimited(field, *value, depth);
                break;
            }
            default:
                // Groups (3, 4) are long deprecated; 6 and 7 do not exist.
                out.badOffset = start;
                out.problem = "wire type " + std::to_string(int(wire)) + " of field " +
                              std::to_string(number) + " is not decoded";
                return out;
            }
            if (m_kept >= m_limits.maxFields) {
                m_limitReached = true;
                continue; // still checked, so a guess stays honest, but not kept
            }
            ++m_kept;
            out.fields.push_back(std::move(field));
        }
        return out;
    }

    bool limitReached() const { return m_limitReached; }

private:
    void lengthDelimited(nlohmann::json &field, std::string_view value, std::size_t depth)
    {
        if (value.empty()) {
            field["type"] = "bytes";
            field["length"] = 0;
            return;
        }
        if (isPrintableUtf8(value)) {
            field["type"] = "string";
            if (value.size() <= m_limits.maxText) {
                field["value"] = std::string(value);
            } else {
                // Cut at a character boundary, so the JSON stays valid UTF-8.
                std::size_t cut = m_limits.maxText;
                while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80)
                    --cut;
                field["value"] = std::string(value.substr(0, cut));
                field["length"] = value.size();
                m_limitReached = true;
            }
            return;
        }
        if (depth + 1 < m_limits.maxDepth) {
            // A guess: keep it only if every byte parses, and undo what it counted otherwise.
            const std::size_t keptBefore = m_kept;
            const bool limitBefore = m_limitReached;
            Outcome nested = message(value, depth + 1, false);
            if (!nested.badOffset) {
                field["type"] = "message";
                field["fields"] = std::move(nested.fields);
                return;
            }
            m_kept = keptBefore;
            m_limitReached = limitBefore;
        }
        field["type"] = "bytes";
        field["length"] = value.size();
        field["hex"] = hexPreview(value, m_limits.maxHexBytes);
    }

    const ProtobufDecodeLimits &m_limits;
    std::size_t m_kept = 0;
    bool m_limitReached = false;
};

// Length of the valid UTF-8 sequence at the start of `text`, or 0 if there is none.
std::size_t utf8Sequence(std::string_view text)
{
    const auto lead = static_cast<unsigned char>(text[0]);
    if (lead < 0x80)
        return 1;
    std::size_t length = 0;
    std::uint32_t codePoint = 0;
    std::uint32_t minimum = 0;
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        codePoint = lead & 0x1F;
        minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        codePoint = lead & 0x0F;
        minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        codePoint = lead & 0x07;
        minimum = 0x10000;
    } else {
        return 0;
    }
    if (text.size() < length)
        return 0;
    for (std::size_t i = 1; i < length; ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if ((byte & 0xC0) != 0x80)
            return 0;
        codePoint = (codePoint << 6) | (byte & 0x3F);
    }
    if (codePoint < minimum || (codePoint >= 0xD800 && codePoint <= 0xDFFF) || codePoint > 0x10FFFF)
        return 0;
    return length;
}

} // namespace

bool isPrintableUtf8(std::string_view bytes)
{
    if (bytes.empty())
        return false;
    std::size_t i = 0;
    while (i < bytes.size()) {
        const auto byte = static_cast<unsigned char>(bytes[i]);
        if (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r')
            return false;
        if (byte == 0x7f)
            return false;
        const std::size_t length = utf8Sequence(bytes.substr(i));
        if (length == 0)
            return false;
        i += length;
    }
    return true;
}

Result<ProtobufFieldTree> decodeProtobufFields(std::string_view bytes,
                                               const ProtobufDecodeLimits &limits, bool cutShort)
{
    Decoder decoder(limits);
    Decoder::Outcome outcome = decoder.message(bytes, 0, cutShort);
    if (outcome.badOffset)
        return Error("not a protobuf message: " + outcome.problem + " at byte " +
                     std::to_string(*outcome.badOffset));
    ProtobufFieldTree tree;
    tree.fields = std::move(outcome.fields);
    tree.complete = !outcome.cut && !decoder.limitReached();
    return tree;
}

} // namespace flowlab
