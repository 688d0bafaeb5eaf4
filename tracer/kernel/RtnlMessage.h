#pragma once

// rtnetlink messages (links, IPv4 addresses, routes) decoded into plain structs, so that the code
// that turns them into evidence (NetlinkEventBuilder) is pure and can be fed by hand in tests.

#include "tracer/base/Result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace flowlab {

struct LinkMessage
{
    bool deleted = false; // RTM_DELLINK
    int family = 0;       // AF_UNSPEC; AF_BRIDGE ones are the bridge's view of a port
    int ifindex = 0;
    std::string name;
    std::string kind; // IFLA_INFO_KIND: "veth", "bridge"; empty for loopback and physical NICs
    int master = 0;   // IFLA_MASTER, an ifindex in the same netns
    int link = 0;     // IFLA_LINK: a veth's peer, in linkNetnsid's netns when that is set
    std::optional<int> linkNetnsid; // IFLA_LINK_NETNSID
    std::optional<int> newNetnsid;  // IFLA_NEW_NETNSID, on the RTM_DELLINK of a link moved away
    std::optional<int> newIfindex;  // IFLA_NEW_IFINDEX, its ifindex over there
    unsigned flags = 0;             // IFF_*
    std::uint8_t operstate = 0;     // IF_OPER_*
    std::string mac;
};

struct AddrMessage
{
    bool deleted = false; // RTM_DELADDR
    int family = 0;
    int ifindex = 0;
    std::string address;
    int prefixLength = 0;
};

struct RouteMessage
{
    bool deleted = false; // RTM_DELROUTE
    int family = 0;
    std::string dst; // empty for the default route
    int dstLength = 0;
    std::string gateway;
    std::string prefsrc;
    int oif = 0;
    std::uint32_t table = 0;
    std::uint8_t type = 0;     // RTN_*
    std::uint8_t protocol = 0; // RTPROT_*
    std::uint8_t scope = 0;
};

using RtnlMessage = std::variant<LinkMessage, AddrMessage, RouteMessage>;

// Decodes every link, address and route message in a buffer read from an rtnetlink socket;
// other message types (NETCONF, NEIGH, NLMSG_DONE...) are skipped.
std::vector<RtnlMessage> decodeRtnetlink(const void *data, std::size_t length);

// "UP", "DOWN", "LOWERLAYERDOWN"...; unknown values print as "0x.. /* IF_OPER_??? */".
std::string operstateName(std::uint8_t operstate);
// "kernel", "boot", "static", "dhcp"...; unknown values print as the number.
std::string routeProtocolName(std::uint8_t protocol);

} // namespace flowlab
