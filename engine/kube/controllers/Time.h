#pragma once

// Kubernetes timestamps: RFC 3339 in UTC, to the second for metav1.Time
// ("2024-05-01T10:00:00Z") and to the microsecond for MicroTime (a Lease's renewTime).
// Controllers take "now" as a parameter, so that their decisions can be tested at any time.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace flowlab::kube {

using TimePoint = std::chrono::system_clock::time_point;

// "2024-05-01T10:00:00Z", as metav1.Time is written (whole seconds).
std::string toRfc3339(TimePoint when);
// "2024-05-01T10:00:00.123456Z", as metav1.MicroTime is written (events, leases).
std::string toRfc3339Micro(TimePoint when);
// Either form, with "Z" or a "+01:00" offset. Nothing for anything else.
std::optional<TimePoint> parseRfc3339(std::string_view text);

} // namespace flowlab::kube
