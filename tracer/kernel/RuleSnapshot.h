#pragma once

// RuleSnapshot: one netns's iptables ruleset as `iptables-save -c` printed it (tables, chains with
// policies and counters, rules with [packets:bytes] and their text), and the diff of two snapshots
// as `rule` evidence: a rule added or removed, a chain created, a policy changed, a rule hit.
// Pure: parsing and diffing never touch the kernel, so fixtures drive the tests.

#include "tracer/base/Result.h"
#include "tracer/model/Event.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab {

struct RuleCounters
{
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    bool operator==(const RuleCounters &) const = default;
};

struct IptablesRule
{
    std::string chain;
    // Everything after "-A CHAIN ", exactly as printed: "! -i docker0 -p tcp -m tcp --dport 8080
    // -j DNAT --to-destination 172.17.0.2:80". Empty for a rule with no match and no target.
    std::string spec;
    RuleCounters counters;
    bool hasCounters = false; // false when the text came from iptables-save without -c

    // The rule as iptables-save prints it without counters, and as events quote it.
    std::string text() const;
    // The spec split into arguments the way a shell would (iptables-save double-quotes arguments
    // with spaces, e.g. comments, and escapes quotes inside them).
    std::vector<std::string> args() const;
    // The jump or goto target (-j / -g), empty if none.
    std::string target() const;
    // The value of `name` ("--dport", "-d", "--to-destination"), and whether it was negated
    // ("! --dport 80", or the old "--dport ! 80").
    std::optional<std::string> option(std::string_view name, bool *negated = nullptr) const;
};

struct IptablesChain
{
    std::string name;
    std::string policy; // ACCEPT / DROP for a built-in chain, "-" for a user chain
    RuleCounters counters;
    std::vector<IptablesRule> rules;

    bool builtin() const { return policy != "-"; }
};

struct IptablesTable
{
    std::string name;
    std::vector<IptablesChain> chains;

    const IptablesChain *chain(std::string_view name) const;
};

struct RuleSnapshot
{
    std::vector<IptablesTable> tables;
    std::string netns;        // the label of the namespace it was taken in, when known
    std::int64_t takenNs = 0; // CLOCK_MONOTONIC when it was taken, when known

    const IptablesTable *table(std::string_view name) const;
    const IptablesChain *chain(std::string_view table, std::string_view chain) const;
    std::size_t ruleCount() const;

    // Parses iptables-save output (with or without -c). Strict like kube-proxy's fake: a rule in
    // an undeclared chain, a table with no COMMIT or an unknown line is an error naming the line.
    static Result<RuleSnapshot> parse(std::string_view text);
};

enum class RuleChangeKind {
    TableCreated,
    TableRemoved,
    ChainCreated,
    ChainRemoved,
    PolicyChanged,
    RuleAdded,
    RuleRemoved,
    RuleHit, // only counters rose: not a rule change, reported only when asked for
};

std::string_view toString(RuleChangeKind kind);

struct RuleChange
{
    RuleChangeKind kind = RuleChangeKind::RuleAdded;
    std::string table;
    std::string chain;
    std::string rule; // IptablesRule::text() for rule kinds
    std::string oldPolicy;
    std::string newPolicy;
    RuleCounters counters; // the rule's counters in the newer snapshot (older for a removal)
    RuleCounters delta;    // RuleHit: how much they rose
    int position = 0;      // 1-based place of the rule in its chain
};

struct RuleDiffOptions
{
    // Tables whose rules get a RuleHit when only their counters rose. A nat rule counts just the
    // first packet of each connection, so "nat" makes a readable "this DNAT rule fired" event;
    // filter rules count every packet and would flood the trace.
    std::vector<std::string> hitTables;
};

// What changed from `before` to `after`, table by table: tables and chains created, policies
// changed, rules removed then added (compared as multisets of rule text per chain, so a counter
// change alone is not a rule change), hits, then chains and tables removed.
std::vector<RuleChange> diffRuleSnapshots(const RuleSnapshot &before, const RuleSnapshot &after,
                                          const RuleDiffOptions &options = {});

// The teaching one-liner: "+ -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT
// --to-destination 172.17.0.2:80 (nat)", "FORWARD policy ACCEPT → DROP (filter)".
std::string summarize(const RuleChange &change);

// A `rule` event for `change` seen in `netns`, attrs {netns, table, chain, op, rule, counters...}.
Event ruleChangeEvent(const RuleChange &change, const std::string &netns);

} // namespace flowlab
