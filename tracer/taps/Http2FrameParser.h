#pragma once

// Incremental HTTP/2 framing (RFC 9113) of one direction of a connection, for the taps. It reads
// the client connection preface, then frames, over whatever slices the socket delivers, and
// reports each frame's content. Header blocks (HEADERS or PUSH_PROMISE, then CONTINUATION) are
// decoded with libnghttp2's HPACK inflater: HPACK keeps a dynamic table per direction per
// connection, so every direction needs its own parser, fed every byte in order.
//
// It only watches. It checks what it needs to read frames safely (lengths, padding, the order
// of CONTINUATION frames) and reports the first malformed byte once, as an error naming the
// offset; later input is ignored, and the tap keeps forwarding undecoded.

#include "tracer/base/Result.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct nghttp2_hd_inflater; // libnghttp2, kept out of this header

namespace flowlab {

enum class Http2FrameType : std::uint8_t {
    Data = 0x0,
    Headers = 0x1,
    Priority = 0x2,
    RstStream = 0x3,
    Settings = 0x4,
    PushPromise = 0x5,
    Ping = 0x6,
    GoAway = 0x7,
    WindowUpdate = 0x8,
    Continuation = 0x9,
};

// Frame flags; each type uses a subset (ACK shares END_STREAM's bit on SETTINGS and PING).
namespace http2flags {
constexpr std::uint8_t kEndStream = 0x1;
constexpr std::uint8_t kAck = 0x1;
constexpr std::uint8_t kEndHeaders = 0x4;
constexpr std::uint8_t kPadded = 0x8;
constexpr std::uint8_t kPriority = 0x20;
} // namespace http2flags

// SETTINGS identifiers (RFC 9113 section 6.5.2).
namespace http2settings {
constexpr std::uint16_t kHeaderTableSize = 0x1;
constexpr std::uint16_t kEnablePush = 0x2;
constexpr std::uint16_t kMaxConcurrentStreams = 0x3;
constexpr std::uint16_t kInitialWindowSize = 0x4;
constexpr std::uint16_t kMaxFrameSize = 0x5;
constexpr std::uint16_t kMaxHeaderListSize = 0x6;
} // namespace http2settings

// "HEADERS"; a type this parser does not know prints as "0xb", never guessed.
std::string http2FrameTypeName(std::uint8_t type);
// "CANCEL" for RST_STREAM and GOAWAY error codes; unknown codes print as "0x...".
std::string http2ErrorCodeName(std::uint32_t code);
// "HEADER_TABLE_SIZE"; unknown identifiers print as "0x...".
std::string http2SettingName(std::uint16_t id);

// The client's first 24 bytes on every HTTP/2 connection.
inline constexpr std::string_view kHttp2ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

struct Http2FrameHeader
{
    std::uint32_t length = 0; // payload bytes, 24 bits on the wire
    std::uint8_t type = 0;
    std::uint8_t flags = 0;
    std::uint32_t streamId = 0; // the reserved bit cleared
};

struct Http2Header
{
    std::string name;
    std::string value;
};

// A decoded header block, in wire order. Names are lower case, as HTTP/2 requires.
struct Http2HeaderBlock
{
    std::uint32_t streamId = 0;
    std::vector<Http2Header> headers;
    bool endStream = false;               // the HEADERS frame carried END_STREAM
    std::optional<std::uint32_t> promise; // PUSH_PROMISE: the promised stream
    bool truncated = false;               // fields past kMaxHeaderBytes were decoded, not kept

    // The first value of `name` (exact match; HTTP/2 names are lower case).
    std::optional<std::string> value(std::string_view name) const;
};

struct Http2Setting
{
    std::uint16_t id = 0;
    std::uint32_t value = 0;
};

enum class Http2Direction {
    ClientToServer, // starts with the connection preface
    ServerToClient,
};

std::string_view toString(Http2Direction direction); // "client→server", "server→client"

class Http2FrameParser
{
public:
    static constexpr std::uint32_t kDefaultMaxFrameSize = 16384;
    static constexpr std::uint32_t kDefaultHeaderTableSize = 4096;
    // Header bytes (names and values) kept per block; the rest is decoded for HPACK's sake only.
    static constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

    enum class State { Preface, FrameHeader, FramePayload, Failed };

    struct Handlers
    {
        // Every complete frame, before the handler for its type.
        std::function<void(const Http2FrameHeader &)> frame;
        // A complete header block (HEADERS or PUSH_PROMISE through END_HEADERS).
        std::function<void(const Http2HeaderBlock &)> headers;
        // DATA payload without padding; may be empty (a bare END_STREAM).
        std::function<void(std::uint32_t streamId, std::string_view data, bool endStream)> data;
        std::function<void(std::uint32_t streamId, std::uint32_t errorCode)> rstStream;
        // SETTINGS from this direction's sender; an ACK has no values.
        std::function<void(bool ack, const std::vector<Http2Setting> &)> settings;
        std::function<void(std::uint32_t lastStreamId, std::uint32_t errorCode,
                           std::string_view debugData)>
            goAway;
        std::function<void(bool ack, std::string_view opaque)> ping;
        std::function<void(std::uint32_t streamId, std::uint32_t increment)> windowUpdate;
    };

    explicit Http2FrameParser(Http2Direction direction);
    ~Http2FrameParser();
    Http2FrameParser(const Http2FrameParser &) = delete;
    Http2FrameParser &operator=(const Http2FrameParser &) = delete;

    void setHandlers(Handlers handlers) { m_handlers = std::move(handlers); }

    // Parses `bytes`. An error names the problem and the byte offset in this direction; the
    // parser then stays Failed and returns that error for later input without reading it.
    Status feed(std::string_view bytes);

    // The other direction's sender announced `settings` (its SETTINGS frame, not an ACK). They
    // limit what this direction's sender may do once it acknowledges them: HEADER_TABLE_SIZE
    // bounds its HPACK encoder, MAX_FRAME_SIZE its frames. Larger limits apply at once (a
    // watcher gains nothing by being strict), smaller ones at this direction's next SETTINGS
    // ACK, which is when the sender applied them.
    void peerSettings(const std::vector<Http2Setting> &settings);

    Http2Direction direction() const { return m_direction; }
    State state() const { return m_state; }
    const std::optional<Error> &error() const { return m_error; }
    std::uint64_t bytesParsed() const { return m_offset; }
    std::uint64_t framesParsed() const { return m_frames; }
    std::uint32_t maxFrameSize() const { return m_maxFrameSize; }
    std::uint32_t headerTableSizeLimit() const { return m_headerTableSize; }
    // True between a HEADERS/PUSH_PROMISE without END_HEADERS and its last CONTINUATION.
    bool inHeaderBlock() const { return m_block.has_value(); }

    // The two directions of one connection, with each one's SETTINGS passed to the other.
    struct Pair;

private:
    struct PendingLimits
    {
        std::optional<std::uint32_t> headerTableSize;
        std::optional<std::uint32_t> maxFrameSize;
    };

    Status fail(const std::string &what);
    Status frameComplete(std::string_view payload);
    Status onData(std::string_view payload);
    Status onHeaders(std::string_view payload);
    Status onPushPromise(std::string_view payload);
    Status onContinuation(std::string_view payload);
    Status onSettings(std::string_view payload);
    Status onFixedLength(std::string_view payload);
    Status onGoAway(std::string_view payload);
    Status inflate(std::string_view fragment, bool final);
    void applyHeaderTableSize(std::uint32_t size);
    // `payload` without its Pad Length byte and padding, or an error if the padding does not fit.
    Result<std::string_view> unpad(std::string_view payload, std::size_t fixedFields);

    Http2Direction m_direction;
    Handlers m_handlers;
    State m_state;
    std::optional<Error> m_error;
    nghttp2_hd_inflater *m_inflater = nullptr;

    std::string m_buffer; // the preface, a frame header, or a payload while it is incomplete
    Http2FrameHeader m_header;
    std::uint64_t m_offset = 0;      // bytes consumed in this direction
    std::uint64_t m_frameOffset = 0; // where the current frame started
    std::uint64_t m_frames = 0;

    // The header block being read, until END_HEADERS.
    std::optional<Http2HeaderBlock> m_block;
    std::size_t m_blockBytes = 0;

    std::uint32_t m_maxFrameSize = kDefaultMaxFrameSize;
    std::uint32_t m_headerTableSize = kDefaultHeaderTableSize;
    std::deque<PendingLimits> m_pendingLimits; // peer SETTINGS this sender has not acked yet
};

// Both directions of one HTTP/2 connection: each side's SETTINGS reach the other side's parser
// (see peerSettings()), as HPACK needs.
struct Http2FrameParser::Pair
{
    Http2FrameParser client{Http2Direction::ClientToServer};
    Http2FrameParser server{Http2Direction::ServerToClient};

    // Handlers for what the client sends and what the server sends. A settings handler given
    // here still runs, after the value reached the other direction.
    void setHandlers(Handlers fromClient, Handlers fromServer);
};

} // namespace flowlab
