// flowlab-kube-proxy the program, against a real flowlab-apiserver on loopback (no root): the
// real iptables-restore is replaced with a script that keeps each input it is given, and the
// kept inputs are then applied to FakeIptables and traced. A Service with Endpoints (and with
// an EndpointSlice) must come out as KUBE-SVC / KUBE-SEP chains with DNAT to its addresses, the
// hooks in the first sync only, a REJECT once the endpoints are gone, and a "rule" evidence
// line per sync.

#include "../KubeTestCluster.h"
#include "engine/kube/proxy/ChainNames.h"
#include "engine/kube/proxy/FakeIptables.h"

#include <QDir>
#include <QFile>
#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>

using namespace flowlab;
using namespace flowlab::kube::proxy;
using namespace flowlab::kube::test;
using Json = nlohmann::json;

namespace {

std::string readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll().toStdString() : std::string();
}

void writeScript(const QString &path, const QString &body)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(("#!/bin/sh\n" + body).toUtf8());
    file.close();
    QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
}

const char *kServiceManifest = R"(apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports: [{name: http, port: 80, targetPort: 8080}]
)";

const char *kEndpointsManifest = R"(apiVersion: v1
kind: Endpoints
metadata: {name: web}
subsets:
- addresses: [{ip: 10.42.0.5}, {ip: 10.42.1.6}]
  ports: [{name: http, port: 8080}]
)";

const char *kSliceManifest = R"(apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-manual
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [10.42.0.5]
  conditions: {ready: true}
- addresses: [10.42.1.6]
  conditions: {ready: true}
- addresses: [10.42.2.7]
  conditions: {ready: false}
ports: [{name: http, port: 8080}]
)";

} // namespace

class TestKubeProxyProgram : public QObject
{
    Q_OBJECT

private:
    KubeTestCluster m_cluster;
    std::unique_ptr<QProcess> m_proxy;
    QString m_work; // the scripts and what they kept

    QStringList restoreInputs() const
    {
        QDir dir(m_work + "/restores");
        QStringList files = dir.entryList({"*.txt"}, QDir::Files, QDir::Name);
        for (QString &file : files)
            file = dir.filePath(file);
        return files;
    }

    // Waits until the newest kept input satisfies `wanted`.
    bool waitForInput(const std::function<bool(const std::string &)> &wanted,
                      std::string *input = nullptr)
    {
        for (int i = 0; i < 300; ++i) {
            const QStringList inputs = restoreInputs();
            if (!inputs.isEmpty()) {
                const std::string newest = readFile(inputs.last());
                if (wanted(newest)) {
                    if (input)
                        *input = newest;
                    return true;
                }
            }
            QTest::qWait(100);
        }
        return false;
    }

    void startProxy(const QStringList &extra)
    {
        QDir(m_work + "/restores").removeRecursively();
        QVERIFY(QDir().mkpath(m_work + "/restores"));
        QFile::remove(m_work + "/evidence.jsonl");
        m_proxy = std::make_unique<QProcess>();
        m_proxy->setProcessChannelMode(QProcess::MergedChannels);
        m_proxy->setStandardOutputFile(m_work + "/kube-proxy.log", QIODevice::Append);
        QStringList args{"--server",
                         QString::fromStdString(m_cluster.plainUrl()),
                         "--token-file",
                         m_work + "/admin.token",
                         "--node",
                         "flowlab-node1",
                         "--evidence-log",
                         m_work + "/evidence.jsonl",
                         "--iptables-restore",
                         m_work + "/fake-iptables-restore",
                         "--iptables-save",
                         m_work + "/fake-iptables-save",
                         "--rules-file",
                         m_work + "/rules.txt",
                         "--min-sync-period",
                         "100"};
        m_proxy->start(QString(FLOWLAB_BIN_DIR) + "/flowlab-kube-proxy", args + extra);
        QVERIFY2(m_proxy->waitForStarted(10000), qPrintable(m_proxy->errorString()));
    }

    void stopProxy()
    {
        if (m_proxy && m_proxy->state() != QProcess::NotRunning) {
            m_proxy->terminate();
            if (!m_proxy->waitForFinished(5000)) {
                m_proxy->kill();
                m_proxy->waitForFinished(5000);
            }
        }
        m_proxy.reset();
    }

    std::string clusterIp()
    {
        const auto got = m_cluster.kubectl({"get", "service", "web", "-o", "json"});
        return Json::parse(got.out.toStdString(), nullptr, false)["spec"].value("clusterIP", "");
    }

    // Every kept input applied in order, as the kernel would have received them.
    void replayInto(FakeIptables &iptables)
    {
        for (const QString &file : restoreInputs()) {
            const Status applied = iptables.restore(readFile(file));
            QVERIFY2(applied.ok(),
                     (file.toStdString() + ": " + (applied.ok() ? "" : applied.error().message()))
                         .c_str());
        }
    }

    void checkServiceIsServed(const std::vector<std::string> &expected)
    {
        std::string input;
        QVERIFY2(waitForInput(
                     [&](const std::string &text) {
                         for (const auto &address : expected)
                             if (text.find("--to-destination " + address) == std::string::npos)
                                 return false;
                         return true;
                     },
                     &input),
                 ("no sync DNATs to the endpoints; see " + m_work.toStdString() + "/kube-proxy.log")
                     .c_str());
        // The not-ready pod of the slice is left out.
        QVERIFY(input.find("10.42.2.7") == std::string::npos);
        const std::string ip = clusterIp();
        QVERIFY(!ip.empty());
        FakeIptables iptables;
        replayInto(iptables);
        const std::string svc = serviceChainName("default/web:http", "TCP");
        const auto rules = iptables.rules("nat", svc);
        QCOMPARE(rules.size(), expected.size() + 1);
        QVERIFY(rules[1].find("--probability 0.5000000000") != std::string::npos);
        std::mt19937 generator(42);
        TraceEnvironment env;
        env.random = [&] { return std::uniform_real_distribution<double>(0, 1)(generator); };
        std::set<std::string> reached;
        for (int i = 0; i < 200; ++i) {
            VirtualPacket packet;
            packet.source = "10.42.1.9";
            packet.destination = ip;
            packet.destinationPort = 80;
            const PacketTrace trace = iptables.trace("nat", "PREROUTING", packet, env);
            QCOMPARE(QString::fromStdString(trace.verdict), QString("DNAT"));
            reached.insert(trace.dnatAddress);
        }
        QCOMPARE(reached, std::set<std::string>(expected.begin(), expected.end()));
        // The hooks went in with the first sync only.
        const QStringList inputs = restoreInputs();
        QVERIFY(readFile(inputs.first()).find("-I PREROUTING 1 ") != std::string::npos);
        for (int i = 1; i < inputs.size(); ++i)
            QVERIFY(readFile(inputs[i]).find("-I PREROUTING") == std::string::npos);
        QCOMPARE(QString::fromStdString(readFile(m_work + "/restore-args.txt")).trimmed(),
                 QString("--noflush"));
        QCOMPARE(readFile(m_work + "/rules.txt"), readFile(inputs.last()));
    }

    void checkEvidence()
    {
        // kube-proxy writes a sync's evidence after iptables-restore returns, which can be just
        // after the test saw the restore's input.
        auto evidenceLines = [this] {
            std::ifstream lines((m_work + "/evidence.jsonl").toStdString());
            return std::count(std::istreambuf_iterator<char>(lines), {}, '\n');
        };
        QTRY_COMPARE_WITH_TIMEOUT(qsizetype(evidenceLines()), qsizetype(restoreInputs().size()),
                                  5000);
        std::ifstream in((m_work + "/evidence.jsonl").toStdString());
        std::string line;
        int syncs = 0;
        while (std::getline(in, line)) {
            const Json event = Json::parse(line, nullptr, false);
            QVERIFY2(event.is_object() && event.contains("attrs"), line.c_str());
            QCOMPARE(QString::fromStdString(event.value("kind", "")), QString("rule"));
            QCOMPARE(QString::fromStdString(event["source"].value("node", "")),
                     QString("flowlab-node1"));
            const Json &a = event["attrs"];
            QVERIFY2(a.value("ok", false), line.c_str());
            QVERIFY(a["render"]["rules"].get<int>() > 0);
            QVERIFY(a.contains("diff") && a.contains("restore_ms") && a.contains("render_ms"));
            QCOMPARE(a["iptables_restore"]["exit_code"].get<int>(), 0);
            ++syncs;
        }
        QCOMPARE(syncs, restoreInputs().size());
    }

private slots:
    void initTestCase()
    {
        if (kubectlProgram().isEmpty())
            QFAIL("kubectl is needed (.ci/install-deps installs Debian's kubernetes-client)");
        const std::string started = m_cluster.start({});
        QVERIFY2(started.empty(), started.c_str());
        m_work = QString::fromStdString(m_cluster.dir()) + "/kube-proxy";
        QVERIFY(QDir().mkpath(m_work));
        QFile token(m_work + "/admin.token");
        QVERIFY(token.open(QIODevice::WriteOnly));
        token.write("admin-token\n");
        token.close();
        // Keeps each input as restores/NNNN.txt, and its arguments.
        writeScript(m_work + "/fake-iptables-restore",
                    "dir=\"" + m_work +
                        "\"\n"
                        "n=$(ls \"$dir/restores\" | wc -l)\n"
                        "cat > \"$dir/restores/.incoming\"\n"
                        "echo \"$@\" > \"$dir/restore-args.txt\"\n"
                        "mv \"$dir/restores/.incoming\" \"$dir/restores/$(printf %04d $n).txt\"\n");
        // A fresh node: nothing there yet.
        writeScript(m_work + "/fake-iptables-save", "exit 0\n");
    }

    void cleanup() { stopProxy(); }

    void cleanupTestCase()
    {
        stopProxy();
        m_cluster.stop();
    }

    void endpointsBecomeRules()
    {
        startProxy({"--use-endpoints"});
        // The empty first sync: only the fixed chains and the hooks.
        QVERIFY(waitForInput([](const std::string &text) {
            return text.find("KUBE-POSTROUTING") != std::string::npos;
        }));
        auto applied = m_cluster.kubectl({"apply", "-f", "-"}, kServiceManifest);
        QVERIFY2(applied.ok(), applied.both().c_str());
        // A Service without endpoints is rejected (as is the apiserver's own "kubernetes"
        // here, for want of its Endpoints).
        QVERIFY(waitForInput([](const std::string &text) {
            return text.find("default/web:http has no endpoints") != std::string::npos;
        }));
        applied = m_cluster.kubectl({"apply", "-f", "-"}, kEndpointsManifest);
        QVERIFY2(applied.ok(), applied.both().c_str());
        checkServiceIsServed({"10.42.0.5:8080", "10.42.1.6:8080"});

        auto deleted = m_cluster.kubectl({"delete", "endpoints", "web"});
        QVERIFY2(deleted.ok(), deleted.both().c_str());
        std::string input;
        QVERIFY(waitForInput(
            [](const std::string &text) {
                return text.find("default/web:http has no endpoints") != std::string::npos;
            },
            &input));
        QVERIFY(input.find("DNAT") == std::string::npos);
        // The Service's chains are deleted in the same transaction.
        QVERIFY(input.find("-X KUBE-SVC-") != std::string::npos);
        QVERIFY(input.find("-X KUBE-SEP-") != std::string::npos);
        checkEvidence();
    }

    void endpointSlicesBecomeRules()
    {
        startProxy({});
        auto applied = m_cluster.kubectl({"apply", "-f", "-"}, kSliceManifest);
        QVERIFY2(applied.ok(), applied.both().c_str());
        checkServiceIsServed({"10.42.0.5:8080", "10.42.1.6:8080"});
        checkEvidence();
        auto deleted = m_cluster.kubectl({"delete", "service", "web"});
        QVERIFY2(deleted.ok(), deleted.both().c_str());
        QVERIFY(waitForInput(
            [](const std::string &text) { return text.find("default/web") == std::string::npos; }));
    }
};

QTEST_GUILESS_MAIN(TestKubeProxyProgram)
#include "tst_kube_proxy_program.moc"
