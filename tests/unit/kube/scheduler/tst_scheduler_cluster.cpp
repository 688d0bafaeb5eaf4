// flowlab-scheduler against flowlab-apiserver, judged by the real kubectl: three Nodes
// registered with `kubectl apply` (one labelled disk=ssd, one tainted as a control plane),
// pods created with `kubectl apply`, and then what a learner would look at: spec.nodeName, the
// PodScheduled condition, the events `kubectl describe pod` shows, and the scheduler's
// evidence table. No controllers and no kubelets run: pods are created directly, and "load"
// on a node is a pod created with spec.nodeName already set, which no scheduler touches.

#include "../KubeTestCluster.h"

#include <QRegularExpression>
#include <set>

using namespace flowlab::kube::test;
using Json = nlohmann::json;

namespace {

// Every node the same size, so that only labels, taints and what runs there tell them apart.
QString nodeManifest(const QString &name, const QString &cpu, const QString &labels = "{}",
                     const QString &taints = "[]")
{
    return QString(R"({"apiVersion":"v1","kind":"Node",
        "metadata":{"name":"%1","labels":%3},
        "spec":{"taints":%4},
        "status":{"capacity":{"cpu":"%2","memory":"8Gi","pods":"110"},
                  "allocatable":{"cpu":"%2","memory":"8Gi","pods":"110"},
                  "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady",
                                 "message":"kubelet is posting ready status"}]}})")
        .arg(name, cpu, labels, taints);
}

const char *kControlPlaneTaint =
    R"([{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}])";
const char *kToleratesControlPlane =
    R"([{"key":"node-role.kubernetes.io/control-plane","operator":"Exists","effect":"NoSchedule"}])";

// A pod with one container; `spec` is merged into its spec.
QString podManifest(const QString &name, const QString &cpu = {}, const QString &memory = {},
                    const Json &spec = Json::object())
{
    Json requests = Json::object();
    if (!cpu.isEmpty())
        requests["cpu"] = cpu.toStdString();
    if (!memory.isEmpty())
        requests["memory"] = memory.toStdString();
    Json pod = {
        {"apiVersion", "v1"},
        {"kind", "Pod"},
        {"metadata", {{"name", name.toStdString()}, {"labels", {{"test", "scheduler"}}}}},
        {"spec",
         {{"containers",
           {{{"name", "web"}, {"image", "nginx"}, {"resources", {{"requests", requests}}}}}}}}};
    pod["spec"].merge_patch(spec);
    return QString::fromStdString(pod.dump());
}

// {} for what is not JSON (kubectl's error), so that a failed lookup fails a check instead.
Json parse(const QString &text)
{
    Json parsed = Json::parse(text.toStdString(), nullptr, false);
    return parsed.is_discarded() ? Json::object() : parsed;
}

// Json compared as its text, which QTest can print when they differ.
QString text(const Json &value)
{
    return QString::fromStdString(value.dump());
}

} // namespace

class TestSchedulerCluster : public QObject
{
    Q_OBJECT

    KubeTestCluster m_cluster;

    Json getPod(const QString &name) const
    {
        return parse(m_cluster.kubectl({"get", "pod", name, "-o", "json"}).out);
    }

    QString nodeOf(const QString &name) const
    {
        const Json pod = getPod(name);
        return QString::fromStdString(pod["spec"].value("nodeName", ""));
    }

    // The scheduler's evidence events about one pod, oldest first.
    std::vector<Json> evidenceFor(const QString &name) const
    {
        std::vector<Json> found;
        for (const Json &event : m_cluster.evidence("scheduler"))
            if (event["attrs"]["pod"].value("name", "") == name.toStdString())
                found.push_back(event);
        return found;
    }

    const Json *tableRow(const Json &event, const std::string &node) const
    {
        for (const Json &row : event["attrs"]["nodes"])
            if (row.value("name", "") == node)
                return &row;
        return nullptr;
    }

    void apply(const QString &manifest)
    {
        const auto applied = m_cluster.kubectl({"apply", "-f", "-"}, manifest);
        QVERIFY2(applied.ok(), applied.both().c_str());
    }

    std::string schedulerLog() const
    {
        QFile log(QString::fromStdString(m_cluster.dir() + "/flowlab-scheduler.log"));
        log.open(QIODevice::ReadOnly);
        return log.readAll().toStdString();
    }

private slots:
    void initTestCase()
    {
        if (kubectlProgram().isEmpty())
            QFAIL(
                "kubectl is not installed (.ci/install-deps installs Debian's kubernetes-client)");
        KubeTestCluster::Options options;
        options.scheduler = true;
        const std::string started = m_cluster.start(options);
        QVERIFY2(started.empty(), started.c_str());
        apply(nodeManifest("node1", "4", R"({"disk":"ssd"})"));
        apply(nodeManifest("node2", "4"));
        apply(nodeManifest("node3", "4", "{}", kControlPlaneTaint));
        // The Node kept the status it was created with, as a kubelet's registration does.
        const Json node = parse(m_cluster.kubectl({"get", "node", "node1", "-o", "json"}).out);
        QCOMPARE(text(node["status"]["allocatable"]["cpu"]), text(Json("4")));
    }

    // Pods are deleted for good (no kubelet would confirm a graceful deletion), so that each
    // test starts from empty nodes.
    void cleanup()
    {
        if (QTest::currentTestFailed())
            qWarning("flowlab-scheduler's log:\n%s", schedulerLog().c_str());
        m_cluster.kubectl(
            {"delete", "pods", "-l", "test=scheduler", "--grace-period=0", "--force"});
    }

    void cleanupTestCase()
    {
        // SIGTERM stops the scheduler cleanly, in the middle of its watches.
        QProcess *scheduler = m_cluster.scheduler();
        QVERIFY(scheduler && scheduler->state() == QProcess::Running);
        scheduler->terminate();
        QVERIFY(scheduler->waitForFinished(5000));
        QCOMPARE(scheduler->exitStatus(), QProcess::NormalExit);
        QCOMPARE(scheduler->exitCode(), 0);
        m_cluster.stop();
    }

    void nodeSelectorPicksTheLabelledNode()
    {
        apply(podManifest("ssd", {}, {}, {{"nodeSelector", {{"disk", "ssd"}}}}));
        QTRY_COMPARE_WITH_TIMEOUT(nodeOf("ssd"), QString("node1"), 10000);

        // The binding set PodScheduled=True.
        const Json bound = getPod("ssd");
        bool scheduled = false;
        for (const Json &condition : bound["status"].value("conditions", Json::array()))
            if (condition.value("type", "") == "PodScheduled")
                scheduled = condition.value("status", "") == "True";
        QVERIFY2(scheduled, bound["status"].dump().c_str());

        // `kubectl describe pod` shows who placed it and where.
        QString events;
        QTRY_VERIFY_WITH_TIMEOUT((events = m_cluster.kubectl({"describe", "pod", "ssd"}).out)
                                     .contains("Successfully assigned default/ssd to node1"),
                                 5000);
        static const QRegularExpression scheduledLine(
            R"(Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default/ssd to node1)");
        QVERIFY2(scheduledLine.match(events).hasMatch(), qPrintable(events));

        // The evidence: node2 fails NodeAffinity, node3 the taint, node1 passes everything.
        std::vector<Json> evidence;
        QTRY_VERIFY_WITH_TIMEOUT(!(evidence = evidenceFor("ssd")).empty(), 5000);
        QCOMPARE(evidence.size(), std::size_t(1));
        const Json &event = evidence.front();
        QCOMPARE(text(event["kind"]), text(Json("schedule")));
        QCOMPARE(text(event["source"]["component"]), text(Json("scheduler")));
        QCOMPARE(text(event["attrs"]["chosen"]), text(Json("node1")));
        QCOMPARE(text(event["attrs"]["pod"]["namespace"]), text(Json("default")));
        QCOMPARE(text(event["attrs"]["pod"]["uid"]), text(getPod("ssd")["metadata"]["uid"]));
        const Json *node2 = tableRow(event, "node2");
        QVERIFY(node2);
        QCOMPARE(text((*node2)["filters"].back()),
                 text(Json({{"plugin", "NodeAffinity"},
                            {"passed", false},
                            {"reason", "node(s) didn't match Pod's node affinity/selector"}})));
        const Json *node3 = tableRow(event, "node3");
        QVERIFY(node3);
        QCOMPARE(text((*node3)["filters"].back()["plugin"]), text(Json("TaintToleration")));
        const Json *node1 = tableRow(event, "node1");
        QVERIFY(node1);
        QCOMPARE((*node1)["filters"].size(), std::size_t(6));
        QCOMPARE(event["summary"].get<std::string>().rfind("default/ssd → node1", 0),
                 std::size_t(0));
        QCOMPARE(text(event["attrs"]["binding"]["code"]), text(Json(201)));
    }

    void requestsThatFitOnlyOneNode()
    {
        // 2 of node1's and node3's 4 cpus are taken by pods already bound there.
        for (const char *node : {"node1", "node3"})
            apply(podManifest(
                QString("load-") + node, "2", "1Gi",
                {{"nodeName", node}, {"tolerations", Json::parse(kToleratesControlPlane)}}));
        apply(
            podManifest("big", "3", "1Gi", {{"tolerations", Json::parse(kToleratesControlPlane)}}));
        QTRY_COMPARE_WITH_TIMEOUT(nodeOf("big"), QString("node2"), 10000);

        std::vector<Json> evidence;
        QTRY_VERIFY_WITH_TIMEOUT(!(evidence = evidenceFor("big")).empty(), 5000);
        const Json &event = evidence.back();
        QCOMPARE(text(event["attrs"]["reason"]),
                 text(Json("the only node that passed the filters")));
        for (const char *node : {"node1", "node3"}) {
            const Json *row = tableRow(event, node);
            QVERIFY(row);
            QCOMPARE(text((*row)["filters"].back()), text(Json({{"plugin", "NodeResourcesFit"},
                                                                {"passed", false},
                                                                {"reason", "Insufficient cpu"}})));
        }
        // The bound load pods never went through the scheduler.
        QVERIFY(evidenceFor("load-node1").empty());
    }

    void leastAllocatedSpreadsPods()
    {
        // A pod for another scheduler, which this one must leave alone.
        apply(podManifest("elsewhere", {}, {}, {{"schedulerName", "other-scheduler"}}));
        // Three equal pods onto three equal, empty nodes (they tolerate node3's taint): each
        // takes the emptiest node, counting the pods placed just before it.
        Json three = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", Json::array()}};
        for (int i = 1; i <= 3; ++i)
            three["items"].push_back(
                parse(podManifest(QString("spread-%1").arg(i), "500m", "512Mi",
                                  {{"tolerations", Json::parse(kToleratesControlPlane)}})));
        apply(QString::fromStdString(three.dump()));
        for (int i = 1; i <= 3; ++i)
            QTRY_VERIFY_WITH_TIMEOUT(!nodeOf(QString("spread-%1").arg(i)).isEmpty(), 10000);
        std::set<QString> used;
        for (int i = 1; i <= 3; ++i)
            used.insert(nodeOf(QString("spread-%1").arg(i)));
        QCOMPARE(used, (std::set<QString>{"node1", "node2", "node3"}));

        // Each decision took a node with the highest weighted total, above every node that
        // already held one of the three.
        for (int i = 1; i <= 3; ++i) {
            const auto evidence = evidenceFor(QString("spread-%1").arg(i));
            QCOMPARE(evidence.size(), std::size_t(1));
            const Json &attributes = evidence.front()["attrs"];
            const std::string chosen = attributes["chosen"];
            std::int64_t best = 0;
            for (const Json &row : attributes["nodes"])
                best = std::max<std::int64_t>(best, row["weighted"].get<std::int64_t>());
            QCOMPARE(tableRow(evidence.front(), chosen)->at("weighted").get<std::int64_t>(), best);
            QVERIFY2(evidence.front()["summary"].get<std::string>().find("(scores node1 ") !=
                         std::string::npos,
                     evidence.front()["summary"].get<std::string>().c_str());
        }

        // The other scheduler's pod is still waiting, untouched.
        QCOMPARE(nodeOf("elsewhere"), QString());
        QVERIFY(evidenceFor("elsewhere").empty());
    }

    void nothingFitsThenANodeIsAdded()
    {
        apply(podManifest("huge", "16", "1Gi"));
        const QString message =
            "0/3 nodes are available: 1 node(s) had untolerated taint "
            "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes "
            "are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims "
            "found for incoming pod..";

        // PodScheduled=False, reason Unschedulable, with the whole message.
        Json condition = Json::object();
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const Json pending = getPod("huge");
                for (const Json &c : pending["status"].value("conditions", Json::array()))
                    if (c.value("type", "") == "PodScheduled")
                        condition = c;
                return condition.value("status", "") == "False";
            }(),
            10000);
        QCOMPARE(text(condition["reason"]), text(Json("Unschedulable")));
        QCOMPARE(QString::fromStdString(condition.value("message", "")), message);

        // The Warning event, as `kubectl describe pod` shows it.
        QString described;
        QTRY_VERIFY_WITH_TIMEOUT((described = m_cluster.kubectl({"describe", "pod", "huge"}).out)
                                     .contains("FailedScheduling"),
                                 5000);
        static const QRegularExpression failedLine(
            R"(Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0/3 nodes are available)");
        QVERIFY2(failedLine.match(described).hasMatch(), qPrintable(described));
        QVERIFY2(described.simplified().contains(message), qPrintable(described));

        const auto evidence = evidenceFor("huge");
        QVERIFY(!evidence.empty());
        QCOMPARE(text(evidence.front()["attrs"]["chosen"]), text(Json()));
        QCOMPARE(QString::fromStdString(evidence.front()["attrs"].value("reason", "")), message);
        QVERIFY(!evidence.front()["attrs"].contains("binding"));

        // A bigger node joins: the parked pod is tried again and lands there.
        apply(nodeManifest("node4", "32"));
        QTRY_COMPARE_WITH_TIMEOUT(nodeOf("huge"), QString("node4"), 15000);
        QTRY_VERIFY_WITH_TIMEOUT(m_cluster.kubectl({"describe", "pod", "huge"})
                                     .out.contains("Successfully assigned default/huge to node4"),
                                 5000);
        QCOMPARE(text(evidenceFor("huge").back()["attrs"]["chosen"]), text(Json("node4")));
        QVERIFY2(m_cluster.kubectl({"delete", "node", "node4"}).ok(), "deleting node4");
    }

    void carriesOnAfterTheApiserverRestarts()
    {
        const std::string restarted = m_cluster.restartApiserverAfterKill();
        QVERIFY2(restarted.empty(), restarted.c_str());
        // The informers find their way back on their own and see the new pod.
        apply(podManifest("after-restart", "100m", "64Mi"));
        QTRY_VERIFY_WITH_TIMEOUT(!nodeOf("after-restart").isEmpty(), 15000);
        QCOMPARE(evidenceFor("after-restart").size(), std::size_t(1));
    }

    void keepsRetryingWhileTheApiserverIsAwayAndStopsOnSigterm()
    {
        QTemporaryDir dir;
        QFile token(dir.filePath("token"));
        QVERIFY(token.open(QIODevice::WriteOnly));
        token.write("scheduler-token\n");
        token.close();
        QProcess scheduler;
        scheduler.setProcessChannelMode(QProcess::MergedChannels);
        // Port 1 on loopback: nothing listens there.
        scheduler.start(QString(FLOWLAB_BIN_DIR) + "/flowlab-scheduler",
                        {"--server", "http://127.0.0.1:1", "--token-file", dir.filePath("token")});
        QVERIFY(scheduler.waitForStarted(5000));
        QString output;
        QTRY_VERIFY_WITH_TIMEOUT(
            (output += QString::fromUtf8(scheduler.readAll()))
                    .count("cannot reach the apiserver at http://127.0.0.1:1") >= 2,
            8000);
        QVERIFY2(output.contains("retrying every 2 s"), qPrintable(output));
        scheduler.terminate();
        QVERIFY(scheduler.waitForFinished(5000));
        QCOMPARE(scheduler.exitStatus(), QProcess::NormalExit);
        QCOMPARE(scheduler.exitCode(), 0);
    }

    void helpReadsLikeAManPage()
    {
        QProcess help;
        help.start(QString(FLOWLAB_BIN_DIR) + "/flowlab-scheduler", {"--help"});
        QVERIFY(help.waitForFinished(5000));
        const QString text = QString::fromUtf8(help.readAllStandardOutput());
        for (const char *expected :
             {"--server <URL>", "--token-file <PATH>", "--evidence-log <PATH>",
              "--scheduler-name <NAME>", "--node-name <NAME>", "NodeResourcesFit",
              "Preemption is not implemented"})
            QVERIFY2(text.contains(expected), qPrintable(text));
        QProcess missing;
        missing.start(QString(FLOWLAB_BIN_DIR) + "/flowlab-scheduler", {});
        QVERIFY(missing.waitForFinished(5000));
        QCOMPARE(missing.exitCode(), 2);
        QVERIFY(
            QString::fromUtf8(missing.readAllStandardError()).contains("--token-file is required"));
    }
};

QTEST_GUILESS_MAIN(TestSchedulerCluster)
#include "tst_scheduler_cluster.moc"
