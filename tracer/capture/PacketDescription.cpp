// How a decoded packet reads: the one-line summary, the flattened event attributes, the flow key,
// and the name tables for TCP flags, DNS types and ICMP messages. Unknown numbers print as
// numbers, never guessed.

#include "tracer/capture/PacketDecoder.h"

#include <array>
#include <cstdio>
#include <utility>

namespace flowlab {

namespace {

constexpr std::array<std::pair<LinkType, std::string_view>, 4> kLinkTypeNames{{
    {LinkType::Ethernet, "ethernet"},
    {LinkType::Raw, "raw"},
    {LinkType::LinuxSll, "linux-sll"},
    {LinkType::LinuxSll2, "linux-sll2"},
}};

// In the order tcpdump and Wireshark print them, so "SYN,ACK" and "FIN,PSH,ACK" read as usual.
constexpr std::array<std::pair<std::uint8_t, std::string_view>, 8> kTcpFlagNames{{
    {TcpFin, "FIN"},
    {TcpSyn, "SYN"},
    {TcpRst, "RST"},
    {TcpPsh, "PSH"},
    {TcpAck, "ACK"},
    {TcpUrg, "URG"},
    {TcpEce, "ECE"},
    {TcpCwr, "CWR"},
}};

constexpr std::array<std::pair<std::uint16_t, std::string_view>, 11> kDnsTypeNames{{
    {1, "A"},
    {2, "NS"},
    {5, "CNAME"},
    {6, "SOA"},
    {12, "PTR"},
    {15, "MX"},
    {16, "TXT"},
    {28, "AAAA"},
    {33, "SRV"},
    {65, "HTTPS"},
    {255, "ANY"},
}};

constexpr std::array<std::string_view, 6> kDnsRcodeNames{
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
};

struct IcmpName
{
    bool v6;
    int type;
    int code; // -1: any code
    std::string_view name;
};

constexpr std::array<IcmpName, 31> kIcmpNames{{
    {false, 0, -1, "echo reply"},
    {false, 3, 0, "destination unreachable (network)"},
    {false, 3, 1, "destination unreachable (host)"},
    {false, 3, 2, "destination unreachable (protocol)"},
    {false, 3, 3, "destination unreachable (port)"},
    {false, 3, 4, "destination unreachable (fragmentation needed)"},
    {false, 3, 9, "destination unreachable (network administratively prohibited)"},
    {false, 3, 10, "destination unreachable (host administratively prohibited)"},
    {false, 3, 13, "destination unreachable (administratively prohibited)"},
    {false, 3, -1, "destination unreachable"},
    {false, 5, -1, "redirect"},
    {false, 8, -1, "echo request"},
    {false, 11, 0, "time exceeded (ttl)"},
    {false, 11, -1, "time exceeded"},
    {false, 12, -1, "parameter problem"},
    {true, 1, 0, "destination unreachable (no route)"},
    {true, 1, 1, "destination unreachable (administratively prohibited)"},
    {true, 1, 3, "destination unreachable (address)"},
    {true, 1, 4, "destination unreachable (port)"},
    {true, 1, -1, "destination unreachable"},
    {true, 2, -1, "packet too big"},
    {true, 3, -1, "time exceeded"},
    {true, 4, -1, "parameter problem"},
    {true, 128, -1, "echo request"},
    {true, 129, -1, "echo reply"},
    {true, 133, -1, "router solicitation"},
    {true, 134, -1, "router advertisement"},
    {true, 135, -1, "neighbor solicitation"},
    {true, 136, -1, "neighbor advertisement"},
    {true, 137, -1, "redirect"},
    {true, 143, -1, "multicast listener report v2"},
}};

constexpr std::array<std::pair<std::uint16_t, std::string_view>, 5> kEtherTypeNames{{
    {0x0800, "IPv4"},
    {0x0806, "ARP"},
    {0x86dd, "IPv6"},
    {0x88cc, "LLDP"},
    {0x8100, "802.1Q"},
}};

std::string protocolName(std::uint8_t protocol)
{
    switch (protocol) {
    case 1:
        return "icmp";
    case 6:
        return "tcp";
    case 17:
        return "udp";
    case 58:
        return "icmpv6";
    default:
        return std::to_string(protocol);
    }
}

std::string hex16(std::uint16_t value)
{
    char text[8];
    std::snprintf(text, sizeof text, "0x%04x", value);
    return text;
}

std::string etherTypeName(std::uint16_t type)
{
    for (const auto &[value, name] : kEtherTypeNames)
        if (value == type)
            return std::string(name);
    return "type " + hex16(type);
}

// "10.0.0.1:80", "[fd00::1]:80"
std::string endpoint(const std::string &address, std::uint16_t port)
{
    const bool v6 = address.find(':') != std::string::npos;
    return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

std::string joined(const std::vector<std::string> &items, std::string_view separator)
{
    std::string text;
    for (const std::string &item : items)
        text += (text.empty() ? "" : std::string(separator)) + item;
    return text;
}

std::string arpOperation(std::uint16_t operation)
{
    if (operation == 1)
        return "who-has";
    if (operation == 2)
        return "is-at";
    return "op " + std::to_string(operation);
}

std::string dnsText(const DnsMessage &dns)
{
    std::string text = std::string("DNS ") + (dns.response ? "response " : "query ") +
                       dnsTypeName(dns.type) + " " + dns.name;
    if (dns.response && dns.rcode != 0)
        text += " " + dnsRcodeName(dns.rcode);
    if (!dns.answers.empty())
        text += ": " + joined(dns.answers, ", ");
    return text;
}

std::string icmpText(const IcmpMessage &icmp)
{
    std::string text = icmp.description();
    if (icmp.echoId)
        text += " id=" + std::to_string(*icmp.echoId) + " seq=" + std::to_string(*icmp.echoSeq);
    return text;
}

} // namespace

std::string_view toString(LinkType type)
{
    for (const auto &[value, name] : kLinkTypeNames)
        if (value == type)
            return name;
    return "unknown";
}

std::optional<LinkType> linkTypeFromDlt(int dlt)
{
    switch (dlt) {
    case 1:
        return LinkType::Ethernet;
    case 12: // DLT_RAW on Linux
    case 14: // DLT_RAW on OpenBSD
    case 101:
        return LinkType::Raw;
    case 113:
        return LinkType::LinuxSll;
    case 276:
        return LinkType::LinuxSll2;
    default:
        return std::nullopt;
    }
}

std::string tcpFlagsText(std::uint8_t flags)
{
    std::string text;
    for (const auto &[bit, name] : kTcpFlagNames)
        if (flags & bit)
            text += (text.empty() ? "" : ",") + std::string(name);
    return text.empty() ? "none" : text;
}

std::string dnsTypeName(std::uint16_t type)
{
    for (const auto &[value, name] : kDnsTypeNames)
        if (value == type)
            return std::string(name);
    return "TYPE" + std::to_string(type);
}

std::string dnsRcodeName(std::uint8_t rcode)
{
    if (rcode < kDnsRcodeNames.size())
        return std::string(kDnsRcodeNames[rcode]);
    return "RCODE" + std::to_string(rcode);
}

std::string IcmpMessage::description() const
{
    for (const IcmpName &entry : kIcmpNames)
        if (entry.v6 == v6 && entry.type == type && (entry.code == -1 || entry.code == code))
            return std::string(entry.name);
    return "type " + std::to_string(type) + " code " + std::to_string(code);
}

std::string FlowKey::toString() const
{
    return protocolName(protocol) + " " + endpoint(src, srcPort) + " → " + endpoint(dst, dstPort);
}

std::string DecodedPacket::summary() const
{
    std::string text;
    if (arp) {
        if (arp->operation == 1)
            text = "ARP who-has " + arp->targetIp + " tell " + arp->senderIp;
        else if (arp->operation == 2)
            text = "ARP " + arp->senderIp + " is-at " + arp->senderMac;
        else
            text =
                "ARP " + arpOperation(arp->operation) + " " + arp->senderIp + " → " + arp->targetIp;
    } else if (ip && tcp) {
        text = "TCP " + endpoint(ip->src, tcp->srcPort) + " → " + endpoint(ip->dst, tcp->dstPort) +
               " [" + tcpFlagsText(tcp->flags) + "]";
        if (!tcp->httpFirstLine.empty())
            text += " " + tcp->httpFirstLine;
    } else if (ip && udp) {
        text = "UDP " + endpoint(ip->src, udp->srcPort) + " → " + endpoint(ip->dst, udp->dstPort);
        text += dns ? " " + dnsText(*dns) : " len=" + std::to_string(udp->payloadLength);
    } else if (ip && icmp) {
        text = std::string(icmp->v6 ? "ICMPv6 " : "ICMP ") + ip->src + " → " + ip->dst + " " +
               icmpText(*icmp);
    } else if (ip) {
        text = std::string(ip->version == 4 ? "IPv4 " : "IPv6 ") + ip->src + " → " + ip->dst +
               " proto " + protocolName(ip->protocol);
        if (ip->fragment)
            text += " fragment";
    } else if (ethernet) {
        text = "Ethernet " + ethernet->src + " → " + ethernet->dst + " " +
               etherTypeName(ethernet->etherType);
    } else {
        text = std::string(toString(linkType)) + " frame of " + std::to_string(capturedLength) +
               " bytes";
    }
    if (!problem.empty())
        text += " (" + problem + ")";
    return text;
}

std::optional<FlowKey> DecodedPacket::flowKey() const
{
    if (!ip)
        return std::nullopt;
    if (tcp)
        return FlowKey{ip->protocol, ip->src, tcp->srcPort, ip->dst, tcp->dstPort};
    if (udp)
        return FlowKey{ip->protocol, ip->src, udp->srcPort, ip->dst, udp->dstPort};
    if (icmp) {
        const std::uint16_t id = icmp->echoId.value_or(0);
        return FlowKey{ip->protocol, ip->src, id, ip->dst, id};
    }
    return std::nullopt;
}

nlohmann::json DecodedPacket::attributes() const
{
    nlohmann::json j = nlohmann::json::object();
    j["link"] = toString(linkType);
    if (ethernet) {
        j["src_mac"] = ethernet->src;
        j["dst_mac"] = ethernet->dst;
        j["ethertype"] = hex16(ethernet->etherType);
        if (ethernet->vlanId)
            j["vlan"] = *ethernet->vlanId;
    }
    if (arp) {
        j["proto"] = "arp";
        j["arp_op"] = arpOperation(arp->operation);
        j["src"] = arp->senderIp;
        j["dst"] = arp->targetIp;
        j["arp_sender_mac"] = arp->senderMac;
        j["arp_target_mac"] = arp->targetMac;
    }
    if (ip) {
        j["ip_version"] = ip->version;
        j["src"] = ip->src;
        j["dst"] = ip->dst;
        j["ttl"] = ip->ttl;
        if (ip->version == 4)
            j["ip_id"] = ip->id;
        j["proto"] = protocolName(ip->protocol);
        if (ip->fragment)
            j["fragment"] = true;
    }
    if (tcp) {
        j["sport"] = tcp->srcPort;
        j["dport"] = tcp->dstPort;
        j["flags"] = tcpFlagsText(tcp->flags);
        j["seq"] = tcp->seq;
        j["ack"] = tcp->ack;
        j["payload_len"] = tcp->payloadLength;
        if (!tcp->httpFirstLine.empty())
            j["http"] = tcp->httpFirstLine;
    }
    if (udp) {
        j["sport"] = udp->srcPort;
        j["dport"] = udp->dstPort;
        j["payload_len"] = udp->payloadLength;
    }
    if (dns) {
        j["dns_id"] = dns->id;
        j["dns_qr"] = dns->response ? "response" : "query";
        j["dns_name"] = dns->name;
        j["dns_type"] = dnsTypeName(dns->type);
        if (dns->response) {
            j["dns_rcode"] = dnsRcodeName(dns->rcode);
            j["dns_answers"] = dns->answers;
        }
    }
    if (icmp) {
        j["icmp_type"] = icmp->type;
        j["icmp_code"] = icmp->code;
        j["icmp"] = icmp->description();
        if (icmp->echoId) {
            j["icmp_id"] = *icmp->echoId;
            j["icmp_seq"] = *icmp->echoSeq;
        }
    }
    if (!problem.empty())
        j["problem"] = problem;
    return j;
}

} // namespace flowlab
