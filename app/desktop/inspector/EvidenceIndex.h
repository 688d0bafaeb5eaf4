#pragma once

// What the evidence inspector needs beyond one event: which event answers a request, which
// rules make up a chain, and a step's evidence sorted by the tab that shows it.
//
// The index is built once per walkthrough (one pass over the events). After that, collecting
// a step touches only that step's evidence and the few events it links to, so switching
// steps costs the same in a trace of a thousand events as in one of a hundred thousand.

#include "app/desktop/model/Walkthrough.h"

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace flowlab {

// An event as an inspector row: the event and the role the lesson gives it ("" when the
// event is shown because evidence links to it).
struct InspectedEvent
{
    const Event *event = nullptr;
    std::string role;
};

// A request and its answer: an HTTP exchange, a gRPC call, or a command and its outcome.
// Either side may be missing (a request still open when the run ended).
struct Exchange
{
    const Event *request = nullptr;
    const Event *response = nullptr;
    const Event *interim = nullptr; // a streamed response's head, superseded by its completion
    std::string role;

    const Event *primary() const { return request ? request : response; }
    bool contains(std::uint64_t seq) const
    {
        for (const Event *side : {request, response, interim})
            if (side && side->seq == seq)
                return true;
        return false;
    }
};

// The same packet before and after address translation, from a captured conntrack event: a
// NAT pair (which names both packets, the changed fields and the rule) or a conntrack flow's
// original and reply tuples. Only these are NAT pairs.
//
// Without any conntrack event, the step's "before" and "after" packets are put side by side
// as two packets (pairEvent null, nat empty): nothing captured says that one is the other
// rewritten, so the views make no claim about a rewrite.
struct NatPair
{
    const Event *pairEvent = nullptr; // conntrack: the NAT pair, or the flow; null: two packets
    const Event *before = nullptr;    // packets; null when only tuples are known
    const Event *after = nullptr;
    std::string nat;                        // "dnat", "snat", "both"; empty for two packets
    std::string direction;                  // "request" or "reply"
    std::vector<std::string> changedFields; // "dst", "dport", "src", "sport": rewritten, or
                                            // for two packets, different

    bool involves(std::uint64_t seq) const;
    // True when a captured conntrack event pairs the two: only then is it a NAT pair.
    bool isNatPair() const { return pairEvent != nullptr; }
};

// One rule of a chain as the rule monitor saw it up to a step.
struct RuleRow
{
    std::string netns, table, chain;
    int position = 0;                      // 0 when unknown
    std::string rule;                      // iptables-save form, "-A DOCKER -p tcp ... -j DNAT ..."
    std::int64_t packets = -1, bytes = -1; // counters; -1 when unknown
    std::string lastChange;                // "added", "deleted", "hit +1 packet"
    bool matched = false;                  // the rule this step names (role or NAT pair)
    std::string why;                       // for a matched rule: the role or how it was found
    const Event *lastEvent = nullptr;
};

// A step's evidence, sorted by the tab that shows it.
struct StepEvidenceSet
{
    std::vector<InspectedEvent> all;     // every piece of evidence, in matcher order (Raw)
    std::vector<Exchange> exchanges;     // api, grpc, command, audit (API)
    std::vector<InspectedEvent> system;  // syscall, process, netlink (Syscalls)
    std::vector<InspectedEvent> packets; // packet, dns, and the packets NAT pairs name
    std::vector<NatPair> natPairs;       // Packets: the side-by-side view (NAT pairs, or two
                                         // packets compared when no conntrack event pairs them)
    int preferredNatPair = -1;           // the pair the step's roles point at
    std::vector<RuleRow> rules;          // Rules: chains the step touches
    std::vector<InspectedEvent> objects; // store, reconcile, schedule, k8s object bodies
    std::uint64_t lastSeq = 0;           // the latest evidence seq (rule state is shown as of it)

    bool empty() const { return all.empty(); }
};

class EvidenceIndex
{
public:
    EvidenceIndex() = default;
    explicit EvidenceIndex(const Walkthrough &walkthrough);

    // Events that list `seq` in their links, in seq order (e.g. the responses to a request).
    const std::vector<const Event *> &linkedFrom(std::uint64_t seq) const;

    StepEvidenceSet collect(const WalkthroughStep &step) const;

    // For an event picked outside the step (the timeline).
    Exchange exchangeFor(const Event &event) const;
    NatPair natPairFor(const Event &conntrack) const;
    // The chains holding the given rule events or NAT pair rule references, with callers
    // (chains that jump to them) first, as of `untilSeq`.
    std::vector<RuleRow> rulesFor(const std::vector<InspectedEvent> &ruleEvidence,
                                  const std::vector<NatPair> &natPairs,
                                  std::uint64_t untilSeq) const;

private:
    using ChainKey = std::tuple<std::string, std::string, std::string>; // netns, table, chain

    const Event *event(std::uint64_t seq) const;
    std::vector<RuleRow> chainRows(const ChainKey &key, std::uint64_t untilSeq) const;

    const Walkthrough *m_walkthrough = nullptr;
    std::unordered_map<std::uint64_t, std::vector<const Event *>> m_linkedFrom;
    std::map<ChainKey, std::vector<const Event *>> m_ruleEvents;
};

// True for an api event whose body is a Kubernetes object (apiVersion, kind, metadata).
bool carriesKubernetesObject(const Event &event);

} // namespace flowlab
