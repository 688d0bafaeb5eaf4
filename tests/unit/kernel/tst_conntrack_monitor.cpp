// ConntrackMonitor over a recording fake of ctnetlink: events logged with their netns, the
// natOnly and includeUpdates filters, overruns noted, and subscribe failures passed on.

#include "KernelFakes.h"
#include "tracer/model/EventLog.h"

#include <QtTest>

using namespace flowlab;
using namespace flowlab::test;

namespace {

ConntrackFlowEvent flow(ConntrackEventType type, FlowTuple orig, FlowTuple reply,
                        std::string state = {})
{
    ConntrackFlowEvent f;
    f.type = type;
    f.orig = std::move(orig);
    f.reply = std::move(reply);
    f.state = std::move(state);
    f.id = 12;
    return f;
}

QStringList summaries(const EventLog &log, EventKind kind)
{
    QStringList list;
    for (const Event &event : log.snapshot())
        if (event.kind == kind)
            list << QString::fromStdString(event.summary);
    return list;
}

const FlowTuple kRequest{"tcp", "192.168.56.2", "192.168.56.10", 41234, 8080};
const FlowTuple kReply{"tcp", "172.17.0.2", "192.168.56.2", 80, 41234};
const FlowTuple kDns{"udp", "192.168.56.10", "192.168.56.1", 5353, 53};

} // namespace

class TestConntrackMonitor : public QObject
{
    Q_OBJECT

private slots:
    void subscribeFailureNamesTheNetnsAndTheCall()
    {
        auto shared = std::make_shared<FakeConntrackConnector::Shared>();
        shared->failNext = 1;
        EventLog log;
        ConntrackMonitor monitor(log, {}, std::make_unique<FakeConntrackConnector>(shared));
        Status added = monitor.addNamespace(kOwnNetns, "flowlab-docker");
        QVERIFY(!added.ok());
        QCOMPARE(QString::fromStdString(added.error().message()),
                 "subscribing to conntrack events in netns flowlab-docker: nfct_open(CONNTRACK, "
                 "NEW|UPDATE|DESTROY): Operation not permitted");
        QVERIFY(monitor.addNamespace(kOwnNetns, "flowlab-docker").ok());
        QCOMPARE(shared->subscribed,
                 (std::vector<std::string>{"flowlab-docker", "flowlab-docker"}));
    }

    void logsFlowsOfEachNetns()
    {
        auto shared = std::make_shared<FakeConntrackConnector::Shared>();
        EventLog log;
        ConntrackMonitor monitor(log, {}, std::make_unique<FakeConntrackConnector>(shared));
        QVERIFY(monitor.addNamespace(kOwnNetns, "flowlab-docker").ok());
        QVERIFY(monitor.start().ok());
        shared->live.at("flowlab-docker")
            ->push({flow(ConntrackEventType::New, kRequest, kReply, "SYN_SENT"),
                    flow(ConntrackEventType::Update, kRequest, kReply, "ESTABLISHED"),
                    flow(ConntrackEventType::New, kDns, kDns.reversed())});
        QTRY_COMPARE(summaries(log, EventKind::Conntrack),
                     (QStringList{"tcp 192.168.56.2:41234 → 192.168.56.10:8080 DNAT to "
                                  "172.17.0.2:80",
                                  "tcp 192.168.56.2:41234 → 192.168.56.10:8080 DNAT to "
                                  "172.17.0.2:80 [ESTABLISHED]",
                                  "udp 192.168.56.10:5353 → 192.168.56.1:53"}));
        const Event first = log.snapshot().front();
        QCOMPARE(first.source.netns, std::string("flowlab-docker"));
        QCOMPARE(first.attributes.at("netns").get<std::string>(), std::string("flowlab-docker"));
        QCOMPARE(first.attributes.at("nat").get<std::string>(), std::string("dnat"));

        // A second netns, added while running.
        QVERIFY(monitor.addNamespace(kOwnNetns, "flowlab-node1").ok());
        // Queued before the poll thread adopts it: still read once it does.
        shared->live.at("flowlab-node1")->push({}, true);
        QTRY_VERIFY(summaries(log, EventKind::Log)
                        .contains("conntrack events lost in netns flowlab-node1 (socket buffer "
                                  "overrun)"));
        monitor.stop();
    }

    void filters()
    {
        auto shared = std::make_shared<FakeConntrackConnector::Shared>();
        EventLog log;
        ConntrackMonitorOptions options;
        options.natOnly = true;
        options.includeUpdates = false;
        ConntrackMonitor monitor(log, options, std::make_unique<FakeConntrackConnector>(shared));
        QVERIFY(monitor.addNamespace(kOwnNetns, "d").ok());
        QVERIFY(monitor.start().ok());
        shared->live.at("d")->push({flow(ConntrackEventType::New, kDns, kDns.reversed()),
                                    flow(ConntrackEventType::Update, kRequest, kReply, "X"),
                                    flow(ConntrackEventType::Destroy, kRequest, kReply)});
        QTRY_COMPARE(summaries(log, EventKind::Conntrack),
                     QStringList{"tcp 192.168.56.2:41234 → 192.168.56.10:8080 DNAT to "
                                 "172.17.0.2:80 ended"});
        monitor.stop();
    }
};

QTEST_GUILESS_MAIN(TestConntrackMonitor)
#include "tst_conntrack_monitor.moc"
