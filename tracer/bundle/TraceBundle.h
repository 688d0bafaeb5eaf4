#pragma once

// A trace bundle: a directory holding
//   trace.json         the events, the steps with their matched evidence, the run (versioned,
//                      see tracer/bundle/SCHEMA.md)
//   capture.pcapng     the packets, one interface per (netns, interface), commented by step
//   trace-events.json  Chrome trace-event format, for Perfetto
//   lesson.json        the lesson that produced it

#include "tracer/base/Result.h"
#include "tracer/lesson/StepMatcher.h"
#include "tracer/model/Event.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace flowlab {

inline constexpr int kTraceFormatVersion = 1;

struct TraceBundle
{
    nlohmann::json lesson = nlohmann::json::object(); // the lesson document as run
    // What ran: lesson id, times, Flowlab version, action windows, capture statistics, and
    // "recording": true when the bundle is replayed rather than live.
    nlohmann::json run = nlohmann::json::object();
    std::vector<Event> events;
    std::vector<StepResult> steps;

    const Event *event(std::uint64_t seq) const;

    Status writeTraceJson(const std::string &path) const;
    static Result<TraceBundle> readTraceJson(const std::string &path);
    // The whole directory: trace.json, trace-events.json and lesson.json (capture.pcapng is
    // written by the capture code, which owns the packet bytes).
    Status writeDirectory(const std::string &dir) const;
};

// Chrome trace-event JSON: a process per component, slices for request/response pairs and
// lesson steps, instant marks for the rest, and flow arrows from cause to effect.
nlohmann::json toTraceEvents(const TraceBundle &bundle);

} // namespace flowlab
