#pragma once

// What gRPC adds on top of HTTP/2 (see grpc/doc/PROTOCOL-HTTP2.md): the method path, the
// length-prefixed messages in DATA frames, status codes and their names, grpc-timeout and the
// percent-encoded grpc-message. Names come from tables, as strace does it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab {

// Reads the messages of one direction of one call, in whatever slices DATA frames bring them:
// each is 1 byte compressed flag, 4 bytes big-endian length, then the message. Counts them all
// and keeps a bounded copy of the first, for decoding.
class GrpcMessageReader
{
public:
    static constexpr std::size_t kDefaultKeep = 64 * 1024;
    static constexpr std::size_t kSizesKept = 16;

    struct FirstMessage
    {
        std::string bytes; // its first `keep` bytes
        std::uint32_t length = 0;
        bool compressed = false;
        bool complete =
            false; // every byte arrived (bytes may still be a prefix if longer than keep)
    };

    explicit GrpcMessageReader(std::size_t keep = kDefaultKeep);

    void feed(std::string_view data);

    std::uint64_t messages() const { return m_messages; }         // complete messages
    std::uint64_t messageBytes() const { return m_messageBytes; } // their lengths, summed
    std::uint64_t wireBytes() const { return m_wireBytes; }       // DATA bytes, prefixes included
    bool inMessage() const { return !m_prefix.empty() || m_left > 0; } // stopped mid-message
    const std::optional<FirstMessage> &first() const { return m_first; }
    const std::vector<std::uint32_t> &sizes() const { return m_sizes; } // the first kSizesKept

private:
    std::size_t m_keep;
    std::string m_prefix; // the 5-byte prefix while incomplete
    std::uint64_t m_left = 0;
    bool m_inFirst = false;
    std::uint64_t m_messages = 0;
    std::uint64_t m_messageBytes = 0;
    std::uint64_t m_wireBytes = 0;
    std::optional<FirstMessage> m_first;
    std::vector<std::uint32_t> m_sizes;
};

// "NotFound", as Go's codes.Code prints it and as dockerd's errors quote it
// ("rpc error: code = NotFound desc = ..."); unknown codes print as "Code(17)".
std::string grpcStatusName(int code);
// "NOT_FOUND", the name in the gRPC specification; unknown codes print as "17".
std::string grpcStatusConstant(int code);

// grpc-message is percent-encoded UTF-8; malformed escapes are kept as they are.
std::string decodeGrpcMessageHeader(std::string_view value);

// grpc-timeout ("100m", "5S", "1H") in milliseconds; nullopt when malformed.
std::optional<double> parseGrpcTimeoutMs(std::string_view value);

struct GrpcMethodPath
{
    std::string service; // "containerd.services.tasks.v1.Tasks"
    std::string method;  // "Create"
};
// Splits "/containerd.services.tasks.v1.Tasks/Create"; nullopt when it is not /service/method.
std::optional<GrpcMethodPath> splitGrpcPath(std::string_view path);

// Methods known to stream (containerd's and gRPC health's), so that a stream is marked as one
// even before, or without, a second message.
bool isKnownStreamingGrpcMethod(std::string_view path);

} // namespace flowlab
