#pragma once

// A conntrack entry as evidence: the original tuple (the packet as the client sent it) and the
// reply tuple (what the answer will look like before NAT is undone). When they do not mirror each
// other, NAT happened: reply source ≠ original destination is DNAT, reply destination ≠ original
// source is SNAT. Pure: no libnetfilter_conntrack here, so tests and NatPairer use it freely.

#include "tracer/model/Event.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowlab {

// One direction of a flow. Ports are 0 for protocols without them.
struct FlowTuple
{
    std::string proto; // "tcp", "udp", "icmp", ... (or the protocol number)
    std::string src;
    std::string dst;
    std::uint16_t sport = 0;
    std::uint16_t dport = 0;

    bool operator==(const FlowTuple &) const = default;
    FlowTuple reversed() const { return {proto, dst, src, dport, sport}; }
    // "192.168.56.2:41234 → 192.168.56.10:8080" (no ports when both are 0).
    std::string endpoints() const;
};

enum class ConntrackEventType { New, Update, Destroy };
enum class NatKind { None, Dnat, Snat, Both };

std::string_view toString(ConntrackEventType type);
std::string_view toString(NatKind kind);
std::optional<NatKind> natKindFromString(std::string_view name);

struct ConntrackFlowEvent
{
    ConntrackEventType type = ConntrackEventType::New;
    FlowTuple orig;
    FlowTuple reply;
    std::string state; // TCP state ("SYN_SENT", "ESTABLISHED"), empty for other protocols
    std::uint32_t id = 0;
    std::uint32_t mark = 0;
    std::string netns;     // label of the netns whose conntrack table holds it
    std::uint64_t seq = 0; // the `conntrack` event's seq, once logged

    bool dnat() const { return reply.src != orig.dst || reply.sport != orig.dport; }
    bool snat() const { return reply.dst != orig.src || reply.dport != orig.sport; }
    NatKind nat() const;
};

// "tcp 192.168.56.2:41234 → 192.168.56.10:8080 DNAT to 172.17.0.2:80"; updates add the TCP
// state in brackets, a destroy ends with "ended".
std::string summarize(const ConntrackFlowEvent &flow);

// The `conntrack` event: attrs {netns, type, proto, orig{src,dst,sport,dport}, reply{...}, nat,
// state, id, mark}.
Event conntrackEvent(const ConntrackFlowEvent &flow);

// Reads a `conntrack` event back (seq included); nullopt for other events or missing fields.
std::optional<ConntrackFlowEvent> conntrackFlowFromEvent(const Event &event);

} // namespace flowlab
