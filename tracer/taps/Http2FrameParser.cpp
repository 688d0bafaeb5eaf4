#include "tracer/taps/Http2FrameParser.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <nghttp2/nghttp2.h>
#include <utility>

namespace flowlab {

namespace {

constexpr std::size_t kFrameHeaderSize = 9;

constexpr std::array<std::string_view, 10> kFrameTypeNames{
    "DATA",         "HEADERS", "PRIORITY", "RST_STREAM",    "SETTINGS",
    "PUSH_PROMISE", "PING",    "GOAWAY",   "WINDOW_UPDATE", "CONTINUATION"};

constexpr std::array<std::string_view, 14> kErrorCodeNames{"NO_ERROR",
                                                           "PROTOCOL_ERROR",
                                                           "INTERNAL_ERROR",
                                                           "FLOW_CONTROL_ERROR",
                                                           "SETTINGS_TIMEOUT",
                                                           "STREAM_CLOSED",
                                                           "FRAME_SIZE_ERROR",
                                                           "REFUSED_STREAM",
                                                           "CANCEL",
                                                           "COMPRESSION_ERROR",
                                                           "CONNECT_ERROR",
                                                           "ENHANCE_YOUR_CALM",
                                                           "INADEQUATE_SECURITY",
                                                           "HTTP_1_1_REQUIRED"};

constexpr std::array<std::string_view, 7> kSettingNames{"",
                                                        "HEADER_TABLE_SIZE",
                                                        "ENABLE_PUSH",
                                                        "MAX_CONCURRENT_STREAMS",
                                                        "INITIAL_WINDOW_SIZE",
                                                        "MAX_FRAME_SIZE",
                                                        "MAX_HEADER_LIST_SIZE"};

// RFC 9113 section 4.2: SETTINGS_MAX_FRAME_SIZE may not go past 2^24-1.
constexpr std::uint32_t kLargestMaxFrameSize = (1u << 24) - 1;

std::string hex(std::uint32_t value)
{
    char text[16];
    std::snprintf(text, sizeof text, "0x%x", value);
    return text;
}

std::uint32_t readU32(std::string_view bytes)
{
    const auto at = [&](std::size_t i) {
        return std::uint32_t(static_cast<unsigned char>(bytes[i]));
    };
    return (at(0) << 24) | (at(1) << 16) | (at(2) << 8) | at(3);
}

std::uint16_t readU16(std::string_view bytes)
{
    return std::uint16_t((static_cast<unsigned char>(bytes[0]) << 8) |
                         static_cast<unsigned char>(bytes[1]));
}

std::string frameName(const Http2FrameHeader &header)
{
    return http2FrameTypeName(header.type) + " frame on stream " + std::to_string(header.streamId);
}

} // namespace

std::string http2FrameTypeName(std::uint8_t type)
{
    if (type < kFrameTypeNames.size())
        return std::string(kFrameTypeNames[type]);
    return hex(type);
}

std::string http2ErrorCodeName(std::uint32_t code)
{
    if (code < kErrorCodeNames.size())
        return std::string(kErrorCodeNames[code]);
    return hex(code);
}

std::string http2SettingName(std::uint16_t id)
{
    if (id > 0 && id < kSettingNames.size())
        return std::string(kSettingNames[id]);
    return hex(id);
}

std::string_view toString(Http2Direction direction)
{
    return direction == Http2Direction::ClientToServer ? "client→server" : "server→client";
}

std::optional<std::string> Http2HeaderBlock::value(std::string_view name) const
{
    for (const Http2Header &header : headers)
        if (header.name == name)
            return header.value;
    return std::nullopt;
}

Http2FrameParser::Http2FrameParser(Http2Direction direction)
    : m_direction(direction)
    , m_state(direction == Http2Direction::ClientToServer ? State::Preface : State::FrameHeader)
{
    if (const int rc = nghttp2_hd_inflate_new(&m_inflater); rc != 0) {
        m_inflater = nullptr;
        (void)fail(std::string("nghttp2_hd_inflate_new: ") + nghttp2_strerror(rc));
    }
}

Http2FrameParser::~Http2FrameParser()
{
    if (m_inflater)
        nghttp2_hd_inflate_del(m_inflater);
}

Status Http2FrameParser::fail(const std::string &what)
{
    m_state = State::Failed;
    m_buffer.clear();
    m_buffer.shrink_to_fit();
    m_block.reset();
    m_error = Error(what).context("parsing HTTP/2 " + std::string(toString(m_direction)) +
                                  " at byte " + std::to_string(m_frameOffset));
    return *m_error;
}

Status Http2FrameParser::feed(std::string_view bytes)
{
    while (!bytes.empty()) {
        switch (m_state) {
        case State::Failed:
            return *m_error;

        case State::Preface: {
            const std::size_t take =
                std::min(bytes.size(), kHttp2ClientPreface.size() - m_buffer.size());
            m_buffer.append(bytes.substr(0, take));
            bytes.remove_prefix(take);
            m_offset += take;
            if (!kHttp2ClientPreface.starts_with(m_buffer))
                return fail("the client connection preface (\"PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n"
                            "\\r\\n\") was expected; this is not HTTP/2 with prior knowledge");
            if (m_buffer.size() == kHttp2ClientPreface.size()) {
                m_buffer.clear();
                m_state = State::FrameHeader;
            }
            break;
        }

        case State::FrameHeader: {
            if (m_buffer.empty())
                m_frameOffset = m_offset;
            const std::size_t take = std::min(bytes.size(), kFrameHeaderSize - m_buffer.size());
            m_buffer.append(bytes.substr(0, take));
            bytes.remove_prefix(take);
            m_offset += take;
            if (m_buffer.size() < kFrameHeaderSize)
                break;
            const std::string_view h = m_buffer;
            m_header.length = readU32(h.substr(0, 4)) >> 8;
            m_header.type = static_cast<std::uint8_t>(h[3]);
            m_header.flags = static_cast<std::uint8_t>(h[4]);
            m_header.streamId = readU32(h.substr(5, 4)) & 0x7fffffffu;
            m_buffer.clear();
            if (m_header.length > m_maxFrameSize)
                return fail(frameName(m_header) + ": length " + std::to_string(m_header.length) +
                            " exceeds SETTINGS_MAX_FRAME_SIZE " + std::to_string(m_maxFrameSize));
            if (m_block && (m_header.type != std::uint8_t(Http2FrameType::Continuation) ||
                            m_header.streamId != m_block->streamId))
                return fail(frameName(m_header) + " where CONTINUATION of stream " +
                            std::to_string(m_block->streamId) + " must follow");
            m_state = State::FramePayload;
            if (m_header.length == 0) {
                m_state = State::FrameHeader;
                if (Status s = frameComplete({}); !s)
                    return s;
            }
            break;
        }

        case State::FramePayload: {
            std::string_view payload;
            if (m_buffer.empty() && bytes.size() >= m_header.length) {
                // The whole payload is in this slice: no copy.
                payload = bytes.substr(0, m_header.length);
                bytes.remove_prefix(m_header.length);
                m_offset += m_header.length;
            } else {
                const std::size_t take =
                    std::min<std::size_t>(bytes.size(), m_header.length - m_buffer.size());
                if (m_buffer.empty())
                    m_buffer.reserve(m_header.length);
                m_buffer.append(bytes.substr(0, take));
                bytes.remove_prefix(take);
                m_offset += take;
                if (m_buffer.size() < m_header.length)
                    break;
                payload = m_buffer;
            }
            m_state = State::FrameHeader;
            const Status s = frameComplete(payload);
            m_buffer.clear();
            if (!s)
                return s;
            break;
        }
        }
    }
    return m_state == State::Failed ? Status(*m_error) : success();
}

Status Http2FrameParser::frameComplete(std::string_view payload)
{
    ++m_frames;
    if (m_handlers.frame)
        m_handlers.frame(m_header);
    switch (static_cast<Http2FrameType>(m_header.type)) {
    case Http2FrameType::Data:
        return onData(payload);
    case Http2FrameType::Headers:
        return onHeaders(payload);
    case Http2FrameType::PushPromise:
        return onPushPromise(payload);
    case Http2FrameType::Continuation:
        return onContinuation(payload);
    case Http2FrameType::Settings:
        return onSettings(payload);
    case Http2FrameType::GoAway:
        return onGoAway(payload);
    case Http2FrameType::Priority:
    case Http2FrameType::RstStream:
    case Http2FrameType::Ping:
    case Http2FrameType::WindowUpdate:
        return onFixedLength(payload);
    }
    return success(); // RFC 9113 section 4.1: unknown frame types are ignored
}

Result<std::string_view> Http2FrameParser::unpad(std::string_view payload, std::size_t fixedFields)
{
    std::size_t padding = 0;
    if (m_header.flags & http2flags::kPadded) {
        if (payload.empty())
            return Error(frameName(m_header) + " is PADDED but has no Pad Length byte");
        padding = static_cast<unsigned char>(payload[0]);
        payload.remove_prefix(1);
    }
    if (payload.size() < fixedFields + padding)
        return Error(frameName(m_header) + ": " + std::to_string(padding) +
                     " bytes of padding and " + std::to_string(fixedFields) +
                     " bytes of fixed fields do not fit in a " + std::to_string(m_header.length) +
                     "-byte payload");
    return payload.substr(0, payload.size() - padding);
}

Status Http2FrameParser::onData(std::string_view payload)
{
    if (m_header.streamId == 0)
        return fail("DATA frame on stream 0");
    Result<std::string_view> data = unpad(payload, 0);
    if (!data)
        return fail(data.error().message());
    if (m_handlers.data)
        m_handlers.data(m_header.streamId, *data, m_header.flags & http2flags::kEndStream);
    return success();
}

Status Http2FrameParser::onHeaders(std::string_view payload)
{
    if (m_header.streamId == 0)
        return fail("HEADERS frame on stream 0");
    const std::size_t priority = (m_header.flags & http2flags::kPriority) ? 5 : 0;
    Result<std::string_view> fields = unpad(payload, priority);
    if (!fields)
        return fail(fields.error().message());
    m_block.emplace();
    m_block->streamId = m_header.streamId;
    m_block->endStream = m_header.flags & http2flags::kEndStream;
    m_blockBytes = 0;
    return inflate(fields->substr(priority), m_header.flags & http2flags::kEndHeaders);
}

Status Http2FrameParser::onPushPromise(std::string_view payload)
{
    if (m_header.streamId == 0)
        return fail("PUSH_PROMISE frame on stream 0");
    Result<std::string_view> fields = unpad(payload, 4);
    if (!fields)
        return fail(fields.error().message());
    // Decoded even though gRPC never pushes: skipping the block would desynchronise HPACK.
    m_block.emplace();
    m_block->streamId = m_header.streamId;
    m_block->promise = readU32(*fields) & 0x7fffffffu;
    m_blockBytes = 0;
    return inflate(fields->substr(4), m_header.flags & http2flags::kEndHeaders);
}

Status Http2FrameParser::onContinuation(std::string_view payload)
{
    if (!m_block)
        return fail(frameName(m_header) + " without a HEADERS or PUSH_PROMISE before it");
    return inflate(payload, m_header.flags & http2flags::kEndHeaders);
}

Status Http2FrameParser::inflate(std::string_view fragment, bool final)
{
    auto in = reinterpret_cast<const std::uint8_t *>(fragment.data());
    std::size_t left = fragment.size();
    for (;;) {
        nghttp2_nv field{};
        int flags = 0;
        const ssize_t used =
            nghttp2_hd_inflate_hd2(m_inflater, &field, &flags, in, left, final ? 1 : 0);
        if (used < 0)
            return fail(frameName(m_header) + ": HPACK decoding failed: nghttp2_hd_inflate_hd2: " +
                        nghttp2_strerror(static_cast<int>(used)));
        in += used;
        left -= static_cast<std::size_t>(used);
        if (flags & NGHTTP2_HD_INFLATE_EMIT) {
            const std::size_t size = field.namelen + field.valuelen;
            if (m_blockBytes + size > kMaxHeaderBytes) {
                m_block->truncated = true;
            } else {
                m_blockBytes += size;
                m_block->headers.push_back(
                    {std::string(reinterpret_cast<const char *>(field.name), field.namelen),
                     std::string(reinterpret_cast<const char *>(field.value), field.valuelen)});
            }
        }
        if (flags & NGHTTP2_HD_INFLATE_FINAL) {
            nghttp2_hd_inflate_end_headers(m_inflater);
            break;
        }
        if (!(flags & NGHTTP2_HD_INFLATE_EMIT) && left == 0)
            break;
    }
    if (!final)
        return success();
    Http2HeaderBlock block = std::move(*m_block);
    m_block.reset();
    // A limit raised while this block was open could not be applied during it.
    applyHeaderTableSize(m_headerTableSize);
    if (m_handlers.headers)
        m_handlers.headers(block);
    return success();
}

Status Http2FrameParser::onSettings(std::string_view payload)
{
    if (m_header.streamId != 0)
        return fail(frameName(m_header) + ": SETTINGS must be on stream 0");
    const bool ack = m_header.flags & http2flags::kAck;
    if (ack && !payload.empty())
        return fail("SETTINGS ACK frame with a " + std::to_string(payload.size()) +
                    "-byte payload; an ACK carries none");
    if (payload.size() % 6 != 0)
        return fail("SETTINGS frame length " + std::to_string(payload.size()) +
                    " is not a multiple of 6");
    std::vector<Http2Setting> settings;
    for (std::size_t at = 0; at < payload.size(); at += 6)
        settings.push_back({readU16(payload.substr(at, 2)), readU32(payload.substr(at + 2, 4))});
    if (ack && !m_pendingLimits.empty()) {
        // This sender now uses the limits its peer asked for, including smaller ones.
        const PendingLimits limits = m_pendingLimits.front();
        m_pendingLimits.pop_front();
        if (limits.maxFrameSize)
            m_maxFrameSize = *limits.maxFrameSize;
        if (limits.headerTableSize) {
            m_headerTableSize = *limits.headerTableSize;
            applyHeaderTableSize(m_headerTableSize);
        }
    }
    if (m_handlers.settings)
        m_handlers.settings(ack, settings);
    return success();
}

void Http2FrameParser::peerSettings(const std::vector<Http2Setting> &settings)
{
    PendingLimits limits;
    for (const Http2Setting &setting : settings) {
        if (setting.id == http2settings::kHeaderTableSize)
            limits.headerTableSize = setting.value;
        else if (setting.id == http2settings::kMaxFrameSize)
            limits.maxFrameSize =
                std::clamp(setting.value, kDefaultMaxFrameSize, kLargestMaxFrameSize);
    }
    // One entry per SETTINGS, limits or not, since each ACK answers one. Bounded: a sender
    // that never acks must not grow this without end.
    if (m_pendingLimits.size() < 64)
        m_pendingLimits.push_back(limits);
    if (limits.maxFrameSize && *limits.maxFrameSize > m_maxFrameSize)
        m_maxFrameSize = *limits.maxFrameSize;
    if (limits.headerTableSize && *limits.headerTableSize > m_headerTableSize) {
        m_headerTableSize = *limits.headerTableSize;
        if (!m_block)
            applyHeaderTableSize(m_headerTableSize);
    }
}

void Http2FrameParser::applyHeaderTableSize(std::uint32_t size)
{
    // Only fails mid-block (NGHTTP2_ERR_INVALID_STATE), which the callers avoid.
    if (m_inflater && m_state != State::Failed)
        (void)nghttp2_hd_inflate_change_table_size(m_inflater, size);
}

Status Http2FrameParser::onFixedLength(std::string_view payload)
{
    const auto type = static_cast<Http2FrameType>(m_header.type);
    const std::size_t expected = type == Http2FrameType::Priority ? 5
                                 : type == Http2FrameType::Ping   ? 8
                                                                  : 4;
    if (payload.size() != expected)
        return fail(frameName(m_header) + ": length " + std::to_string(payload.size()) + " where " +
                    std::to_string(expected) + " is required");
    const bool connectionLevel = type == Http2FrameType::Ping;
    const bool streamLevel = type == Http2FrameType::Priority || type == Http2FrameType::RstStream;
    if (connectionLevel && m_header.streamId != 0)
        return fail(frameName(m_header) + ": PING must be on stream 0");
    if (streamLevel && m_header.streamId == 0)
        return fail(frameName(m_header) + ": must not be on stream 0");
    switch (type) {
    case Http2FrameType::RstStream:
        if (m_handlers.rstStream)
            m_handlers.rstStream(m_header.streamId, readU32(payload));
        break;
    case Http2FrameType::Ping:
        if (m_handlers.ping)
            m_handlers.ping(m_header.flags & http2flags::kAck, payload);
        break;
    case Http2FrameType::WindowUpdate:
        if (m_handlers.windowUpdate)
            m_handlers.windowUpdate(m_header.streamId, readU32(payload) & 0x7fffffffu);
        break;
    default:
        break; // PRIORITY: deprecated by RFC 9113 and irrelevant to what is said
    }
    return success();
}

Status Http2FrameParser::onGoAway(std::string_view payload)
{
    if (m_header.streamId != 0)
        return fail(frameName(m_header) + ": GOAWAY must be on stream 0");
    if (payload.size() < 8)
        return fail(frameName(m_header) + ": length " + std::to_string(payload.size()) +
                    " is shorter than the 8 bytes of GOAWAY's fixed fields");
    if (m_handlers.goAway)
        m_handlers.goAway(readU32(payload) & 0x7fffffffu, readU32(payload.substr(4)),
                          payload.substr(8));
    return success();
}

void Http2FrameParser::Pair::setHandlers(Handlers fromClient, Handlers fromServer)
{
    const auto route = [](Handlers &handlers, Http2FrameParser &other) {
        handlers.settings = [&other, own = std::move(handlers.settings)](
                                bool ack, const std::vector<Http2Setting> &settings) {
            if (!ack)
                other.peerSettings(settings);
            if (own)
                own(ack, settings);
        };
    };
    route(fromClient, server);
    route(fromServer, client);
    client.setHandlers(std::move(fromClient));
    server.setHandlers(std::move(fromServer));
}

} // namespace flowlab
