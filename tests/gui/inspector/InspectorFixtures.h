#pragma once

// SYNTHETIC events for the inspector tests, added to a copy of the recorded bundle: what the
// Kubernetes lessons will record (a store write, an API response carrying an object), and
// events whose attributes have the wrong types, as a bundle from another tracer version
// could hold. Nothing here was captured; each summary says "synthetic".

#include "tracer/bundle/TraceBundle.h"

#include <string>
#include <vector>

namespace flowlab::test {

inline Event syntheticEvent(std::uint64_t seq, std::int64_t ns, EventKind kind,
                            std::string component, std::string summary, nlohmann::json attrs)
{
    Event event;
    event.seq = seq;
    event.monotonicNs = ns;
    event.kind = kind;
    event.source.component = std::move(component);
    event.summary = std::move(summary);
    event.attributes = std::move(attrs);
    return event;
}

// A Deployment as the apiserver returns it, and the store write behind it.
inline std::vector<Event> kubernetesObjectEvents(std::uint64_t firstSeq, std::int64_t ns)
{
    const nlohmann::json deployment = {
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", {{"name", "nginx"}, {"namespace", "default"}, {"resourceVersion", "42"}}},
        {"spec", {{"replicas", 3}}},
    };
    return {
        syntheticEvent(firstSeq, ns, EventKind::Api, "apiserver",
                       "POST /apis/apps/v1/namespaces/default/deployments → 201 (synthetic)",
                       {{"direction", "response"},
                        {"method", "POST"},
                        {"endpoint", "/apis/apps/v1/namespaces/default/deployments"},
                        {"status", 201},
                        {"reason", "Created"},
                        {"body", deployment}}),
        syntheticEvent(firstSeq + 1, ns + 1000, EventKind::Store, "store",
                       "put /registry/deployments/default/nginx (synthetic)",
                       {{"key", "/registry/deployments/default/nginx"},
                        {"revision", 42},
                        {"op", "put"},
                        {"value", deployment.dump()}}),
    };
}

// Attributes of the wrong type or shape, and bytes that are not UTF-8.
inline std::vector<Event> malformedEvents(std::uint64_t firstSeq, std::int64_t ns)
{
    const std::string notUtf8 = std::string("body \xff\xfe end");
    return {
        syntheticEvent(firstSeq, ns, EventKind::Api, "dockerd", "api with odd types (synthetic)",
                       {{"direction", "response"},
                        {"status", "not a number"},
                        {"body", 5},
                        {"headers", {1, 2}},
                        {"query", "x"},
                        {"error", notUtf8}}),
        syntheticEvent(firstSeq + 1, ns + 1, EventKind::Packet, "network",
                       "packet with odd types (synthetic)",
                       {{"sport", {{"a", 1}}}, {"frame", "seven"}, {"flags", nullptr}}),
        syntheticEvent(firstSeq + 2, ns + 2, EventKind::Syscall, "runc",
                       "syscall without a line (synthetic)",
                       {{"syscall", 12}, {"line", "unshare("}, {"args", "flags"}}),
        syntheticEvent(firstSeq + 3, ns + 3, EventKind::Conntrack, "kernel",
                       "NAT pair naming nothing (synthetic)",
                       {{"nat_pair", true},
                        {"beforePacketSeq", "zz"},
                        {"afterPacketSeq", 999999999},
                        {"changed", "dst"},
                        {"rules", {{{"chain", 3}}}}}),
        syntheticEvent(firstSeq + 4, ns + 4, EventKind::Rule, "iptables",
                       "rule with odd types (synthetic)",
                       {{"rule", {1, 2}}, {"counters", "many"}, {"position", "first"}}),
        syntheticEvent(firstSeq + 5, ns + 5, EventKind::Grpc, "containerd",
                       "gRPC with odd fields (synthetic)",
                       {{"phase", "complete"},
                        {"request_fields", {{{"field", 1}, {"fields", "nope"}}, 7}},
                        {"response_fields", "none"}}),
        syntheticEvent(firstSeq + 6, ns + 6, EventKind::Store, "store", notUtf8,
                       {{"value", notUtf8}, {"key", {1}}}),
    };
}

// Appends `events` to the bundle and names them as evidence of step `stepIndex`.
inline void addEvidence(TraceBundle &bundle, std::size_t stepIndex, const std::string &role,
                        const std::vector<Event> &events)
{
    MatchedEvidence matched;
    matched.matcher = 0;
    matched.role = role;
    for (const Event &event : events) {
        bundle.events.push_back(event);
        matched.seqs.push_back(event.seq);
    }
    bundle.steps.at(stepIndex).evidence.push_back(std::move(matched));
}

} // namespace flowlab::test
