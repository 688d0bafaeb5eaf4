#include "engine/kube/controllers/EventRecorder.h"

#include <cstdio>
#include <spdlog/spdlog.h>

namespace flowlab::kube {

namespace {

constexpr auto kAggregationWindow = std::chrono::minutes(10);
constexpr std::size_t kMaxRemembered = 4096;

} // namespace

EventRecorder::EventRecorder(KubeClient &client)
    : m_client(client)
{}

Json EventRecorder::newEvent(const std::string &component, const ResourceInfo &resource,
                             const Json &object, const EventNote &note, TimePoint now)
{
    // Events about cluster-scoped objects (nodes, namespaces) live in "default", as the real
    // recorder puts them.
    const std::string ns = resource.namespaced ? namespaceOf(object) : "default";
    // The real recorder's name: the object's name and the time in nanoseconds, in hex.
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".%llx",
                  static_cast<unsigned long long>(now.time_since_epoch().count()));
    const std::string stamp = toRfc3339(now);
    Json involved = {{"kind", resource.kind},
                     {"name", nameOf(object)},
                     {"uid", uidOf(object)},
                     {"apiVersion", resource.apiVersion()},
                     {"resourceVersion", stringAt(object, {"metadata", "resourceVersion"})}};
    if (resource.namespaced)
        involved["namespace"] = namespaceOf(object);
    return {{"apiVersion", "v1"},
            {"kind", "Event"},
            {"metadata", {{"name", nameOf(object) + suffix}, {"namespace", ns}}},
            {"involvedObject", involved},
            {"reason", note.reason},
            {"message", note.message},
            {"source", {{"component", component}}},
            {"firstTimestamp", stamp},
            {"lastTimestamp", stamp},
            {"count", 1},
            {"type", note.type},
            {"eventTime", nullptr},
            {"reportingComponent", component},
            {"reportingInstance", ""}};
}

void EventRecorder::record(const std::string &component, const ResourceInfo &resource,
                           const Json &object, const EventNote &note)
{
    const TimePoint now = std::chrono::system_clock::now();
    const std::string key = component + "\n" + uidOf(object) + "\n" + note.type + "\n" +
                            note.reason + "\n" + note.message;
    const ResourceInfo &events = builtinResource("", "events");
    auto seen = m_seen.find(key);
    if (seen != m_seen.end() && now - seen->second.last < kAggregationWindow) {
        Seen &repeat = seen->second;
        ++repeat.count;
        repeat.last = now;
        const Json patch = {{"count", repeat.count}, {"lastTimestamp", toRfc3339(now)}};
        m_client.patch(events, repeat.ns, repeat.name, patch, "application/merge-patch+json",
                       [](const ClientResult &result) {
                           if (!result.ok())
                               spdlog::warn("updating an event: {}", result.message());
                       });
        return;
    }
    if (m_seen.size() > kMaxRemembered)
        m_seen.clear();
    Json event = newEvent(component, resource, object, note, now);
    m_seen[key] = {event["metadata"]["namespace"], event["metadata"]["name"], 1,
                   event["firstTimestamp"], now};
    const std::string ns = event["metadata"]["namespace"];
    m_client.create(events, ns, event, [reason = note.reason](const ClientResult &result) {
        // An event that cannot be written (its namespace is being deleted, say) is lost, as
        // with the real recorder: events are best effort.
        if (!result.ok())
            spdlog::debug("writing event {}: {}", reason, result.message());
    });
}

} // namespace flowlab::kube
