// NetlinkMonitor over a recording fake of rtnetlink: namespaces added before and while running,
// a veth moved between them (netns ids asked of the fake), subscriptions that fail, overruns.

#include "KernelFakes.h"
#include "tracer/model/EventLog.h"

#include <QtTest>
#include <linux/if.h>
#include <sys/socket.h>

using namespace flowlab;
using namespace flowlab::test;

namespace {

LinkMessage link(int ifindex, const std::string &name, const std::string &kind = {},
                 unsigned flags = IFF_BROADCAST | IFF_MULTICAST)
{
    LinkMessage m;
    m.family = AF_UNSPEC;
    m.ifindex = ifindex;
    m.name = name;
    m.kind = kind;
    m.flags = flags;
    return m;
}

QStringList summaries(const EventLog &log, EventKind kind)
{
    QStringList list;
    for (const Event &event : log.snapshot())
        if (event.kind == kind)
            list << QString::fromStdString(event.summary);
    return list;
}

} // namespace

class TestNetlinkMonitor : public QObject
{
    Q_OBJECT

private slots:
    void subscriptionFailuresNameTheNetns()
    {
        auto shared = std::make_shared<FakeRtnlConnector::Shared>();
        shared->failNext = 1;
        EventLog log;
        NetlinkMonitor monitor(log, {}, std::make_unique<FakeRtnlConnector>(shared));
        Status first = monitor.addNamespace(kOwnNetns, "flowlab-docker");
        QVERIFY(!first.ok());
        QCOMPARE(QString::fromStdString(first.error().message()),
                 "subscribing to link events in netns flowlab-docker: "
                 "mnl_socket_open2(NETLINK_ROUTE): Too many open files");
        QVERIFY(monitor.addNamespace(kOwnNetns, "flowlab-docker").ok());
        QCOMPARE(shared->subscribed,
                 (std::vector<std::string>{"flowlab-docker", "flowlab-docker"}));
        Status missing = monitor.addNamespace("/nonexistent/netns/x");
        QCOMPARE(QString::fromStdString(missing.error().message()),
                 "watching links of netns x: open /nonexistent/netns/x: No such file or "
                 "directory");
        QCOMPARE(shared->subscribed.size(), std::size_t(2)); // never got as far as the kernel
    }

    void followsAVethIntoANamespaceAddedWhileRunning()
    {
        auto shared = std::make_shared<FakeRtnlConnector::Shared>();
        shared->dumps["flowlab-docker"] = {link(1, "lo", {}, IFF_LOOPBACK | IFF_UP),
                                           link(3, "docker0", "bridge", IFF_UP)};
        shared->dumps["container 3f2a1b4c5d6e"] = {link(1, "lo", {}, IFF_LOOPBACK)};
        EventLog log;
        NetlinkMonitor monitor(log, {}, std::make_unique<FakeRtnlConnector>(shared));
        QVERIFY(monitor.addNamespace(kOwnNetns, "flowlab-docker").ok());
        QVERIFY(monitor.start().ok());
        QVERIFY(!monitor.start().ok());
        QTRY_COMPARE(summaries(log, EventKind::Log),
                     QStringList{"watching links in netns flowlab-docker (/proc/self/ns/net)"});

        FakeRtnlSubscription *host = shared->live.at("flowlab-docker");
        LinkMessage peer = link(9, "veth9c1d", "veth");
        LinkMessage hostEnd = link(10, "veth3f2a1b", "veth");
        hostEnd.master = 3;
        host->push({peer, hostEnd});
        QTRY_COMPARE(summaries(log, EventKind::Netlink),
                     (QStringList{"veth9c1d created (peer in flowlab-docker)",
                                  "veth3f2a1b created (peer in flowlab-docker)",
                                  "veth3f2a1b attached to docker0"}));

        // The sandbox's netns shows up (from a listener, as a directory watch would), then
        // dockerd moves the peer into it.
        QVERIFY(monitor.addNamespace(kOwnNetns, "container 3f2a1b4c5d6e").ok());
        QTRY_VERIFY(summaries(log, EventKind::Log)
                        .contains("watching links in netns container 3f2a1b4c5d6e "
                                  "(/proc/self/ns/net)"));
        {
            std::lock_guard lock(shared->mutex);
            shared->nsids[{"flowlab-docker", "container 3f2a1b4c5d6e"}] = 1;
        }
        LinkMessage gone = peer;
        gone.deleted = true;
        gone.newNetnsid = 1;
        gone.newIfindex = 2;
        host->push({gone});
        LinkMessage arrived = link(2, "veth9c1d", "veth");
        shared->live.at("container 3f2a1b4c5d6e")->push({arrived});
        QTRY_COMPARE(summaries(log, EventKind::Netlink).mid(3),
                     (QStringList{"veth9c1d moved out of flowlab-docker into container "
                                  "3f2a1b4c5d6e",
                                  "veth9c1d appeared in container 3f2a1b4c5d6e (moved from "
                                  "flowlab-docker)"}));
        QCOMPARE(host->calls, (std::vector<std::string>{"dump", "nsidOf 1001"}));

        monitor.removeNamespace("container 3f2a1b4c5d6e");
        QTRY_VERIFY(summaries(log, EventKind::Log)
                        .contains("stopped watching links in netns container 3f2a1b4c5d6e: "
                                  "removed by the caller"));
        monitor.stop();
    }

    void overrunRereadsAndReportsWhatItMissed()
    {
        auto shared = std::make_shared<FakeRtnlConnector::Shared>();
        shared->dumps["r"] = {link(1, "lo", {}, IFF_LOOPBACK | IFF_UP)};
        EventLog log;
        NetlinkMonitor monitor(log, {}, std::make_unique<FakeRtnlConnector>(shared));
        QVERIFY(monitor.addNamespace(kOwnNetns, "r").ok());
        QVERIFY(monitor.start().ok());
        QTRY_COMPARE(summaries(log, EventKind::Log).size(), 1);
        FakeRtnlSubscription *r = shared->live.at("r");
        r->setDump({link(1, "lo", {}, IFF_LOOPBACK | IFF_UP), link(4, "flk-br0", "bridge")});
        r->push({}, true);
        QTRY_COMPARE(summaries(log, EventKind::Netlink), QStringList{"flk-br0 created (bridge)"});
        QVERIFY(summaries(log, EventKind::Log)
                    .contains("link events lost in netns r (socket buffer overrun); re-reading "
                              "its links and addresses"));
        monitor.stop();
    }
};

QTEST_GUILESS_MAIN(TestNetlinkMonitor)
#include "tst_netlink_monitor.moc"
