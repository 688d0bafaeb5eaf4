#include "tracer/kernel/NetlinkEventBuilder.h"

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

namespace flowlab {

namespace {

constexpr std::size_t kMovesKept = 64;

Event netlinkEvent(const std::string &netns, std::string summary, nlohmann::json attrs)
{
    Event event;
    event.kind = EventKind::Netlink;
    event.source = {"rtnetlink", netns, 0, netns};
    event.summary = std::move(summary);
    attrs["netns"] = netns;
    event.attributes = std::move(attrs);
    return event;
}

} // namespace

NetlinkEventBuilder::NetlinkEventBuilder(Sink sink, NsidResolver resolver, Options options)
    : m_sink(std::move(sink))
    , m_resolver(std::move(resolver))
    , m_options(options)
{}

void NetlinkEventBuilder::apply(const std::string &netns, const RtnlMessage &message, Origin origin)
{
    std::visit(
        [&](const auto &m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, LinkMessage>)
                applyLink(netns, m, origin);
            else if constexpr (std::is_same_v<T, AddrMessage>)
                applyAddr(netns, m, origin);
            else
                applyRoute(netns, m, origin);
        },
        message);
}

void NetlinkEventBuilder::forget(const std::string &netns)
{
    m_netns.erase(netns);
}

std::optional<std::string> NetlinkEventBuilder::linkName(const std::string &netns,
                                                         int ifindex) const
{
    auto ns = m_netns.find(netns);
    if (ns == m_netns.end())
        return std::nullopt;
    auto link = ns->second.links.find(ifindex);
    if (link == ns->second.links.end())
        return std::nullopt;
    return link->second.name;
}

std::string NetlinkEventBuilder::nameOf(const std::string &netns, int ifindex) const
{
    return linkName(netns, ifindex).value_or("if" + std::to_string(ifindex));
}

std::string NetlinkEventBuilder::netnsName(const std::string &viewer, std::optional<int> nsid) const
{
    if (!nsid || *nsid < 0)
        return viewer; // no id: the same netns
    if (auto label = m_resolver(viewer, *nsid))
        return *label;
    return "netns id " + std::to_string(*nsid);
}

std::uint64_t NetlinkEventBuilder::emitLink(const std::string &netns, const LinkMessage &m,
                                            const std::string &op, const std::string &change,
                                            const std::string &summary,
                                            std::vector<std::uint64_t> links,
                                            std::optional<std::string> peerNetns)
{
    nlohmann::json attrs = {
        {"op", op},
        {"change", change},
        {"ifindex", m.ifindex},
        {"ifname", m.name},
        {"kind", m.kind},
        {"operstate", operstateName(m.operstate)},
        {"up", (m.flags & IFF_UP) != 0},
        {"mac", m.mac},
    };
    if (m.master)
        attrs["master"] = nameOf(netns, m.master);
    if (m.kind == "veth" && m.link) {
        attrs["peerIfindex"] = m.link;
        attrs["peerNetns"] = peerNetns ? *peerNetns : netnsName(netns, m.linkNetnsid);
    }
    Event event = netlinkEvent(netns, summary, std::move(attrs));
    event.links = std::move(links);
    return m_sink(std::move(event));
}

std::optional<NetlinkEventBuilder::Move> NetlinkEventBuilder::takeMoveInto(const std::string &netns,
                                                                           int ifindex)
{
    for (auto it = m_moves.begin(); it != m_moves.end(); ++it) {
        if (it->newIfindex != ifindex || it->from == netns)
            continue;
        // The target netns may have been added after the move; ask again now.
        if (!it->to)
            it->to = m_resolver(it->from, it->nsid);
        if (it->to != netns)
            continue;
        Move move = *it;
        m_moves.erase(it);
        return move;
    }
    return std::nullopt;
}

std::uint64_t NetlinkEventBuilder::announceNewLink(const std::string &netns, const LinkMessage &m,
                                                   Origin origin)
{
    if (auto move = takeMoveInto(netns, m.ifindex)) {
        std::string summary = m.name + " appeared in " + netns + " (moved from " + move->from;
        if (move->name != m.name)
            summary += " as " + move->name;
        return emitLink(netns, m, "new", "appeared", summary + ")", {move->seq});
    }
    if (origin == Origin::Live) {
        std::string detail = m.kind.empty() ? "" : " (" + m.kind + ")";
        std::optional<std::string> peer;
        if (m.kind == "veth") {
            peer = netnsName(netns, m.linkNetnsid);
            detail = " (peer in " + *peer + ")";
        }
        return emitLink(netns, m, "new", "created", m.name + " created" + detail, {}, peer);
    }
    if (origin == Origin::DumpReported && !(m.flags & IFF_LOOPBACK))
        return emitLink(netns, m, "new", "present", m.name + " present in " + netns);
    return 0; // the state at the start: remembered, not news
}

void NetlinkEventBuilder::applyLink(const std::string &netns, const LinkMessage &m, Origin origin)
{
    // AF_BRIDGE messages repeat a port's state from the bridge's point of view.
    if (m.family != AF_UNSPEC || m.ifindex <= 0)
        return;
    NetnsState &ns = m_netns[netns];
    auto known = ns.links.find(m.ifindex);

    if (m.deleted) {
        const std::string name = m.name.empty() ? nameOf(netns, m.ifindex) : m.name;
        if (m.newNetnsid) {
            Move move{netns, *m.newNetnsid, m.newIfindex.value_or(0), name};
            move.to = m_resolver(netns, *m.newNetnsid);
            std::string summary = name + " moved out of " + netns;
            if (move.to)
                summary += " into " + *move.to;
            move.seq = emitLink(netns, m, "del", "moved-out", summary);
            m_moves.push_back(std::move(move));
            if (m_moves.size() > kMovesKept)
                m_moves.pop_front();
        } else if (origin == Origin::Live) {
            emitLink(netns, m, "del", "deleted", name + " deleted");
        }
        if (known != ns.links.end())
            ns.links.erase(known);
        std::erase_if(ns.addresses, [&](const std::string &key) {
            return key.starts_with(std::to_string(m.ifindex) + " ");
        });
        return;
    }

    LinkState now{m.name, m.kind, m.master, m.flags, m.operstate, 0};
    if (known == ns.links.end()) {
        now.createdSeq = announceNewLink(netns, m, origin);
        known = ns.links.emplace(m.ifindex, now).first;
        if (origin != Origin::Live)
            return;
        // A link may be born attached or up (ip link add ... master br0 up): report those
        // against a bare link.
        known->second = LinkState{m.name, m.kind, 0, 0, m.operstate, now.createdSeq};
    } else if (origin != Origin::Live) {
        now.createdSeq = known->second.createdSeq;
        known->second = now;
        return;
    }

    LinkState &was = known->second;
    std::vector<std::uint64_t> createdLinks;
    if (was.createdSeq)
        createdLinks.push_back(was.createdSeq);
    if (!was.name.empty() && was.name != m.name)
        emitLink(netns, m, "new", "renamed", was.name + " renamed to " + m.name, createdLinks);
    if (was.master != m.master) {
        if (m.master)
            emitLink(netns, m, "new", "attached",
                     m.name + " attached to " + nameOf(netns, m.master), createdLinks);
        else
            emitLink(netns, m, "new", "detached",
                     m.name + " detached from " + nameOf(netns, was.master), createdLinks);
    }
    if ((was.flags & IFF_UP) != (m.flags & IFF_UP))
        emitLink(netns, m, "new", (m.flags & IFF_UP) ? "up" : "down",
                 "link " + m.name + ((m.flags & IFF_UP) ? " up" : " down"), createdLinks);
    else if (was.operstate != m.operstate && origin == Origin::Live)
        emitLink(netns, m, "new", "operstate",
                 m.name + " operstate " + operstateName(was.operstate) + " → " +
                     operstateName(m.operstate),
                 createdLinks);
    const std::uint64_t createdSeq = was.createdSeq;
    was = now;
    was.createdSeq = createdSeq;
}

void NetlinkEventBuilder::applyAddr(const std::string &netns, const AddrMessage &m, Origin origin)
{
    if (m.address.empty())
        return;
    NetnsState &ns = m_netns[netns];
    const std::string cidr = m.address + "/" + std::to_string(m.prefixLength);
    const std::string key = std::to_string(m.ifindex) + " " + cidr;
    const std::string ifname = nameOf(netns, m.ifindex);
    nlohmann::json attrs = {{"op", m.deleted ? "del" : "new"},
                            {"ifindex", m.ifindex},
                            {"ifname", ifname},
                            {"family", m.family == AF_INET6 ? "inet6" : "inet"},
                            {"address", m.address},
                            {"prefix", m.prefixLength}};
    if (m.deleted) {
        ns.addresses.erase(key);
        if (origin == Origin::Live)
            m_sink(netlinkEvent(netns, cidr + " removed from " + ifname, std::move(attrs)));
        return;
    }
    if (!ns.addresses.insert(key).second)
        return; // a dump and a notification of the same address, or a flags change
    auto link = ns.links.find(m.ifindex);
    const bool loopback = link != ns.links.end() && (link->second.flags & IFF_LOOPBACK);
    if (origin == Origin::Live)
        m_sink(netlinkEvent(netns, cidr + " added on " + ifname, std::move(attrs)));
    else if (origin == Origin::DumpReported && !loopback)
        m_sink(netlinkEvent(netns, cidr + " present on " + ifname, std::move(attrs)));
}

void NetlinkEventBuilder::applyRoute(const std::string &netns, const RouteMessage &m, Origin origin)
{
    if (origin != Origin::Live)
        return;
    // Table local holds one route per address and broadcast; the lesson is in table main.
    if (!m_options.allRouteTables && (m.table != RT_TABLE_MAIN || m.type != RTN_UNICAST))
        return;
    const bool isDefault = m.dst.empty() && m.dstLength == 0;
    std::string summary = "route ";
    summary += isDefault ? "default" : m.dst + "/" + std::to_string(m.dstLength);
    if (!m.gateway.empty())
        summary += " via " + m.gateway;
    if (m.oif)
        summary += " dev " + nameOf(netns, m.oif);
    if (m.table != RT_TABLE_MAIN)
        summary += " table " + std::to_string(m.table);
    if (m.deleted)
        summary += " removed";
    nlohmann::json attrs = {{"op", m.deleted ? "del" : "new"},
                            {"dst", isDefault ? "default" : m.dst},
                            {"prefix", m.dstLength},
                            {"gateway", m.gateway},
                            {"prefsrc", m.prefsrc},
                            {"table", m.table},
                            {"protocol", routeProtocolName(m.protocol)}};
    if (m.oif) {
        attrs["ifindex"] = m.oif;
        attrs["ifname"] = nameOf(netns, m.oif);
    }
    m_sink(netlinkEvent(netns, summary, std::move(attrs)));
}

} // namespace flowlab
