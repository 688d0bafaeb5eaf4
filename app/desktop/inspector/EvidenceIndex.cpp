#include "app/desktop/inspector/EvidenceIndex.h"

#include "app/desktop/inspector/EvidenceAttributes.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace flowlab {

using evidence::attr;
using evidence::attrInteger;
using evidence::attrIsTrue;
using evidence::attrText;
using evidence::member;
using evidence::memberText;

namespace {

bool containsNoCase(const std::string &text, std::string_view word)
{
    auto it = std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
    });
    return it != text.end();
}

// The side of an exchange that asks: an HTTP request, a gRPC call starting, a command run.
bool isAskingSide(const Event &event)
{
    switch (event.kind) {
    case EventKind::Api:
        return attrText(event, "direction") != "response";
    case EventKind::Grpc:
        return attrText(event, "phase") == "start";
    case EventKind::Command:
        return event.links.empty();
    default:
        return true;
    }
}

bool isExchangeKind(EventKind kind)
{
    return kind == EventKind::Api || kind == EventKind::Grpc || kind == EventKind::Command ||
           kind == EventKind::Audit;
}

std::string netnsOf(const Event &event)
{
    std::string netns = attrText(event, "netns");
    return netns.empty() ? event.source.netns : netns;
}

// "-A PREROUTING ... -j DOCKER" jumps (or goes) to DOCKER.
bool jumpsTo(const std::string &rule, const std::string &chain)
{
    for (const char *verb : {" -j ", " -g ", " --jump ", " --goto "}) {
        const std::string needle = verb + chain;
        for (std::size_t at = rule.find(needle); at != std::string::npos;
             at = rule.find(needle, at + 1)) {
            const std::size_t end = at + needle.size();
            if (end == rule.size() || rule[end] == ' ')
                return true;
        }
    }
    return false;
}

std::vector<std::string> changedBetween(const Event &before, const Event &after)
{
    std::vector<std::string> changed;
    for (const char *field : {"src", "sport", "dst", "dport"})
        if (attrText(before, field) != attrText(after, field))
            changed.emplace_back(field);
    return changed;
}

std::string packetsText(std::int64_t packets)
{
    return std::to_string(packets) + (packets == 1 ? " packet" : " packets");
}

} // namespace

bool NatPair::involves(std::uint64_t seq) const
{
    return (pairEvent && pairEvent->seq == seq) || (before && before->seq == seq) ||
           (after && after->seq == seq);
}

bool carriesKubernetesObject(const Event &event)
{
    if (event.kind != EventKind::Api)
        return false;
    const nlohmann::json *body = attr(event, "body");
    return body && body->is_object() && member(*body, "apiVersion") && member(*body, "kind") &&
           member(*body, "metadata");
}

EvidenceIndex::EvidenceIndex(const Walkthrough &walkthrough)
    : m_walkthrough(&walkthrough)
{
    for (const Event &event : walkthrough.events()) {
        for (std::uint64_t target : event.links)
            m_linkedFrom[target].push_back(&event);
        if (event.kind == EventKind::Rule)
            m_ruleEvents[{netnsOf(event), attrText(event, "table"), attrText(event, "chain")}]
                .push_back(&event);
    }
}

const Event *EvidenceIndex::event(std::uint64_t seq) const
{
    return m_walkthrough ? m_walkthrough->event(seq) : nullptr;
}

const std::vector<const Event *> &EvidenceIndex::linkedFrom(std::uint64_t seq) const
{
    static const std::vector<const Event *> none;
    auto it = m_linkedFrom.find(seq);
    return it == m_linkedFrom.end() ? none : it->second;
}

Exchange EvidenceIndex::exchangeFor(const Event &event) const
{
    Exchange exchange;
    if (!isExchangeKind(event.kind) || event.kind == EventKind::Audit) {
        exchange.request = &event;
        return exchange;
    }
    if (isAskingSide(event)) {
        exchange.request = &event;
        // A streamed HTTP response is logged twice (head, then complete): show the last word.
        for (const Event *candidate : linkedFrom(event.seq)) {
            if (candidate->kind != event.kind || isAskingSide(*candidate))
                continue;
            const bool complete = attrText(*candidate, "phase") == "complete";
            if (!exchange.response || complete ||
                attrText(*exchange.response, "phase") != "complete")
                exchange.response = candidate;
        }
        return exchange;
    }
    exchange.response = &event;
    for (std::uint64_t seq : event.links) {
        const Event *linked = this->event(seq);
        if (linked && linked->kind == event.kind && isAskingSide(*linked)) {
            exchange.request = linked;
            break;
        }
    }
    if (exchange.request && attrText(event, "phase") == "head") {
        Exchange whole = exchangeFor(*exchange.request);
        if (whole.response && whole.response != &event) {
            whole.interim = &event;
            return whole;
        }
    }
    return exchange;
}

NatPair EvidenceIndex::natPairFor(const Event &conntrack) const
{
    NatPair pair;
    pair.pairEvent = &conntrack;
    pair.nat = attrText(conntrack, "nat");
    pair.direction = attrText(conntrack, "direction");
    if (attrIsTrue(conntrack, "nat_pair")) {
        if (auto seq = attrInteger(conntrack, "beforePacketSeq"))
            pair.before = event(static_cast<std::uint64_t>(*seq));
        if (auto seq = attrInteger(conntrack, "afterPacketSeq"))
            pair.after = event(static_cast<std::uint64_t>(*seq));
        if (const nlohmann::json *changed = attr(conntrack, "changed");
            changed && changed->is_array())
            for (const nlohmann::json &field : *changed)
                if (std::string name = memberText(field, "field"); !name.empty())
                    pair.changedFields.push_back(name);
        if (pair.changedFields.empty() && pair.before && pair.after)
            pair.changedFields = changedBetween(*pair.before, *pair.after);
        return pair;
    }
    // A flow: what the client sent is the original tuple; where it really went is the reply
    // tuple seen backwards.
    const nlohmann::json *orig = attr(conntrack, "orig");
    const nlohmann::json *reply = attr(conntrack, "reply");
    if (orig && reply) {
        auto differs = [&](const char *origKey, const char *replyKey) {
            return memberText(*orig, origKey) != memberText(*reply, replyKey);
        };
        if (differs("dst", "src"))
            pair.changedFields.emplace_back("dst");
        if (differs("dport", "sport"))
            pair.changedFields.emplace_back("dport");
        if (differs("src", "dst"))
            pair.changedFields.emplace_back("src");
        if (differs("sport", "dport"))
            pair.changedFields.emplace_back("sport");
    }
    if (pair.direction.empty())
        pair.direction = "request";
    return pair;
}

StepEvidenceSet EvidenceIndex::collect(const WalkthroughStep &step) const
{
    StepEvidenceSet set;
    std::unordered_set<std::uint64_t> seen;
    for (const StepEvidence &evidence : step.evidence) {
        if (!evidence.event || !seen.insert(evidence.event->seq).second)
            continue;
        set.all.push_back({evidence.event, evidence.role});
        set.lastSeq = std::max(set.lastSeq, evidence.event->seq);
    }

    std::unordered_set<std::uint64_t> inExchange;
    std::vector<InspectedEvent> ruleEvidence;
    const Event *rolePacketBefore = nullptr;
    const Event *rolePacketAfter = nullptr;
    for (const InspectedEvent &item : set.all) {
        const Event &event = *item.event;
        switch (event.kind) {
        case EventKind::Api:
        case EventKind::Grpc:
        case EventKind::Command:
        case EventKind::Audit: {
            if (inExchange.count(event.seq))
                break;
            Exchange exchange = exchangeFor(event);
            exchange.role = item.role;
            for (const Event *side : {exchange.request, exchange.response, exchange.interim})
                if (side)
                    inExchange.insert(side->seq);
            for (const Event *side : {exchange.request, exchange.response})
                if (side && carriesKubernetesObject(*side))
                    set.objects.push_back({side, item.role});
            set.exchanges.push_back(std::move(exchange));
            break;
        }
        case EventKind::Syscall:
        case EventKind::Process:
        case EventKind::Netlink:
            set.system.push_back(item);
            break;
        case EventKind::Packet:
        case EventKind::Dns:
            set.packets.push_back(item);
            if (!rolePacketBefore && containsNoCase(item.role, "before"))
                rolePacketBefore = &event;
            else if (!rolePacketAfter && containsNoCase(item.role, "after"))
                rolePacketAfter = &event;
            break;
        case EventKind::Conntrack:
            if (const std::string nat = attrText(event, "nat");
                attrIsTrue(event, "nat_pair") || (!nat.empty() && nat != "none"))
                set.natPairs.push_back(natPairFor(event));
            break;
        case EventKind::Rule:
            ruleEvidence.push_back(item);
            break;
        case EventKind::Store:
        case EventKind::Reconcile:
        case EventKind::Schedule:
            set.objects.push_back(item);
            break;
        case EventKind::Log:
            break;
        }
    }

    // The pair to open with: the conntrack pair joining the packets the lesson calls "before"
    // and "after", or one that starts from its "before" packet, or the first conntrack pair.
    // Without any captured pairing, the two packets are only compared: a NAT pair needs a
    // conntrack event, never just the lesson's roles.
    if (!set.natPairs.empty())
        set.preferredNatPair = 0;
    if (rolePacketBefore && rolePacketAfter) {
        auto joins = [&](const NatPair &pair) {
            return pair.before == rolePacketBefore && pair.after == rolePacketAfter;
        };
        auto it = std::find_if(set.natPairs.begin(), set.natPairs.end(), joins);
        if (it == set.natPairs.end())
            it = std::find_if(set.natPairs.begin(), set.natPairs.end(),
                              [&](const NatPair &pair) { return pair.before == rolePacketBefore; });
        if (it != set.natPairs.end()) {
            set.preferredNatPair = static_cast<int>(it - set.natPairs.begin());
        } else if (set.natPairs.empty()) {
            NatPair twoPackets;
            twoPackets.before = rolePacketBefore;
            twoPackets.after = rolePacketAfter;
            twoPackets.changedFields = changedBetween(*rolePacketBefore, *rolePacketAfter);
            set.natPairs.push_back(twoPackets);
            set.preferredNatPair = 0;
        }
    }

    // Packets a NAT pair names belong in the packet list too, next to the step's own.
    std::unordered_set<std::uint64_t> listed;
    for (const InspectedEvent &packet : set.packets)
        listed.insert(packet.event->seq);
    for (const NatPair &pair : set.natPairs) {
        if (!pair.isNatPair())
            continue; // the step's own packets, already listed with their roles
        std::string nat = pair.nat == "dnat" || pair.nat == "snat" ? pair.nat : "nat";
        std::transform(nat.begin(), nat.end(), nat.begin(), ::toupper);
        if (pair.before && listed.insert(pair.before->seq).second)
            set.packets.push_back({pair.before, "NAT pair: before " + nat});
        if (pair.after && listed.insert(pair.after->seq).second)
            set.packets.push_back({pair.after, "NAT pair: after " + nat});
    }
    std::stable_sort(set.packets.begin(), set.packets.end(),
                     [](const InspectedEvent &a, const InspectedEvent &b) {
                         return a.event->monotonicNs < b.event->monotonicNs;
                     });

    set.rules = rulesFor(ruleEvidence, set.natPairs, set.lastSeq);
    return set;
}

std::vector<RuleRow> EvidenceIndex::chainRows(const ChainKey &key, std::uint64_t untilSeq) const
{
    std::vector<RuleRow> rows;
    auto it = m_ruleEvents.find(key);
    if (it == m_ruleEvents.end())
        return rows;
    for (const Event *event : it->second) {
        if (event->seq > untilSeq)
            break;
        const std::string text = attrText(*event, "rule");
        auto row = std::find_if(rows.begin(), rows.end(),
                                [&](const RuleRow &r) { return r.rule == text; });
        if (row == rows.end()) {
            RuleRow fresh;
            std::tie(fresh.netns, fresh.table, fresh.chain) = key;
            fresh.rule = text;
            rows.push_back(std::move(fresh));
            row = rows.end() - 1;
        }
        row->lastEvent = event;
        if (auto position = attrInteger(*event, "position"))
            row->position = static_cast<int>(*position);
        if (const nlohmann::json *counters = attr(*event, "counters")) {
            row->packets = evidence::integerOf(member(*counters, "packets")).value_or(-1);
            row->bytes = evidence::integerOf(member(*counters, "bytes")).value_or(-1);
        }
        const std::string op = attrText(*event, "op");
        if (op == "+") {
            row->lastChange = "added";
        } else if (op == "-") {
            row->lastChange = "deleted";
        } else if (const nlohmann::json *delta = attr(*event, "delta")) {
            const auto packets = evidence::integerOf(member(*delta, "packets"));
            row->lastChange = packets ? "hit +" + packetsText(*packets) : "hit";
        } else {
            row->lastChange = op.empty() ? "seen" : op;
        }
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [](const RuleRow &a, const RuleRow &b) { return a.position < b.position; });
    return rows;
}

std::vector<RuleRow> EvidenceIndex::rulesFor(const std::vector<InspectedEvent> &ruleEvidence,
                                             const std::vector<NatPair> &natPairs,
                                             std::uint64_t untilSeq) const
{
    struct NamedRule
    {
        ChainKey chain;
        std::string rule;
        std::string why;
    };
    std::vector<NamedRule> named;
    auto name = [&](ChainKey chain, std::string rule, std::string why) {
        for (const NamedRule &known : named)
            if (known.chain == chain && known.rule == rule)
                return;
        named.push_back({std::move(chain), std::move(rule), std::move(why)});
    };
    for (const InspectedEvent &item : ruleEvidence)
        name({netnsOf(*item.event), attrText(*item.event, "table"), attrText(*item.event, "chain")},
             attrText(*item.event, "rule"), item.role);
    for (const NatPair &pair : natPairs) {
        if (!pair.pairEvent)
            continue;
        const nlohmann::json *rules = attr(*pair.pairEvent, "rules");
        if (!rules || !rules->is_array())
            continue;
        for (const nlohmann::json &rule : *rules) {
            std::string why = "rewrote the NAT pair";
            if (const nlohmann::json *delta = member(rule, "delta"))
                if (auto packets = evidence::integerOf(member(*delta, "packets")))
                    why += " (+" + packetsText(*packets) + ")";
            name({memberText(rule, "netns"), memberText(rule, "table"), memberText(rule, "chain")},
                 memberText(rule, "rule"), why);
        }
    }

    // Chains to show: each named chain, preceded by the chains that jump to it, so the path a
    // packet takes (PREROUTING, then DOCKER) reads from top to bottom.
    std::vector<ChainKey> chains;
    auto addChain = [&](const ChainKey &key) {
        if (std::find(chains.begin(), chains.end(), key) == chains.end())
            chains.push_back(key);
    };
    for (const NamedRule &rule : named) {
        const auto &[netns, table, chain] = rule.chain;
        for (const auto &[key, events] : m_ruleEvents) {
            if (std::get<0>(key) != netns || std::get<1>(key) != table || key == rule.chain)
                continue;
            for (const Event *event : events)
                if (event->seq <= untilSeq && jumpsTo(attrText(*event, "rule"), chain)) {
                    addChain(key);
                    break;
                }
        }
        addChain(rule.chain);
    }

    std::vector<RuleRow> rows;
    for (const ChainKey &key : chains) {
        std::vector<RuleRow> chainRows = this->chainRows(key, untilSeq);
        for (const NamedRule &rule : named) {
            if (rule.chain != key)
                continue;
            auto row = std::find_if(chainRows.begin(), chainRows.end(),
                                    [&](const RuleRow &r) { return r.rule == rule.rule; });
            if (row == chainRows.end()) {
                RuleRow unseen;
                std::tie(unseen.netns, unseen.table, unseen.chain) = key;
                unseen.rule = rule.rule;
                unseen.lastChange = "not seen by the rule monitor";
                chainRows.push_back(std::move(unseen));
                row = chainRows.end() - 1;
            }
            row->matched = true;
            if (row->why.empty())
                row->why = rule.why;
        }
        rows.insert(rows.end(), chainRows.begin(), chainRows.end());
    }
    return rows;
}

} // namespace flowlab
