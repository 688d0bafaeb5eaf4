#pragma once

// A stateful stand-in for the kernel's iptables tables, for tests without root (kube-proxy's
// pkg/util/iptables/testing fake, in spirit): it applies iptables-restore input, keeps the
// tables, chains and rules, and prints them as iptables-save would. Like the real tool it
// refuses the whole input, and changes nothing, when a line is malformed or a rule jumps to a
// chain that does not exist; the error names the line.
//
// It can also walk a virtual packet through a chain (trace), the way the kernel would: the
// rules it matches, the jumps, the statistic match decided by a supplied random source, and
// the verdict, e.g. DNAT to 10.42.0.5:80. The same walk can drive a lesson's "which rule
// matched" view.

#include "engine/kube/proxy/RuleSpec.h"
#include "tracer/base/Result.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace flowlab::kube::proxy {

struct FakeRule
{
    std::string arguments; // as written after "-A CHAIN"
    RuleSpec spec;
    int line = 0; // the restore input line that added it
};

struct FakeChain
{
    std::string policy; // ACCEPT or DROP for a built-in chain, empty for a user chain
    std::vector<FakeRule> rules;

    bool builtin() const { return !policy.empty(); }
};

struct FakeTable
{
    std::map<std::string, FakeChain> chains;
};

// One rule a packet matched, or the policy that decided it.
struct TraceStep
{
    std::string table;
    std::string chain;
    int ruleNumber = 0; // 1-based; 0 for the chain's policy
    std::string rule;   // "-A KUBE-SVC-... -m statistic ... -j KUBE-SEP-..."
    std::string
        action; // "jump KUBE-SEP-...", "MARK or 0x4000", "DNAT 10.42.0.5:80", "policy ACCEPT"
};

struct PacketTrace
{
    std::vector<TraceStep> steps;
    std::string verdict;     // DNAT, ACCEPT, DROP, REJECT, MASQUERADE, SNAT
    std::string dnatAddress; // "10.42.0.5:80" when the verdict is DNAT
    VirtualPacket packet;    // as it left: its mark set, its destination rewritten by DNAT

    // The chains it went through, in order ("PREROUTING", "KUBE-SERVICES", "KUBE-SVC-...").
    std::vector<std::string> chains() const;
    nlohmann::json toJson() const;
};

class FakeIptables
{
public:
    // Starts as a fresh network namespace: filter, nat, mangle and raw with their built-in
    // chains, policy ACCEPT, no rules.
    FakeIptables();

    // Applies iptables-restore input. With `noflush` (iptables-restore --noflush), a table is
    // not emptied when its section starts, and declaring an existing user chain empties just
    // that chain; without it, each table named in the input is emptied first. All or nothing.
    Status restore(const std::string &input, bool noflush = true);

    // The tables as `iptables-save` prints them (without counters): every table that has a rule
    // or a user chain.
    std::string save() const;

    const FakeTable *table(const std::string &name) const;
    const FakeChain *chain(const std::string &table, const std::string &chain) const;
    // "-A CHAIN ARGS" lines of a chain, in order; empty if there is no such chain.
    std::vector<std::string> rules(const std::string &table, const std::string &chain) const;
    std::size_t ruleCount() const;

    // Walks `packet` through `chain` of `table` (e.g. nat PREROUTING for a packet arriving at
    // the node, nat OUTPUT for one sent by a process on it) until a verdict.
    PacketTrace trace(const std::string &table, const std::string &chain, VirtualPacket packet,
                      const TraceEnvironment &environment) const;

private:
    std::map<std::string, FakeTable> m_tables;
};

} // namespace flowlab::kube::proxy
