#include "tracer/taps/GrpcWire.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace flowlab {

namespace {

constexpr std::size_t kPrefixSize = 5;

struct StatusName
{
    std::string_view go;
    std::string_view constant;
};

// grpc/doc/statuscodes.md, in code order.
constexpr std::array<StatusName, 17> kStatusNames{{
    {"OK", "OK"},
    {"Canceled", "CANCELLED"},
    {"Unknown", "UNKNOWN"},
    {"InvalidArgument", "INVALID_ARGUMENT"},
    {"DeadlineExceeded", "DEADLINE_EXCEEDED"},
    {"NotFound", "NOT_FOUND"},
    {"AlreadyExists", "ALREADY_EXISTS"},
    {"PermissionDenied", "PERMISSION_DENIED"},
    {"ResourceExhausted", "RESOURCE_EXHAUSTED"},
    {"FailedPrecondition", "FAILED_PRECONDITION"},
    {"Aborted", "ABORTED"},
    {"OutOfRange", "OUT_OF_RANGE"},
    {"Unimplemented", "UNIMPLEMENTED"},
    {"Internal", "INTERNAL"},
    {"Unavailable", "UNAVAILABLE"},
    {"DataLoss", "DATA_LOSS"},
    {"Unauthenticated", "UNAUTHENTICATED"},
}};

// From containerd's api/services/*/v1/*.proto and grpc/health/v1/health.proto: every method
// declared with `stream` on either side.
constexpr std::array<std::string_view, 8> kStreamingMethods{
    "/containerd.services.events.v1.Events/Subscribe",
    "/containerd.services.content.v1.Content/List",
    "/containerd.services.content.v1.Content/Read",
    "/containerd.services.content.v1.Content/Write",
    "/containerd.services.containers.v1.Containers/ListStream",
    "/containerd.services.snapshots.v1.Snapshots/List",
    "/containerd.services.streaming.v1.Streaming/Stream",
    "/grpc.health.v1.Health/Watch",
};

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

GrpcMessageReader::GrpcMessageReader(std::size_t keep)
    : m_keep(keep)
{}

void GrpcMessageReader::feed(std::string_view data)
{
    m_wireBytes += data.size();
    while (!data.empty()) {
        if (m_left == 0) {
            const std::size_t take = std::min(data.size(), kPrefixSize - m_prefix.size());
            m_prefix.append(data.substr(0, take));
            data.remove_prefix(take);
            if (m_prefix.size() < kPrefixSize)
                return;
            const auto at = [&](std::size_t i) {
                return std::uint32_t(static_cast<unsigned char>(m_prefix[i]));
            };
            const std::uint32_t length = (at(1) << 24) | (at(2) << 16) | (at(3) << 8) | at(4);
            const bool compressed = at(0) & 1;
            m_prefix.clear();
            m_messageBytes += length;
            if (m_sizes.size() < kSizesKept)
                m_sizes.push_back(length);
            m_inFirst = !m_first;
            if (m_inFirst)
                m_first = FirstMessage{{}, length, compressed, false};
            m_left = length;
            if (m_left == 0) {
                ++m_messages;
                if (m_inFirst)
                    m_first->complete = true;
                m_inFirst = false;
            }
            continue;
        }
        const std::size_t take = std::size_t(std::min<std::uint64_t>(data.size(), m_left));
        if (m_inFirst && m_first->bytes.size() < m_keep)
            m_first->bytes.append(data.substr(0, std::min(take, m_keep - m_first->bytes.size())));
        data.remove_prefix(take);
        m_left -= take;
        if (m_left == 0) {
            ++m_messages;
            if (m_inFirst)
                m_first->complete = true;
            m_inFirst = false;
        }
    }
}

std::string grpcStatusName(int code)
{
    if (code >= 0 && std::size_t(code) < kStatusNames.size())
        return std::string(kStatusNames[std::size_t(code)].go);
    return "Code(" + std::to_string(code) + ")";
}

std::string grpcStatusConstant(int code)
{
    if (code >= 0 && std::size_t(code) < kStatusNames.size())
        return std::string(kStatusNames[std::size_t(code)].constant);
    return std::to_string(code);
}

std::string decodeGrpcMessageHeader(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '%' && i + 2 < value.size()) {
            const int high = hexValue(value[i + 1]);
            const int low = hexValue(value[i + 2]);
            if (high >= 0 && low >= 0) {
                out += static_cast<char>(high * 16 + low);
                i += 2;
                continue;
            }
        }
        out += value[i];
    }
    return out;
}

std::optional<double> parseGrpcTimeoutMs(std::string_view value)
{
    // At most 8 digits and a unit (PROTOCOL-HTTP2.md: TimeoutValue → {positive integer as
    // ASCII string of at most 8 digits}).
    if (value.size() < 2 || value.size() > 9)
        return std::nullopt;
    double amount = 0;
    for (char c : value.substr(0, value.size() - 1)) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return std::nullopt;
        amount = amount * 10 + (c - '0');
    }
    switch (value.back()) {
    case 'H':
        return amount * 3600'000;
    case 'M':
        return amount * 60'000;
    case 'S':
        return amount * 1000;
    case 'm':
        return amount;
    case 'u':
        return amount / 1000;
    case 'n':
        return amount / 1'000'000;
    default:
        return std::nullopt;
    }
}

std::optional<GrpcMethodPath> splitGrpcPath(std::string_view path)
{
    if (path.size() < 4 || path.front() != '/')
        return std::nullopt;
    const std::size_t slash = path.find('/', 1);
    if (slash == std::string_view::npos || slash == 1 || slash + 1 == path.size() ||
        path.find('/', slash + 1) != std::string_view::npos)
        return std::nullopt;
    return GrpcMethodPath{std::string(path.substr(1, slash - 1)),
                          std::string(path.substr(slash + 1))};
}

bool isKnownStreamingGrpcMethod(std::string_view path)
{
    return std::find(kStreamingMethods.begin(), kStreamingMethods.end(), path) !=
           kStreamingMethods.end();
}

} // namespace flowlab
