// NetlinkEventBuilder fed by hand with the rtnetlink messages of `docker run`: the veth pair
// created in the Docker host's netns, one end attached to docker0, the other moved into the
// container's netns, renamed eth0 and given 172.17.0.2/16.

#include "tracer/kernel/NetlinkEventBuilder.h"
#include "tracer/model/EventLog.h"

#include <QtTest>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <map>
#include <sys/socket.h>

using namespace flowlab;

namespace {

const std::string kHost = "flowlab-docker";
const std::string kContainer = "container 3f2a1b4c5d6e";

LinkMessage link(int ifindex, const std::string &name, const std::string &kind = {},
                 unsigned flags = IFF_BROADCAST | IFF_MULTICAST)
{
    LinkMessage m;
    m.family = AF_UNSPEC;
    m.ifindex = ifindex;
    m.name = name;
    m.kind = kind;
    m.flags = flags;
    m.operstate = 2; // DOWN
    m.mac = "02:42:ac:11:00:02";
    return m;
}

AddrMessage addr(int ifindex, const std::string &address, int prefix)
{
    return {false, AF_INET, ifindex, address, prefix};
}

RouteMessage route(const std::string &dst, int length, int oif, const std::string &gateway = {},
                   std::uint32_t table = RT_TABLE_MAIN, std::uint8_t type = RTN_UNICAST)
{
    RouteMessage m;
    m.family = AF_INET;
    m.dst = dst;
    m.dstLength = length;
    m.oif = oif;
    m.gateway = gateway;
    m.table = table;
    m.type = type;
    m.protocol = RTPROT_KERNEL;
    return m;
}

// Netns ids as the kernel would give them, settable as the test goes; records each question.
struct RecordingResolver
{
    std::map<std::pair<std::string, int>, std::string> ids;
    std::vector<std::string> asked;

    std::optional<std::string> operator()(const std::string &viewer, int nsid)
    {
        asked.push_back(viewer + "#" + std::to_string(nsid));
        auto it = ids.find({viewer, nsid});
        if (it == ids.end())
            return std::nullopt;
        return it->second;
    }
};

struct Fixture
{
    EventLog log;
    RecordingResolver resolver;
    NetlinkEventBuilder builder{[this](Event e) { return log.append(std::move(e)); },
                                [this](const std::string &v, int id) { return resolver(v, id); }};
    std::size_t seen = 0;

    // Summaries logged since the last call.
    QStringList next()
    {
        QStringList list;
        const auto events = log.snapshot();
        for (; seen < events.size(); ++seen)
            list << QString::fromStdString(events[seen].summary);
        return list;
    }

    void hostAtStart()
    {
        using O = NetlinkEventBuilder::Origin;
        builder.apply(kHost, link(1, "lo", {}, IFF_LOOPBACK | IFF_UP), O::Dump);
        builder.apply(kHost, link(2, "eth0", "veth", IFF_UP), O::Dump);
        builder.apply(kHost, link(3, "docker0", "bridge"), O::Dump);
        builder.apply(kHost, addr(3, "172.17.0.1", 16), O::Dump);
    }
};

} // namespace

class TestNetlinkEvents : public QObject
{
    Q_OBJECT

private slots:
    void dockerRunWithTheContainerWatchedLive()
    {
        using O = NetlinkEventBuilder::Origin;
        Fixture f;
        f.hostAtStart();
        f.builder.apply(kContainer, link(1, "lo", {}, IFF_LOOPBACK), O::Dump);
        QCOMPARE(f.next(), QStringList{});

        LinkMessage up = link(3, "docker0", "bridge", IFF_UP | IFF_BROADCAST);
        f.builder.apply(kHost, up, O::Live);
        QCOMPARE(f.next(), QStringList{"link docker0 up"});

        LinkMessage peer = link(9, "veth9c1d", "veth");
        peer.link = 10;
        LinkMessage hostEnd = link(10, "veth3f2a1b", "veth");
        hostEnd.link = 9;
        f.builder.apply(kHost, peer, O::Live);
        f.builder.apply(kHost, hostEnd, O::Live);
        hostEnd.master = 3;
        f.builder.apply(kHost, hostEnd, O::Live);
        LinkMessage bridgeView = hostEnd;
        bridgeView.family = AF_BRIDGE; // the bridge's own view of its new port: not news
        f.builder.apply(kHost, bridgeView, O::Live);
        QCOMPARE(f.next(), (QStringList{"veth9c1d created (peer in flowlab-docker)",
                                        "veth3f2a1b created (peer in flowlab-docker)",
                                        "veth3f2a1b attached to docker0"}));

        // dockerd moves the peer into the sandbox; the host's netns calls it id 1.
        f.resolver.ids[{kHost, 1}] = kContainer;
        LinkMessage gone = peer;
        gone.deleted = true;
        gone.newNetnsid = 1;
        gone.newIfindex = 2;
        f.builder.apply(kHost, gone, O::Live);
        LinkMessage arrived = link(2, "veth9c1d", "veth");
        arrived.linkNetnsid = 0;
        arrived.link = 10;
        f.resolver.ids[{kContainer, 0}] = kHost;
        f.builder.apply(kContainer, arrived, O::Live);
        LinkMessage renamed = arrived;
        renamed.name = "eth0";
        f.builder.apply(kContainer, renamed, O::Live);
        f.builder.apply(kContainer, addr(2, "172.17.0.2", 16), O::Live);
        f.builder.apply(kContainer, addr(2, "172.17.0.2", 16), O::Live); // flags change only
        renamed.flags |= IFF_UP;
        f.builder.apply(kContainer, renamed, O::Live);
        f.builder.apply(kContainer, route("172.17.0.0", 16, 2), O::Live);
        f.builder.apply(kContainer, route("172.17.0.2", 32, 2, {}, RT_TABLE_LOCAL, RTN_LOCAL),
                        O::Live);
        f.builder.apply(kContainer, route({}, 0, 2, "172.17.0.1"), O::Live);
        QCOMPARE(
            f.next(),
            (QStringList{"veth9c1d moved out of flowlab-docker into container 3f2a1b4c5d6e",
                         "veth9c1d appeared in container 3f2a1b4c5d6e (moved from "
                         "flowlab-docker)",
                         "veth9c1d renamed to eth0", "172.17.0.2/16 added on eth0", "link eth0 up",
                         "route 172.17.0.0/16 dev eth0", "route default via 172.17.0.1 dev eth0"}));

        const auto events = f.log.snapshot();
        const Event &moved = events[events.size() - 7];
        const Event &appeared = events[events.size() - 6];
        QCOMPARE(appeared.links, std::vector<std::uint64_t>{moved.seq});
        QVERIFY(appeared.kind == EventKind::Netlink);
        QCOMPARE(appeared.source.netns, kContainer);
        QCOMPARE(appeared.attributes.at("op").get<std::string>(), std::string("new"));
        QCOMPARE(appeared.attributes.at("kind").get<std::string>(), std::string("veth"));
        QCOMPARE(appeared.attributes.at("peerNetns").get<std::string>(), kHost);
        QCOMPARE(moved.attributes.at("op").get<std::string>(), std::string("del"));
        const Event &attached = events[3];
        QCOMPARE(attached.attributes.at("master").get<std::string>(), std::string("docker0"));
        QCOMPARE(attached.attributes.at("ifname").get<std::string>(), std::string("veth3f2a1b"));
        QCOMPARE(attached.attributes.at("netns").get<std::string>(), kHost);
        const Event &address = events[events.size() - 4];
        QCOMPARE(address.attributes.at("address").get<std::string>(), std::string("172.17.0.2"));
        QCOMPARE(address.attributes.at("prefix").get<int>(), 16);
        QCOMPARE(address.attributes.at("ifname").get<std::string>(), std::string("eth0"));
    }

    void containerNetnsFoundAfterTheMove()
    {
        // The sandbox's netns file was noticed only after dockerd had moved and renamed eth0:
        // its dump completes the move and reports what is already there.
        using O = NetlinkEventBuilder::Origin;
        Fixture f;
        f.hostAtStart();
        LinkMessage gone = link(9, "veth9c1d", "veth");
        gone.deleted = true;
        gone.newNetnsid = 1;
        gone.newIfindex = 2;
        f.builder.apply(kHost, gone, O::Live);
        QCOMPARE(f.next(), QStringList{"veth9c1d moved out of flowlab-docker"});

        f.resolver.ids[{kHost, 1}] = kContainer;
        f.builder.apply(kContainer, link(1, "lo", {}, IFF_LOOPBACK | IFF_UP), O::DumpReported);
        f.builder.apply(kContainer, link(2, "eth0", "veth", IFF_UP), O::DumpReported);
        f.builder.apply(kContainer, addr(1, "127.0.0.1", 8), O::DumpReported);
        f.builder.apply(kContainer, addr(2, "172.17.0.2", 16), O::DumpReported);
        QCOMPARE(f.next(), (QStringList{"eth0 appeared in container 3f2a1b4c5d6e (moved from "
                                        "flowlab-docker as veth9c1d)",
                                        "172.17.0.2/16 present on eth0"}));
    }

    void deletionAndUnknownPeers()
    {
        using O = NetlinkEventBuilder::Origin;
        Fixture f;
        f.hostAtStart();
        LinkMessage veth = link(12, "vethab", "veth");
        veth.link = 3;
        veth.linkNetnsid = 4; // a netns nobody watches
        f.builder.apply(kHost, veth, O::Live);
        veth.deleted = true;
        veth.linkNetnsid.reset();
        f.builder.apply(kHost, veth, O::Live);
        AddrMessage removed = addr(3, "172.17.0.1", 16);
        removed.deleted = true;
        f.builder.apply(kHost, removed, O::Live);
        f.builder.apply(kHost, link(13, "br-lab", "bridge"), O::Live);
        QCOMPARE(f.next(),
                 (QStringList{"vethab created (peer in netns id 4)", "vethab deleted",
                              "172.17.0.1/16 removed from docker0", "br-lab created (bridge)"}));
        QCOMPARE(f.resolver.asked, std::vector<std::string>{"flowlab-docker#4"});
    }
};

QTEST_GUILESS_MAIN(TestNetlinkEvents)
#include "tst_netlink_events.moc"
