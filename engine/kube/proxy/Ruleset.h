#pragma once

// A rendered ruleset: for each table kube-proxy writes (filter, nat), its chains in the order
// they were declared and each chain's rules, as the arguments that follow "-A CHAIN". Turned
// into iptables-restore input, and compared with the previous render to show what a sync
// changed.

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace flowlab::kube::proxy {

class RuleTable
{
public:
    explicit RuleTable(std::string name)
        : m_name(std::move(name))
    {}

    const std::string &name() const { return m_name; }
    // Declares `chain` (once; later calls do nothing).
    void declare(const std::string &chain);
    // Appends a rule, declaring its chain first if need be.
    void append(const std::string &chain, std::string rule);

    const std::vector<std::string> &chains() const { return m_order; }
    bool has(const std::string &chain) const { return m_rules.count(chain) != 0; }
    // The chain's rules, empty for an undeclared chain.
    const std::vector<std::string> &rules(const std::string &chain) const;
    std::size_t ruleCount() const { return m_ruleCount; }

private:
    std::string m_name;
    std::vector<std::string> m_order;
    std::map<std::string, std::vector<std::string>> m_rules;
    std::size_t m_ruleCount = 0;
};

struct Ruleset
{
    RuleTable filter{"filter"};
    RuleTable nat{"nat"};

    std::vector<const RuleTable *> tables() const { return {&filter, &nat}; }
    std::size_t ruleCount() const { return filter.ruleCount() + nat.ruleCount(); }
    std::size_t chainCount() const { return filter.chains().size() + nat.chains().size(); }
};

// One jump from a built-in chain into kube-proxy's chains, e.g. nat PREROUTING -> KUBE-SERVICES.
struct HookRule
{
    std::string table;
    std::string chain;  // the built-in chain
    std::string rule;   // the arguments after "-I CHAIN 1"
    std::string target; // the KUBE-* chain it jumps to
};

// What a sync writes besides the render.
struct RestoreExtras
{
    // Chains to remove, by table: those an earlier sync made that this one no longer needs.
    std::map<std::string, std::vector<std::string>> staleChains;
    // Jumps from the built-in chains that are missing (on the first sync: all of them).
    std::vector<HookRule> hooks;
};

// The input for `iptables-restore --noflush`: for large rulesets each table's counters zeroed
// (see the .cpp for why), its chains declared (which, with
// --noflush, empties exactly those chains and leaves every other rule in the namespace alone),
// their rules, the missing hooks inserted at the top of their built-in chains, the stale chains
// declared and then deleted, and COMMIT.
// Above this many chains, each table starts with `-Z` (see restoreInput).
inline constexpr std::size_t kZeroCountersAboveChains = 500;
std::string restoreInput(const Ruleset &ruleset, const RestoreExtras &extras = {});

// What changed in one chain between two renders. Rules are compared as multisets of their
// text: a rule that only moved is not reported.
struct ChainDiff
{
    std::string table;
    std::string chain;
    bool created = false;
    bool deleted = false;
    std::vector<std::string> added;
    std::vector<std::string> removed;
};

struct RulesetDiff
{
    std::vector<ChainDiff> chains; // only those that changed, by table then chain name
    std::size_t chainsCreated = 0;
    std::size_t chainsDeleted = 0;
    std::size_t rulesAdded = 0;
    std::size_t rulesRemoved = 0;

    bool empty() const { return chains.empty(); }
    // {chainsCreated, chainsDeleted, rulesAdded, rulesRemoved, chains: [{table, chain, created,
    // deleted, added: ["-A ..."], removed: [...]}]}, listing at most `maxRules` rule lines in
    // all (a first sync of 10,000 Services adds ~110,000; the counts are always complete) and
    // "truncated": true when some were left out.
    nlohmann::json toJson(std::size_t maxRules = 200) const;
};

RulesetDiff diffRulesets(const Ruleset &before, const Ruleset &after);

} // namespace flowlab::kube::proxy
