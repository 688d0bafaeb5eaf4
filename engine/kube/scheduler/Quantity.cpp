#include "engine/kube/scheduler/Quantity.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

namespace flowlab::kube::scheduling {

namespace {

using u128 = unsigned __int128;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
// 10^38 < 2^128: more digits than this cannot be held exactly, and no real request has them.
constexpr int kMaxDigits = 38;

const char *kFormatWrong = "quantities must match the regular expression "
                           "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const char *kSuffixWrong = "unable to parse quantity's suffix";

struct Suffix
{
    std::string_view text;
    int exponent10;
    int exponent2;
};

// The suffixes resource.Quantity knows: binary (Ki = 2^10 ...), decimal SI (m = 10^-3 ...).
constexpr std::array<Suffix, 16> kSuffixes{{
    {"Ki", 0, 10},
    {"Mi", 0, 20},
    {"Gi", 0, 30},
    {"Ti", 0, 40},
    {"Pi", 0, 50},
    {"Ei", 0, 60},
    {"n", -9, 0},
    {"u", -6, 0},
    {"m", -3, 0},
    {"", 0, 0},
    {"k", 3, 0},
    {"M", 6, 0},
    {"G", 9, 0},
    {"T", 12, 0},
    {"P", 15, 0},
    {"E", 18, 0},
}};

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// Multiplies, saturating: returns false once the result no longer fits.
bool multiply(u128 &value, u128 factor)
{
    if (value != 0 && factor > std::numeric_limits<u128>::max() / value)
        return false;
    value *= factor;
    return true;
}

} // namespace

Result<Quantity> Quantity::parse(std::string_view text)
{
    // The number: an optional sign, digits, an optional '.', digits.
    std::size_t at = 0;
    Quantity quantity;
    if (at < text.size() && (text[at] == '+' || text[at] == '-'))
        quantity.m_negative = text[at++] == '-';
    std::size_t digitCount = 0;
    int significantDigits = 0;
    bool seenPoint = false;
    for (; at < text.size() && (isDigit(text[at]) || (text[at] == '.' && !seenPoint)); ++at) {
        if (text[at] == '.') {
            seenPoint = true;
            continue;
        }
        ++digitCount;
        const int digit = text[at] - '0';
        if (significantDigits == 0 && digit == 0) {
            if (seenPoint)
                --quantity.m_exponent10; // "0.05": zeros after the point only shift it
            continue;
        }
        if (significantDigits < kMaxDigits) {
            quantity.m_digits = quantity.m_digits * 10 + u128(digit);
            ++significantDigits;
            if (seenPoint)
                --quantity.m_exponent10;
        } else if (!seenPoint) {
            // Beyond what 128 bits hold exactly: keep the magnitude, drop the digit. (Fraction
            // digits that far down are far below anything the scheduler counts.)
            ++quantity.m_exponent10;
        }
    }
    if (digitCount == 0)
        return Error(kFormatWrong);

    // The suffix: one of the table's, or a decimal exponent ("e3", "E-2").
    const std::string_view suffix = text.substr(at);
    for (const Suffix &known : kSuffixes) {
        if (suffix == known.text) {
            quantity.m_exponent10 += known.exponent10;
            quantity.m_exponent2 += known.exponent2;
            return quantity;
        }
    }
    if (suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
        std::string_view exponent = suffix.substr(1);
        if (exponent.front() == '+')
            exponent.remove_prefix(1);
        int value = 0;
        const auto [end, error] =
            std::from_chars(exponent.data(), exponent.data() + exponent.size(), value);
        if (error == std::errc() && end == exponent.data() + exponent.size()) {
            // Past 10^±1000 every answer is the same (saturated, or rounded up to 1), and the
            // exponent stays far from overflowing.
            quantity.m_exponent10 += std::clamp(value, -1000, 1000);
            return quantity;
        }
    }
    // What the regular expression allows but no suffix means ("5K") is a suffix error;
    // anything else ("1Mx") a format error, as the Go parser tells them apart.
    for (char c : suffix)
        if (!isDigit(c) && c != '+' && c != '-' &&
            std::string_view("eEinumkKMGTP").find(c) == std::string_view::npos)
            return Error(kFormatWrong);
    return Error(kSuffixWrong);
}

std::int64_t Quantity::scaled(int extraPowerOfTen) const
{
    if (m_digits == 0)
        return 0;
    // Binary suffixes only ever multiply, so the power of two is never negative.
    u128 value = m_digits;
    for (int i = 0; i < m_exponent2; ++i)
        if (!multiply(value, 2))
            return m_negative ? -kMax : kMax;
    const int exponent10 = m_exponent10 + extraPowerOfTen;
    if (exponent10 >= 0) {
        for (int i = 0; i < exponent10; ++i)
            if (!multiply(value, 10))
                return m_negative ? -kMax : kMax;
    } else {
        // Divide, rounding away from zero: any remainder makes it one more.
        bool remainder = false;
        for (int i = 0; i < -exponent10 && value != 0; ++i) {
            remainder = remainder || value % 10 != 0;
            value /= 10;
        }
        if (remainder)
            ++value;
    }
    if (value > u128(kMax))
        return m_negative ? -kMax : kMax;
    return m_negative ? -std::int64_t(value) : std::int64_t(value);
}

std::int64_t schedulingAmount(std::string_view resourceName, const Quantity &quantity)
{
    return resourceName == "cpu" ? quantity.milliValue() : quantity.value();
}

} // namespace flowlab::kube::scheduling
