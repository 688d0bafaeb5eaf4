#include "tracer/kernel/NatPairer.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <charconv>
#include <cstring>
#include <set>

namespace flowlab {

std::string_view toString(NatDirection direction)
{
    return direction == NatDirection::Request ? "request" : "reply";
}

std::string_view toString(RuleMatchMethod method)
{
    return method == RuleMatchMethod::CounterDelta ? "counter-delta" : "rule-text";
}

std::string NatPair::ruleText() const
{
    std::string text;
    for (const auto &rule : rules)
        text += (text.empty() ? "" : "; ") + rule.rule;
    return text;
}

std::string NatPair::ruleMethod() const
{
    if (rules.empty())
        return "none";
    std::string text;
    for (const auto &rule : rules) {
        const std::string method(toString(rule.method));
        if (text.find(method) == std::string::npos)
            text += (text.empty() ? "" : "+") + method;
    }
    return text;
}

void to_json(nlohmann::json &j, const NatRuleMatch &match)
{
    j = {{"netns", match.netns},
         {"table", match.table},
         {"chain", match.chain},
         {"rule", match.rule},
         {"target", match.target},
         {"method", toString(match.method)},
         {"delta", {{"packets", match.delta.packets}, {"bytes", match.delta.bytes}}}};
}

void to_json(nlohmann::json &j, const NatPair &pair)
{
    nlohmann::json changed = nlohmann::json::array();
    for (const auto &c : pair.changed)
        changed.push_back({{"field", c.field}, {"before", c.before}, {"after", c.after}});
    j = {{"conntrackSeq", pair.conntrackSeq},
         {"beforePacketSeq", pair.beforePacketSeq},
         {"afterPacketSeq", pair.afterPacketSeq},
         {"direction", toString(pair.direction)},
         {"beforeInterface", pair.beforeInterface},
         {"afterInterface", pair.afterInterface},
         {"changed", changed},
         {"rules", pair.rules},
         {"ruleText", pair.ruleText()},
         {"ruleMethod", pair.ruleMethod()}};
}

namespace {

// An address as bytes, so that v4 and v6 compare and mask the same way.
struct Address
{
    int family = 0;
    std::array<unsigned char, 16> bytes{};
    std::size_t size() const { return family == AF_INET ? 4 : 16; }
};

std::optional<Address> parseAddress(std::string text)
{
    if (text.size() > 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    Address a;
    if (::inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1)
        a.family = AF_INET;
    else if (::inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1)
        a.family = AF_INET6;
    else
        return std::nullopt;
    return a;
}

int compare(const Address &a, const Address &b)
{
    return std::memcmp(a.bytes.data(), b.bytes.data(), a.size());
}

bool inCidr(const std::string &address, const std::string &cidr)
{
    const auto slash = cidr.find('/');
    auto net = parseAddress(cidr.substr(0, slash));
    auto addr = parseAddress(address);
    if (!net || !addr || net->family != addr->family)
        return false;
    int bits = int(net->size() * 8);
    if (slash != std::string::npos) {
        const std::string len = cidr.substr(slash + 1);
        if (std::from_chars(len.data(), len.data() + len.size(), bits).ec != std::errc())
            return false; // a dotted netmask: iptables-save never prints one
    }
    for (std::size_t i = 0; i < net->size() && bits > 0; ++i, bits -= 8) {
        const unsigned char mask =
            bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
        if ((net->bytes[i] & mask) != (addr->bytes[i] & mask))
            return false;
    }
    return true;
}

bool parsePort(std::string_view text, unsigned &port)
{
    return std::from_chars(text.data(), text.data() + text.size(), port).ec == std::errc() &&
           port <= 65535;
}

// "80", "80:90" (--dport) or "80-90" (--to-destination); `separator` is ':' or '-'.
bool portInRange(std::uint16_t port, std::string_view range, char separator)
{
    const auto sep = range.find(separator);
    unsigned low = 0, high = 0;
    if (!parsePort(range.substr(0, sep), low))
        return false;
    high = low;
    if (sep != std::string_view::npos && !parsePort(range.substr(sep + 1), high))
        return false;
    return port >= low && port <= high;
}

// multiport's "80,443,8000:8080".
bool portInList(std::uint16_t port, std::string_view list)
{
    while (!list.empty()) {
        const auto comma = std::min(list.find(','), list.size());
        if (portInRange(port, list.substr(0, comma), ':'))
            return true;
        list.remove_prefix(std::min(comma + 1, list.size()));
    }
    return false;
}

// --to-destination / --to-source: "ip[-ip][:port[-port]]", or "[v6]:port". An empty address
// part (":8080", REDIRECT-like) matches any address.
bool natTargetFits(const std::string &spec, const std::string &address, std::uint16_t port,
                   std::uint16_t unchangedPort)
{
    std::string addressPart = spec, portPart;
    if (!spec.empty() && spec.front() == '[') {
        const auto close = spec.find(']');
        addressPart = spec.substr(1, close - 1);
        if (close != std::string::npos && close + 1 < spec.size() && spec[close + 1] == ':')
            portPart = spec.substr(close + 2);
    } else if (std::count(spec.begin(), spec.end(), ':') == 1) {
        addressPart = spec.substr(0, spec.find(':'));
        portPart = spec.substr(spec.find(':') + 1);
    }
    if (!addressPart.empty()) {
        const auto dash = addressPart.find('-');
        auto low = parseAddress(addressPart.substr(0, dash));
        auto high = dash == std::string::npos ? low : parseAddress(addressPart.substr(dash + 1));
        auto addr = parseAddress(address);
        if (!low || !high || !addr || low->family != addr->family)
            return false;
        if (compare(*addr, *low) < 0 || compare(*addr, *high) > 0)
            return false;
    }
    if (!portPart.empty())
        return portInRange(port, portPart, '-');
    return port == unchangedPort;
}

// The packet as a nat rule saw it: PREROUTING/OUTPUT (DNAT) see the original tuple;
// POSTROUTING (SNAT) sees it already DNAT'ed, i.e. with the reply source as destination.
FlowTuple packetSeenBy(const ConntrackFlowEvent &flow, NatKind which)
{
    if (which == NatKind::Dnat)
        return flow.orig;
    return {flow.orig.proto, flow.orig.src, flow.reply.src, flow.orig.sport, flow.reply.sport};
}

bool matchesFit(const IptablesRule &rule, const FlowTuple &packet)
{
    bool negated = false;
    if (auto proto = rule.option("-p", &negated); proto && ((*proto == packet.proto) == negated))
        return false;
    if (auto src = rule.option("-s", &negated); src && (inCidr(packet.src, *src) == negated))
        return false;
    if (auto dst = rule.option("-d", &negated); dst && (inCidr(packet.dst, *dst) == negated))
        return false;
    if (auto dport = rule.option("--dport", &negated);
        dport && (portInRange(packet.dport, *dport, ':') == negated))
        return false;
    if (auto sport = rule.option("--sport", &negated);
        sport && (portInRange(packet.sport, *sport, ':') == negated))
        return false;
    if (auto dports = rule.option("--dports", &negated);
        dports && (portInList(packet.dport, *dports) == negated))
        return false;
    return true;
}

bool ruleFits(const IptablesRule &rule, const ConntrackFlowEvent &flow, NatKind which)
{
    const std::string target = rule.target();
    if (which == NatKind::Dnat) {
        if (target == "DNAT") {
            auto to = rule.option("--to-destination");
            if (!to || !natTargetFits(*to, flow.reply.src, flow.reply.sport, flow.orig.dport))
                return false;
        } else if (target == "REDIRECT") {
            auto ports = rule.option("--to-ports");
            if (ports && !portInRange(flow.reply.sport, *ports, '-'))
                return false;
        } else {
            return false;
        }
    } else {
        if (target == "SNAT") {
            auto to = rule.option("--to-source");
            // SNAT may remap the port to avoid a clash even without a port range.
            if (!to || !natTargetFits(*to, flow.reply.dst, flow.reply.dport, flow.reply.dport))
                return false;
        } else if (target == "MASQUERADE") {
            auto ports = rule.option("--to-ports");
            if (ports && !portInRange(flow.reply.dport, *ports, '-'))
                return false;
        } else {
            return false;
        }
    }
    return matchesFit(rule, packetSeenBy(flow, which));
}

// The same rule in another snapshot: same chain, same text, same occurrence among copies.
const IptablesRule *counterpart(const IptablesChain &chain, std::size_t index,
                                const RuleSnapshot &other, const std::string &table)
{
    const IptablesChain *otherChain = other.chain(table, chain.name);
    if (!otherChain)
        return nullptr;
    const std::string text = chain.rules[index].text();
    std::size_t occurrence = 0;
    for (std::size_t i = 0; i < index; ++i)
        occurrence += chain.rules[i].text() == text;
    for (const auto &rule : otherChain->rules)
        if (rule.text() == text && occurrence-- == 0)
            return &rule;
    return nullptr;
}

} // namespace

std::optional<NatRuleMatch> identifyNatRule(const ConntrackFlowEvent &flow, NatKind which,
                                            const RuleSnapshot *before, const RuleSnapshot &after)
{
    const IptablesTable *nat = after.table("nat");
    if (!nat || (which != NatKind::Dnat && which != NatKind::Snat))
        return std::nullopt;
    std::optional<NatRuleMatch> byText;
    for (const IptablesChain &chain : nat->chains) {
        for (std::size_t i = 0; i < chain.rules.size(); ++i) {
            const IptablesRule &rule = chain.rules[i];
            if (!ruleFits(rule, flow, which))
                continue;
            NatRuleMatch match{after.netns, "nat", chain.name, rule.text(), rule.target()};
            if (before) {
                // A rule that is new since `before` counts from zero.
                const IptablesRule *old = counterpart(chain, i, *before, "nat");
                const RuleCounters was = old ? old->counters : RuleCounters{};
                if (rule.hasCounters && rule.counters.packets > was.packets) {
                    match.method = RuleMatchMethod::CounterDelta;
                    match.delta = {rule.counters.packets - was.packets,
                                   rule.counters.bytes > was.bytes ? rule.counters.bytes - was.bytes
                                                                   : 0};
                    return match;
                }
            }
            if (!byText)
                byText = match;
        }
    }
    return byText;
}

void NatPairer::addPacket(PacketKey packet)
{
    m_packets.push_back(std::move(packet));
}

void NatPairer::addConntrack(ConntrackFlowEvent flow)
{
    m_flows.push_back(std::move(flow));
}

void NatPairer::addEvent(const Event &event)
{
    if (auto flow = conntrackFlowFromEvent(event))
        addConntrack(std::move(*flow));
}

void NatPairer::setRuleSnapshots(const std::string &netns, std::optional<RuleSnapshot> before,
                                 RuleSnapshot after)
{
    m_snapshots[netns] = Snapshots{std::move(before), std::move(after)};
}

namespace {

std::vector<FieldChange> changedFields(const FlowTuple &before, const FlowTuple &after)
{
    std::vector<FieldChange> changed;
    if (before.src != after.src)
        changed.push_back({"src", before.src, after.src});
    if (before.sport != after.sport)
        changed.push_back({"sport", std::to_string(before.sport), std::to_string(after.sport)});
    if (before.dst != after.dst)
        changed.push_back({"dst", before.dst, after.dst});
    if (before.dport != after.dport)
        changed.push_back({"dport", std::to_string(before.dport), std::to_string(after.dport)});
    return changed;
}

// Pairs the packets of one direction: by fingerprint where both sides have one, then the rest
// in capture order, interface by interface (one packet may be captured at several points).
void pairPackets(const std::vector<const PacketKey *> &before,
                 const std::vector<const PacketKey *> &after,
                 std::vector<std::pair<const PacketKey *, const PacketKey *>> &out)
{
    std::set<std::string> beforeIfaces, afterIfaces;
    for (auto *p : before)
        beforeIfaces.insert(p->interface);
    for (auto *p : after)
        afterIfaces.insert(p->interface);
    for (const auto &bi : beforeIfaces) {
        for (const auto &ai : afterIfaces) {
            std::vector<const PacketKey *> b, a;
            for (auto *p : before)
                if (p->interface == bi)
                    b.push_back(p);
            for (auto *p : after)
                if (p->interface == ai)
                    a.push_back(p);
            std::vector<bool> usedB(b.size()), usedA(a.size());
            for (std::size_t i = 0; i < b.size(); ++i) {
                if (!b[i]->fingerprint)
                    continue;
                for (std::size_t k = 0; k < a.size(); ++k) {
                    if (!usedA[k] && a[k]->fingerprint == b[i]->fingerprint) {
                        out.push_back({b[i], a[k]});
                        usedB[i] = usedA[k] = true;
                        break;
                    }
                }
            }
            std::size_t k = 0;
            for (std::size_t i = 0; i < b.size(); ++i) {
                if (usedB[i] || b[i]->fingerprint)
                    continue;
                while (k < a.size() && (usedA[k] || a[k]->fingerprint))
                    ++k;
                if (k == a.size())
                    break;
                out.push_back({b[i], a[k]});
                usedA[k++] = true;
            }
        }
    }
}

} // namespace

std::vector<NatPair> NatPairer::pairs() const
{
    // One flow per (netns, tuples): new, update and destroy events of a connection are one flow,
    // represented by its earliest event.
    std::vector<const ConntrackFlowEvent *> flows;
    for (const auto &flow : m_flows) {
        if (flow.nat() == NatKind::None)
            continue;
        auto same = std::find_if(flows.begin(), flows.end(), [&](const ConntrackFlowEvent *f) {
            return f->netns == flow.netns && f->orig == flow.orig && f->reply == flow.reply;
        });
        if (same == flows.end())
            flows.push_back(&flow);
        else if (flow.seq < (*same)->seq)
            *same = &flow;
    }

    std::vector<const PacketKey *> packets;
    for (const auto &p : m_packets)
        packets.push_back(&p);
    std::stable_sort(packets.begin(), packets.end(),
                     [](const PacketKey *a, const PacketKey *b) { return a->seq < b->seq; });

    std::vector<NatPair> result;
    for (const ConntrackFlowEvent *flow : flows) {
        std::vector<NatRuleMatch> rules;
        if (auto it = m_snapshots.find(flow->netns); it != m_snapshots.end()) {
            const RuleSnapshot *before = it->second.before ? &*it->second.before : nullptr;
            for (NatKind half : {NatKind::Dnat, NatKind::Snat}) {
                if ((half == NatKind::Dnat && !flow->dnat()) ||
                    (half == NatKind::Snat && !flow->snat()))
                    continue;
                if (auto match = identifyNatRule(*flow, half, before, it->second.after)) {
                    match->netns = flow->netns;
                    rules.push_back(std::move(*match));
                }
            }
        }
        for (NatDirection direction : {NatDirection::Request, NatDirection::Reply}) {
            const bool request = direction == NatDirection::Request;
            const FlowTuple beforeTuple = request ? flow->orig : flow->reply;
            const FlowTuple afterTuple = request ? flow->reply.reversed() : flow->orig.reversed();
            std::vector<const PacketKey *> before, after;
            for (const PacketKey *p : packets) {
                if (p->tuple == beforeTuple)
                    before.push_back(p);
                else if (p->tuple == afterTuple)
                    after.push_back(p);
            }
            std::vector<std::pair<const PacketKey *, const PacketKey *>> matched;
            pairPackets(before, after, matched);
            for (const auto &[b, a] : matched) {
                NatPair pair;
                pair.conntrackSeq = flow->seq;
                pair.beforePacketSeq = b->seq;
                pair.afterPacketSeq = a->seq;
                pair.direction = direction;
                pair.beforeInterface = b->interface;
                pair.afterInterface = a->interface;
                pair.changed = changedFields(beforeTuple, afterTuple);
                pair.rules = rules;
                result.push_back(std::move(pair));
            }
        }
    }
    std::stable_sort(result.begin(), result.end(), [](const NatPair &x, const NatPair &y) {
        if (x.conntrackSeq != y.conntrackSeq)
            return x.conntrackSeq < y.conntrackSeq;
        return x.beforePacketSeq < y.beforePacketSeq;
    });
    return result;
}

} // namespace flowlab
