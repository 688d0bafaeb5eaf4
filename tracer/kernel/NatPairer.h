#pragma once

// NatPairer: pairs a packet before NAT with the same packet after it, using conntrack's tuples,
// and names the iptables rule that did the translation. Pure: it is fed packet keys, conntrack
// flows and rule snapshots, so it runs the same on a live trace and a recorded one.
//
// For a flow whose original tuple is C:41234 → H:8080 and whose reply tuple is P:80 → C:41234
// (DNAT of H:8080 to P:80):
//   request  before = the original tuple           C:41234 → H:8080
//            after  = the reply tuple reversed     C:41234 → P:80
//   reply    before = the reply tuple              P:80 → C:41234
//            after  = the original tuple reversed  H:8080 → C:41234

#include "tracer/kernel/ConntrackFlow.h"
#include "tracer/kernel/RuleSnapshot.h"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace flowlab {

// What the pairer needs from a captured packet.
struct PacketKey
{
    std::uint64_t seq = 0; // the packet event's seq
    std::string interface; // where it was captured, e.g. "flowlab-docker/veth3f2a1b"
    FlowTuple tuple;
    // Something NAT leaves alone (IPv4 ID, TCP sequence number). When both packets have one they
    // pair by it; otherwise packets pair in capture order.
    std::optional<std::uint64_t> fingerprint;
};

enum class NatDirection { Request, Reply };
std::string_view toString(NatDirection direction);

struct FieldChange
{
    std::string field; // "src", "sport", "dst", "dport"
    std::string before;
    std::string after;
    bool operator==(const FieldChange &) const = default;
};

enum class RuleMatchMethod {
    CounterDelta, // the rule's packet counter rose between the two snapshots, and its text fits
    RuleText,     // only the text fits (no earlier snapshot, or no counter moved)
};
std::string_view toString(RuleMatchMethod method);

struct NatRuleMatch
{
    std::string netns;
    std::string table;
    std::string chain;
    std::string rule;   // IptablesRule::text()
    std::string target; // DNAT, SNAT, MASQUERADE, REDIRECT
    RuleMatchMethod method = RuleMatchMethod::RuleText;
    RuleCounters delta; // CounterDelta only
};

struct NatPair
{
    std::uint64_t conntrackSeq = 0;
    std::uint64_t beforePacketSeq = 0;
    std::uint64_t afterPacketSeq = 0;
    NatDirection direction = NatDirection::Request;
    std::string beforeInterface;
    std::string afterInterface;
    std::vector<FieldChange> changed;
    // The rules behind the translation (DNAT, then SNAT when both). A reply is translated back
    // by conntrack, not by a rule; its pair names the rule whose translation was undone.
    std::vector<NatRuleMatch> rules;

    std::string ruleText() const;   // the rules' texts, joined by "; "
    std::string ruleMethod() const; // "counter-delta", "rule-text", both joined by "+", or "none"
};

void to_json(nlohmann::json &j, const NatRuleMatch &match);
void to_json(nlohmann::json &j, const NatPair &pair);

// The rule in `after`'s nat table that made the `which` (Dnat or Snat) half of `flow`'s
// translation: its target and --to-destination/--to-source fit the reply tuple and its -p,
// -s, -d, --dport, --dports and --sport fit the packet as it was when the rule saw it. Among
// those, one whose packet counter rose since `before` wins (CounterDelta); otherwise the first
// that fits (RuleText). Nullopt when no rule fits.
std::optional<NatRuleMatch> identifyNatRule(const ConntrackFlowEvent &flow, NatKind which,
                                            const RuleSnapshot *before, const RuleSnapshot &after);

class NatPairer
{
public:
    void addPacket(PacketKey packet);
    void addConntrack(ConntrackFlowEvent flow);
    // Takes `conntrack` events (see conntrackFlowFromEvent) and ignores the rest.
    void addEvent(const Event &event);
    // The ruleset of `netns` around the flows: `before` from ahead of the traffic (may be
    // missing), `after` from after it. Rules are named only for netns given here.
    void setRuleSnapshots(const std::string &netns, std::optional<RuleSnapshot> before,
                          RuleSnapshot after);

    // Every pair, ordered by conntrack seq, then the before packet's seq (so a TCP handshake
    // reads request, reply, request). Flows
    // without NAT, and packets of other flows, pair with nothing.
    std::vector<NatPair> pairs() const;

private:
    struct Snapshots
    {
        std::optional<RuleSnapshot> before;
        RuleSnapshot after;
    };

    std::vector<PacketKey> m_packets;
    std::vector<ConntrackFlowEvent> m_flows;
    std::map<std::string, Snapshots> m_snapshots;
};

} // namespace flowlab
