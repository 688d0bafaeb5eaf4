// Layer-by-layer decoding. Every read goes through Bytes, which checks bounds, so a short or
// hostile frame can only stop the decoding early, never read past the capture.

#include "tracer/capture/PacketDecoder.h"

#include <arpa/inet.h>
#include <array>
#include <cstdio>

namespace flowlab {

namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherArp = 0x0806;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;

constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoIcmpv6 = 58;

constexpr std::size_t kMaxHttpLine = 200;
constexpr std::size_t kMaxDnsAnswers = 16;

// A bounds-checked view of the frame. Reads past the end are refused, not clamped.
class Bytes
{
public:
    Bytes() = default;
    explicit Bytes(std::span<const std::uint8_t> data)
        : m_data(data)
    {}

    std::size_t size() const { return m_data.size(); }
    bool has(std::size_t offset, std::size_t count) const
    {
        return offset <= m_data.size() && count <= m_data.size() - offset;
    }
    std::uint8_t u8(std::size_t offset) const { return m_data[offset]; }
    std::uint16_t be16(std::size_t offset) const
    {
        return std::uint16_t(m_data[offset] << 8 | m_data[offset + 1]);
    }
    std::uint32_t be32(std::size_t offset) const
    {
        return std::uint32_t(be16(offset)) << 16 | be16(offset + 2);
    }
    // The bytes from `offset` on, at most `count` of them; empty past the end.
    Bytes sub(std::size_t offset, std::size_t count = std::size_t(-1)) const
    {
        if (offset >= m_data.size())
            return {};
        return Bytes(m_data.subspan(offset, std::min(count, m_data.size() - offset)));
    }
    const std::uint8_t *data() const { return m_data.data(); }

private:
    std::span<const std::uint8_t> m_data;
};

std::string macText(const Bytes &b, std::size_t offset)
{
    char text[18];
    std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", b.u8(offset),
                  b.u8(offset + 1), b.u8(offset + 2), b.u8(offset + 3), b.u8(offset + 4),
                  b.u8(offset + 5));
    return text;
}

std::string ipv4Text(const Bytes &b, std::size_t offset)
{
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, b.data() + offset, text, sizeof text);
    return text;
}

std::string ipv6Text(const Bytes &b, std::size_t offset)
{
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, b.data() + offset, text, sizeof text);
    return text;
}

class Decoder
{
public:
    explicit Decoder(DecodedPacket &out)
        : m_out(out)
    {}

    void link(LinkType type, const Bytes &frame)
    {
        switch (type) {
        case LinkType::Ethernet:
            return ethernet(frame);
        case LinkType::Raw:
            return rawIp(frame);
        case LinkType::LinuxSll:
            // packet type, ARPHRD type, address length, 8 address bytes, protocol
            if (!frame.has(0, 16))
                return truncated("linux cooked header");
            return network(frame.be16(14), frame.sub(16));
        case LinkType::LinuxSll2:
            // protocol, reserved, ifindex, ARPHRD type, packet type, address length, address
            if (!frame.has(0, 20))
                return truncated("linux cooked v2 header");
            return network(frame.be16(0), frame.sub(20));
        }
        problem("unsupported link type " + std::to_string(unsigned(type)));
    }

private:
    void truncated(const std::string &what) { problem("truncated " + what); }
    void malformed(const std::string &what) { problem("malformed " + what); }
    void problem(std::string text)
    {
        if (m_out.problem.empty())
            m_out.problem = std::move(text);
    }

    void ethernet(const Bytes &frame)
    {
        if (!frame.has(0, 14))
            return truncated("ethernet header");
        EthernetHeader eth;
        eth.dst = macText(frame, 0);
        eth.src = macText(frame, 6);
        eth.etherType = frame.be16(12);
        std::size_t offset = 14;
        if (eth.etherType == kEtherVlan) {
            if (!frame.has(14, 4)) {
                m_out.ethernet = eth;
                return truncated("802.1q tag");
            }
            eth.vlanId = frame.be16(14) & 0x0fff;
            eth.etherType = frame.be16(16);
            offset = 18;
        }
        m_out.ethernet = eth;
        network(eth.etherType, frame.sub(offset));
    }

    void rawIp(const Bytes &packet)
    {
        if (!packet.has(0, 1))
            return truncated("ip header");
        const int version = packet.u8(0) >> 4;
        if (version == 4)
            return ipv4(packet);
        if (version == 6)
            return ipv6(packet);
        malformed("ip header: version " + std::to_string(version));
    }

    void network(std::uint16_t etherType, const Bytes &payload)
    {
        switch (etherType) {
        case kEtherIpv4:
            return ipv4(payload);
        case kEtherIpv6:
            return ipv6(payload);
        case kEtherArp:
            return arp(payload);
        default:
            return; // not decoded; the summary names the EtherType
        }
    }

    void arp(const Bytes &b)
    {
        // Only Ethernet/IPv4 ARP, the one a lab sees: hardware 1, protocol 0x0800, 6 + 4 bytes.
        if (!b.has(0, 28))
            return truncated("arp packet");
        if (b.be16(0) != 1 || b.be16(2) != kEtherIpv4 || b.u8(4) != 6 || b.u8(5) != 4)
            return malformed("arp packet: not ethernet/ipv4");
        ArpPacket a;
        a.operation = b.be16(6);
        a.senderMac = macText(b, 8);
        a.senderIp = ipv4Text(b, 14);
        a.targetMac = macText(b, 18);
        a.targetIp = ipv4Text(b, 24);
        m_out.arp = a;
    }

    void ipv4(const Bytes &b)
    {
        if (!b.has(0, 20))
            return truncated("ipv4 header");
        const int version = b.u8(0) >> 4;
        if (version != 4)
            return malformed("ipv4 header: version " + std::to_string(version));
        const std::size_t headerLength = std::size_t(b.u8(0) & 0x0f) * 4;
        if (headerLength < 20)
            return malformed("ipv4 header: header length " + std::to_string(headerLength));
        IpHeader ip;
        ip.version = 4;
        ip.id = b.be16(4);
        ip.ttl = b.u8(8);
        ip.protocol = b.u8(9);
        ip.src = ipv4Text(b, 12);
        ip.dst = ipv4Text(b, 16);
        const std::size_t totalLength = b.be16(2);
        ip.fragment = (b.be16(6) & 0x1fff) != 0;
        if (totalLength < headerLength) {
            m_out.ip = ip;
            return malformed("ipv4 header: total length " + std::to_string(totalLength));
        }
        ip.payloadLength = totalLength - headerLength;
        m_out.ip = ip;
        if (!b.has(0, headerLength))
            return truncated("ipv4 options");
        if (ip.fragment)
            return;
        // The total length, not the capture, bounds the payload: Ethernet pads short frames.
        transport(ip.protocol, b.sub(headerLength, ip.payloadLength), ip.payloadLength);
    }

    void ipv6(const Bytes &b)
    {
        if (!b.has(0, 40))
            return truncated("ipv6 header");
        const int version = b.u8(0) >> 4;
        if (version != 6)
            return malformed("ipv6 header: version " + std::to_string(version));
        IpHeader ip;
        ip.version = 6;
        ip.payloadLength = b.be16(4);
        ip.ttl = b.u8(7);
        ip.src = ipv6Text(b, 8);
        ip.dst = ipv6Text(b, 24);
        std::uint8_t next = b.u8(6);
        std::size_t offset = 40;
        std::size_t remaining = ip.payloadLength;
        // Walk hop-by-hop, routing, fragment and destination options headers; a bounded walk,
        // since each step advances at least 8 bytes.
        for (int hops = 0; hops < 8; ++hops) {
            if (next != 0 && next != 43 && next != 44 && next != 60)
                break;
            if (!b.has(offset, 8)) {
                ip.protocol = next;
                m_out.ip = ip;
                return truncated("ipv6 extension header");
            }
            const std::size_t length = next == 44 ? 8 : (std::size_t(b.u8(offset + 1)) + 1) * 8;
            if (next == 44 && (b.be16(offset + 2) & 0xfff8) != 0)
                ip.fragment = true;
            if (length > remaining) {
                ip.protocol = next;
                m_out.ip = ip;
                return malformed("ipv6 extension header: longer than the payload");
            }
            next = b.u8(offset);
            offset += length;
            remaining -= length;
        }
        ip.protocol = next;
        m_out.ip = ip;
        if (ip.fragment)
            return;
        transport(ip.protocol, b.sub(offset, remaining), remaining);
    }

    // `b` holds what was captured of the IP payload; `length` is what the IP header says.
    void transport(std::uint8_t protocol, const Bytes &b, std::size_t length)
    {
        switch (protocol) {
        case kProtoTcp:
            return tcp(b, length);
        case kProtoUdp:
            return udp(b, length);
        case kProtoIcmp:
            return icmp(b, false);
        case kProtoIcmpv6:
            return icmp(b, true);
        default:
            return;
        }
    }

    void tcp(const Bytes &b, std::size_t length)
    {
        if (!b.has(0, 20))
            return truncated("tcp header");
        TcpSegment t;
        t.srcPort = b.be16(0);
        t.dstPort = b.be16(2);
        t.seq = b.be32(4);
        t.ack = b.be32(8);
        t.flags = b.u8(13);
        t.window = b.be16(14);
        const std::size_t headerLength = std::size_t(b.u8(12) >> 4) * 4;
        if (headerLength < 20 || headerLength > length) {
            m_out.tcp = t;
            return malformed("tcp header: header length " + std::to_string(headerLength));
        }
        t.payloadLength = length - headerLength;
        t.httpFirstLine = httpFirstLine(b.sub(headerLength));
        m_out.tcp = t;
        if (!b.has(0, headerLength))
            truncated("tcp options");
    }

    void udp(const Bytes &b, std::size_t length)
    {
        if (!b.has(0, 8))
            return truncated("udp header");
        UdpDatagram u;
        u.srcPort = b.be16(0);
        u.dstPort = b.be16(2);
        const std::size_t udpLength = b.be16(4);
        if (udpLength < 8 || udpLength > length) {
            m_out.udp = u;
            return malformed("udp header: length " + std::to_string(udpLength));
        }
        u.payloadLength = udpLength - 8;
        m_out.udp = u;
        if (u.srcPort == 53 || u.dstPort == 53)
            dns(b.sub(8, u.payloadLength));
    }

    void icmp(const Bytes &b, bool v6)
    {
        if (!b.has(0, 4))
            return truncated(v6 ? "icmpv6 header" : "icmp header");
        IcmpMessage m;
        m.v6 = v6;
        m.type = b.u8(0);
        m.code = b.u8(1);
        const bool echo = v6 ? (m.type == 128 || m.type == 129) : (m.type == 0 || m.type == 8);
        if (echo && b.has(4, 4)) {
            m.echoId = b.be16(4);
            m.echoSeq = b.be16(6);
        }
        m_out.icmp = m;
    }

    // The request or status line, if the payload starts with one; printable ASCII only.
    static std::string httpFirstLine(const Bytes &payload)
    {
        static constexpr std::array<std::string_view, 10> kStarts{
            "GET ",   "POST ",    "PUT ",     "DELETE ", "HEAD ",
            "PATCH ", "OPTIONS ", "CONNECT ", "TRACE ",  "HTTP/1.",
        };
        const auto *chars = reinterpret_cast<const char *>(payload.data());
        const std::string_view text(chars, payload.size());
        bool starts = false;
        for (std::string_view start : kStarts)
            starts = starts || text.starts_with(start);
        if (!starts)
            return {};
        std::string line;
        for (char c : text.substr(0, kMaxHttpLine)) {
            if (c == '\r' || c == '\n')
                break;
            if (c < 0x20 || c > 0x7e)
                return {};
            line += c;
        }
        return line;
    }

    enum class NameRead { Ok, Truncated, Malformed };

    void dns(const Bytes &b)
    {
        if (!b.has(0, 12))
            return truncated("dns header");
        DnsMessage d;
        d.id = b.be16(0);
        const std::uint16_t flags = b.be16(2);
        d.response = flags & 0x8000;
        d.rcode = flags & 0x000f;
        const std::size_t questions = b.be16(4);
        const std::size_t answers = b.be16(6);
        if (questions == 0)
            return malformed("dns message: no question");
        std::size_t offset = 12;
        for (std::size_t i = 0; i < questions; ++i) {
            std::string name;
            const NameRead read = dnsName(b, offset, name);
            if (read == NameRead::Malformed)
                return malformed("dns question name");
            if (read == NameRead::Truncated || !b.has(offset, 4))
                return truncated("dns question");
            if (i == 0) {
                d.name = name;
                d.type = b.be16(offset);
            }
            offset += 4;
        }
        for (std::size_t i = 0; i < std::min(answers, kMaxDnsAnswers); ++i) {
            std::string owner;
            if (dnsName(b, offset, owner) != NameRead::Ok || !b.has(offset, 10))
                break;
            const std::uint16_t type = b.be16(offset);
            const std::size_t rdLength = b.be16(offset + 8);
            const std::size_t rdata = offset + 10;
            if (!b.has(rdata, rdLength))
                break;
            if (type == 1 && rdLength == 4) {
                d.answers.push_back("A " + ipv4Text(b, rdata));
            } else if (type == 28 && rdLength == 16) {
                d.answers.push_back("AAAA " + ipv6Text(b, rdata));
            } else if (type == 5) {
                std::size_t at = rdata;
                std::string target;
                if (dnsName(b, at, target) == NameRead::Ok)
                    d.answers.push_back("CNAME " + target);
            } else {
                d.answers.push_back(dnsTypeName(type));
            }
            offset = rdata + rdLength;
        }
        m_out.dns = d;
    }

    // Reads a possibly compressed name at `offset`, advancing it past the name in place. Every
    // pointer must point before the label that holds it, and the walk is bounded.
    static NameRead dnsName(const Bytes &b, std::size_t &offset, std::string &name)
    {
        std::size_t at = offset;
        bool jumped = false;
        name.clear();
        for (int labels = 0; labels < 128; ++labels) {
            if (!b.has(at, 1))
                return NameRead::Truncated;
            const std::uint8_t length = b.u8(at);
            if (length == 0) {
                if (!jumped)
                    offset = at + 1;
                if (name.empty())
                    name = ".";
                return NameRead::Ok;
            }
            if ((length & 0xc0) == 0xc0) {
                if (!b.has(at, 2))
                    return NameRead::Truncated;
                const std::size_t target = b.be16(at) & 0x3fff;
                if (target >= at)
                    return NameRead::Malformed;
                if (!jumped)
                    offset = at + 2;
                jumped = true;
                at = target;
                continue;
            }
            if ((length & 0xc0) != 0)
                return NameRead::Malformed;
            if (!b.has(at + 1, length))
                return NameRead::Truncated;
            if (!name.empty())
                name += '.';
            for (std::size_t i = 0; i < length; ++i) {
                const auto c = char(b.u8(at + 1 + i));
                if (c > 0x20 && c < 0x7f && c != '.' && c != '\\') {
                    name += c;
                } else {
                    char escaped[5];
                    std::snprintf(escaped, sizeof escaped, "\\%03u", unsigned(std::uint8_t(c)));
                    name += escaped;
                }
            }
            if (name.size() > 1024)
                return NameRead::Malformed;
            at += 1 + length;
        }
        return NameRead::Malformed;
    }

    DecodedPacket &m_out;
};

} // namespace

DecodedPacket decodePacket(LinkType linkType, std::span<const std::uint8_t> frame)
{
    DecodedPacket out;
    out.linkType = linkType;
    out.capturedLength = frame.size();
    Decoder(out).link(linkType, Bytes(frame));
    return out;
}

} // namespace flowlab
