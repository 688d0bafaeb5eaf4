#pragma once

// Decodes one captured frame into the fields a lesson shows: MACs, IP addresses, ports, TCP
// flags, the first line of an HTTP message, a DNS question, ICMP and ARP. The decoder is a fuzz
// target: it reads only inside the span it is given, and a frame cut short (by the snap length
// or by garbage) decodes as far as it goes and says which header was cut.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab {

// Link-layer header types as pcap files and pcapng interface blocks number them (LINKTYPE_*).
enum class LinkType : std::uint16_t {
    Ethernet = 1,
    Raw = 101, // a bare IPv4 or IPv6 packet
    LinuxSll = 113,
    LinuxSll2 = 276,
};

std::string_view toString(LinkType type);
// The LinkType for a live handle's DLT_* value; libpcap's DLT and LINKTYPE numbers differ for
// raw IP. Returns nullopt for link types the decoder does not know.
std::optional<LinkType> linkTypeFromDlt(int dlt);

struct EthernetHeader
{
    std::string src; // "02:42:ac:11:00:02"
    std::string dst;
    std::uint16_t etherType = 0; // after any 802.1Q tag
    std::optional<std::uint16_t> vlanId;
};

struct ArpPacket
{
    std::uint16_t operation = 0; // 1 request ("who-has"), 2 reply ("is-at")
    std::string senderMac;
    std::string senderIp;
    std::string targetMac;
    std::string targetIp;
};

struct IpHeader
{
    int version = 4;
    std::string src;
    std::string dst;
    std::uint8_t ttl = 0;          // the hop limit for IPv6
    std::uint16_t id = 0;          // IPv4 only
    std::uint8_t protocol = 0;     // the upper-layer protocol after IPv6 extension headers
    bool fragment = false;         // a non-first fragment: no upper-layer header to decode
    std::size_t payloadLength = 0; // as the header states it, not as captured
};

enum TcpFlag : std::uint8_t {
    TcpFin = 0x01,
    TcpSyn = 0x02,
    TcpRst = 0x04,
    TcpPsh = 0x08,
    TcpAck = 0x10,
    TcpUrg = 0x20,
    TcpEce = 0x40,
    TcpCwr = 0x80,
};

// "SYN", "SYN,ACK", "PSH,ACK", "FIN,ACK", "RST"; "none" for a segment with no flags.
std::string tcpFlagsText(std::uint8_t flags);

struct TcpSegment
{
    std::uint16_t srcPort = 0;
    std::uint16_t dstPort = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    std::uint16_t window = 0;
    std::size_t payloadLength = 0; // as the IP header implies, not as captured
    std::string httpFirstLine; // "GET / HTTP/1.1" or "HTTP/1.1 200 OK" when the payload starts one
};

struct UdpDatagram
{
    std::uint16_t srcPort = 0;
    std::uint16_t dstPort = 0;
    std::size_t payloadLength = 0;
};

struct DnsMessage
{
    std::uint16_t id = 0;
    bool response = false;
    std::uint8_t rcode = 0;
    std::string name; // the first question, without the trailing dot
    std::uint16_t type = 0;
    std::vector<std::string> answers; // "A 10.43.0.10", "CNAME web.default.svc.cluster.local"
};

std::string dnsTypeName(std::uint16_t type);  // "A", "AAAA", or "TYPE65" (RFC 3597) if unknown
std::string dnsRcodeName(std::uint8_t rcode); // "NOERROR", "NXDOMAIN", or "RCODE12"

struct IcmpMessage
{
    bool v6 = false;
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    std::optional<std::uint16_t> echoId; // echo request and reply only
    std::optional<std::uint16_t> echoSeq;
    std::string description() const; // "echo request", "destination unreachable (port)"
};

// The 5-tuple that conntrack keys a flow by, so a packet before DNAT can be paired with the same
// packet after it. ICMP echo puts its identifier in both ports, as conntrack does.
struct FlowKey
{
    std::uint8_t protocol = 0; // IPPROTO_*
    std::string src;
    std::uint16_t srcPort = 0;
    std::string dst;
    std::uint16_t dstPort = 0;

    FlowKey reversed() const { return {protocol, dst, dstPort, src, srcPort}; }
    std::string toString() const; // "tcp 192.168.56.2:41234 → 192.168.56.10:8080"
    auto operator<=>(const FlowKey &) const = default;
};

struct DecodedPacket
{
    LinkType linkType = LinkType::Ethernet;
    std::size_t capturedLength = 0;
    std::optional<EthernetHeader> ethernet;
    std::optional<ArpPacket> arp;
    std::optional<IpHeader> ip;
    std::optional<TcpSegment> tcp;
    std::optional<UdpDatagram> udp;
    std::optional<IcmpMessage> icmp;
    std::optional<DnsMessage> dns;
    // Empty for a well-formed frame; otherwise the first problem, e.g. "truncated tcp header"
    // or "malformed ipv4 header: header length 12".
    std::string problem;

    // One line: "TCP 192.168.56.2:41234 → 192.168.56.10:8080 [SYN]".
    std::string summary() const;
    // Set for TCP, UDP and ICMP over IP.
    std::optional<FlowKey> flowKey() const;
    // The decoded fields, flattened for an event's attrs: src, dst, sport, dport, proto, flags,
    // http, ... Only the fields that were decoded are present.
    nlohmann::json attributes() const;
};

DecodedPacket decodePacket(LinkType linkType, std::span<const std::uint8_t> frame);

} // namespace flowlab
