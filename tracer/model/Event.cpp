#include "tracer/model/Event.h"

#include <array>
#include <ctime>
#include <stdexcept>

namespace flowlab {

namespace {

constexpr std::array<std::pair<EventKind, std::string_view>, 15> kKindNames{{
    {EventKind::Command, "command"},
    {EventKind::Api, "api"},
    {EventKind::Audit, "audit"},
    {EventKind::Grpc, "grpc"},
    {EventKind::Store, "store"},
    {EventKind::Reconcile, "reconcile"},
    {EventKind::Schedule, "schedule"},
    {EventKind::Process, "process"},
    {EventKind::Syscall, "syscall"},
    {EventKind::Netlink, "netlink"},
    {EventKind::Rule, "rule"},
    {EventKind::Packet, "packet"},
    {EventKind::Conntrack, "conntrack"},
    {EventKind::Dns, "dns"},
    {EventKind::Log, "log"},
}};

} // namespace

std::string_view toString(EventKind kind)
{
    for (const auto &[k, name] : kKindNames)
        if (k == kind)
            return name;
    return "log";
}

std::optional<EventKind> eventKindFromString(std::string_view name)
{
    for (const auto &[k, n] : kKindNames)
        if (n == name)
            return k;
    return std::nullopt;
}

void to_json(nlohmann::json &j, const EventSource &source)
{
    j = nlohmann::json{{"component", source.component}};
    if (!source.node.empty())
        j["node"] = source.node;
    if (source.pid != 0)
        j["pid"] = source.pid;
    if (!source.netns.empty())
        j["netns"] = source.netns;
}

void from_json(const nlohmann::json &j, EventSource &source)
{
    source.component = j.at("component").get<std::string>();
    source.node = j.value("node", "");
    source.pid = j.value("pid", 0);
    source.netns = j.value("netns", "");
}

void to_json(nlohmann::json &j, const Event &event)
{
    j = nlohmann::json{
        {"seq", event.seq},       {"ts_ns", event.monotonicNs}, {"kind", toString(event.kind)},
        {"source", event.source}, {"summary", event.summary},   {"attrs", event.attributes},
    };
    if (!event.links.empty())
        j["links"] = event.links;
}

void from_json(const nlohmann::json &j, Event &event)
{
    event.seq = j.at("seq").get<std::uint64_t>();
    event.monotonicNs = j.at("ts_ns").get<std::int64_t>();
    const auto kindName = j.at("kind").get<std::string>();
    const auto kind = eventKindFromString(kindName);
    if (!kind)
        throw std::invalid_argument("unknown event kind \"" + kindName + "\"");
    event.kind = *kind;
    event.source = j.at("source").get<EventSource>();
    event.summary = j.at("summary").get<std::string>();
    event.attributes = j.value("attrs", nlohmann::json::object());
    event.links = j.value("links", std::vector<std::uint64_t>{});
}

Event eventFromJson(nlohmann::json &&j)
{
    nlohmann::json attributes = nlohmann::json::object();
    if (auto it = j.find("attrs"); it != j.end()) {
        attributes = std::move(*it);
        j.erase(it);
    }
    Event event = j.get<Event>();
    event.attributes = std::move(attributes);
    return event;
}

std::int64_t monotonicNowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace flowlab
