#pragma once

// FIXTURE events for the live-panel tests: hand-written, shaped like what the daemon records
// (their kinds, components and attributes are those of a docker-run recording), with made-up
// seqs and timestamps. Nothing here was captured; every summary ends in "(fixture)".

#include "tracer/model/Event.h"

#include <cstdint>
#include <string>

namespace flowlab::test {

constexpr std::int64_t kMs = 1'000'000;

inline Event fixtureEvent(std::uint64_t seq, std::int64_t ms, EventKind kind, std::string component,
                          std::string summary, nlohmann::json attrs = nlohmann::json::object(),
                          std::vector<std::uint64_t> links = {})
{
    Event event;
    event.seq = seq;
    event.monotonicNs = ms * kMs;
    event.kind = kind;
    event.source.component = std::move(component);
    event.summary = std::move(summary) + " (fixture)";
    event.attributes = std::move(attrs);
    event.links = std::move(links);
    return event;
}

inline Event apiRequest(std::uint64_t seq, std::int64_t ms, const std::string &operation,
                        const std::string &line)
{
    return fixtureEvent(seq, ms, EventKind::Api, "dockerd", line,
                        {{"direction", "request"}, {"operation", operation}});
}

inline Event apiResponse(std::uint64_t seq, std::int64_t ms, const std::string &operation,
                         const std::string &line, std::uint64_t request)
{
    return fixtureEvent(
        seq, ms, EventKind::Api, "dockerd", line,
        {{"direction", "response"}, {"operation", operation}, {"phase", "complete"}}, {request});
}

inline Event grpcStart(std::uint64_t seq, std::int64_t ms, const std::string &path)
{
    return fixtureEvent(seq, ms, EventKind::Grpc, "containerd", "dockerd → containerd: " + path,
                        {{"phase", "start"}, {"path", path}});
}

inline Event exec(std::uint64_t seq, std::int64_t ms, const std::string &component,
                  const std::string &previous, const std::string &program)
{
    return fixtureEvent(seq, ms, EventKind::Process, component, component + ": exec " + program,
                        {{"event", "exec"},
                         {"previous_component", previous},
                         {"argv", nlohmann::json::array({program})}});
}

inline Event syscall(std::uint64_t seq, std::int64_t ms, const std::string &component,
                     const std::string &name, const std::string &comm, const std::string &line)
{
    return fixtureEvent(seq, ms, EventKind::Syscall, component, component + ": " + line,
                        {{"syscall", name}, {"comm", comm}, {"line", line}});
}

} // namespace flowlab::test
