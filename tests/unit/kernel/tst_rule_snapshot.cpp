// RuleSnapshot: parsing real `iptables-save -c` output of a Docker host (the fixtures round-trip
// unchanged through iptables-restore -c / iptables-save -c of iptables 1.8.9, nf_tables), and
// diffing two snapshots into rule evidence.

#include "tracer/kernel/RuleSnapshot.h"

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

RuleSnapshot parsed(const QByteArray &text)
{
    auto snapshot = RuleSnapshot::parse(text.toStdString());
    if (!snapshot.ok())
        qFatal("fixture does not parse: %s", snapshot.error().message().c_str());
    return *snapshot;
}

QStringList summaries(const std::vector<RuleChange> &changes)
{
    QStringList list;
    for (const auto &change : changes)
        list << QString::fromStdString(summarize(change));
    return list;
}

const char *const kDnatRule =
    "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80";

} // namespace

class TestRuleSnapshot : public QObject
{
    Q_OBJECT

private slots:
    void parsesDockerHost()
    {
        const RuleSnapshot s = parsed(fixture("docker-host-nginx.iptables-save"));
        QCOMPARE(s.tables.size(), std::size_t(2));
        QCOMPARE(s.tables[0].name, std::string("filter"));
        QCOMPARE(s.tables[1].name, std::string("nat"));
        QCOMPARE(s.ruleCount(), std::size_t(18));

        const IptablesChain *forward = s.chain("filter", "FORWARD");
        QVERIFY(forward);
        QVERIFY(forward->builtin());
        QCOMPARE(forward->policy, std::string("DROP"));
        QCOMPARE(forward->rules.size(), std::size_t(6));
        QCOMPARE(forward->rules[2].text(),
                 std::string("-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED "
                             "-j ACCEPT"));
        QCOMPARE(forward->rules[2].counters, (RuleCounters{6, 2790}));

        const IptablesChain *input = s.chain("filter", "INPUT");
        QCOMPARE(input->counters, (RuleCounters{1611, 2057214}));
        QVERIFY(input->rules.empty());

        for (const char *user :
             {"DOCKER", "DOCKER-USER", "DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2"}) {
            const IptablesChain *chain = s.chain("filter", user);
            QVERIFY2(chain, user);
            QVERIFY(!chain->builtin());
            QCOMPARE(chain->policy, std::string("-"));
        }

        const IptablesChain *docker = s.chain("nat", "DOCKER");
        QVERIFY(docker);
        const IptablesRule &dnat = docker->rules.back();
        QCOMPARE(dnat.text(), std::string(kDnatRule));
        QVERIFY(dnat.hasCounters);
        QCOMPARE(dnat.counters, (RuleCounters{1, 60}));
        QCOMPARE(dnat.target(), std::string("DNAT"));
        QCOMPARE(dnat.option("--to-destination").value_or(""), std::string("172.17.0.2:80"));
        bool negated = false;
        QCOMPARE(dnat.option("-i", &negated).value_or(""), std::string("docker0"));
        QVERIFY(negated);
        QCOMPARE(dnat.option("--dport", &negated).value_or(""), std::string("8080"));
        QVERIFY(!negated);

        const IptablesChain *postrouting = s.chain("nat", "POSTROUTING");
        QCOMPARE(postrouting->rules[0].target(), std::string("MASQUERADE"));
        QCOMPARE(postrouting->rules[0].option("-s").value_or(""), std::string("172.17.0.0/16"));
        QCOMPARE(s.chain("nat", "OUTPUT")->rules[0].option("-d", &negated).value_or(""),
                 std::string("127.0.0.0/8"));
        QVERIFY(negated);
    }

    void parsesWithoutCountersAndQuotedArguments()
    {
        const auto s = RuleSnapshot::parse("*filter\n"
                                           ":INPUT ACCEPT [0:0]\n"
                                           ":DOCKER-USER - [0:0]\n"
                                           "-A DOCKER-USER -s 192.168.56.0/24 -m comment "
                                           "--comment \"lab \\\"underlay\\\" net\" -j RETURN\r\n"
                                           "-A DOCKER-USER\n"
                                           "COMMIT\n");
        QVERIFY2(s.ok(), s.ok() ? "" : s.error().message().c_str());
        const IptablesChain *user = s->chain("filter", "DOCKER-USER");
        QCOMPARE(user->rules.size(), std::size_t(2));
        QVERIFY(!user->rules[0].hasCounters);
        QCOMPARE(user->rules[0].option("--comment").value_or(""),
                 std::string("lab \"underlay\" net"));
        QCOMPARE(user->rules[0].target(), std::string("RETURN"));
        QCOMPARE(user->rules[1].text(), std::string("-A DOCKER-USER"));
        QCOMPARE(user->rules[1].target(), std::string());
    }

    void emptyOutputIsAnEmptyRuleset()
    {
        // A fresh netns under nf_tables has no tables until something creates them.
        auto s = RuleSnapshot::parse("");
        QVERIFY(s.ok());
        QVERIFY(s->tables.empty());
    }

    void rejectsMalformedInput_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("error");
        QTest::newRow("rule in undeclared chain")
            << QByteArray("*nat\n:PREROUTING ACCEPT [0:0]\n-A DOCKER -j RETURN\nCOMMIT\n")
            << "iptables-save line 3: rule in chain DOCKER that table nat does not declare";
        QTest::newRow("truncated")
            << QByteArray("*nat\n:PREROUTING ACCEPT [0:0]\n")
            << "iptables-save output ends inside table nat (no COMMIT: truncated?)";
        QTest::newRow("bad counters")
            << QByteArray("*nat\n:DOCKER - [0:0]\n[1:x] -A DOCKER -j RETURN\nCOMMIT\n")
            << "iptables-save line 3: malformed rule counters in '[1:x] -A DOCKER -j RETURN'";
        QTest::newRow("not a rule")
            << QByteArray("*nat\n:DOCKER - [0:0]\n-I DOCKER -j RETURN\nCOMMIT\n")
            << "iptables-save line 3: expected -A, got '-I DOCKER -j RETURN'";
        QTest::newRow("outside a table")
            << QByteArray("# header\n-A FORWARD -j DROP\n")
            << "iptables-save line 2: '-A FORWARD -j DROP' outside a table";
        QTest::newRow("two tables open")
            << QByteArray("*nat\n*filter\nCOMMIT\n")
            << "iptables-save line 2: table filter starts before table nat was COMMITted";
    }

    void rejectsMalformedInput()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, error);
        auto s = RuleSnapshot::parse(text.toStdString());
        QVERIFY(!s.ok());
        QCOMPARE(QString::fromStdString(s.error().message()), error);
    }

    void diff_data()
    {
        QTest::addColumn<QByteArray>("before");
        QTest::addColumn<QByteArray>("after");
        QTest::addColumn<QStringList>("hitTables");
        QTest::addColumn<QStringList>("expected");

        const QByteArray idle = fixture("docker-host-idle.iptables-save");
        const QByteArray nginx = fixture("docker-host-nginx.iptables-save");
        const QString dnat = QString::fromLatin1(kDnatRule);
        const QString accept = "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp "
                               "--dport 80 -j ACCEPT";
        const QString hairpin = "-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp "
                                "--dport 80 -j MASQUERADE";

        QTest::newRow("docker run -p 8080:80 adds rules")
            << idle << nginx << QStringList{}
            << QStringList{"+ " + accept + " (filter)", "+ " + hairpin + " (nat)",
                           "+ " + dnat + " (nat)"};
        QTest::newRow("docker rm removes them")
            << nginx << idle << QStringList{}
            << QStringList{"- " + accept + " (filter)", "- " + hairpin + " (nat)",
                           "- " + dnat + " (nat)"};

        QByteArray busier = nginx;
        busier.replace("[1:60] -A DOCKER ! -i docker0", "[3:180] -A DOCKER ! -i docker0");
        busier.replace("[1:60] -A PREROUTING", "[3:180] -A PREROUTING");
        busier.replace("[12:3214] -A FORWARD -j DOCKER-USER",
                       "[40:9000] -A FORWARD -j DOCKER-USER");
        busier.replace(":INPUT ACCEPT [1611:2057214]", ":INPUT ACCEPT [1700:2100000]");
        QTest::newRow("counters only: not a rule change")
            << nginx << busier << QStringList{} << QStringList{};
        QTest::newRow("counters only, nat hits asked for")
            << nginx << busier << QStringList{"nat"}
            << QStringList{"hit +2 packets: -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER "
                           "(nat)",
                           "hit +2 packets: " + dnat + " (nat)"};

        QByteArray accepting = idle;
        accepting.replace(":FORWARD DROP [0:0]", ":FORWARD ACCEPT [0:0]");
        QTest::newRow("dockerd sets FORWARD to DROP")
            << accepting << idle << QStringList{}
            << QStringList{"FORWARD policy ACCEPT → DROP (filter)"};

        QTest::newRow("dockerd starts in an empty netns")
            << QByteArray()
            << QByteArray("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
                          ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
                          ":DOCKER - [0:0]\n"
                          "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n"
                          "-A DOCKER -i docker0 -j RETURN\nCOMMIT\n"
                          "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n"
                          ":OUTPUT ACCEPT [0:0]\nCOMMIT\n")
            << QStringList{}
            << QStringList{"table nat created",
                           "chain DOCKER created (nat)",
                           "+ -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER (nat)",
                           "+ -A DOCKER -i docker0 -j RETURN (nat)",
                           "table filter created",
                           "FORWARD policy ACCEPT → DROP (filter)"};

        const QByteArray withChain = "*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SVC-X - [0:0]\n"
                                     "-A KUBE-SVC-X -j RETURN\nCOMMIT\n";
        const QByteArray withoutChain = "*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n";
        QTest::newRow("chain created")
            << withoutChain << withChain << QStringList{}
            << QStringList{"chain KUBE-SVC-X created (nat)", "+ -A KUBE-SVC-X -j RETURN (nat)"};
        QTest::newRow("chain removed after its rules")
            << withChain << withoutChain << QStringList{}
            << QStringList{"- -A KUBE-SVC-X -j RETURN (nat)", "chain KUBE-SVC-X removed (nat)"};
        QTest::newRow("table removed")
            << withoutChain << QByteArray() << QStringList{} << QStringList{"table nat removed"};

        const QByteArray one = "*filter\n:FORWARD ACCEPT [0:0]\n[5:300] -A FORWARD -j DROP\n"
                               "[0:0] -A FORWARD -j ACCEPT\nCOMMIT\n";
        const QByteArray two = "*filter\n:FORWARD ACCEPT [0:0]\n[0:0] -A FORWARD -j ACCEPT\n"
                               "[5:300] -A FORWARD -j DROP\n[0:0] -A FORWARD -j DROP\nCOMMIT\n";
        QTest::newRow("a duplicate is one addition; reordering is none")
            << one << two << QStringList{} << QStringList{"+ -A FORWARD -j DROP (filter)"};
    }

    void diff()
    {
        QFETCH(QByteArray, before);
        QFETCH(QByteArray, after);
        QFETCH(QStringList, hitTables);
        QFETCH(QStringList, expected);
        RuleDiffOptions options;
        for (const QString &table : hitTables)
            options.hitTables.push_back(table.toStdString());
        const auto changes = diffRuleSnapshots(parsed(before), parsed(after), options);
        QCOMPARE(summaries(changes), expected);
    }

    void ruleEventCarriesTheEvidence()
    {
        const auto changes = diffRuleSnapshots(parsed(fixture("docker-host-idle.iptables-save")),
                                               parsed(fixture("docker-host-nginx.iptables-save")));
        QCOMPARE(changes.size(), std::size_t(3));
        const Event event = ruleChangeEvent(changes[2], "flowlab-docker");
        QVERIFY(event.kind == EventKind::Rule);
        QCOMPARE(event.source.netns, std::string("flowlab-docker"));
        QCOMPARE(event.summary, std::string("+ ") + kDnatRule + " (nat)");
        const auto &a = event.attributes;
        QCOMPARE(a.at("netns").get<std::string>(), std::string("flowlab-docker"));
        QCOMPARE(a.at("op").get<std::string>(), std::string("+"));
        QCOMPARE(a.at("table").get<std::string>(), std::string("nat"));
        QCOMPARE(a.at("chain").get<std::string>(), std::string("DOCKER"));
        QCOMPARE(a.at("rule").get<std::string>(), std::string(kDnatRule));
        QCOMPARE(a.at("position").get<int>(), 2);
        QCOMPARE(a.at("counters").at("packets").get<int>(), 1);
        QCOMPARE(a.at("counters").at("bytes").get<int>(), 60);
    }
};

QTEST_GUILESS_MAIN(TestRuleSnapshot)
#include "tst_rule_snapshot.moc"
