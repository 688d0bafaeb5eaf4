// flowlab-dns against a real flowlab-apiserver, asked by the real dig over UDP and TCP on
// loopback (no root): Services made with kubectl (ClusterIP, headless with EndpointSlices,
// ExternalName), their answers, changes reflected, NXDOMAIN and REFUSED, truncation and the
// retry over TCP, random bytes that do not bring it down, its evidence lines, and the errors
// it starts with (a port in use, a bad address).
//
// The EndpointSlices are written here as the EndpointSlice controller writes them
// (kubernetes.io/service-name label), so that no pods need to run.

#include "../KubeTestCluster.h"

#include <QHostAddress>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QUdpSocket>
#include <sys/prctl.h>

using namespace flowlab::kube::test;
using Json = nlohmann::json;

namespace {

const char *kManifest = R"(
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  ports:
  - {name: http, port: 80, targetPort: 8080, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec:
  clusterIP: None
  ports:
  - {name: pg, port: 5432, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: db-1
  namespace: default
  labels: {kubernetes.io/service-name: db}
addressType: IPv4
endpoints:
- addresses: [10.42.0.5]
  conditions: {ready: true}
  hostname: primary
- addresses: [10.42.1.6]
  conditions: {ready: true}
- addresses: [10.42.2.7]
  conditions: {ready: false}
ports:
- {name: pg, port: 15432, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {name: search, namespace: default}
spec:
  type: ExternalName
  externalName: www.example.com
)";

std::string bigSliceManifest(int endpoints)
{
    std::string manifest = "apiVersion: v1\nkind: Service\nmetadata: {name: big, namespace: "
                           "default}\nspec:\n  clusterIP: None\n  ports: [{port: 80}]\n---\n"
                           "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n"
                           "  name: big-1\n  namespace: default\n  labels: "
                           "{kubernetes.io/service-name: big}\naddressType: IPv4\nendpoints:\n";
    for (int i = 0; i < endpoints; ++i)
        manifest += "- addresses: [10.42.3." + std::to_string(i + 2) + "]\n";
    return manifest;
}

} // namespace

class TestKubeDnsServer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void clusterIpServiceOverUdpAndTcp();
    void headlessServiceAnswersReadyEndpoints();
    void srvRecordsForNamedPorts();
    void externalNameIsACname();
    void podNames();
    void negativeAnswers();
    void updatesAreReflected();
    void bigAnswersAreTruncatedThenFetchedOverTcp();
    void malformedPacketsDoNotCrashTheServer();
    void evidenceLinesDescribeEachQuery();
    void startupErrorsAreClear();

private:
    // dig's full output for `args` against the server.
    QString dig(const QStringList &args) const;
    QStringList digShort(const QString &name, const QString &type = "A",
                         const QStringList &extra = {}) const;
    static QString status(const QString &digOutput);
    CommandResult runDns(const QStringList &args, int timeoutMs = 10000) const;

    KubeTestCluster m_cluster;
    std::unique_ptr<QProcess> m_dns;
    QString m_dig;
    int m_port = 0;
    QString m_webIp;
    std::string m_evidencePath;
};

QString TestKubeDnsServer::dig(const QStringList &args) const
{
    QProcess process;
    process.start(m_dig,
                  QStringList{"@127.0.0.1", "-p", QString::number(m_port), "+tries=1", "+time=5"} +
                      args);
    if (!process.waitForFinished(30000)) {
        process.kill();
        process.waitForFinished();
        return "dig timed out";
    }
    return QString::fromUtf8(process.readAllStandardOutput());
}

QStringList TestKubeDnsServer::digShort(const QString &name, const QString &type,
                                        const QStringList &extra) const
{
    QStringList lines =
        dig(QStringList{"+short", name, type} + extra).split('\n', Qt::SkipEmptyParts);
    lines.sort();
    return lines;
}

QString TestKubeDnsServer::status(const QString &digOutput)
{
    static const QRegularExpression pattern("status: ([A-Z]+)");
    return pattern.match(digOutput).captured(1);
}

CommandResult TestKubeDnsServer::runDns(const QStringList &args, int timeoutMs) const
{
    QProcess process;
    process.start(QString(FLOWLAB_BIN_DIR) + "/flowlab-dns", args);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return {-1, {}, "flowlab-dns did not exit"};
    }
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

void TestKubeDnsServer::initTestCase()
{
    m_dig = QStandardPaths::findExecutable("dig");
    if (m_dig.isEmpty())
        QFAIL("dig is not installed: Debian's bind9-dnsutils (.ci/install-deps installs it)");
    const std::string started = m_cluster.start({});
    QVERIFY2(started.empty(), started.c_str());
    std::ofstream(m_cluster.dir() + "/dns.token") << "admin-token\n";
    m_evidencePath = m_cluster.evidenceLogPath("dns");

    const CommandResult applied = m_cluster.kubectl({"apply", "-f", "-"}, kManifest);
    QVERIFY2(applied.ok(), applied.both().c_str());
    const CommandResult big =
        m_cluster.kubectl({"apply", "-f", "-"}, QString::fromStdString(bigSliceManifest(100)));
    QVERIFY2(big.ok(), big.both().c_str());
    const CommandResult ip =
        m_cluster.kubectl({"get", "service", "web", "-o", "jsonpath={.spec.clusterIP}"});
    QVERIFY2(ip.ok() && ip.out.startsWith("10.43."), ip.both().c_str());
    m_webIp = ip.out.trimmed();

    m_dns = std::make_unique<QProcess>();
    // Its output goes to a file, never a pipe left unread: with --verbose it logs every query.
    const QString logPath = QString::fromStdString(m_cluster.dir() + "/flowlab-dns.log");
    m_dns->setProcessChannelMode(QProcess::MergedChannels);
    m_dns->setStandardOutputFile(logPath);
    // Should this test die without its cleanup (a crash, a kill), the server dies with it.
    m_dns->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    m_dns->start(QString(FLOWLAB_BIN_DIR) + "/flowlab-dns",
                 {"--server", QString::fromStdString(m_cluster.plainUrl()), "--token-file",
                  QString::fromStdString(m_cluster.dir() + "/dns.token"), "--listen", "127.0.0.1:0",
                  "--evidence-log", QString::fromStdString(m_evidencePath), "--verbose"});
    QVERIFY2(m_dns->waitForStarted(10000), qPrintable(m_dns->errorString()));
    static const QRegularExpression listening(
        "listening on 127\\.0\\.0\\.1:(\\d+) \\(UDP and TCP\\)");
    QString printed;
    const auto readLog = [&] {
        QFile log(logPath);
        return log.open(QIODevice::ReadOnly) ? QString::fromUtf8(log.readAll()) : QString();
    };
    QTRY_VERIFY2_WITH_TIMEOUT((printed = readLog(), listening.match(printed).hasMatch()),
                              qPrintable("flowlab-dns printed: " + printed), 15000);
    m_port = listening.match(printed).captured(1).toInt();
    QVERIFY(m_port > 0);
    // Until its watches have listed, it answers SERVFAIL; then the Service.
    QTRY_COMPARE_WITH_TIMEOUT(digShort("web.default.svc.cluster.local"), QStringList{m_webIp},
                              20000);
}

void TestKubeDnsServer::cleanupTestCase()
{
    if (m_dns && m_dns->state() != QProcess::NotRunning) {
        m_dns->terminate();
        if (!m_dns->waitForFinished(5000)) {
            m_dns->kill();
            m_dns->waitForFinished(5000);
        }
    }
    // Kept for a reader: what the evidence of a run looks like, and the server's log.
    const QString artifacts = QStringLiteral(FLOWLAB_TEST_ARTIFACTS "/dns");
    QDir().mkpath(artifacts);
    for (const char *file : {"dns.evidence.jsonl", "flowlab-dns.log"}) {
        QFile::remove(artifacts + "/" + file);
        QFile::copy(QString::fromStdString(m_cluster.dir() + "/" + file), artifacts + "/" + file);
    }
    m_cluster.stop();
}

void TestKubeDnsServer::clusterIpServiceOverUdpAndTcp()
{
    const QString udp = dig({"web.default.svc.cluster.local", "A"});
    QCOMPARE(status(udp), QString("NOERROR"));
    QVERIFY2(udp.contains(QRegularExpression("flags: qr aa rd;")), qPrintable(udp));
    QVERIFY2(udp.contains(
                 QRegularExpression("web\\.default\\.svc\\.cluster\\.local\\.\\s+5\\s+IN\\s+A\\s+" +
                                    QRegularExpression::escape(m_webIp))),
             qPrintable(udp));
    QVERIFY2(udp.contains("(UDP)"), qPrintable(udp));
    const QString tcp = dig({"+tcp", "web.default.svc.cluster.local", "A"});
    QCOMPARE(status(tcp), QString("NOERROR"));
    QVERIFY2(tcp.contains("(TCP)"), qPrintable(tcp));
    QVERIFY2(tcp.contains(m_webIp), qPrintable(tcp));
    // No EDNS0 at all, as old stub resolvers ask.
    QCOMPARE(digShort("web.default.svc.cluster.local", "A", {"+noedns"}), QStringList{m_webIp});
    QCOMPARE(digShort("WEB.DEFAULT.svc.cluster.local"), QStringList{m_webIp});
}

void TestKubeDnsServer::headlessServiceAnswersReadyEndpoints()
{
    QCOMPARE(digShort("db.default.svc.cluster.local"), (QStringList{"10.42.0.5", "10.42.1.6"}));
    QCOMPARE(digShort("db.default.svc.cluster.local", "A", {"+tcp"}),
             (QStringList{"10.42.0.5", "10.42.1.6"}));
    QCOMPARE(digShort("primary.db.default.svc.cluster.local"), QStringList{"10.42.0.5"});
    QCOMPARE(digShort("10-42-1-6.db.default.svc.cluster.local"), QStringList{"10.42.1.6"});
    QCOMPARE(status(dig({"10-42-2-7.db.default.svc.cluster.local"})), QString("NXDOMAIN"));
    QCOMPARE(digShort("5.0.42.10.in-addr.arpa", "PTR"),
             QStringList{"primary.db.default.svc.cluster.local."});
}

void TestKubeDnsServer::srvRecordsForNamedPorts()
{
    QCOMPARE(digShort("_http._tcp.web.default.svc.cluster.local", "SRV"),
             QStringList{"0 100 80 web.default.svc.cluster.local."});
    const QString full = dig({"_http._tcp.web.default.svc.cluster.local", "SRV"});
    QVERIFY2(full.contains("ADDITIONAL SECTION"), qPrintable(full));
    QCOMPARE(digShort("_pg._tcp.db.default.svc.cluster.local", "SRV"),
             (QStringList{"0 50 15432 10-42-1-6.db.default.svc.cluster.local.",
                          "0 50 15432 primary.db.default.svc.cluster.local."}));
    QCOMPARE(status(dig({"_nope._tcp.web.default.svc.cluster.local", "SRV"})), QString("NXDOMAIN"));
}

void TestKubeDnsServer::externalNameIsACname()
{
    const QString full = dig({"search.default.svc.cluster.local", "A"});
    QCOMPARE(status(full), QString("NOERROR"));
    QVERIFY2(full.contains(
                 QRegularExpression("search\\.default\\.svc\\.cluster\\.local\\.\\s+5\\s+IN\\s+"
                                    "CNAME\\s+www\\.example\\.com\\.")),
             qPrintable(full));
    // Not followed out of the lab: no A record for www.example.com.
    QVERIFY2(!full.contains(QRegularExpression("www\\.example\\.com\\.\\s+\\d+\\s+IN\\s+A")),
             qPrintable(full));
}

void TestKubeDnsServer::podNames()
{
    QCOMPARE(digShort("10-42-0-9.default.pod.cluster.local"), QStringList{"10.42.0.9"});
}

void TestKubeDnsServer::negativeAnswers()
{
    const QString missing = dig({"nothing.default.svc.cluster.local", "A"});
    QCOMPARE(status(missing), QString("NXDOMAIN"));
    QVERIFY2(missing.contains(QRegularExpression(
                 "AUTHORITY SECTION:\\s*\\ncluster\\.local\\.\\s+5\\s+IN\\s+SOA\\s+"
                 "ns\\.dns\\.cluster\\.local\\. hostmaster\\.cluster\\.local\\.")),
             qPrintable(missing));
    const QString noAaaa = dig({"web.default.svc.cluster.local", "AAAA"});
    QCOMPARE(status(noAaaa), QString("NOERROR"));
    QVERIFY2(noAaaa.contains("ANSWER: 0"), qPrintable(noAaaa));
    for (const QString &outside : {"example.com", "www.example.com", "kubernetes.io"}) {
        const QString refused = dig({outside, "A"});
        QCOMPARE(status(refused), QString("REFUSED"));
        QVERIFY2(refused.contains("ANSWER: 0"), qPrintable(refused));
    }
}

void TestKubeDnsServer::updatesAreReflected()
{
    // The not-ready endpoint turns Ready.
    const CommandResult patched = m_cluster.kubectl(
        {"patch", "endpointslice", "db-1", "--type=json", "-p",
         R"([{"op":"replace","path":"/endpoints/2/conditions/ready","value":true}])"});
    QVERIFY2(patched.ok(), patched.both().c_str());
    QTRY_COMPARE_WITH_TIMEOUT(digShort("db.default.svc.cluster.local"),
                              (QStringList{"10.42.0.5", "10.42.1.6", "10.42.2.7"}), 15000);

    // The ExternalName Service points elsewhere; a new named port appears.
    const CommandResult renamed =
        m_cluster.kubectl({"patch", "service", "search", "--type=merge", "-p",
                           R"({"spec":{"externalName":"docs.example.org"}})"});
    QVERIFY2(renamed.ok(), renamed.both().c_str());
    QTRY_COMPARE_WITH_TIMEOUT(digShort("search.default.svc.cluster.local", "CNAME"),
                              QStringList{"docs.example.org."}, 15000);
    const CommandResult named = m_cluster.kubectl(
        {"patch", "service", "web", "--type=json", "-p",
         R"([{"op":"add","path":"/spec/ports/-","value":{"name":"metrics","port":9000}}])"});
    QVERIFY2(named.ok(), named.both().c_str());
    QTRY_COMPARE_WITH_TIMEOUT(digShort("_metrics._tcp.web.default.svc.cluster.local", "SRV"),
                              QStringList{"0 100 9000 web.default.svc.cluster.local."}, 15000);

    // A Service made and deleted comes and goes.
    QVERIFY(m_cluster.kubectl({"create", "service", "clusterip", "late", "--tcp=80:80"}).ok());
    QTRY_COMPARE_WITH_TIMEOUT(status(dig({"late.default.svc.cluster.local"})), QString("NOERROR"),
                              15000);
    QVERIFY(m_cluster.kubectl({"delete", "service", "late"}).ok());
    QTRY_COMPARE_WITH_TIMEOUT(status(dig({"late.default.svc.cluster.local"})), QString("NXDOMAIN"),
                              15000);
}

void TestKubeDnsServer::bigAnswersAreTruncatedThenFetchedOverTcp()
{
    // 100 A records do not fit 512 bytes: TC set, and +ignore keeps dig from retrying.
    const QString truncated = dig({"+ignore", "+noedns", "big.default.svc.cluster.local", "A"});
    QVERIFY2(truncated.contains(QRegularExpression("flags: qr aa tc rd;")), qPrintable(truncated));
    QVERIFY2(truncated.contains("ANSWER: 0"), qPrintable(truncated));
    // Nor 1232 (dig's EDNS0 buffer): dig retries over TCP by itself and gets them all.
    const QString full = dig({"big.default.svc.cluster.local", "A"});
    QVERIFY2(full.contains("ANSWER: 100"), qPrintable(full));
    QVERIFY2(full.contains("(TCP)"), qPrintable(full));
    QVERIFY2(full.contains("Truncated, retrying in TCP mode"), qPrintable(full));
}

void TestKubeDnsServer::malformedPacketsDoNotCrashTheServer()
{
    QRandomGenerator random(7);
    QUdpSocket udp;
    for (int i = 0; i < 300; ++i) {
        QByteArray junk(random.bounded(0, 700), '\0');
        for (char &c : junk)
            c = char(random.bounded(256));
        udp.writeDatagram(junk, QHostAddress::LocalHost, quint16(m_port));
    }
    // TCP: a length prefix promising more than comes, then junk, then a zero length.
    for (const QByteArray &junk :
         {QByteArray("\x01\x00garbage", 9), QByteArray("\x00\x05\xff\xff\xff\xff\xff", 7),
          QByteArray("\x00\x00", 2)}) {
        QTcpSocket tcp;
        tcp.connectToHost(QHostAddress::LocalHost, quint16(m_port));
        QVERIFY(tcp.waitForConnected(5000));
        tcp.write(junk);
        tcp.waitForBytesWritten(2000);
        tcp.waitForReadyRead(500);
        tcp.abort();
    }
    QCOMPARE(m_dns->state(), QProcess::Running);
    QCOMPARE(digShort("web.default.svc.cluster.local"), QStringList{m_webIp});
    QCOMPARE(digShort("web.default.svc.cluster.local", "A", {"+tcp"}), QStringList{m_webIp});
}

void TestKubeDnsServer::evidenceLinesDescribeEachQuery()
{
    QCOMPARE(digShort("web.default.svc.cluster.local", "A", {"+tcp"}), QStringList{m_webIp});
    std::vector<Json> events;
    QTRY_VERIFY_WITH_TIMEOUT((events = m_cluster.evidence("dns"), !events.empty()), 5000);
    bool sawUdpAnswer = false, sawTcpAnswer = false, sawRefused = false, sawNxdomain = false,
         sawTruncated = false, sawDropped = false;
    for (const Json &event : events) {
        QCOMPARE(QString::fromStdString(event.value("kind", "")), QString("dns"));
        QCOMPARE(QString::fromStdString(event.at("source").value("component", "")), QString("dns"));
        const Json &a = event.at("attrs");
        QVERIFY2(a.value("client", "").starts_with("127.0.0.1:"), event.dump().c_str());
        if (a.contains("dropped")) {
            sawDropped = true;
            continue;
        }
        const std::string name = a.value("dns_name", "");
        const std::string rcode = a.value("dns_rcode", "");
        const std::string transport = a.value("transport", "");
        if (name == "web.default.svc.cluster.local" && rcode == "NOERROR" &&
            a.value("dns_type", "") == "A" &&
            a["dns_answers"] == Json::array({"A " + m_webIp.toStdString()})) {
            (transport == "udp" ? sawUdpAnswer : sawTcpAnswer) = true;
            QVERIFY(!event.value("summary", "").empty());
        }
        sawRefused |= name == "example.com" && rcode == "REFUSED";
        sawNxdomain |= name == "nothing.default.svc.cluster.local" && rcode == "NXDOMAIN" &&
                       a["authority"].size() == 1;
        sawTruncated |= name == "big.default.svc.cluster.local" && a.value("truncated", false);
    }
    QVERIFY(sawUdpAnswer);
    QVERIFY(sawTcpAnswer);
    QVERIFY(sawRefused);
    QVERIFY(sawNxdomain);
    QVERIFY(sawTruncated);
    QVERIFY2(sawDropped, "the random datagrams too short or marked as responses were dropped");
}

void TestKubeDnsServer::startupErrorsAreClear()
{
    const QString token = QString::fromStdString(m_cluster.dir() + "/dns.token");
    const QString server = QString::fromStdString(m_cluster.plainUrl());
    const CommandResult inUse = runDns({"--server", server, "--token-file", token, "--listen",
                                        QString("127.0.0.1:%1").arg(m_port)});
    QCOMPARE(inUse.exitCode, 1);
    QVERIFY2(
        inUse.err.contains(
            QString("listening on 127.0.0.1:%1 (UDP): the address is already in use").arg(m_port)),
        qPrintable(inUse.err));

    const CommandResult badAddress =
        runDns({"--server", server, "--token-file", token, "--listen", "999.1.1.1:53"});
    QCOMPARE(badAddress.exitCode, 2);
    QVERIFY2(badAddress.err.contains("\"999.1.1.1\" is not an IP address"),
             qPrintable(badAddress.err));

    const CommandResult badPort =
        runDns({"--server", server, "--token-file", token, "--listen", "127.0.0.1:70000"});
    QCOMPARE(badPort.exitCode, 2);
    QVERIFY2(badPort.err.contains("is not a port number"), qPrintable(badPort.err));

    // 192.0.2.1 (TEST-NET-1) is no address of this machine: nothing is sent, bind just fails.
    const CommandResult notMine =
        runDns({"--server", server, "--token-file", token, "--listen", "192.0.2.1:5353"});
    QCOMPARE(notMine.exitCode, 1);
    QVERIFY2(notMine.err.contains("is not an address of this machine"), qPrintable(notMine.err));

    const CommandResult noToken = runDns({"--server", server});
    QCOMPARE(noToken.exitCode, 2);
    QVERIFY2(noToken.err.contains("--token-file is required"), qPrintable(noToken.err));
}

QTEST_GUILESS_MAIN(TestKubeDnsServer)
#include "tst_kube_dns_server.moc"
