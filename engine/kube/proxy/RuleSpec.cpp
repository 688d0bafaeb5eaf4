#include "engine/kube/proxy/RuleSpec.h"

#include <arpa/inet.h>
#include <charconv>
#include <map>
#include <utility>

namespace flowlab::kube::proxy {

namespace {

// What each match module lets a rule say, and the modules a protocol loads by itself (iptables
// loads the tcp match for `-p tcp --dport 80` even without `-m tcp`).
const std::map<std::string, std::set<std::string>> &moduleOptions()
{
    static const std::map<std::string, std::set<std::string>> options = {
        {"tcp", {"--dport", "--sport", "--destination-port", "--source-port"}},
        {"udp", {"--dport", "--sport", "--destination-port", "--source-port"}},
        {"sctp", {"--dport", "--sport", "--destination-port", "--source-port"}},
        {"comment", {"--comment"}},
        {"statistic", {"--mode", "--probability"}},
        {"addrtype", {"--dst-type", "--src-type"}},
        {"mark", {"--mark"}},
        {"conntrack", {"--ctstate"}},
    };
    return options;
}

// Targets the kernel provides, with the options each takes; any other target is a chain.
const std::map<std::string, std::set<std::string>> &builtinTargets()
{
    static const std::map<std::string, std::set<std::string>> targets = {
        {"ACCEPT", {}},
        {"DROP", {}},
        {"RETURN", {}},
        {"REJECT", {"--reject-with"}},
        {"DNAT", {"--to-destination"}},
        {"SNAT", {"--to-source", "--random", "--random-fully"}},
        {"MASQUERADE", {"--random", "--random-fully", "--to-ports"}},
        {"MARK", {"--set-xmark", "--set-mark", "--or-mark", "--xor-mark", "--and-mark"}},
    };
    return targets;
}

// Target options that are flags, without a value.
bool isFlag(const std::string &option)
{
    return option == "--random" || option == "--random-fully";
}

bool parseInt(const std::string &text, std::uint64_t &value, int base = 10)
{
    const char *begin = text.data();
    if (base == 16 && text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        begin += 2;
    const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value, base);
    return ec == std::errc() && end == text.data() + text.size() && begin != end;
}

std::optional<std::pair<int, int>> parsePortRange(const std::string &text)
{
    const auto colon = text.find(':');
    std::uint64_t low = 0, high = 0;
    if (!parseInt(text.substr(0, colon), low) ||
        (colon != std::string::npos && !parseInt(text.substr(colon + 1), high)))
        return std::nullopt;
    if (colon == std::string::npos)
        high = low;
    if (low > 65535 || high > 65535 || low > high)
        return std::nullopt;
    return std::pair(int(low), int(high));
}

std::optional<std::uint32_t> parseMarkNumber(const std::string &text)
{
    std::uint64_t value = 0;
    const bool hex = text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0;
    if (!parseInt(text, value, hex ? 16 : 10) || value > 0xffffffffULL)
        return std::nullopt;
    return std::uint32_t(value);
}

// "0x4000/0x4000" -> {0x4000, 0x4000}; "0x4000" -> {0x4000, 0xffffffff}.
std::optional<std::pair<std::uint32_t, std::uint32_t>> parseMark(const std::string &text)
{
    const auto slash = text.find('/');
    const auto value = parseMarkNumber(text.substr(0, slash));
    const auto mask = slash == std::string::npos ? std::optional<std::uint32_t>(0xffffffffU)
                                                 : parseMarkNumber(text.substr(slash + 1));
    if (!value || !mask)
        return std::nullopt;
    return std::pair(*value, *mask);
}

bool rangeHas(const std::pair<int, int> &range, int port)
{
    return port >= range.first && port <= range.second;
}

bool isLocal(const std::string &address, const TraceEnvironment &environment)
{
    const auto ip = parseIpv4(address);
    return environment.localAddresses.count(address) != 0 || (ip && (*ip >> 24) == 127);
}

template <typename T, typename Test>
bool holds(const std::optional<RuleSpec::Match<T>> &match, Test test)
{
    return !match || test(match->value) != match->negated;
}

} // namespace

bool isBuiltinTarget(const std::string &target)
{
    return builtinTargets().count(target) != 0;
}

std::vector<std::string> tablesOfTarget(const std::string &target)
{
    if (target == "DNAT" || target == "SNAT" || target == "MASQUERADE")
        return {"nat"};
    if (target == "REJECT")
        return {"filter", "mangle", "raw"};
    return {};
}

std::optional<std::uint32_t> parseIpv4(const std::string &text)
{
    in_addr parsed{};
    if (::inet_pton(AF_INET, text.c_str(), &parsed) != 1)
        return std::nullopt;
    return ntohl(parsed.s_addr);
}

std::optional<Ipv4Network> Ipv4Network::parse(const std::string &text)
{
    const auto slash = text.find('/');
    const auto address = parseIpv4(text.substr(0, slash));
    std::uint64_t prefix = 32;
    if (!address ||
        (slash != std::string::npos && (!parseInt(text.substr(slash + 1), prefix) || prefix > 32)))
        return std::nullopt;
    const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t(0) << (32 - prefix);
    return Ipv4Network{*address, mask};
}

Result<std::vector<std::string>> splitArguments(const std::string &arguments)
{
    std::vector<std::string> out;
    std::string current;
    bool inWord = false, quoted = false;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const char c = arguments[i];
        if (quoted) {
            if (c == '\\' && i + 1 < arguments.size() &&
                (arguments[i + 1] == '"' || arguments[i + 1] == '\\'))
                current += arguments[++i];
            else if (c == '"')
                quoted = false;
            else
                current += c;
        } else if (c == '"') {
            quoted = inWord = true;
        } else if (c == ' ' || c == '\t') {
            if (inWord)
                out.push_back(std::move(current));
            current.clear();
            inWord = false;
        } else {
            current += c;
            inWord = true;
        }
    }
    if (quoted)
        return Error("unterminated quote in \"" + arguments + "\"");
    if (inWord)
        out.push_back(std::move(current));
    return out;
}

Result<RuleSpec> RuleSpec::parse(const std::string &arguments)
{
    auto split = splitArguments(arguments);
    if (!split)
        return split.error();
    const std::vector<std::string> &words = *split;
    RuleSpec rule;
    std::set<std::string> modules;
    bool negate = false;
    std::size_t i = 0;
    auto value = [&](const std::string &option) -> Result<std::string> {
        if (i + 1 >= words.size())
            return Error("option " + option + " needs a value");
        return words[++i];
    };
    auto bad = [](const std::string &option, const std::string &text) {
        return Error("bad value for " + option + ": \"" + text + "\"");
    };
    for (; i < words.size(); ++i) {
        const std::string &word = words[i];
        if (word == "!") {
            negate = true;
            continue;
        }
        if (word == "-j" || word == "-g") {
            auto target = value(word);
            if (!target)
                return target.error();
            rule.target = *target;
            rule.gotoChain = word == "-g";
            // Everything after the target is the target's options.
            const auto known = builtinTargets().find(rule.target);
            for (++i; i < words.size(); ++i) {
                const std::string &option = words[i];
                if (known == builtinTargets().end() || !known->second.count(option))
                    return Error("target " + rule.target + " takes no option " + option);
                if (isFlag(option)) {
                    rule.targetOptions.emplace_back(option, "");
                    continue;
                }
                auto optionValue = value(option);
                if (!optionValue)
                    return optionValue.error();
                rule.targetOptions.emplace_back(option, *optionValue);
            }
            if (known != builtinTargets().end() && rule.target == "DNAT" &&
                rule.targetOption("--to-destination").empty())
                return Error("DNAT needs --to-destination");
            break;
        }
        auto text = value(word);
        if (!text)
            return text.error();
        const bool negated = std::exchange(negate, false);
        if (word == "-m" || word == "--match") {
            if (!moduleOptions().count(*text))
                return Error("unknown match module \"" + *text + "\"");
            modules.insert(*text);
        } else if (word == "-p" || word == "--protocol") {
            rule.protocol = Match<std::string>{*text, negated};
            if (moduleOptions().count(*text))
                modules.insert(*text);
        } else if (word == "-s" || word == "--source" || word == "-d" || word == "--destination") {
            const auto network = Ipv4Network::parse(*text);
            if (!network)
                return bad(word, *text);
            (word[1] == 's' || word == "--source" ? rule.source : rule.destination) =
                Match<Ipv4Network>{*network, negated};
        } else {
            // A module's option: the module must have been loaded before it.
            bool known = false;
            for (const std::string &module : modules)
                known = known || moduleOptions().at(module).count(word);
            if (!known)
                return Error("unknown option " + word +
                             (modules.empty() ? "" : " (or its match module is not loaded)"));
            if (word == "--dport" || word == "--destination-port" || word == "--sport" ||
                word == "--source-port") {
                const auto range = parsePortRange(*text);
                if (!range)
                    return bad(word, *text);
                (word == "--dport" || word == "--destination-port" ? rule.destinationPort
                                                                   : rule.sourcePort) =
                    Match<std::pair<int, int>>{*range, negated};
            } else if (word == "--comment") {
                rule.comment = *text;
            } else if (word == "--mode") {
                if (*text != "random")
                    return Error("statistic --mode " + *text + " is not supported (only random)");
            } else if (word == "--probability") {
                double probability = -1;
                const auto [end, ec] =
                    std::from_chars(text->data(), text->data() + text->size(), probability);
                if (ec != std::errc() || end != text->data() + text->size() || probability < 0 ||
                    probability > 1)
                    return bad(word, *text);
                rule.probability = probability;
            } else if (word == "--dst-type" || word == "--src-type") {
                (word == "--dst-type" ? rule.destinationType : rule.sourceType) =
                    Match<std::string>{*text, negated};
            } else if (word == "--mark") {
                const auto mark = parseMark(*text);
                if (!mark)
                    return bad(word, *text);
                rule.mark = Match<std::pair<std::uint32_t, std::uint32_t>>{*mark, negated};
            } else if (word == "--ctstate") {
                std::set<std::string> states;
                for (std::size_t at = 0; at <= text->size();) {
                    const auto comma = std::min(text->find(',', at), text->size());
                    states.insert(text->substr(at, comma - at));
                    at = comma + 1;
                }
                rule.ctstate = Match<std::set<std::string>>{states, negated};
            }
        }
    }
    if (negate)
        return Error("\"!\" at the end of the rule negates nothing");
    if (rule.destinationPort && !rule.protocol)
        return Error("--dport needs -p tcp, udp or sctp");
    if (modules.count("statistic") && !rule.probability)
        return Error("statistic --mode random needs --probability");
    return rule;
}

std::string RuleSpec::targetOption(const std::string &name) const
{
    for (const auto &[option, value] : targetOptions)
        if (option == name)
            return value;
    return {};
}

bool RuleSpec::matches(const VirtualPacket &packet, const TraceEnvironment &environment) const
{
    const auto source_ = parseIpv4(packet.source).value_or(0);
    const auto destination_ = parseIpv4(packet.destination).value_or(0);
    const bool matched =
        holds(protocol, [&](const std::string &p) { return p == "all" || p == packet.protocol; }) &&
        holds(source, [&](const Ipv4Network &n) { return n.contains(source_); }) &&
        holds(destination, [&](const Ipv4Network &n) { return n.contains(destination_); }) &&
        holds(destinationPort,
              [&](const auto &r) { return rangeHas(r, packet.destinationPort); }) &&
        holds(sourcePort, [&](const auto &r) { return rangeHas(r, packet.sourcePort); }) &&
        holds(destinationType,
              [&](const std::string &type) {
                  return type == "LOCAL" && isLocal(packet.destination, environment);
              }) &&
        holds(sourceType,
              [&](const std::string &type) {
                  return type == "LOCAL" && isLocal(packet.source, environment);
              }) &&
        holds(mark, [&](const auto &m) { return (packet.mark & m.second) == m.first; }) &&
        holds(ctstate, [&](const auto &states) { return states.count(packet.ctstate) != 0; });
    if (!matched)
        return false;
    // Drawn only for a packet every other match let through: in kube-proxy's rules the
    // statistic match comes after the others, and the kernel stops at the first that fails.
    if (probability)
        return environment.random && environment.random() < *probability;
    return true;
}

} // namespace flowlab::kube::proxy
