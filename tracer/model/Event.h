#pragma once

// One piece of evidence captured during a run. See DESIGN.md, "Evidence kinds", and
// tracer/model/SCHEMA.md for the JSON form.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab {

enum class EventKind {
    Command,
    Api,
    Audit,
    Grpc,
    Store,
    Reconcile,
    Schedule,
    Process,
    Syscall,
    Netlink,
    Rule,
    Packet,
    Conntrack,
    Dns,
    Log,
};

std::string_view toString(EventKind kind);
std::optional<EventKind> eventKindFromString(std::string_view name);

// Where an event happened: the component (e.g. "dockerd"), the lab node it runs on
// (e.g. "flowlab-docker"), and the process and network namespace when known.
struct EventSource
{
    std::string component;
    std::string node;
    int pid = 0;
    std::string netns;

    bool operator==(const EventSource &) const = default;
};

struct Event
{
    std::uint64_t seq = 0;        // assigned by the EventLog, starts at 1
    std::int64_t monotonicNs = 0; // CLOCK_MONOTONIC, assigned by the EventLog if left 0
    EventKind kind = EventKind::Log;
    EventSource source;
    std::string summary; // one line, for lists and the console
    nlohmann::json attributes = nlohmann::json::object();
    std::vector<std::uint64_t> links; // seqs of related events, e.g. a response links its request
};

void to_json(nlohmann::json &j, const EventSource &source);
void from_json(const nlohmann::json &j, EventSource &source);
void to_json(nlohmann::json &j, const Event &event);
void from_json(const nlohmann::json &j, Event &event);
// As from_json, but takes the attributes out of `j` instead of copying them (large traces).
Event eventFromJson(nlohmann::json &&j);

std::int64_t monotonicNowNs();

} // namespace flowlab
