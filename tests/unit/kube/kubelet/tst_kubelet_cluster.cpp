// flowlab-kubelet's loop against a real flowlab-apiserver (loopback, no root) and the
// recording fake runtime: the node registers Ready with its podCIDR and renews its Lease; a
// pod bound to it becomes Running with an IP from the node's CIDR; a crashing container is
// restarted, then held in CrashLoopBackOff; kubectl delete stops and removes the sandbox and
// the pod goes away for good. Every CRI call and status write lands in the evidence log.

#include "../KubeTestCluster.h"
#include "engine/kube/cri/FakeContainerRuntime.h"
#include "engine/kube/kubelet/Kubelet.h"

#include <QSignalSpy>
#include <fstream>

using namespace flowlab;
using namespace flowlab::kube;
using namespace flowlab::kube::test;
using namespace std::chrono_literals;

namespace {

const char *kPod = R"({"apiVersion":"v1","kind":"Pod",
  "metadata":{"name":"web","namespace":"default"},
  "spec":{"nodeName":"flowlab-node1","terminationGracePeriodSeconds":5,
          "containers":[{"name":"nginx","image":"nginx","imagePullPolicy":"IfNotPresent"}]}})";

} // namespace

class TestKubeletCluster : public QObject
{
    Q_OBJECT

private:
    KubeTestCluster m_cluster;
    std::unique_ptr<KubeClient> m_client;
    std::unique_ptr<cri::FakeContainerRuntime> m_runtime;
    std::unique_ptr<EvidenceLog> m_evidence;
    std::unique_ptr<kubelet::Kubelet> m_kubelet;

    Json getJson(const QStringList &args)
    {
        const CommandResult got = m_cluster.kubectl(QStringList{"get"} + args + QStringList{"-o", "json"});
        if (!got.ok())
            return Json();
        return Json::parse(got.out.toStdString(), nullptr, false);
    }

    Json container(const Json &pod)
    {
        const Json &statuses = pod["status"].value("containerStatuses", Json::array());
        return statuses.empty() ? Json::object() : statuses[0];
    }

    std::string runningContainerId()
    {
        for (const auto &c : m_runtime->containers())
            if (c.state() == cri::v1::CONTAINER_RUNNING)
                return c.id();
        return {};
    }

    std::vector<Json> evidence()
    {
        std::vector<Json> lines;
        std::ifstream in(m_cluster.evidenceLogPath("kubelet"));
        std::string line;
        while (std::getline(in, line))
            lines.push_back(Json::parse(line));
        return lines;
    }

private slots:
    void initTestCase()
    {
        const std::string started = m_cluster.start({});
        QVERIFY2(started.empty(), started.c_str());
        ClientConfig config;
        config.server = m_cluster.plainUrl();
        config.token = "admin-token";
        config.userAgent = "flowlab-kubelet-test";
        m_client = std::make_unique<KubeClient>(config);
        m_runtime = std::make_unique<cri::FakeContainerRuntime>("10.42.0.");
        m_evidence = std::make_unique<EvidenceLog>();
        QVERIFY(m_evidence->open(m_cluster.evidenceLogPath("kubelet"), "kubelet", "flowlab-node1").ok());

        kubelet::KubeletOptions options;
        options.node.name = "flowlab-node1";
        options.node.internalIp = "192.168.56.110";
        options.node.podCidr = "10.42.0.0/24";
        options.node.cpus = 2;
        options.node.memoryKi = 4 * 1024 * 1024;
        options.node.runtimeVersion = "fake://0.1.0";
        options.sync.hostIp = "192.168.56.110";
        options.sync.sandbox.podLogRoot = m_cluster.dir() + "/pod-logs";
        options.relistPeriod = 200ms;
        // Short windows, so that the test sees a restart and a back-off without waiting
        // 10 s; the 10 s / 5 min schedule is tst_kubelet_pod_sync's.
        options.backoffInitial = 3s;
        options.backoffMaximum = 12s;
        m_kubelet = std::make_unique<kubelet::Kubelet>(*m_client, *m_runtime, *m_evidence, options);
        m_kubelet->start();
        QTRY_VERIFY_WITH_TIMEOUT(m_kubelet->isRegistered(), 20000);
    }

    void cleanupTestCase()
    {
        m_kubelet.reset();
        m_cluster.stop();
    }

    void nodeIsRegisteredReadyWithItsLease()
    {
        Json node;
        QTRY_VERIFY_WITH_TIMEOUT(!(node = getJson({"node", "flowlab-node1"})).is_null(), 10000);
        QCOMPARE(node["spec"]["podCIDR"].get<std::string>(), std::string("10.42.0.0/24"));
        QCOMPARE(node["status"]["capacity"]["cpu"].get<std::string>(), std::string("2"));
        QCOMPARE(node["status"]["nodeInfo"]["containerRuntimeVersion"].get<std::string>(),
                 std::string("fake://0.1.0"));
        bool ready = false;
        for (const Json &condition : node["status"]["conditions"])
            if (condition["type"] == "Ready")
                ready = condition["status"] == "True" && !condition["lastHeartbeatTime"].is_null();
        QVERIFY(ready);
        bool internalIp = false;
        for (const Json &address : node["status"]["addresses"])
            internalIp |= address["type"] == "InternalIP" && address["address"] == "192.168.56.110";
        QVERIFY(internalIp);
        Json lease;
        QTRY_VERIFY_WITH_TIMEOUT(
            !(lease = getJson({"lease", "-n", "kube-node-lease", "flowlab-node1"})).is_null(), 10000);
        QCOMPARE(lease["spec"]["holderIdentity"].get<std::string>(), std::string("flowlab-node1"));
    }

    void podBecomesRunningWithAnIpFromTheNodesCidr()
    {
        const CommandResult created = m_cluster.kubectl({"create", "-f", "-"}, kPod);
        QVERIFY2(created.ok(), created.both().c_str());
        Json pod;
        QTRY_VERIFY_WITH_TIMEOUT(
            (pod = getJson({"pod", "web"})).is_object() &&
                pod["status"].value("phase", "") == "Running" &&
                container(pod).value("ready", false),
            20000);
        const std::string ip = pod["status"]["podIP"].get<std::string>();
        QVERIFY2(ip.starts_with("10.42.0."), ip.c_str());
        QCOMPARE(pod["status"]["hostIP"].get<std::string>(), std::string("192.168.56.110"));
        QCOMPARE(container(pod)["restartCount"].get<int>(), 0);
        QCOMPARE(m_runtime->sandboxes().size(), std::size_t(1));

        // The evidence: the CRI calls in order, and the status write.
        std::vector<std::string> methods;
        bool patched = false;
        for (const Json &event : evidence()) {
            if (event["kind"] == "grpc" && event["attrs"].value("pod", "") == "default/web")
                methods.push_back(event["attrs"]["method"].get<std::string>());
            if (event["kind"] == "api" && event["attrs"]["method"] == "PATCH" &&
                event["attrs"]["endpoint"] == "/api/v1/namespaces/default/pods/web/status" &&
                event["attrs"]["status"] == 200)
                patched = true;
        }
        for (const char *expected : {"RunPodSandbox", "PodSandboxStatus", "PullImage",
                                     "CreateContainer", "StartContainer"})
            QVERIFY2(std::find(methods.begin(), methods.end(), expected) != methods.end(), expected);
        QVERIFY(patched);
        // Events for `kubectl describe pod`.
        const CommandResult events = m_cluster.kubectl({"get", "events", "--field-selector",
                                                        "involvedObject.name=web"});
        QVERIFY2(events.out.contains("Started"), qPrintable(events.out + events.err));
    }

    void crashedContainerIsRestartedThenBacksOff()
    {
        QVERIFY(m_runtime->exitContainer(runningContainerId(), 1));
        Json pod;
        // The PLEG notices, the container is restarted at once: restartCount 1.
        QTRY_VERIFY_WITH_TIMEOUT((pod = getJson({"pod", "web"})).is_object() &&
                                     container(pod).value("restartCount", 0) == 1 &&
                                     container(pod)["state"].contains("running"),
                                 20000);
        QCOMPARE(container(pod)["lastState"]["terminated"]["exitCode"].get<int>(), 1);
        // It crashes again inside its window: CrashLoopBackOff, not Ready.
        QVERIFY(m_runtime->exitContainer(runningContainerId(), 1));
        QTRY_VERIFY_WITH_TIMEOUT(
            (pod = getJson({"pod", "web"})).is_object() &&
                container(pod)["state"].value("waiting", Json::object()).value("reason", "") ==
                    "CrashLoopBackOff",
            20000);
        QVERIFY(!container(pod)["ready"].get<bool>());
        // When the window ends it runs again: restartCount 2.
        QTRY_VERIFY_WITH_TIMEOUT((pod = getJson({"pod", "web"})).is_object() &&
                                     container(pod).value("restartCount", 0) == 2 &&
                                     container(pod)["state"].contains("running"),
                                 20000);
    }

    void deletedPodIsStoppedRemovedAndGone()
    {
        const CommandResult deleted = m_cluster.kubectl({"delete", "pod", "web", "--wait=false"});
        QVERIFY2(deleted.ok(), deleted.both().c_str());
        QTRY_VERIFY_WITH_TIMEOUT(m_runtime->sandboxes().empty(), 20000);
        QVERIFY(m_runtime->containers().empty());
        QTRY_VERIFY_WITH_TIMEOUT(
            m_cluster.kubectl({"get", "pod", "web"}).err.contains("NotFound"), 20000);
        // The kubelet writes its DELETE's evidence when the answer arrives, which can be just
        // after kubectl already sees the pod gone.
        bool removed = false, finalDelete = false;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const Json &event : evidence()) {
                    removed |= event["kind"] == "grpc" &&
                               event["attrs"]["method"] == "RemovePodSandbox";
                    finalDelete |= event["kind"] == "api" && event["attrs"]["method"] == "DELETE";
                }
                return removed && finalDelete;
            }(),
            10000);
    }
};

QTEST_GUILESS_MAIN(TestKubeletCluster)
#include "tst_kubelet_cluster.moc"
