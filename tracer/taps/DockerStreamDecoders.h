#pragma once

// Decoders for the streams Docker sends inside HTTP bodies and hijacked connections. Each is fed
// slices as they arrive and keeps a bounded digest, so a long pull or `logs -f` never grows
// memory, and the error at the end of a failed pull is found even when the body capture is full.

#include <array>
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab {

// `bytes` as JSON-safe text: at most `cap` bytes, invalid UTF-8 replaced by U+FFFD.
std::string printableText(std::string_view bytes, std::size_t cap);

// Progress and event streams (pull, push, build, load, events, stats): one JSON object per line.
class JsonLinesDigest
{
public:
    static constexpr std::size_t kMaxLine = 256 * 1024;

    explicit JsonLinesDigest(std::size_t keepFirst = 32, std::size_t keepLast = 32);

    void feed(std::string_view bytes);
    // The stream ended: a last line without a newline still counts.
    void finish();

    std::size_t messageCount() const { return m_count; }
    std::size_t unparsedLines() const { return m_unparsed; }
    std::size_t omitted() const { return m_count - m_first.size() - m_last.size(); }
    // The kept messages in stream order: the first keepFirst and the last keepLast.
    nlohmann::json messages() const;

    // The first error the stream reported: its "error" string, else "errorDetail.message".
    const std::optional<std::string> &error() const { return m_error; }
    // The whole message that carried the error (null when none).
    const nlohmann::json &errorMessage() const { return m_errorMessage; }

private:
    void line(std::string_view text);

    std::size_t m_keepFirst;
    std::size_t m_keepLast;
    std::string m_partial;
    bool m_skippingLongLine = false;
    std::vector<nlohmann::json> m_first;
    std::deque<nlohmann::json> m_last;
    std::size_t m_count = 0;
    std::size_t m_unparsed = 0;
    std::optional<std::string> m_error;
    nlohmann::json m_errorMessage;
};

// Container stdio as dockerd sends it. With a TTY the bytes are as the process wrote them;
// without one they are multiplexed in frames: an 8-byte header (stream 0 stdin, 1 stdout,
// 2 stderr, 3 systemerr; three zero bytes; big-endian payload length) and the payload.
class StdioStreamDigest
{
public:
    // Auto decides on the first 8 bytes: dockerd labels streams application/vnd.docker.raw-stream
    // even when they are multiplexed for API versions before 1.42.
    enum class Framing { Raw, Multiplexed, Auto };

    // With Raw framing every byte counts as `rawStream` (1 stdout for dockerd's side, 0 stdin
    // for what the client types into a hijacked connection).
    explicit StdioStreamDigest(Framing framing, int rawStream = 1, std::size_t previewCap = 4096);

    void feed(std::string_view bytes);

    Framing framing() const { return m_framing; }
    std::uint64_t totalBytes() const { return m_total + m_sniffed.size(); }
    std::uint64_t frames() const { return m_frames; }
    // Bytes of payload seen on `stream` (0..3).
    std::uint64_t streamBytes(int stream) const { return m_streams.at(stream).bytes; }
    const std::string &streamPreview(int stream) const { return m_streams.at(stream).preview; }
    const std::string &framingError() const { return m_framingError; }

    // {"framing": "multiplexed", "bytes": N, "frames": F, "stdout": {"bytes": n, "text": "..."},
    //  "stderr": {...}}; streams that carried nothing are left out.
    nlohmann::json toJson() const;

private:
    struct Stream
    {
        std::uint64_t bytes = 0;
        std::string preview;
    };
    void payload(int stream, std::string_view bytes);

    Framing m_framing;
    int m_rawStream;
    std::size_t m_previewCap;
    std::array<Stream, 4> m_streams;
    std::uint64_t m_total = 0;
    std::uint64_t m_frames = 0;
    std::string m_sniffed; // Auto: bytes held until the framing is known
    std::string m_header;
    std::uint32_t m_frameLeft = 0;
    int m_frameStream = 1;
    std::string m_framingError;
};

} // namespace flowlab
