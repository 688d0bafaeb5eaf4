#include "tracer/taps/DockerStreamDecoders.h"

#include <algorithm>

namespace flowlab {

namespace {

// Length of the valid UTF-8 sequence starting at `text[0]`, or 0 when it is invalid.
std::size_t utf8SequenceLength(std::string_view text)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    unsigned int minimum = 0;
    unsigned int codePoint = 0;
    if (lead < 0x80)
        return 1;
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        minimum = 0x80;
        codePoint = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        minimum = 0x800;
        codePoint = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        minimum = 0x10000;
        codePoint = lead & 0x07;
    } else {
        return 0;
    }
    if (text.size() < length)
        return 0;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80)
            return 0;
        codePoint = (codePoint << 6) | (byte(i) & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not valid UTF-8.
    if (codePoint < minimum || (codePoint >= 0xD800 && codePoint <= 0xDFFF) || codePoint > 0x10FFFF)
        return 0;
    return length;
}

bool looksLikeFrameHeader(std::string_view header)
{
    const auto at = [&](std::size_t i) { return static_cast<unsigned char>(header[i]); };
    return header.size() >= 8 && at(0) <= 3 && at(1) == 0 && at(2) == 0 && at(3) == 0;
}

constexpr std::array<std::string_view, 4> kStreamNames{"stdin", "stdout", "stderr", "systemerr"};

} // namespace

std::string printableText(std::string_view bytes, std::size_t cap)
{
    std::string out;
    out.reserve(std::min(bytes.size(), cap));
    std::size_t i = 0;
    while (i < bytes.size()) {
        const std::size_t length = utf8SequenceLength(bytes.substr(i));
        if (length == 0) {
            if (out.size() + 3 > cap)
                break;
            out += "\xEF\xBF\xBD";
            ++i;
            continue;
        }
        if (out.size() + length > cap)
            break;
        out.append(bytes.substr(i, length));
        i += length;
    }
    return out;
}

JsonLinesDigest::JsonLinesDigest(std::size_t keepFirst, std::size_t keepLast)
    : m_keepFirst(keepFirst)
    , m_keepLast(keepLast)
{}

void JsonLinesDigest::feed(std::string_view bytes)
{
    while (!bytes.empty()) {
        const std::size_t newline = bytes.find('\n');
        const std::string_view piece = bytes.substr(0, newline);
        if (!m_skippingLongLine) {
            if (m_partial.size() + piece.size() > kMaxLine) {
                // Not a progress message; counting it is all that is useful.
                m_skippingLongLine = true;
                m_partial.clear();
            } else {
                m_partial.append(piece);
            }
        }
        if (newline == std::string_view::npos)
            return;
        if (m_skippingLongLine) {
            ++m_unparsed;
            m_skippingLongLine = false;
        } else {
            line(m_partial);
        }
        m_partial.clear();
        bytes.remove_prefix(newline + 1);
    }
}

void JsonLinesDigest::finish()
{
    if (m_skippingLongLine)
        ++m_unparsed;
    else
        line(m_partial);
    m_partial.clear();
    m_skippingLongLine = false;
}

void JsonLinesDigest::line(std::string_view text)
{
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    if (text.empty())
        return;
    nlohmann::json message = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (message.is_discarded()) {
        ++m_unparsed;
        return;
    }
    ++m_count;
    if (!m_error && message.is_object()) {
        // dockerd sets both "error" and "errorDetail"; newer code paths may send only the detail.
        const auto error = message.find("error");
        const auto detail = message.find("errorDetail");
        if (error != message.end() && error->is_string() && !error->get<std::string>().empty())
            m_error = error->get<std::string>();
        else if (detail != message.end() && detail->is_object() && detail->contains("message") &&
                 (*detail)["message"].is_string())
            m_error = (*detail)["message"].get<std::string>();
        else if (detail != message.end() && !detail->is_null())
            m_error = detail->dump();
        if (m_error)
            m_errorMessage = message;
    }
    if (m_first.size() < m_keepFirst) {
        m_first.push_back(std::move(message));
        return;
    }
    m_last.push_back(std::move(message));
    if (m_last.size() > m_keepLast)
        m_last.pop_front();
}

nlohmann::json JsonLinesDigest::messages() const
{
    nlohmann::json result = nlohmann::json::array();
    for (const auto &message : m_first)
        result.push_back(message);
    for (const auto &message : m_last)
        result.push_back(message);
    return result;
}

StdioStreamDigest::StdioStreamDigest(Framing framing, int rawStream, std::size_t previewCap)
    : m_framing(framing)
    , m_rawStream(std::clamp(rawStream, 0, 3))
    , m_previewCap(previewCap)
{}

void StdioStreamDigest::payload(int stream, std::string_view bytes)
{
    Stream &target = m_streams.at(stream);
    target.bytes += bytes.size();
    if (target.preview.size() < m_previewCap)
        target.preview.append(bytes.substr(0, m_previewCap - target.preview.size()));
}

void StdioStreamDigest::feed(std::string_view bytes)
{
    if (m_framing == Framing::Auto) {
        m_sniffed.append(bytes);
        if (m_sniffed.size() < 8)
            return;
        // TTY output starting with "\x01\0\0\0" is not a thing people print.
        m_framing = looksLikeFrameHeader(m_sniffed) ? Framing::Multiplexed : Framing::Raw;
        const std::string sniffed = std::move(m_sniffed);
        m_sniffed.clear();
        feed(sniffed);
        return;
    }
    m_total += bytes.size();
    if (m_framing == Framing::Raw) {
        payload(m_rawStream, bytes);
        return;
    }
    while (!bytes.empty() && m_framingError.empty()) {
        if (m_frameLeft > 0) {
            const std::size_t take = std::min<std::size_t>(m_frameLeft, bytes.size());
            payload(m_frameStream, bytes.substr(0, take));
            m_frameLeft -= static_cast<std::uint32_t>(take);
            bytes.remove_prefix(take);
            continue;
        }
        const std::size_t need = 8 - m_header.size();
        m_header.append(bytes.substr(0, need));
        bytes.remove_prefix(std::min(need, bytes.size()));
        if (m_header.size() < 8)
            return;
        if (!looksLikeFrameHeader(m_header)) {
            // Not what dockerd writes; decoding further would only invent frames.
            m_framingError = "unexpected frame header at stream byte " +
                             std::to_string(m_total - bytes.size() - 8);
            return;
        }
        const auto at = [&](int i) { return static_cast<unsigned char>(m_header[i]); };
        m_frameStream = at(0);
        m_frameLeft = (std::uint32_t(at(4)) << 24) | (std::uint32_t(at(5)) << 16) |
                      (std::uint32_t(at(6)) << 8) | std::uint32_t(at(7));
        m_header.clear();
        ++m_frames;
    }
}

nlohmann::json StdioStreamDigest::toJson() const
{
    if (m_framing == Framing::Auto && !m_sniffed.empty()) {
        // Fewer than 8 bytes ever came: too short to be a frame, so it is shown as it is.
        StdioStreamDigest raw(Framing::Raw, m_rawStream, m_previewCap);
        raw.feed(m_sniffed);
        return raw.toJson();
    }
    nlohmann::json j{{"framing", m_framing == Framing::Multiplexed ? "multiplexed" : "raw"},
                     {"bytes", m_total}};
    if (m_framing == Framing::Multiplexed)
        j["frames"] = m_frames;
    for (std::size_t i = 0; i < m_streams.size(); ++i) {
        const Stream &stream = m_streams[i];
        if (stream.bytes == 0)
            continue;
        j[std::string(kStreamNames[i])] = {{"bytes", stream.bytes},
                                           {"text", printableText(stream.preview, m_previewCap)}};
    }
    if (!m_framingError.empty())
        j["framingError"] = m_framingError;
    return j;
}

} // namespace flowlab
