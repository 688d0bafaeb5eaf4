#include "engine/kube/proxy/ServiceRuleRenderer.h"

#include "engine/kube/proxy/ChainNames.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace flowlab::kube::proxy {

namespace {

const std::string kServices = "KUBE-SERVICES";
const std::string kExternalServices = "KUBE-EXTERNAL-SERVICES";
const std::string kForward = "KUBE-FORWARD";
const std::string kNodePorts = "KUBE-NODEPORTS";
const std::string kPostrouting = "KUBE-POSTROUTING";
const std::string kMarkMasq = "KUBE-MARK-MASQ";

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return text;
}

std::string comment(const std::string &text)
{
    return "-m comment --comment " + quoteArgument(text);
}

void declareFixedChains(Ruleset &rules)
{
    for (const std::string &chain : {kServices, kExternalServices, kForward})
        rules.filter.declare(chain);
    for (const std::string &chain : {kServices, kNodePorts, kPostrouting, kMarkMasq})
        rules.nat.declare(chain);

    const std::string mark = std::string(kMasqueradeMark) + "/" + kMasqueradeMark;
    // Only packets KUBE-MARK-MASQ marked are masqueraded; the mark is cleared first so that a
    // packet that is re-routed (and so passes here again) is not masqueraded twice.
    rules.nat.append(kPostrouting, "-m mark ! --mark " + mark + " -j RETURN");
    rules.nat.append(kPostrouting, std::string("-j MARK --xor-mark ") + kMasqueradeMark);
    rules.nat.append(kPostrouting, comment("kubernetes service traffic requiring SNAT") +
                                       " -j MASQUERADE --random-fully");
    rules.nat.append(kMarkMasq, std::string("-j MARK --or-mark ") + kMasqueradeMark);

    rules.filter.append(kForward, "-m conntrack --ctstate INVALID -j DROP");
    rules.filter.append(kForward, comment("kubernetes forwarding rules") + " -m mark --mark " +
                                      mark + " -j ACCEPT");
    rules.filter.append(kForward, comment("kubernetes forwarding conntrack rule") +
                                      " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
}

// A Service port nobody serves: connections are refused at once (ICMP port unreachable)
// instead of hanging, as kube-proxy does.
void renderRejects(const ServicePort &port, const std::string &match, Ruleset &rules)
{
    const std::string note = comment(port.name() + " has no endpoints");
    rules.filter.append(kServices, note + " " + match + " -d " + port.clusterIP + " --dport " +
                                       std::to_string(port.port) + " -j REJECT");
    std::vector<std::string> external = port.externalIPs;
    external.insert(external.end(), port.loadBalancerIPs.begin(), port.loadBalancerIPs.end());
    for (const std::string &ip : external)
        rules.filter.append(kExternalServices, note + " " + match + " -d " + ip + " --dport " +
                                                   std::to_string(port.port) + " -j REJECT");
    if (port.nodePort > 0)
        rules.filter.append(kExternalServices, note + " -m addrtype --dst-type LOCAL " + match +
                                                   " --dport " + std::to_string(port.nodePort) +
                                                   " -j REJECT");
}

void renderServicePort(const ServicePort &port, const RenderOptions &options, Ruleset &rules)
{
    const std::string protocol = lower(port.protocol);
    const std::string match = "-m " + protocol + " -p " + protocol;
    if (port.endpoints.empty()) {
        renderRejects(port, match, rules);
        return;
    }
    const std::string name = port.name();
    const std::string serviceChain = serviceChainName(name, port.protocol);
    const std::string externalChain = externalChainName(name, port.protocol);
    const std::string destination =
        match + " -d " + port.clusterIP + " --dport " + std::to_string(port.port);
    rules.nat.declare(serviceChain);
    if (port.hasExternalDestinations())
        rules.nat.declare(externalChain);

    rules.nat.append(kServices,
                     comment(name + " cluster IP") + " " + destination + " -j " + serviceChain);
    for (const std::string &ip : port.externalIPs)
        rules.nat.append(kServices, comment(name + " external IP") + " " + match + " -d " + ip +
                                        " --dport " + std::to_string(port.port) + " -j " +
                                        externalChain);
    for (const std::string &ip : port.loadBalancerIPs)
        rules.nat.append(kServices, comment(name + " loadbalancer IP") + " " + match + " -d " + ip +
                                        " --dport " + std::to_string(port.port) + " -j " +
                                        externalChain);
    if (port.nodePort > 0)
        rules.nat.append(kNodePorts, comment(name) + " " + match + " --dport " +
                                         std::to_string(port.nodePort) + " -j " + externalChain);

    if (port.hasExternalDestinations()) {
        // externalTrafficPolicy Cluster: whatever came from outside may go to any endpoint,
        // on any node, so its source is rewritten for the reply to come back through here.
        rules.nat.append(externalChain,
                         comment("masquerade traffic for " + name + " external destinations") +
                             " -j " + kMarkMasq);
        rules.nat.append(externalChain, "-j " + serviceChain);
    }

    if (!options.clusterCIDR.empty())
        rules.nat.append(serviceChain, comment(name + " cluster IP") + " " + destination +
                                           " ! -s " + options.clusterCIDR + " -j " + kMarkMasq);
    const std::size_t count = port.endpoints.size();
    for (std::size_t i = 0; i < count; ++i) {
        const Endpoint &endpoint = port.endpoints[i];
        const std::string address = endpoint.address();
        const std::string endpointChain = endpointChainName(name, port.protocol, address);
        rules.nat.declare(endpointChain);
        std::string rule = comment(name + " -> " + address);
        if (i + 1 < count)
            rule += " -m statistic --mode random --probability " + endpointProbability(i, count);
        rules.nat.append(serviceChain, rule + " -j " + endpointChain);
        // A pod that reaches itself through its Service (hairpin) must be masqueraded, or it
        // would answer itself directly and the connection would never match.
        rules.nat.append(endpointChain, comment(name) + " -s " + endpoint.ip + " -j " + kMarkMasq);
        rules.nat.append(endpointChain,
                         comment(name) + " " + match + " -j DNAT --to-destination " + address);
    }
}

} // namespace

std::string quoteArgument(const std::string &argument)
{
    if (!argument.empty() && argument.find_first_of(" \t\"") == std::string::npos)
        return argument;
    std::string quoted = "\"";
    for (char c : argument) {
        if (c == '"' || c == '\\')
            quoted += '\\';
        quoted += c;
    }
    return quoted + "\"";
}

std::string endpointProbability(std::size_t index, std::size_t count)
{
    char text[32];
    std::snprintf(text, sizeof text, "%0.10f", 1.0 / double(count - index));
    return text;
}

Ruleset renderServiceRules(const std::vector<ServicePort> &ports, const RenderOptions &options)
{
    Ruleset rules;
    declareFixedChains(rules);
    for (const ServicePort &port : ports)
        renderServicePort(port, options, rules);
    // Last, so that a node port can never shadow a cluster IP and port.
    rules.nat.append(kServices,
                     comment("kubernetes service nodeports; NOTE: this must be the last rule in "
                             "this chain") +
                         " -m addrtype --dst-type LOCAL -j " + kNodePorts);
    return rules;
}

const std::vector<HookRule> &hookRules()
{
    static const std::vector<HookRule> hooks = {
        {"filter", "INPUT",
         "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service "
         "portals\" -j KUBE-EXTERNAL-SERVICES",
         kExternalServices},
        {"filter", "FORWARD",
         "-m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j "
         "KUBE-SERVICES",
         kServices},
        {"filter", "FORWARD",
         "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service "
         "portals\" -j KUBE-EXTERNAL-SERVICES",
         kExternalServices},
        {"filter", "FORWARD",
         "-m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD", kForward},
        {"filter", "OUTPUT",
         "-m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j "
         "KUBE-SERVICES",
         kServices},
        {"nat", "PREROUTING",
         "-m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES", kServices},
        {"nat", "OUTPUT", "-m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
         kServices},
        {"nat", "POSTROUTING",
         "-m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING", kPostrouting},
    };
    return hooks;
}

} // namespace flowlab::kube::proxy
