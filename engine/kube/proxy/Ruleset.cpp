#include "engine/kube/proxy/Ruleset.h"

#include <algorithm>
#include <iterator>
#include <set>

namespace flowlab::kube::proxy {

void RuleTable::declare(const std::string &chain)
{
    if (m_rules.try_emplace(chain).second)
        m_order.push_back(chain);
}

void RuleTable::append(const std::string &chain, std::string rule)
{
    declare(chain);
    m_rules[chain].push_back(std::move(rule));
    ++m_ruleCount;
}

const std::vector<std::string> &RuleTable::rules(const std::string &chain) const
{
    static const std::vector<std::string> none;
    const auto found = m_rules.find(chain);
    return found == m_rules.end() ? none : found->second;
}

std::string restoreInput(const Ruleset &ruleset, const RestoreExtras &extras)
{
    const auto &stale = extras.staleChains;
    std::string out;
    out.reserve(ruleset.ruleCount() * 120 + ruleset.chainCount() * 32);
    for (const RuleTable *table : ruleset.tables()) {
        const auto staleHere = stale.find(table->name());
        out += "*" + table->name() + "\n";
        // A command that names no chain makes iptables-nft-restore fetch the whole table once.
        // Without it, --noflush keeps a list of every chain the input names and scans it for
        // each line: 10,000 Services took minutes instead of seconds. `-Z` is the mildest such
        // command, but it zeroes the counters of the whole table (the built-in chains' and
        // the CNI plugins' too, which Flowlab reads to tell which rule a packet matched), and
        // real kube-proxy never sends it: so only for rulesets big enough to need it.
        if (ruleset.chainCount() > kZeroCountersAboveChains)
            out += "-Z\n";
        for (const std::string &chain : table->chains())
            out += ":" + chain + " - [0:0]\n";
        if (staleHere != stale.end())
            for (const std::string &chain : staleHere->second)
                out += ":" + chain + " - [0:0]\n";
        for (const std::string &chain : table->chains())
            for (const std::string &rule : table->rules(chain)) {
                out += "-A ";
                out += chain;
                out += ' ';
                out += rule;
                out += '\n';
            }
        for (const HookRule &hook : extras.hooks)
            if (hook.table == table->name())
                out += "-I " + hook.chain + " 1 " + hook.rule + "\n";
        // Declared above, so already empty: nothing refers to them any more once the chains
        // that jumped to them have been rewritten.
        if (staleHere != stale.end())
            for (const std::string &chain : staleHere->second)
                out += "-X " + chain + "\n";
        out += "COMMIT\n";
    }
    return out;
}

namespace {

std::vector<std::string> sorted(std::vector<std::string> rules)
{
    std::sort(rules.begin(), rules.end());
    return rules;
}

std::vector<std::string> prefixed(const std::string &chain, const std::vector<std::string> &rules)
{
    std::vector<std::string> out;
    out.reserve(rules.size());
    for (const std::string &rule : rules)
        out.push_back("-A " + chain + " " + rule);
    return out;
}

void diffTable(const RuleTable &before, const RuleTable &after, RulesetDiff &diff)
{
    std::set<std::string> names(before.chains().begin(), before.chains().end());
    names.insert(after.chains().begin(), after.chains().end());
    for (const std::string &chain : names) {
        ChainDiff change{before.name(), chain};
        change.created = !before.has(chain);
        change.deleted = !after.has(chain);
        const auto old = sorted(before.rules(chain));
        const auto now = sorted(after.rules(chain));
        std::vector<std::string> added, removed;
        std::set_difference(now.begin(), now.end(), old.begin(), old.end(),
                            std::back_inserter(added));
        std::set_difference(old.begin(), old.end(), now.begin(), now.end(),
                            std::back_inserter(removed));
        if (!change.created && !change.deleted && added.empty() && removed.empty())
            continue;
        change.added = prefixed(chain, added);
        change.removed = prefixed(chain, removed);
        diff.chainsCreated += change.created ? 1 : 0;
        diff.chainsDeleted += change.deleted ? 1 : 0;
        diff.rulesAdded += added.size();
        diff.rulesRemoved += removed.size();
        diff.chains.push_back(std::move(change));
    }
}

} // namespace

RulesetDiff diffRulesets(const Ruleset &before, const Ruleset &after)
{
    RulesetDiff diff;
    diffTable(before.filter, after.filter, diff);
    diffTable(before.nat, after.nat, diff);
    return diff;
}

nlohmann::json RulesetDiff::toJson(std::size_t maxRules) const
{
    nlohmann::json chainList = nlohmann::json::array();
    std::size_t listed = 0; // rule lines, and chains that change without one
    bool truncated = false;
    for (const ChainDiff &change : chains) {
        if (listed >= maxRules) {
            truncated = true;
            break;
        }
        nlohmann::json entry = {{"table", change.table}, {"chain", change.chain}};
        if (change.created)
            entry["created"] = true;
        if (change.deleted)
            entry["deleted"] = true;
        std::size_t lines = 0;
        for (const auto &[key, rules] :
             {std::pair{"added", &change.added}, std::pair{"removed", &change.removed}}) {
            const std::size_t room = maxRules - std::min(maxRules, listed + lines);
            const std::size_t take = std::min(room, rules->size());
            truncated = truncated || take < rules->size();
            if (take > 0)
                entry[key] = std::vector<std::string>(rules->begin(), rules->begin() + take);
            lines += take;
        }
        listed += std::max<std::size_t>(lines, 1);
        chainList.push_back(std::move(entry));
    }
    nlohmann::json out = {{"chainsCreated", chainsCreated},
                          {"chainsDeleted", chainsDeleted},
                          {"rulesAdded", rulesAdded},
                          {"rulesRemoved", rulesRemoved},
                          {"chains", std::move(chainList)}};
    if (truncated)
        out["truncated"] = true;
    return out;
}

} // namespace flowlab::kube::proxy
