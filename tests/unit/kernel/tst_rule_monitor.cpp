// RuleMonitor with a recording fake in place of `iptables-save -c`: the baseline is silent, each
// poll logs the diff, latest() keeps counters for NatPairer, and failures name the netns.

#include "tracer/kernel/RuleMonitor.h"

#include <QFile>
#include <QtTest>
#include <deque>

using namespace flowlab;

namespace {

QByteArray fixture(const QString &name)
{
    QFile file(QStringLiteral(FLOWLAB_SOURCE_DIR "/tests/unit/kernel/fixtures/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("missing fixture %s", qPrintable(name));
    return file.readAll();
}

// Hands out scripted outputs (the last one repeats) and records which netns it was asked about.
class RecordingIptablesSaver : public IptablesSaver
{
public:
    std::deque<Result<std::string>> outputs;
    std::vector<std::string> asked;

    Result<std::string> save(const WatchedNetns &netns) override
    {
        asked.push_back(netns.label + "@" + netns.path);
        if (outputs.size() > 1) {
            auto next = std::move(outputs.front());
            outputs.pop_front();
            return next;
        }
        return outputs.front();
    }
};

QStringList summaries(const EventLog &log, EventKind kind)
{
    QStringList list;
    for (const Event &event : log.snapshot())
        if (event.kind == kind)
            list << QString::fromStdString(event.summary);
    return list;
}

} // namespace

class TestRuleMonitor : public QObject
{
    Q_OBJECT

private slots:
    void baselineIsSilentThenDiffsAreLogged()
    {
        EventLog log;
        auto saver = std::make_unique<RecordingIptablesSaver>();
        RecordingIptablesSaver *fake = saver.get();
        fake->outputs.push_back(fixture("docker-host-idle.iptables-save").toStdString());
        fake->outputs.push_back(fixture("docker-host-nginx.iptables-save").toStdString());
        RuleMonitor monitor(log, {}, std::move(saver));

        QVERIFY(monitor.addNamespace("/nonexistent/netns/flowlab-docker").ok());
        QCOMPARE(fake->asked,
                 (std::vector<std::string>{"flowlab-docker@/nonexistent/netns/flowlab-docker"}));
        QCOMPARE(log.size(), std::size_t(0));
        QVERIFY(monitor.latest("flowlab-docker").has_value());
        QVERIFY(!monitor.latest("flowlab-docker")->chain("nat", "DOCKER")->rules.empty());

        QVERIFY(monitor.pollNow().ok());
        // nat hits are reported by default: a nat rule counts once per connection.
        const QStringList rules = summaries(log, EventKind::Rule);
        QCOMPARE(rules,
                 (QStringList{"+ -A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp "
                              "--dport 80 -j ACCEPT (filter)",
                              "+ -A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp "
                              "--dport 80 -j MASQUERADE (nat)",
                              "+ -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT "
                              "--to-destination 172.17.0.2:80 (nat)",
                              "hit +1 packet: -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER "
                              "(nat)",
                              "hit +1 packet: -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j "
                              "MASQUERADE (nat)"}));
        const Event last = log.snapshot().back();
        QCOMPARE(last.attributes.at("netns").get<std::string>(), std::string("flowlab-docker"));

        // The same output again: nothing new.
        QVERIFY(monitor.pollNow().ok());
        QCOMPARE(summaries(log, EventKind::Rule).size(), 5);
        auto latest = monitor.latest("flowlab-docker");
        QCOMPARE(latest->chain("nat", "DOCKER")->rules.back().counters, (RuleCounters{1, 60}));
        QCOMPARE(latest->netns, std::string("flowlab-docker"));
    }

    void failuresNameTheNetnsAndAreLoggedOnce()
    {
        EventLog log;
        auto saver = std::make_unique<RecordingIptablesSaver>();
        RecordingIptablesSaver *fake = saver.get();
        fake->outputs.push_back(std::string("*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n"));
        fake->outputs.push_back(
            Error("iptables-save -c in netns /nonexistent/netns/flowlab-docker: "
                  "exited with status 1"));
        RuleMonitor monitor(log, {}, std::move(saver));
        QVERIFY(monitor.addNamespace("/nonexistent/netns/flowlab-docker", "docker host").ok());

        Status polled = monitor.pollNow();
        QVERIFY(!polled.ok());
        QCOMPARE(QString::fromStdString(polled.error().message()),
                 "polling rules of netns docker host: iptables-save -c in netns "
                 "/nonexistent/netns/flowlab-docker: exited with status 1");
        QVERIFY(!monitor.pollNow().ok());
        QCOMPARE(summaries(log, EventKind::Log).size(), 1);
    }

    void unparsableOutputFailsTheBaseline()
    {
        EventLog log;
        auto saver = std::make_unique<RecordingIptablesSaver>();
        saver->outputs.push_back(std::string("*nat\n:PREROUTING ACCEPT [0:0]\n"));
        RuleMonitor monitor(log, {}, std::move(saver));
        Status added = monitor.addNamespace("/nonexistent/netns/x", "x");
        QVERIFY(!added.ok());
        QCOMPARE(QString::fromStdString(added.error().message()),
                 "watching rules of netns x: parsing iptables-save -c of netns x: iptables-save "
                 "output ends inside table nat (no COMMIT: truncated?)");
    }

    void pollsOnItsOwnThread()
    {
        EventLog log;
        auto saver = std::make_unique<RecordingIptablesSaver>();
        saver->outputs.push_back(fixture("docker-host-idle.iptables-save").toStdString());
        saver->outputs.push_back(fixture("docker-host-nginx.iptables-save").toStdString());
        RuleMonitor monitor(log, {20, {}}, std::move(saver));
        QVERIFY(monitor.addNamespace("/nonexistent/netns/flowlab-docker").ok());
        QVERIFY(monitor.start().ok());
        QTRY_COMPARE(summaries(log, EventKind::Rule).size(), 3);
        monitor.stop();
    }
};

QTEST_GUILESS_MAIN(TestRuleMonitor)
#include "tst_rule_monitor.moc"
