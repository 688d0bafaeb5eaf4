// flowlab-cni-tap records each CNI plugin call (operation, configuration, result) and passes
// the plugin's answer through unchanged, exit code included.

#include "engine/kube/cni/CniInvocation.h"
#include "tracer/model/EventAttributes.h"

#include <QDir>
#include <QFile>
#include <cmath>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace flowlab;
using namespace flowlab::kube::cni;

namespace {

const char *kConfig = R"({"cniVersion":"1.0.0","name":"flowlab-pods","type":"bridge","bridge":"cni0"})";
const char *kResult =
    R"({"cniVersion":"1.0.0","interfaces":[{"name":"cni0"}],"ips":[{"address":"10.42.0.7/24","gateway":"10.42.0.1","interface":2}]})";

} // namespace

class TestCniTap : public QObject
{
    Q_OBJECT

private slots:
    void evidenceNamesTheCallAndItsResult()
    {
        CniInvocation call;
        call.plugin = "bridge";
        call.node = "flowlab-node1";
        call.cniEnv = {{"CNI_COMMAND", "ADD"},
                       {"CNI_CONTAINERID", "5f2c0a1b2c3d4e5f60718293"},
                       {"CNI_IFNAME", "eth0"},
                       {"CNI_NETNS", "/run/netns/cni-1"}};
        call.config = kConfig;
        call.result = kResult;
        call.startNs = 1'000'000;
        call.endNs = 3'500'000;
        const Event event = cniEvidence(call);
        QVERIFY(event.kind == EventKind::Process);
        QCOMPARE(event.source.component, std::string("cni"));
        QCOMPARE(event.source.node, std::string("flowlab-node1"));
        QCOMPARE(event.summary,
                 std::string("CNI ADD bridge for 5f2c0a1b2c3d (eth0): 10.42.0.7/24 via 10.42.0.1"));
        QVERIFY(event.attributes["config"]["bridge"] == nlohmann::json("cni0"));
        QVERIFY(event.attributes["result"]["ips"][0]["address"] == nlohmann::json("10.42.0.7/24"));
        QVERIFY(event.attributes["cni_netns"] == nlohmann::json("/run/netns/cni-1"));
        QVERIFY(std::abs(event.attributes["duration_ms"].get<double>() - 2.5) < 1e-9);
    }

    // Lint judges matchers by the attribute catalogue: every attribute the tap writes must be
    // in it, with the shape it really has, or a valid matcher would be refused.
    void everyAttributeIsCatalogued()
    {
        CniInvocation call;
        call.plugin = "bridge";
        call.cniEnv = {{"CNI_COMMAND", "ADD"}};
        call.config = kConfig;
        call.result = kResult;
        for (const std::string &result : {std::string(kResult), std::string("not json")}) {
            call.result = result;
            const Event event = cniEvidence(call);
            const std::string problems = uncataloguedAttributes(event);
            QVERIFY2(problems.empty(), problems.c_str());
        }
    }

    void aFailureSaysSo()
    {
        CniInvocation call;
        call.plugin = "host-local";
        call.cniEnv = {{"CNI_COMMAND", "ADD"}};
        call.result = R"({"code":11,"msg":"no IP addresses available in range set"})";
        call.exitCode = 1;
        QCOMPARE(cniEvidence(call).summary,
                 std::string("CNI ADD host-local: failed (exit 1): no IP addresses available "
                             "in range set"));
    }

    // The real tap, as libcni runs it: by a plugin's name in the tap's directory, with CNI_*
    // in the environment and the configuration on stdin.
    void theTapPassesThroughAndRecords()
    {
        QTemporaryDir dir;
        const QString plugins = dir.filePath("real"), taps = dir.filePath("taps");
        QVERIFY(QDir().mkpath(plugins) && QDir().mkpath(taps));
        // A stand-in plugin: echoes what it was asked, then fails on purpose with exit 3.
        QFile plugin(plugins + "/bridge");
        QVERIFY(plugin.open(QIODevice::WriteOnly));
        plugin.write("#!/bin/sh\nread -r config\nprintf '{\"seen\":\"%s\",\"got\":%s}' "
                     "\"$CNI_COMMAND\" \"$config\"\nexit 3\n");
        plugin.close();
        QVERIFY(plugin.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        QVERIFY(QFile::link(FLOWLAB_CNI_TAP, taps + "/bridge"));
        const QString log = dir.filePath("cni.evidence.jsonl");
        QFile config(taps + "/flowlab-cni-tap.json");
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(nlohmann::json{{"plugin_dir", plugins.toStdString()},
                                    {"evidence_log", log.toStdString()},
                                    {"node", "flowlab-node2"}}
                         .dump()
                         .c_str());
        config.close();

        QProcess tap;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("CNI_COMMAND", "ADD");
        env.insert("CNI_CONTAINERID", "abc");
        tap.setProcessEnvironment(env);
        tap.start(taps + "/bridge", {});
        QVERIFY(tap.waitForStarted());
        tap.write(QByteArray(kConfig) + "\n");
        tap.closeWriteChannel();
        QVERIFY(tap.waitForFinished(10'000));
        QCOMPARE(tap.exitCode(), 3);
        const auto answer = nlohmann::json::parse(tap.readAllStandardOutput().toStdString());
        QVERIFY(answer["seen"] == nlohmann::json("ADD"));
        QVERIFY(answer["got"]["bridge"] == nlohmann::json("cni0"));

        QFile recorded(log);
        QVERIFY(recorded.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = recorded.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 1);
        const Event event = eventFromJson(nlohmann::json::parse(lines[0].toStdString()));
        QCOMPARE(event.source.node, std::string("flowlab-node2"));
        QVERIFY(event.attributes["plugin"] == nlohmann::json("bridge"));
        QVERIFY(event.attributes["cni_command"] == nlohmann::json("ADD"));
        QVERIFY(event.attributes["config"]["name"] == nlohmann::json("flowlab-pods"));
        QVERIFY(event.attributes["result"]["got"]["type"] == nlohmann::json("bridge"));
        QVERIFY(event.attributes["exit_code"] == nlohmann::json(3));
        QVERIFY(event.monotonicNs > 0);
    }
};

QTEST_GUILESS_MAIN(TestCniTap)
#include "tst_cni_tap.moc"
