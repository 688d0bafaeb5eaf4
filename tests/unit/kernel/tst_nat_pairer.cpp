// NatPairer: a packet before NAT paired with the same packet after it, in both directions, and
// the iptables rule that made the translation, found by counter delta or by its text alone.

#include "tracer/kernel/NatPairer.h"

#include <QFile>
#include <QtTest>

using namespace flowlab;

namespace {

QByteArray fixture(const QString &name)
{
    QFile file(QStringLiteral(FLOWLAB_SOURCE_DIR "/tests/unit/kernel/fixtures/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("missing fixture %s", qPrintable(name));
    return file.readAll();
}

RuleSnapshot parsed(const QByteArray &text, const std::string &netns = "flowlab-docker")
{
    auto snapshot = RuleSnapshot::parse(text.toStdString());
    if (!snapshot.ok())
        qFatal("does not parse: %s", snapshot.error().message().c_str());
    snapshot->netns = netns;
    return *snapshot;
}

FlowTuple tcp(const char *src, std::uint16_t sport, const char *dst, std::uint16_t dport)
{
    return {"tcp", src, dst, sport, dport};
}

ConntrackFlowEvent flow(std::uint64_t seq, FlowTuple orig, FlowTuple reply,
                        const std::string &netns = "flowlab-docker")
{
    ConntrackFlowEvent f;
    f.seq = seq;
    f.orig = std::move(orig);
    f.reply = std::move(reply);
    f.netns = netns;
    f.state = "SYN_SENT";
    f.id = 7;
    return f;
}

// The browser's request to the published port: 192.168.56.2 → 192.168.56.10:8080, sent on to
// nginx at 172.17.0.2:80.
ConntrackFlowEvent browserFlow(std::uint64_t seq = 100)
{
    return flow(seq, tcp("192.168.56.2", 41234, "192.168.56.10", 8080),
                tcp("172.17.0.2", 80, "192.168.56.2", 41234));
}

PacketKey packet(std::uint64_t seq, const char *iface, FlowTuple tuple,
                 std::optional<std::uint64_t> fingerprint = std::nullopt)
{
    return {seq, iface, std::move(tuple), fingerprint};
}

QString describe(const NatPair &p)
{
    QStringList changed;
    for (const auto &c : p.changed)
        changed << QString::fromStdString(c.field + " " + c.before + "→" + c.after);
    return QStringLiteral("%1 %2→%3 %4 [%5]")
        .arg(QString::fromLatin1(toString(p.direction).data()))
        .arg(p.beforePacketSeq)
        .arg(p.afterPacketSeq)
        .arg(changed.join(", "))
        .arg(QString::fromStdString(p.ruleMethod()));
}

QStringList describe(const std::vector<NatPair> &pairs)
{
    QStringList list;
    for (const auto &p : pairs)
        list << describe(p);
    return list;
}

const char *const kDnatRule =
    "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80";

} // namespace

class TestNatPairer : public QObject
{
    Q_OBJECT

private slots:
    void conntrackSummaryAndEventRoundTrip()
    {
        ConntrackFlowEvent f = browserFlow();
        QVERIFY(f.nat() == NatKind::Dnat);
        QCOMPARE(summarize(f),
                 std::string("tcp 192.168.56.2:41234 → 192.168.56.10:8080 DNAT to 172.17.0.2:80"));
        Event event = conntrackEvent(f);
        event.seq = 42;
        QVERIFY(event.kind == EventKind::Conntrack);
        QCOMPARE(event.attributes.at("nat").get<std::string>(), std::string("dnat"));
        QCOMPARE(event.attributes.at("reply").at("src").get<std::string>(),
                 std::string("172.17.0.2"));
        auto back = conntrackFlowFromEvent(
            nlohmann::json::parse(nlohmann::json(event).dump()).get<Event>());
        QVERIFY(back);
        QCOMPARE(back->orig, f.orig);
        QCOMPARE(back->reply, f.reply);
        QCOMPARE(back->seq, std::uint64_t(42));
        QCOMPARE(back->netns, std::string("flowlab-docker"));
        QCOMPARE(back->state, std::string("SYN_SENT"));

        ConntrackFlowEvent masq = flow(1, tcp("172.17.0.2", 40000, "192.168.56.5", 5000),
                                       tcp("192.168.56.5", 5000, "192.168.56.10", 40000));
        masq.type = ConntrackEventType::Destroy;
        QVERIFY(masq.nat() == NatKind::Snat);
        QCOMPARE(summarize(masq), std::string("tcp 172.17.0.2:40000 → 192.168.56.5:5000 SNAT to "
                                              "192.168.56.10:40000 ended"));
        QVERIFY(!conntrackFlowFromEvent(Event{}));
    }

    void pairsDnatRequestAndReply()
    {
        NatPairer pairer;
        pairer.addConntrack(browserFlow());
        const FlowTuple request = tcp("192.168.56.2", 41234, "192.168.56.10", 8080);
        const FlowTuple forwarded = tcp("192.168.56.2", 41234, "172.17.0.2", 80);
        const FlowTuple answer = tcp("172.17.0.2", 80, "192.168.56.2", 41234);
        const FlowTuple unDnated = tcp("192.168.56.10", 8080, "192.168.56.2", 41234);
        pairer.addPacket(packet(10, "flowlab-docker/eth0", request));         // SYN
        pairer.addPacket(packet(11, "flowlab-docker/veth3f2a1b", forwarded)); // SYN, after
        pairer.addPacket(packet(12, "flowlab-docker/veth3f2a1b", answer));    // SYN-ACK
        pairer.addPacket(packet(13, "flowlab-docker/eth0", unDnated));        // SYN-ACK, after
        pairer.addPacket(packet(14, "flowlab-docker/eth0", request));         // ACK
        pairer.addPacket(packet(15, "flowlab-docker/veth3f2a1b", forwarded)); // ACK, after
        pairer.setRuleSnapshots("flowlab-docker", parsed(fixture("docker-host-idle.iptables-save")),
                                parsed(fixture("docker-host-nginx.iptables-save")));

        const auto pairs = pairer.pairs();
        QCOMPARE(describe(pairs),
                 (QStringList{"request 10→11 dst 192.168.56.10→172.17.0.2, dport 8080→80 "
                              "[counter-delta]",
                              "reply 12→13 src 172.17.0.2→192.168.56.10, sport 80→8080 "
                              "[counter-delta]",
                              "request 14→15 dst 192.168.56.10→172.17.0.2, dport 8080→80 "
                              "[counter-delta]"}));
        const NatPair &first = pairs.front();
        QCOMPARE(first.conntrackSeq, std::uint64_t(100));
        QCOMPARE(first.beforeInterface, std::string("flowlab-docker/eth0"));
        QCOMPARE(first.afterInterface, std::string("flowlab-docker/veth3f2a1b"));
        QCOMPARE(first.ruleText(), std::string(kDnatRule));
        QCOMPARE(first.rules.at(0).chain, std::string("DOCKER"));
        QCOMPARE(first.rules.at(0).target, std::string("DNAT"));
        QCOMPARE(first.rules.at(0).delta, (RuleCounters{1, 60}));

        const nlohmann::json j = first;
        QCOMPARE(j.at("direction").get<std::string>(), std::string("request"));
        QCOMPARE(j.at("ruleMethod").get<std::string>(), std::string("counter-delta"));
        QCOMPARE(j.at("changed").at(0).at("field").get<std::string>(), std::string("dst"));
    }

    void pairsMasquerade()
    {
        // The container pulls from the registry: its source is masqueraded to the host's.
        NatPairer pairer;
        pairer.addConntrack(flow(5, tcp("172.17.0.2", 40000, "192.168.56.5", 5000),
                                 tcp("192.168.56.5", 5000, "192.168.56.10", 40000)));
        pairer.addPacket(packet(1, "docker0", tcp("172.17.0.2", 40000, "192.168.56.5", 5000)));
        pairer.addPacket(packet(2, "eth0", tcp("192.168.56.10", 40000, "192.168.56.5", 5000)));
        pairer.addPacket(packet(3, "eth0", tcp("192.168.56.5", 5000, "192.168.56.10", 40000)));
        pairer.addPacket(packet(4, "docker0", tcp("192.168.56.5", 5000, "172.17.0.2", 40000)));
        // Only the later snapshot: the rule is named by its text.
        pairer.setRuleSnapshots("flowlab-docker", std::nullopt,
                                parsed(fixture("docker-host-nginx.iptables-save")));

        const auto pairs = pairer.pairs();
        QCOMPARE(describe(pairs),
                 (QStringList{"request 1→2 src 172.17.0.2→192.168.56.10 [rule-text]",
                              "reply 3→4 dst 192.168.56.10→172.17.0.2 [rule-text]"}));
        QCOMPARE(pairs[0].ruleText(),
                 std::string("-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"));
    }

    void hairpinNeedsBothRules()
    {
        // A container reaching its own published port: DNAT, then the hairpin MASQUERADE.
        const auto hairpin = flow(9, tcp("172.17.0.2", 45000, "192.168.56.10", 8080),
                                  tcp("172.17.0.2", 80, "172.17.0.1", 45000));
        QVERIFY(hairpin.nat() == NatKind::Both);
        QCOMPARE(summarize(hairpin), std::string("tcp 172.17.0.2:45000 → 192.168.56.10:8080 DNAT "
                                                 "to 172.17.0.2:80, SNAT to 172.17.0.1:45000"));
        QByteArray after = fixture("docker-host-nginx.iptables-save");
        after.replace("[1:60] -A DOCKER ! -i", "[2:120] -A DOCKER ! -i");
        after.replace("[0:0] -A POSTROUTING -s 172.17.0.2/32",
                      "[1:60] -A POSTROUTING -s 172.17.0.2/32");

        NatPairer pairer;
        pairer.addConntrack(hairpin);
        pairer.addPacket(packet(1, "veth3f2a1b", hairpin.orig));
        pairer.addPacket(packet(2, "veth3f2a1b", hairpin.reply.reversed()));
        pairer.setRuleSnapshots("flowlab-docker",
                                parsed(fixture("docker-host-nginx.iptables-save")), parsed(after));
        const auto pairs = pairer.pairs();
        QCOMPARE(
            describe(pairs),
            (QStringList{"request 1→2 src 172.17.0.2→172.17.0.1, dst 192.168.56.10→172.17.0.2, "
                         "dport 8080→80 [counter-delta]"}));
        QCOMPARE(pairs[0].rules.size(), std::size_t(2));
        QCOMPARE(pairs[0].rules[0].rule, std::string(kDnatRule));
        QCOMPARE(pairs[0].rules[1].rule,
                 std::string("-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp "
                             "--dport 80 -j MASQUERADE"));
    }

    void unrelatedFlowsAreNotPaired()
    {
        NatPairer pairer;
        pairer.addConntrack(browserFlow());
        // The registry pull from the client: no NAT, so nothing to pair.
        const auto plain = flow(101, tcp("192.168.56.2", 50000, "192.168.56.5", 5000),
                                tcp("192.168.56.5", 5000, "192.168.56.2", 50000));
        QVERIFY(plain.nat() == NatKind::None);
        pairer.addConntrack(plain);
        pairer.addPacket(packet(1, "eth0", plain.orig));
        pairer.addPacket(packet(2, "eth1", plain.orig));
        // Another connection to the published port (other source port), and its DNAT'ed twin
        // that belongs to no conntrack event we were given.
        pairer.addPacket(packet(3, "eth0", tcp("192.168.56.2", 41300, "192.168.56.10", 8080)));
        pairer.addPacket(packet(4, "veth3f2a1b", tcp("192.168.56.2", 41300, "172.17.0.2", 80)));
        // A UDP packet with the browser flow's addresses and ports.
        pairer.addPacket(packet(5, "eth0", {"udp", "192.168.56.2", "192.168.56.10", 41234, 8080}));
        QVERIFY(pairer.pairs().empty());
    }

    void updatesOfOneFlowPairOnce()
    {
        NatPairer pairer;
        auto newEvent = browserFlow(100);
        auto update = browserFlow(105);
        update.type = ConntrackEventType::Update;
        update.state = "ESTABLISHED";
        pairer.addEvent(conntrackEvent(update));
        pairer.addConntrack(update);
        pairer.addConntrack(newEvent);
        pairer.addPacket(packet(10, "eth0", newEvent.orig));
        pairer.addPacket(packet(11, "veth", newEvent.reply.reversed()));
        const auto pairs = pairer.pairs();
        QCOMPARE(pairs.size(), std::size_t(1));
        QCOMPARE(pairs[0].ruleMethod(), std::string("none"));
    }

    void fingerprintsPairAcrossReordering()
    {
        NatPairer pairer;
        const auto f = browserFlow();
        pairer.addConntrack(f);
        // The after-side capture thread logged its packets late and out of order.
        pairer.addPacket(packet(1, "eth0", f.orig, 0xaaaa));
        pairer.addPacket(packet(2, "eth0", f.orig, 0xbbbb));
        pairer.addPacket(packet(3, "veth", f.reply.reversed(), 0xbbbb));
        pairer.addPacket(packet(4, "veth", f.reply.reversed(), 0xaaaa));
        const auto pairs = pairer.pairs();
        QCOMPARE(describe(pairs),
                 (QStringList{"request 1→4 dst 192.168.56.10→172.17.0.2, dport 8080→80 [none]",
                              "request 2→3 dst 192.168.56.10→172.17.0.2, dport 8080→80 [none]"}));
    }

    void namesTheRule_data()
    {
        QTest::addColumn<bool>("withBefore");
        QTest::addColumn<QByteArray>("beforeCounters");
        QTest::addColumn<QString>("chain");
        QTest::addColumn<QString>("method");

        // Both DNAT rules fit the text; only the counters tell which one fired.
        QTest::newRow("counter delta picks the rule that fired")
            << true << QByteArray("[0:0]") << "DOCKER"
            << "counter-delta";
        QTest::newRow("no earlier snapshot: the first rule that fits")
            << false << QByteArray() << "FLOWLAB-OLD"
            << "rule-text";
        QTest::newRow("no counter moved: the first rule that fits")
            << true << QByteArray("[1:60]") << "FLOWLAB-OLD"
            << "rule-text";
    }

    void namesTheRule()
    {
        QFETCH(bool, withBefore);
        QFETCH(QByteArray, beforeCounters);
        QFETCH(QString, chain);
        QFETCH(QString, method);
        const QByteArray ruleset =
            "*nat\n:PREROUTING ACCEPT [0:0]\n:FLOWLAB-OLD - [0:0]\n:DOCKER - [0:0]\n"
            "[1:60] -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n"
            "[0:0] -A FLOWLAB-OLD -p tcp -m tcp --dport 9090 -j DNAT --to-destination "
            "172.17.0.2:80\n"
            "[0:0] -A FLOWLAB-OLD -p tcp -m tcp --dport 8080 -j DNAT --to-destination "
            "172.17.0.3:80\n"
            "[0:0] -A FLOWLAB-OLD -p udp -m udp --dport 8080 -j DNAT --to-destination "
            "172.17.0.2:80\n"
            "[0:0] -A FLOWLAB-OLD ! -d 192.168.56.10/32 -p tcp -m tcp --dport 8080 -j DNAT "
            "--to-destination 172.17.0.2:80\n"
            "[0:0] -A FLOWLAB-OLD -d 192.168.56.0/24 -p tcp -m multiport --dports 80,8000:8100 -j "
            "DNAT --to-destination 172.17.0.2:80\n"
            "COUNTERS -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination "
            "172.17.0.2:80\nCOMMIT\n";
        QByteArray after = ruleset;
        after.replace("COUNTERS", "[1:60]");
        std::optional<RuleSnapshot> before;
        if (withBefore) {
            QByteArray text = ruleset;
            text.replace("COUNTERS", beforeCounters);
            before = parsed(text);
        }
        auto match = identifyNatRule(browserFlow(), NatKind::Dnat, before ? &*before : nullptr,
                                     parsed(after));
        QVERIFY(match);
        QCOMPARE(QString::fromStdString(match->chain), chain);
        QCOMPARE(QString::fromLatin1(toString(match->method).data()), method);
        if (chain == "FLOWLAB-OLD")
            QVERIFY(match->rule.find("--dports 80,8000:8100") != std::string::npos);
        else
            QCOMPARE(match->rule, std::string(kDnatRule));
        QVERIFY(!identifyNatRule(browserFlow(), NatKind::Snat, nullptr, parsed(after)));
    }
};

QTEST_GUILESS_MAIN(TestNatPairer)
#include "tst_nat_pairer.moc"
