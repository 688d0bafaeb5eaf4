// The cluster DNS resolver on fixtures: the records of "Kubernetes DNS-Based Service
// Discovery", negative answers with the zone's SOA, REFUSED outside the lab's zones, and
// answers that follow the directory as Services and endpoints change. No network.

#include "DnsFixtures.h"
#include "engine/kube/dns/ClusterResolver.h"

#include <QTest>

using namespace flowlab::kube::dns;
using namespace flowlab::kube::dns::test;

namespace {

QStringList lines(const std::vector<ResourceRecord> &records)
{
    QStringList out;
    for (const ResourceRecord &record : records)
        out << QString::fromStdString(record.presentation());
    return out;
}

Question ask(const std::string &name, RecordType type)
{
    return {name, std::uint16_t(type)};
}

const QString kSoaPrefix =
    "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. ";

} // namespace

class TestKubeDnsResolver : public QObject
{
    Q_OBJECT

private slots:
    void answers_data();
    void answers();
    void negativeAnswersCarryTheZoneSoa_data();
    void negativeAnswersCarryTheZoneSoa();
    void namesOutsideTheLabAreRefused_data();
    void namesOutsideTheLabAreRefused();
    void srvAnswersNameTheirTargetsAddresses();
    void unsyncedCachesAnswerServfail();
    void answersFollowChanges();
    void publishNotReadyAddressesCountsEveryEndpoint();
    void otherClassesAreRefused();
};

void TestKubeDnsResolver::answers_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("type");
    QTest::addColumn<QStringList>("expected");

    const int A = int(RecordType::A);
    QTest::newRow("ClusterIP Service")
        << "web.default.svc.cluster.local." << A
        << QStringList{"web.default.svc.cluster.local. 5 IN A 10.43.0.17"};
    QTest::newRow("any case, answered in the spelling asked")
        << "WEB.Default.svc.Cluster.Local." << A
        << QStringList{"WEB.Default.svc.Cluster.Local. 5 IN A 10.43.0.17"};
    QTest::newRow("headless: the ready endpoints only")
        << "db.shop.svc.cluster.local." << A
        << QStringList{"db.shop.svc.cluster.local. 5 IN A 10.42.0.5",
                       "db.shop.svc.cluster.local. 5 IN A 10.42.1.7"};
    QTest::newRow("headless endpoint by its hostname")
        << "primary.db.shop.svc.cluster.local." << A
        << QStringList{"primary.db.shop.svc.cluster.local. 5 IN A 10.42.0.5"};
    QTest::newRow("headless endpoint without a hostname: its dashed IP")
        << "10-42-1-7.db.shop.svc.cluster.local." << A
        << QStringList{"10-42-1-7.db.shop.svc.cluster.local. 5 IN A 10.42.1.7"};
    QTest::newRow("SRV of a named TCP port")
        << "_http._tcp.web.default.svc.cluster.local." << int(RecordType::SRV)
        << QStringList{"_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 "
                       "web.default.svc.cluster.local."};
    QTest::newRow("SRV of a named UDP port")
        << "_dns._udp.web.default.svc.cluster.local." << int(RecordType::SRV)
        << QStringList{"_dns._udp.web.default.svc.cluster.local. 5 IN SRV 0 100 53 "
                       "web.default.svc.cluster.local."};
    QTest::newRow("headless SRV: one per ready endpoint, at the port it listens on")
        << "_pg._tcp.db.shop.svc.cluster.local." << int(RecordType::SRV)
        << QStringList{"_pg._tcp.db.shop.svc.cluster.local. 5 IN SRV 0 50 15432 "
                       "primary.db.shop.svc.cluster.local.",
                       "_pg._tcp.db.shop.svc.cluster.local. 5 IN SRV 0 50 15432 "
                       "10-42-1-7.db.shop.svc.cluster.local."};
    QTest::newRow("ExternalName: a CNAME, not followed outside the cluster")
        << "search.default.svc.cluster.local." << A
        << QStringList{"search.default.svc.cluster.local. 5 IN CNAME www.example.com."};
    QTest::newRow("ExternalName into the cluster: followed")
        << "alias.default.svc.cluster.local." << A
        << QStringList{"alias.default.svc.cluster.local. 5 IN CNAME web.default.svc.cluster.local.",
                       "web.default.svc.cluster.local. 5 IN A 10.43.0.17"};
    QTest::newRow("pod name") << "10-42-0-5.default.pod.cluster.local." << A
                              << QStringList{
                                     "10-42-0-5.default.pod.cluster.local. 5 IN A 10.42.0.5"};
    QTest::newRow("PTR of a ClusterIP")
        << "17.0.43.10.in-addr.arpa." << int(RecordType::PTR)
        << QStringList{"17.0.43.10.in-addr.arpa. 5 IN PTR web.default.svc.cluster.local."};
    QTest::newRow("PTR of a headless endpoint")
        << "5.0.42.10.in-addr.arpa." << int(RecordType::PTR)
        << QStringList{"5.0.42.10.in-addr.arpa. 5 IN PTR primary.db.shop.svc.cluster.local."};
    QTest::newRow("schema version") << "dns-version.cluster.local." << int(RecordType::TXT)
                                    << QStringList{"dns-version.cluster.local. 5 IN TXT \"1.1.0\""};
    QTest::newRow("the server's own name: the kube-dns ClusterIP")
        << "ns.dns.cluster.local." << A << QStringList{"ns.dns.cluster.local. 5 IN A 10.43.0.10"};
    QTest::newRow("zone apex NS") << "cluster.local." << int(RecordType::NS)
                                  << QStringList{"cluster.local. 5 IN NS ns.dns.cluster.local."};
    QTest::newRow("without the trailing dot")
        << "web.default.svc.cluster.local" << A
        << QStringList{"web.default.svc.cluster.local. 5 IN A 10.43.0.17"};
}

void TestKubeDnsResolver::answers()
{
    QFETCH(QString, name);
    QFETCH(int, type);
    QFETCH(QStringList, expected);
    ServiceDirectory directory;
    fillDirectory(directory);
    ClusterResolver resolver(directory);
    const Answer answer = resolver.resolve({name.toStdString(), std::uint16_t(type)});
    QCOMPARE(rcodeName(answer.rcode), std::string("NOERROR"));
    QVERIFY(answer.authoritative);
    QCOMPARE(lines(answer.answers), expected);
    QVERIFY(answer.authority.empty());
    QVERIFY2(!answer.note.empty(), "every answer says why, for the evidence");
}

void TestKubeDnsResolver::negativeAnswersCarryTheZoneSoa_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("rcode");

    const int A = int(RecordType::A);
    QTest::newRow("unknown Service") << "nothing.default.svc.cluster.local." << A << "NXDOMAIN";
    QTest::newRow("namespace without Services") << "empty.svc.cluster.local." << A << "NXDOMAIN";
    QTest::newRow("a not-ready headless endpoint")
        << "10-42-2-9.db.shop.svc.cluster.local." << A << "NXDOMAIN";
    QTest::newRow("endpoint names under a ClusterIP Service")
        << "x.web.default.svc.cluster.local." << A << "NXDOMAIN";
    QTest::newRow("an unnamed port has no SRV")
        << "_9000._tcp.web.default.svc.cluster.local." << int(RecordType::SRV) << "NXDOMAIN";
    QTest::newRow("a port name with the wrong protocol")
        << "_http._udp.web.default.svc.cluster.local." << int(RecordType::SRV) << "NXDOMAIN";
    QTest::newRow("a pod name that is no address")
        << "10-42-0-256.default.pod.cluster.local." << A << "NXDOMAIN";
    QTest::newRow("neither svc nor pod") << "web.default.cluster.local." << A << "NXDOMAIN";
    QTest::newRow("a reverse name nobody has")
        << "99.0.43.10.in-addr.arpa." << int(RecordType::PTR) << "NXDOMAIN";
    QTest::newRow("NODATA: a Service has no AAAA")
        << "web.default.svc.cluster.local." << int(RecordType::AAAA) << "NOERROR";
    QTest::newRow("NODATA: a namespace with Services")
        << "default.svc.cluster.local." << A << "NOERROR";
    QTest::newRow("NODATA: a pod name has no AAAA")
        << "10-42-0-5.default.pod.cluster.local." << int(RecordType::AAAA) << "NOERROR";
    QTest::newRow("NODATA: the apex has no A") << "cluster.local." << A << "NOERROR";
    QTest::newRow("NODATA: an SRV name has no A")
        << "_http._tcp.web.default.svc.cluster.local." << A << "NOERROR";
}

void TestKubeDnsResolver::negativeAnswersCarryTheZoneSoa()
{
    QFETCH(QString, name);
    QFETCH(int, type);
    QFETCH(QString, rcode);
    ServiceDirectory directory;
    fillDirectory(directory);
    ClusterResolver resolver(directory);
    const Answer answer = resolver.resolve({name.toStdString(), std::uint16_t(type)});
    QCOMPARE(QString::fromStdString(rcodeName(answer.rcode)), rcode);
    QVERIFY(answer.authoritative);
    QVERIFY2(answer.answers.empty(), qPrintable(lines(answer.answers).join('\n')));
    QCOMPARE(answer.authority.size(), std::size_t(1));
    const QString soa = QString::fromStdString(answer.authority[0].presentation());
    const QString zone = name.endsWith(".in-addr.arpa.") ? "43.10.in-addr.arpa." : "cluster.local.";
    QVERIFY2(soa.startsWith(zone + " 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. "),
             qPrintable(soa));
    QVERIFY2(soa.endsWith(" 7200 1800 86400 5"), qPrintable(soa));
}

void TestKubeDnsResolver::namesOutsideTheLabAreRefused_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("the internet") << "example.com.";
    QTest::newRow("the zone's name inside another") << "web.default.svc.cluster.local.example.com.";
    QTest::newRow("a label ending like the zone") << "notcluster.local.";
    QTest::newRow("the root") << ".";
    QTest::newRow("a reverse name outside the lab's ranges") << "1.1.168.192.in-addr.arpa.";
}

void TestKubeDnsResolver::namesOutsideTheLabAreRefused()
{
    QFETCH(QString, name);
    ServiceDirectory directory;
    fillDirectory(directory);
    ClusterResolver resolver(directory);
    const Answer answer = resolver.resolve(ask(name.toStdString(), RecordType::A));
    QCOMPARE(answer.rcode, Rcode::Refused);
    QVERIFY(!answer.authoritative);
    QVERIFY(answer.answers.empty());
    QVERIFY(answer.authority.empty());
    QVERIFY2(answer.note.find("no upstream") != std::string::npos, answer.note.c_str());
}

void TestKubeDnsResolver::srvAnswersNameTheirTargetsAddresses()
{
    ServiceDirectory directory;
    fillDirectory(directory);
    ClusterResolver resolver(directory);
    Answer answer =
        resolver.resolve(ask("_http._tcp.web.default.svc.cluster.local.", RecordType::SRV));
    QCOMPARE(lines(answer.additional),
             QStringList{"web.default.svc.cluster.local. 5 IN A 10.43.0.17"});
    answer = resolver.resolve(ask("_pg._tcp.db.shop.svc.cluster.local.", RecordType::SRV));
    QCOMPARE(lines(answer.additional),
             (QStringList{"primary.db.shop.svc.cluster.local. 5 IN A 10.42.0.5",
                          "10-42-1-7.db.shop.svc.cluster.local. 5 IN A 10.42.1.7"}));
}

void TestKubeDnsResolver::unsyncedCachesAnswerServfail()
{
    ServiceDirectory directory;
    fillDirectory(directory);
    directory.setSynced(false);
    ClusterResolver resolver(directory);
    // Not NXDOMAIN: the Service may well exist, the server just has not listed yet.
    QCOMPARE(resolver.resolve(ask("web.default.svc.cluster.local.", RecordType::A)).rcode,
             Rcode::ServFail);
    QCOMPARE(resolver.resolve(ask("example.com.", RecordType::A)).rcode, Rcode::Refused);
}

void TestKubeDnsResolver::answersFollowChanges()
{
    ServiceDirectory directory;
    fillDirectory(directory);
    ClusterResolver resolver(directory);
    const auto serial = [&] {
        const Answer apex = resolver.resolve(ask("cluster.local.", RecordType::SOA));
        return lines(apex.answers).join("");
    };
    const QString before = serial();
    QVERIFY2(before.startsWith(kSoaPrefix), qPrintable(before));

    Json moved = webService();
    moved["spec"]["clusterIP"] = "10.43.0.99";
    moved["spec"]["clusterIPs"] = {"10.43.0.99"};
    directory.applyService(moved);
    QCOMPARE(lines(resolver.resolve(ask("web.default.svc.cluster.local.", RecordType::A)).answers),
             QStringList{"web.default.svc.cluster.local. 5 IN A 10.43.0.99"});
    QVERIFY2(serial() != before, "the SOA serial counts changes");

    // The not-ready endpoint turns Ready; the primary goes away.
    directory.applyEndpointSlice(endpointSlice("shop", "db-abcde", "db",
                                               {{"10.42.1.7", true, ""}, {"10.42.2.9", true, ""}},
                                               Json::array()));
    QCOMPARE(lines(resolver.resolve(ask("db.shop.svc.cluster.local.", RecordType::A)).answers),
             (QStringList{"db.shop.svc.cluster.local. 5 IN A 10.42.1.7",
                          "db.shop.svc.cluster.local. 5 IN A 10.42.2.9"}));

    // No ready endpoint left: the spec's NXDOMAIN for a headless Service.
    directory.removeEndpointSlice(dbSlice());
    QCOMPARE(resolver.resolve(ask("db.shop.svc.cluster.local.", RecordType::A)).rcode,
             Rcode::NXDomain);

    directory.removeService(webService());
    QCOMPARE(resolver.resolve(ask("web.default.svc.cluster.local.", RecordType::A)).rcode,
             Rcode::NXDomain);
}

void TestKubeDnsResolver::publishNotReadyAddressesCountsEveryEndpoint()
{
    ServiceDirectory directory;
    fillDirectory(directory);
    Json db = dbService();
    db["spec"]["publishNotReadyAddresses"] = true;
    directory.applyService(db);
    ClusterResolver resolver(directory);
    QCOMPARE(resolver.resolve(ask("db.shop.svc.cluster.local.", RecordType::A)).answers.size(),
             std::size_t(3));
}

void TestKubeDnsResolver::otherClassesAreRefused()
{
    ServiceDirectory directory;
    fillDirectory(directory);
    ClusterResolver resolver(directory);
    Question chaos{"version.bind.", std::uint16_t(RecordType::TXT), 3};
    QCOMPARE(resolver.resolve(chaos).rcode, Rcode::Refused);
}

QTEST_APPLESS_MAIN(TestKubeDnsResolver)
#include "tst_kube_dns_resolver.moc"
