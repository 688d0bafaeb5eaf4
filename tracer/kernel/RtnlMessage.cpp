#include "tracer/kernel/RtnlMessage.h"

#include <arpa/inet.h>
#include <cstdio>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

namespace flowlab {

namespace {

constexpr const char *kOperstates[] = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
                                       "TESTING", "DORMANT",    "UP"};

struct ProtocolName
{
    std::uint8_t number;
    const char *name;
};

constexpr ProtocolName kRouteProtocols[] = {
    {RTPROT_UNSPEC, "unspec"}, {RTPROT_REDIRECT, "redirect"}, {RTPROT_KERNEL, "kernel"},
    {RTPROT_BOOT, "boot"},     {RTPROT_STATIC, "static"},     {RTPROT_DHCP, "dhcp"},
};

// Collects the attributes of one level into a table indexed by type.
template <std::size_t N> struct AttrTable
{
    const nlattr *at[N + 1] = {};

    static int collect(const nlattr *attr, void *data)
    {
        auto *table = static_cast<AttrTable *>(data);
        const unsigned type = mnl_attr_get_type(attr);
        if (type <= N)
            table->at[type] = attr;
        return MNL_CB_OK;
    }
    const nlattr *operator[](unsigned type) const { return type <= N ? at[type] : nullptr; }
};

std::optional<std::uint32_t> u32(const nlattr *attr)
{
    if (!attr || mnl_attr_get_payload_len(attr) < sizeof(std::uint32_t))
        return std::nullopt;
    return mnl_attr_get_u32(attr);
}

std::optional<int> s32(const nlattr *attr)
{
    if (auto value = u32(attr))
        return static_cast<int>(*value);
    return std::nullopt;
}

std::string str(const nlattr *attr)
{
    if (!attr)
        return {};
    const char *text = static_cast<const char *>(mnl_attr_get_payload(attr));
    const std::size_t length = mnl_attr_get_payload_len(attr);
    return std::string(text, strnlen(text, length));
}

std::string ip(const nlattr *attr, int family)
{
    if (!attr)
        return {};
    const std::size_t need = family == AF_INET ? 4 : 16;
    if (mnl_attr_get_payload_len(attr) < need || (family != AF_INET && family != AF_INET6))
        return {};
    char text[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(family, mnl_attr_get_payload(attr), text, sizeof text);
    return text;
}

std::string mac(const nlattr *attr)
{
    if (!attr)
        return {};
    const auto *bytes = static_cast<const unsigned char *>(mnl_attr_get_payload(attr));
    std::string text;
    for (std::size_t i = 0; i < mnl_attr_get_payload_len(attr); ++i) {
        char part[4];
        std::snprintf(part, sizeof part, i ? ":%02x" : "%02x", bytes[i]);
        text += part;
    }
    return text;
}

LinkMessage decodeLink(const nlmsghdr *nlh)
{
    const auto *ifi = static_cast<const ifinfomsg *>(mnl_nlmsg_get_payload(nlh));
    AttrTable<IFLA_MAX> tb;
    mnl_attr_parse(nlh, sizeof *ifi, AttrTable<IFLA_MAX>::collect, &tb);
    LinkMessage m;
    m.deleted = nlh->nlmsg_type == RTM_DELLINK;
    m.family = ifi->ifi_family;
    m.ifindex = ifi->ifi_index;
    m.flags = ifi->ifi_flags;
    m.name = str(tb[IFLA_IFNAME]);
    m.master = s32(tb[IFLA_MASTER]).value_or(0);
    m.link = s32(tb[IFLA_LINK]).value_or(0);
    m.linkNetnsid = s32(tb[IFLA_LINK_NETNSID]);
    m.newNetnsid = s32(tb[IFLA_NEW_NETNSID]);
    m.newIfindex = s32(tb[IFLA_NEW_IFINDEX]);
    if (const nlattr *state = tb[IFLA_OPERSTATE]; state && mnl_attr_get_payload_len(state) >= 1)
        m.operstate = mnl_attr_get_u8(state);
    m.mac = mac(tb[IFLA_ADDRESS]);
    if (const nlattr *info = tb[IFLA_LINKINFO]) {
        AttrTable<IFLA_INFO_MAX> inner;
        mnl_attr_parse_nested(info, AttrTable<IFLA_INFO_MAX>::collect, &inner);
        m.kind = str(inner[IFLA_INFO_KIND]);
    }
    return m;
}

AddrMessage decodeAddr(const nlmsghdr *nlh)
{
    const auto *ifa = static_cast<const ifaddrmsg *>(mnl_nlmsg_get_payload(nlh));
    AttrTable<IFA_MAX> tb;
    mnl_attr_parse(nlh, sizeof *ifa, AttrTable<IFA_MAX>::collect, &tb);
    AddrMessage m;
    m.deleted = nlh->nlmsg_type == RTM_DELADDR;
    m.family = ifa->ifa_family;
    m.ifindex = int(ifa->ifa_index);
    m.prefixLength = ifa->ifa_prefixlen;
    // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links.
    m.address = ip(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS], m.family);
    return m;
}

RouteMessage decodeRoute(const nlmsghdr *nlh)
{
    const auto *rtm = static_cast<const rtmsg *>(mnl_nlmsg_get_payload(nlh));
    AttrTable<RTA_MAX> tb;
    mnl_attr_parse(nlh, sizeof *rtm, AttrTable<RTA_MAX>::collect, &tb);
    RouteMessage m;
    m.deleted = nlh->nlmsg_type == RTM_DELROUTE;
    m.family = rtm->rtm_family;
    m.dstLength = rtm->rtm_dst_len;
    m.dst = ip(tb[RTA_DST], m.family);
    m.gateway = ip(tb[RTA_GATEWAY], m.family);
    m.prefsrc = ip(tb[RTA_PREFSRC], m.family);
    m.oif = s32(tb[RTA_OIF]).value_or(0);
    m.table = u32(tb[RTA_TABLE]).value_or(rtm->rtm_table);
    m.type = rtm->rtm_type;
    m.protocol = rtm->rtm_protocol;
    m.scope = rtm->rtm_scope;
    return m;
}

} // namespace

std::vector<RtnlMessage> decodeRtnetlink(const void *data, std::size_t length)
{
    std::vector<RtnlMessage> messages;
    int left = int(length);
    for (auto *nlh = static_cast<const nlmsghdr *>(data); mnl_nlmsg_ok(nlh, left);
         nlh = mnl_nlmsg_next(nlh, &left)) {
        switch (nlh->nlmsg_type) {
        case RTM_NEWLINK:
        case RTM_DELLINK:
            if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(ifinfomsg)))
                messages.emplace_back(decodeLink(nlh));
            break;
        case RTM_NEWADDR:
        case RTM_DELADDR:
            if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(ifaddrmsg)))
                messages.emplace_back(decodeAddr(nlh));
            break;
        case RTM_NEWROUTE:
        case RTM_DELROUTE:
            if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(rtmsg)))
                messages.emplace_back(decodeRoute(nlh));
            break;
        default:
            break;
        }
    }
    return messages;
}

std::string operstateName(std::uint8_t operstate)
{
    if (operstate < std::size(kOperstates))
        return kOperstates[operstate];
    char text[40];
    std::snprintf(text, sizeof text, "0x%x /* IF_OPER_??? */", operstate);
    return text;
}

std::string routeProtocolName(std::uint8_t protocol)
{
    for (const auto &p : kRouteProtocols)
        if (p.number == protocol)
            return p.name;
    return std::to_string(protocol);
}

} // namespace flowlab
