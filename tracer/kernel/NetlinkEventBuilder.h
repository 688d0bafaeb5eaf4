#pragma once

// NetlinkEventBuilder: turns decoded rtnetlink messages from several namespaces into `netlink`
// evidence with teaching summaries. It remembers each netns's links (ifindex → name, kind, master,
// flags) so that later events can name a master, tell a rename from a creation, and see a veth
// that left one netns arrive in another:
//   "veth3f2a1b created (peer in flowlab-docker)"   "veth3f2a1b attached to docker0"
//   "veth9c1d moved out of flowlab-docker into container 3f2a1b4c5d6e"
//   "veth9c1d appeared in container 3f2a1b4c5d6e (moved from flowlab-docker)"
//   "veth9c1d renamed to eth0"   "172.17.0.2/16 added on eth0"   "route 172.17.0.0/16 dev docker0"
//   "link docker0 up"
// Pure: the caller supplies the sink that logs events and the resolver for netns ids.

#include "tracer/kernel/RtnlMessage.h"
#include "tracer/model/Event.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace flowlab {

class NetlinkEventBuilder
{
public:
    // Appends an event and returns its seq (EventLog::append).
    using Sink = std::function<std::uint64_t(Event)>;
    // The label of the watched netns that `viewer` calls `nsid` (IFLA_LINK_NETNSID,
    // IFLA_NEW_NETNSID), or nullopt when it is none of ours.
    using NsidResolver =
        std::function<std::optional<std::string>(const std::string &viewer, int nsid)>;

    enum class Origin {
        Live,         // a notification: report what changed
        Dump,         // the state when watching began: remember it silently
        DumpReported, // the state of a netns that showed up mid-trace: report it as "present"
    };

    struct Options
    {
        bool allRouteTables = false; // also the local/broadcast routes of table local
    };

    NetlinkEventBuilder(Sink sink, NsidResolver resolver, Options options);
    NetlinkEventBuilder(Sink sink, NsidResolver resolver)
        : NetlinkEventBuilder(std::move(sink), std::move(resolver), Options{})
    {}

    void apply(const std::string &netns, const RtnlMessage &message, Origin origin);
    // Drops what is known about a netns that is no longer watched.
    void forget(const std::string &netns);

    std::optional<std::string> linkName(const std::string &netns, int ifindex) const;

private:
    struct LinkState
    {
        std::string name;
        std::string kind;
        int master = 0;
        unsigned flags = 0;
        std::uint8_t operstate = 0;
        std::uint64_t createdSeq = 0;
    };
    struct NetnsState
    {
        std::map<int, LinkState> links;
        std::set<std::string> addresses; // "ifindex address/prefix"
    };
    // A link that left a netns; completed when it shows up in another watched one.
    struct Move
    {
        std::string from;
        int nsid = -1;
        int newIfindex = 0;
        std::string name;
        std::optional<std::string> to;
        std::uint64_t seq = 0;
    };

    void applyLink(const std::string &netns, const LinkMessage &m, Origin origin);
    // Reports a link this netns did not have (created, moved in, present); returns the seq.
    std::uint64_t announceNewLink(const std::string &netns, const LinkMessage &m, Origin origin);
    void applyAddr(const std::string &netns, const AddrMessage &m, Origin origin);
    void applyRoute(const std::string &netns, const RouteMessage &m, Origin origin);
    std::uint64_t emitLink(const std::string &netns, const LinkMessage &m, const std::string &op,
                           const std::string &change, const std::string &summary,
                           std::vector<std::uint64_t> links = {},
                           std::optional<std::string> peerNetns = std::nullopt);
    std::optional<Move> takeMoveInto(const std::string &netns, int ifindex);
    std::string nameOf(const std::string &netns, int ifindex) const;
    std::string netnsName(const std::string &viewer, std::optional<int> nsid) const;

    Sink m_sink;
    NsidResolver m_resolver;
    Options m_options;
    std::map<std::string, NetnsState> m_netns;
    std::deque<Move> m_moves; // the most recent, bounded
};

} // namespace flowlab
