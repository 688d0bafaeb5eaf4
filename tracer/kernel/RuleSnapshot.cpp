#include "tracer/kernel/RuleSnapshot.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace flowlab {

std::string IptablesRule::text() const
{
    return spec.empty() ? "-A " + chain : "-A " + chain + " " + spec;
}

std::vector<std::string> IptablesRule::args() const
{
    std::vector<std::string> args;
    std::string current;
    bool inToken = false, quoted = false;
    for (std::size_t i = 0; i < spec.size(); ++i) {
        const char c = spec[i];
        if (quoted) {
            if (c == '\\' && i + 1 < spec.size()) {
                current += spec[++i];
            } else if (c == '"') {
                quoted = false;
            } else {
                current += c;
            }
        } else if (c == '"') {
            quoted = inToken = true;
        } else if (c == ' ' || c == '\t') {
            if (inToken)
                args.push_back(std::move(current));
            current.clear();
            inToken = false;
        } else {
            current += c;
            inToken = true;
        }
    }
    if (inToken)
        args.push_back(std::move(current));
    return args;
}

std::optional<std::string> IptablesRule::option(std::string_view name, bool *negated) const
{
    const auto tokens = args();
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (tokens[i] != name || i + 1 >= tokens.size())
            continue;
        bool neg = i > 0 && tokens[i - 1] == "!";
        std::size_t valueAt = i + 1;
        if (tokens[valueAt] == "!" && valueAt + 1 < tokens.size()) {
            neg = true;
            ++valueAt;
        }
        if (negated)
            *negated = neg;
        return tokens[valueAt];
    }
    return std::nullopt;
}

std::string IptablesRule::target() const
{
    if (auto jump = option("-j"))
        return *jump;
    if (auto go = option("-g"))
        return *go;
    return {};
}

const IptablesChain *IptablesTable::chain(std::string_view name) const
{
    for (const auto &c : chains)
        if (c.name == name)
            return &c;
    return nullptr;
}

const IptablesTable *RuleSnapshot::table(std::string_view name) const
{
    for (const auto &t : tables)
        if (t.name == name)
            return &t;
    return nullptr;
}

const IptablesChain *RuleSnapshot::chain(std::string_view tableName,
                                         std::string_view chainName) const
{
    const IptablesTable *t = table(tableName);
    return t ? t->chain(chainName) : nullptr;
}

std::size_t RuleSnapshot::ruleCount() const
{
    std::size_t count = 0;
    for (const auto &t : tables)
        for (const auto &c : t.chains)
            count += c.rules.size();
    return count;
}

namespace {

bool parseNumber(std::string_view text, std::uint64_t &value)
{
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size();
}

// "[12:720]" at the start of `text`; returns the length consumed, 0 if malformed.
std::size_t parseCounters(std::string_view text, RuleCounters &counters)
{
    if (text.empty() || text.front() != '[')
        return 0;
    const auto colon = text.find(':');
    const auto close = text.find(']');
    if (colon == std::string_view::npos || close == std::string_view::npos || colon > close)
        return 0;
    if (!parseNumber(text.substr(1, colon - 1), counters.packets) ||
        !parseNumber(text.substr(colon + 1, close - colon - 1), counters.bytes))
        return 0;
    return close + 1;
}

std::string_view nextWord(std::string_view &rest)
{
    while (!rest.empty() && rest.front() == ' ')
        rest.remove_prefix(1);
    const auto end = std::min(rest.find(' '), rest.size());
    const std::string_view word = rest.substr(0, end);
    rest.remove_prefix(end);
    while (!rest.empty() && rest.front() == ' ')
        rest.remove_prefix(1);
    return word;
}

Error lineError(std::size_t lineNo, const std::string &what)
{
    return Error("iptables-save line " + std::to_string(lineNo) + ": " + what);
}

} // namespace

Result<RuleSnapshot> RuleSnapshot::parse(std::string_view text)
{
    RuleSnapshot snapshot;
    IptablesTable *open = nullptr;
    std::size_t lineNo = 0;
    while (!text.empty()) {
        const auto newline = std::min(text.find('\n'), text.size());
        std::string_view line = text.substr(0, newline);
        text.remove_prefix(std::min(newline + 1, text.size()));
        ++lineNo;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.remove_suffix(1);
        if (line.empty() || line.front() == '#')
            continue;

        if (line.front() == '*') {
            if (open)
                return lineError(lineNo, "table " + std::string(line.substr(1)) +
                                             " starts before table " + open->name +
                                             " was COMMITted");
            const std::string name(line.substr(1));
            if (snapshot.table(name))
                return lineError(lineNo, "table " + name + " appears twice");
            open = &snapshot.tables.emplace_back(IptablesTable{name, {}});
            continue;
        }
        if (line == "COMMIT") {
            if (!open)
                return lineError(lineNo, "COMMIT outside a table");
            open = nullptr;
            continue;
        }
        if (!open)
            return lineError(lineNo, "'" + std::string(line) + "' outside a table");

        if (line.front() == ':') {
            std::string_view rest = line.substr(1);
            IptablesChain chain;
            chain.name = std::string(nextWord(rest));
            chain.policy = std::string(nextWord(rest));
            if (chain.name.empty() || chain.policy.empty())
                return lineError(lineNo, "chain line without a name and policy");
            if (!rest.empty() && parseCounters(rest, chain.counters) == 0)
                return lineError(lineNo, "malformed chain counters '" + std::string(rest) + "'");
            if (open->chain(chain.name))
                return lineError(lineNo,
                                 "chain " + chain.name + " declared twice in table " + open->name);
            open->chains.push_back(std::move(chain));
            continue;
        }

        IptablesRule rule;
        std::string_view rest = line;
        if (rest.front() == '[') {
            const std::size_t used = parseCounters(rest, rule.counters);
            if (used == 0)
                return lineError(lineNo, "malformed rule counters in '" + std::string(line) + "'");
            rule.hasCounters = true;
            rest.remove_prefix(used);
        }
        if (nextWord(rest) != "-A")
            return lineError(lineNo, "expected -A, got '" + std::string(line) + "'");
        rule.chain = std::string(nextWord(rest));
        rule.spec = std::string(rest);
        auto chain = std::find_if(open->chains.begin(), open->chains.end(),
                                  [&](const IptablesChain &c) { return c.name == rule.chain; });
        if (chain == open->chains.end())
            return lineError(lineNo, "rule in chain " + rule.chain + " that table " + open->name +
                                         " does not declare");
        chain->rules.push_back(std::move(rule));
    }
    if (open)
        return Error("iptables-save output ends inside table " + open->name +
                     " (no COMMIT: truncated?)");
    return snapshot;
}

std::string_view toString(RuleChangeKind kind)
{
    switch (kind) {
    case RuleChangeKind::TableCreated:
        return "table-created";
    case RuleChangeKind::TableRemoved:
        return "table-removed";
    case RuleChangeKind::ChainCreated:
        return "chain-created";
    case RuleChangeKind::ChainRemoved:
        return "chain-removed";
    case RuleChangeKind::PolicyChanged:
        return "policy-changed";
    case RuleChangeKind::RuleAdded:
        return "rule-added";
    case RuleChangeKind::RuleRemoved:
        return "rule-removed";
    case RuleChangeKind::RuleHit:
        return "rule-hit";
    }
    return "unknown";
}

namespace {

void diffRules(const std::string &table, const IptablesChain *before, const IptablesChain &after,
               bool reportHits, std::vector<RuleChange> &removed, std::vector<RuleChange> &added,
               std::vector<RuleChange> &hits)
{
    // Occurrences of each text in `before`, in order; the k-th copy in `after` pairs with the
    // k-th copy in `before`, so duplicates and moves are not mistaken for changes.
    std::map<std::string, std::vector<const IptablesRule *>> remaining;
    std::map<std::string, std::vector<int>> positions;
    if (before) {
        for (std::size_t i = 0; i < before->rules.size(); ++i) {
            remaining[before->rules[i].text()].push_back(&before->rules[i]);
            positions[before->rules[i].text()].push_back(int(i) + 1);
        }
    }
    std::map<std::string, std::size_t> used;
    for (std::size_t i = 0; i < after.rules.size(); ++i) {
        const IptablesRule &rule = after.rules[i];
        const std::string text = rule.text();
        auto &copies = remaining[text];
        std::size_t &next = used[text];
        RuleChange change{RuleChangeKind::RuleAdded, table, after.name, text};
        change.counters = rule.counters;
        change.position = int(i) + 1;
        if (next >= copies.size()) {
            added.push_back(std::move(change));
            continue;
        }
        const IptablesRule *old = copies[next++];
        if (reportHits && rule.counters.packets > old->counters.packets) {
            change.kind = RuleChangeKind::RuleHit;
            change.delta = {rule.counters.packets - old->counters.packets,
                            rule.counters.bytes >= old->counters.bytes
                                ? rule.counters.bytes - old->counters.bytes
                                : 0};
            hits.push_back(std::move(change));
        }
    }
    for (auto &[text, copies] : remaining) {
        for (std::size_t k = used[text]; k < copies.size(); ++k) {
            RuleChange change{RuleChangeKind::RuleRemoved, table, before->name, text};
            change.counters = copies[k]->counters;
            change.position = positions[text][k];
            removed.push_back(std::move(change));
        }
    }
    std::sort(removed.begin(), removed.end(),
              [](const RuleChange &a, const RuleChange &b) { return a.position < b.position; });
}

void diffTable(const IptablesTable *before, const IptablesTable &after, bool reportHits,
               std::vector<RuleChange> &out)
{
    if (!before)
        out.push_back({RuleChangeKind::TableCreated, after.name});
    std::vector<RuleChange> chainsCreated, policies, removed, added, hits, chainsRemoved;
    for (const IptablesChain &chain : after.chains) {
        const IptablesChain *old = before ? before->chain(chain.name) : nullptr;
        // A table nft just created comes with its built-in chains; only user chains are news.
        if (!old && !(chain.builtin() && !before))
            chainsCreated.push_back({RuleChangeKind::ChainCreated, after.name, chain.name});
        // A built-in chain that did not exist had the kernel's default policy, ACCEPT.
        const std::string oldPolicy = old ? old->policy : (chain.builtin() ? "ACCEPT" : "-");
        if (chain.builtin() && oldPolicy != chain.policy) {
            RuleChange change{RuleChangeKind::PolicyChanged, after.name, chain.name};
            change.oldPolicy = oldPolicy;
            change.newPolicy = chain.policy;
            policies.push_back(std::move(change));
        }
        std::vector<RuleChange> r, a, h;
        diffRules(after.name, old, chain, reportHits, r, a, h);
        removed.insert(removed.end(), r.begin(), r.end());
        added.insert(added.end(), a.begin(), a.end());
        hits.insert(hits.end(), h.begin(), h.end());
    }
    if (before) {
        for (const IptablesChain &chain : before->chains) {
            if (after.chain(chain.name))
                continue;
            for (std::size_t i = 0; i < chain.rules.size(); ++i) {
                RuleChange change{RuleChangeKind::RuleRemoved, after.name, chain.name,
                                  chain.rules[i].text()};
                change.counters = chain.rules[i].counters;
                change.position = int(i) + 1;
                removed.push_back(std::move(change));
            }
            chainsRemoved.push_back({RuleChangeKind::ChainRemoved, after.name, chain.name});
        }
    }
    for (auto *group : {&chainsCreated, &policies, &removed, &added, &hits, &chainsRemoved})
        out.insert(out.end(), group->begin(), group->end());
}

} // namespace

std::vector<RuleChange> diffRuleSnapshots(const RuleSnapshot &before, const RuleSnapshot &after,
                                          const RuleDiffOptions &options)
{
    std::vector<RuleChange> changes;
    for (const IptablesTable &table : after.tables) {
        const bool hits = std::find(options.hitTables.begin(), options.hitTables.end(),
                                    table.name) != options.hitTables.end();
        diffTable(before.table(table.name), table, hits, changes);
    }
    for (const IptablesTable &table : before.tables)
        if (!after.table(table.name))
            changes.push_back({RuleChangeKind::TableRemoved, table.name});
    return changes;
}

std::string summarize(const RuleChange &change)
{
    const std::string inTable = " (" + change.table + ")";
    switch (change.kind) {
    case RuleChangeKind::TableCreated:
        return "table " + change.table + " created";
    case RuleChangeKind::TableRemoved:
        return "table " + change.table + " removed";
    case RuleChangeKind::ChainCreated:
        return "chain " + change.chain + " created" + inTable;
    case RuleChangeKind::ChainRemoved:
        return "chain " + change.chain + " removed" + inTable;
    case RuleChangeKind::PolicyChanged:
        return change.chain + " policy " + change.oldPolicy + " → " + change.newPolicy + inTable;
    case RuleChangeKind::RuleAdded:
        return "+ " + change.rule + inTable;
    case RuleChangeKind::RuleRemoved:
        return "- " + change.rule + inTable;
    case RuleChangeKind::RuleHit: {
        const auto n = change.delta.packets;
        return "hit +" + std::to_string(n) + (n == 1 ? " packet: " : " packets: ") + change.rule +
               inTable;
    }
    }
    return {};
}

namespace {

std::string_view opOf(RuleChangeKind kind)
{
    switch (kind) {
    case RuleChangeKind::RuleAdded:
        return "+";
    case RuleChangeKind::RuleRemoved:
        return "-";
    case RuleChangeKind::RuleHit:
        return "hit";
    case RuleChangeKind::ChainCreated:
        return "chain+";
    case RuleChangeKind::ChainRemoved:
        return "chain-";
    case RuleChangeKind::TableCreated:
        return "table+";
    case RuleChangeKind::TableRemoved:
        return "table-";
    case RuleChangeKind::PolicyChanged:
        return "policy";
    }
    return "?";
}

nlohmann::json countersJson(const RuleCounters &c)
{
    return {{"packets", c.packets}, {"bytes", c.bytes}};
}

} // namespace

Event ruleChangeEvent(const RuleChange &change, const std::string &netns)
{
    Event event;
    event.kind = EventKind::Rule;
    event.source = {"iptables", netns, 0, netns};
    event.summary = summarize(change);
    auto &a = event.attributes;
    a["netns"] = netns;
    a["change"] = toString(change.kind);
    a["op"] = opOf(change.kind);
    a["table"] = change.table;
    if (!change.chain.empty())
        a["chain"] = change.chain;
    switch (change.kind) {
    case RuleChangeKind::RuleAdded:
    case RuleChangeKind::RuleRemoved:
        a["rule"] = change.rule;
        a["position"] = change.position;
        a["counters"] = countersJson(change.counters);
        break;
    case RuleChangeKind::RuleHit:
        a["rule"] = change.rule;
        a["position"] = change.position;
        a["counters"] = countersJson(change.counters);
        a["delta"] = countersJson(change.delta);
        break;
    case RuleChangeKind::PolicyChanged:
        a["oldPolicy"] = change.oldPolicy;
        a["policy"] = change.newPolicy;
        break;
    default:
        break;
    }
    return event;
}

} // namespace flowlab
