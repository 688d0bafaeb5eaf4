#pragma once

// One iptables rule's arguments ("-m tcp -p tcp -d 10.43.0.20 --dport 80 -j KUBE-SVC-..."),
// parsed into the matches and the target that FakeIptables understands, and matched against a
// virtual packet. Strict on purpose, like kube-proxy's own fake: an option it does not know,
// an option whose module was not loaded, or a value that does not parse is an error, so that a
// typo in the renderer fails a unit test instead of a real iptables-restore in the lab.

#include "tracer/base/Result.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace flowlab::kube::proxy {

// A packet walked through the fake's chains. Addresses are dotted IPv4.
struct VirtualPacket
{
    std::string protocol = "tcp"; // tcp, udp, sctp
    std::string source;
    std::string destination;
    int sourcePort = 40000;
    int destinationPort = 0;
    std::uint32_t mark = 0;
    std::string ctstate = "NEW"; // a virtual packet is the first of its connection
};

// What the packet's path depends on besides the packet: the addresses that are local to the
// node (addrtype LOCAL: its own IPs; 127.0.0.0/8 always is) and the random numbers the
// statistic match draws, uniform in [0, 1).
struct TraceEnvironment
{
    std::set<std::string> localAddresses;
    std::function<double()> random;
};

// An IPv4 network: "10.42.0.0/16", or "10.42.0.5" for one address.
struct Ipv4Network
{
    std::uint32_t address = 0;
    std::uint32_t mask = 0;

    static std::optional<Ipv4Network> parse(const std::string &text);
    bool contains(std::uint32_t ip) const { return (ip & mask) == (address & mask); }
};

std::optional<std::uint32_t> parseIpv4(const std::string &text);

struct RuleSpec
{
    template <typename T> struct Match
    {
        T value{};
        bool negated = false;
    };

    std::optional<Match<std::string>> protocol;
    std::optional<Match<Ipv4Network>> source;
    std::optional<Match<Ipv4Network>> destination;
    std::optional<Match<std::pair<int, int>>> destinationPort; // a range; one port is [p, p]
    std::optional<Match<std::pair<int, int>>> sourcePort;
    std::optional<Match<std::string>> destinationType;                  // addrtype --dst-type
    std::optional<Match<std::string>> sourceType;                       // addrtype --src-type
    std::optional<Match<std::pair<std::uint32_t, std::uint32_t>>> mark; // value, mask
    std::optional<Match<std::set<std::string>>> ctstate;
    std::optional<double> probability; // statistic --mode random
    std::string comment;

    // The target (-j) or, with `gotoChain`, the chain of -g; empty when there is none.
    std::string target;
    bool gotoChain = false;
    // The target's options, by name: "--to-destination" -> "10.42.0.5:80".
    std::vector<std::pair<std::string, std::string>> targetOptions;

    // Parses the arguments after "-A CHAIN". The error names the offending argument.
    static Result<RuleSpec> parse(const std::string &arguments);

    std::string targetOption(const std::string &name) const;
    // Whether every match holds for `packet` (the statistic match draws from `environment`).
    bool matches(const VirtualPacket &packet, const TraceEnvironment &environment) const;
};

// Whether `target` is one the kernel provides (ACCEPT, DNAT, MARK...) rather than a chain.
bool isBuiltinTarget(const std::string &target);
// The tables a built-in target may be used in ("DNAT" -> nat), empty when any will do.
std::vector<std::string> tablesOfTarget(const std::string &target);

// The arguments split as iptables-restore splits them: on blanks, with double quotes
// grouping ("a b") and a backslash escaping a quote inside them.
Result<std::vector<std::string>> splitArguments(const std::string &arguments);

} // namespace flowlab::kube::proxy
