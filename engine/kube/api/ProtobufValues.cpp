// The JSON forms of the values the protobuf decoder meets: UTF-8 strings, base64 bytes, the
// embedded JSON of a RawExtension, and Kubernetes' time types as Go writes them.

#include "engine/kube/api/ProtobufValues.h"

#include "engine/kube/api/ProtobufCodec.h"

#include <cstdio>

namespace flowlab::kube {

namespace protobuf {

namespace {

constexpr int kMaxEmbeddedJsonDepth = 48;

} // namespace

bool validUtf8(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        int extra = 0;
        std::uint32_t min = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            extra = 1, min = 0x80, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2, min = 0x800, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return false;
        }
        if (text.size() - i <= std::size_t(extra))
            return false;
        for (int k = 1; k <= extra; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (next & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += std::size_t(extra) + 1;
    }
    return true;
}

std::string base64(std::string_view bytes)
{
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16 |
                                std::uint32_t(std::uint8_t(bytes[i + 1])) << 8 |
                                std::uint8_t(bytes[i + 2]);
        for (int shift : {18, 12, 6, 0})
            out += kAlphabet[(n >> shift) & 0x3f];
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16;
        if (rest == 2)
            n |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
        out += kAlphabet[(n >> 18) & 0x3f];
        out += kAlphabet[(n >> 12) & 0x3f];
        out += rest == 2 ? kAlphabet[(n >> 6) & 0x3f] : '=';
        out += '=';
    }
    return out;
}

std::optional<nlohmann::json> parseEmbeddedJson(std::string_view text)
{
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    for (char c : text) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxEmbeddedJsonDepth)
                return std::nullopt;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
    if (document.is_discarded())
        return std::nullopt;
    return document;
}

} // namespace protobuf

namespace {

constexpr std::int64_t kMaxTimeSeconds = 253402300799; // 9999-12-31T23:59:59Z

// Howard Hinnant's civil_from_days: days since 1970-01-01 to a proleptic Gregorian date.
void civilFromDays(std::int64_t days, std::int64_t &year, unsigned &month, unsigned &day)
{
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = unsigned(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    day = doy - (153 * mp + 2) / 5 + 1;
    month = mp < 10 ? mp + 3 : mp - 9;
    year = std::int64_t(yoe) + era * 400 + (month <= 2 ? 1 : 0);
}

} // namespace

Result<std::string> formatKubernetesTime(std::int64_t seconds, std::int32_t nanos, bool micro)
{
    if (seconds < protobuf::kZeroTimeSeconds || seconds > kMaxTimeSeconds)
        return Error("time " + std::to_string(seconds) +
                     "s is outside years 0001..9999, which RFC 3339 can write");
    if (nanos < 0 || nanos > 999'999'999)
        return Error("time has nanos " + std::to_string(nanos) + ", outside 0..999999999");
    std::int64_t days = seconds / 86400;
    std::int64_t rest = seconds % 86400;
    if (rest < 0)
        rest += 86400, --days;
    std::int64_t year = 0;
    unsigned month = 0;
    unsigned day = 0;
    civilFromDays(days, year, month, day);
    char text[40];
    std::snprintf(text, sizeof text, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", (long long)year,
                  month, day, (long long)(rest / 3600), (long long)(rest / 60 % 60),
                  (long long)(rest % 60));
    std::string out = text;
    if (micro) {
        std::snprintf(text, sizeof text, ".%06d", nanos / 1000);
        out += text;
    }
    return out + "Z";
}

std::string formatGoDuration(std::int64_t nanoseconds)
{
    // Go's time.Duration.String, written backwards into a buffer as Go does.
    char buffer[40];
    std::size_t w = sizeof buffer;
    const bool negative = nanoseconds < 0;
    std::uint64_t u = negative ? 0 - std::uint64_t(nanoseconds) : std::uint64_t(nanoseconds);
    auto put = [&](char c) { buffer[--w] = c; };
    // The fraction of v over 10^precision, without trailing zeros; returns v / 10^precision.
    auto fraction = [&](std::uint64_t v, int precision) {
        bool print = false;
        for (int i = 0; i < precision; ++i) {
            const auto digit = char(v % 10);
            print = print || digit != 0;
            if (print)
                put(char('0' + digit));
            v /= 10;
        }
        if (print)
            put('.');
        return v;
    };
    auto integer = [&](std::uint64_t v) {
        do {
            put(char('0' + v % 10));
            v /= 10;
        } while (v > 0);
    };
    constexpr std::uint64_t second = 1'000'000'000;
    if (u < second) {
        put('s');
        int precision = 0;
        if (u == 0)
            return "0s";
        if (u < 1'000) {
            put('n');
        } else if (u < 1'000'000) {
            precision = 3;
            put('\xb5'); // "µ" in UTF-8 is C2 B5, written backwards
            put('\xc2');
        } else {
            precision = 6;
            put('m');
        }
        u = fraction(u, precision);
        integer(u);
    } else {
        put('s');
        u = fraction(u, 9);
        integer(u % 60);
        u /= 60;
        if (u > 0) {
            put('m');
            integer(u % 60);
            u /= 60;
            if (u > 0) {
                put('h');
                integer(u);
            }
        }
    }
    if (negative)
        put('-');
    return std::string(buffer + w, sizeof buffer - w);
}

} // namespace flowlab::kube
