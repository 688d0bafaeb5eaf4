#include "engine/kube/controllers/Time.h"

#include <cstdio>
#include <ctime>

namespace flowlab::kube {

namespace {

std::string format(TimePoint when, bool micro)
{
    const auto seconds = std::chrono::floor<std::chrono::seconds>(when);
    const std::time_t t = std::chrono::system_clock::to_time_t(seconds);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[40];
    std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    if (micro) {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(when - seconds);
        length += std::size_t(std::snprintf(text + length, sizeof text - length, ".%06lld",
                                            static_cast<long long>(us.count())));
    }
    return std::string(text, length) + "Z";
}

bool digits(std::string_view text, std::size_t at, std::size_t count, int &out)
{
    if (at + count > text.size())
        return false;
    out = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        out = out * 10 + (text[i] - '0');
    }
    return true;
}

} // namespace

std::string toRfc3339(TimePoint when)
{
    return format(when, false);
}

std::string toRfc3339Micro(TimePoint when)
{
    return format(when, true);
}

std::optional<TimePoint> parseRfc3339(std::string_view text)
{
    // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
    int year, month, day, hour, minute, second;
    if (text.size() < 20 || !digits(text, 0, 4, year) || text[4] != '-' ||
        !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
        (text[10] != 'T' && text[10] != 't') || !digits(text, 11, 2, hour) || text[13] != ':' ||
        !digits(text, 14, 2, minute) || text[16] != ':' || !digits(text, 17, 2, second))
        return std::nullopt;
    std::size_t at = 19;
    std::chrono::microseconds fraction{0};
    if (at < text.size() && text[at] == '.') {
        long long scale = 100000, value = 0;
        for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, scale /= 10)
            if (scale > 0)
                value += (text[at] - '0') * scale;
        fraction = std::chrono::microseconds(value);
    }
    int offsetMinutes = 0;
    if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
        ++at;
    } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
        int hours, minutes;
        if (!digits(text, at + 1, 2, hours) || at + 3 >= text.size() || text[at + 3] != ':' ||
            !digits(text, at + 4, 2, minutes))
            return std::nullopt;
        offsetMinutes = (text[at] == '-' ? -1 : 1) * (hours * 60 + minutes);
        at += 6;
    } else {
        return std::nullopt;
    }
    if (at != text.size())
        return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year(year),
                                           std::chrono::month(unsigned(month)),
                                           std::chrono::day(unsigned(day))};
    if (!date.ok())
        return std::nullopt;
    return TimePoint(std::chrono::sys_days(date)) + std::chrono::hours(hour) +
           std::chrono::minutes(minute - offsetMinutes) + std::chrono::seconds(second) + fraction;
}

} // namespace flowlab::kube
