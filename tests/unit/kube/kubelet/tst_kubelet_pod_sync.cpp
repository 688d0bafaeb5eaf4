// The kubelet's pod sync against the recording fake runtime, with a clock the test moves:
// which CRI calls a new pod costs and what status it gets; a crashing container's restarts
// and its back-off (10 s, doubling, CrashLoopBackOff in between); a failed pull; a deletion.

#include "engine/kube/cri/FakeContainerRuntime.h"
#include "engine/kube/kubelet/Backoff.h"
#include "engine/kube/kubelet/PodSyncer.h"

#include <QTemporaryDir>
#include <QTest>

using namespace flowlab;
using namespace flowlab::kube;
using namespace flowlab::kube::kubelet;
using namespace std::chrono_literals;

namespace {

Json nginxPod(const std::string &restartPolicy = "Always", const std::string &image = "nginx")
{
    return Json::parse(R"({"apiVersion":"v1","kind":"Pod",
        "metadata":{"name":"web","namespace":"default","uid":"uid-1","labels":{"app":"web"}},
        "spec":{"nodeName":"flowlab-node1","restartPolicy":")" +
                       restartPolicy + R"(",
                "terminationGracePeriodSeconds":30,
                "containers":[{"name":"nginx","image":")" +
                       image + R"(",
                               "imagePullPolicy":"IfNotPresent",
                               "ports":[{"containerPort":80,"protocol":"TCP"}]}]},
        "status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"True"}]}})");
}

} // namespace

class TestPodSync : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_logs;
    TimePoint m_now = TimePoint(std::chrono::seconds(1'700'000'000));
    std::unique_ptr<cri::FakeContainerRuntime> m_runtime;
    std::unique_ptr<Backoff> m_backoff;
    std::unique_ptr<PodSyncer> m_syncer;

    const Json &containerStatus(const SyncResult &result)
    {
        return result.status["containerStatuses"][0];
    }

    std::string runningContainerId()
    {
        for (const auto &container : m_runtime->containers())
            if (container.state() == cri::v1::CONTAINER_RUNNING)
                return container.id();
        return {};
    }

private slots:
    void init()
    {
        m_runtime = std::make_unique<cri::FakeContainerRuntime>("10.42.0.");
        m_runtime->setClock([this] { return m_now; });
        m_backoff = std::make_unique<Backoff>();
        PodSyncOptions options;
        options.hostIp = "192.168.56.110";
        options.sandbox.podLogRoot = m_logs.path().toStdString();
        options.sandbox.cgroupRoot = "/flowlab-kubepods/flowlab-node1";
        m_syncer =
            std::make_unique<PodSyncer>(*m_runtime, *m_backoff, options, [this] { return m_now; });
    }

    void backoffDoublesUpToFiveMinutes()
    {
        Backoff backoff;
        QCOMPARE(backoff.current("k"), Millis(0));
        QVERIFY(!backoff.isInBackOffSince("k", m_now, m_now));
        const std::vector<long> expected = {10, 20, 40, 80, 160, 300, 300};
        for (long seconds : expected) {
            backoff.next("k", m_now);
            QCOMPARE(backoff.current("k"), Millis(seconds * 1000));
            m_now += 1s;
        }
        QVERIFY(backoff.isInBackOffSince("k", m_now, m_now + 299s));
        QVERIFY(!backoff.isInBackOffSince("k", m_now, m_now + 300s));
        // Quiet for more than twice the maximum: it starts over.
        backoff.next("k", m_now + 11min);
        QCOMPARE(backoff.current("k"), Millis(10'000));
    }

    void newPodRunsInASandboxWithItsIp()
    {
        const SyncResult result = m_syncer->syncPod(nginxPod());
        QVERIFY2(result.error.empty(), result.error.c_str());
        const std::vector<std::string> expected = {
            "ListPodSandbox", "RunPodSandbox",  "PodSandboxStatus", "ListContainers",
            "ImageStatus",    "PullImage",      "CreateContainer",  "StartContainer",
            "ListContainers", "ContainerStatus"};
        QCOMPARE(m_runtime->methods(), expected);

        // The sandbox config carries the pod's identity, its labels and its cgroup parent.
        const Json run = Json::parse(m_runtime->calls()[1].requestJson)["config"];
        QCOMPARE(run["metadata"]["name"].get<std::string>(), std::string("web"));
        QCOMPARE(run["metadata"]["uid"].get<std::string>(), std::string("uid-1"));
        QCOMPARE(run["labels"]["io.kubernetes.pod.uid"].get<std::string>(), std::string("uid-1"));
        QCOMPARE(run["labels"]["app"].get<std::string>(), std::string("web"));
        QCOMPARE(run["linux"]["cgroup_parent"].get<std::string>(),
                 std::string("/flowlab-kubepods/flowlab-node1/poduid-1"));
        const Json create = Json::parse(m_runtime->calls()[6].requestJson);
        QCOMPARE(create["config"]["image"]["image"].get<std::string>(), std::string("nginx"));
        QCOMPARE(create["config"]["log_path"].get<std::string>(), std::string("nginx/0.log"));

        const Json &status = result.status;
        QCOMPARE(status["phase"].get<std::string>(), std::string("Running"));
        QCOMPARE(status["podIP"].get<std::string>(), std::string("10.42.0.2"));
        QCOMPARE(status["podIPs"][0]["ip"].get<std::string>(), std::string("10.42.0.2"));
        QCOMPARE(status["hostIP"].get<std::string>(), std::string("192.168.56.110"));
        QVERIFY(containerStatus(result)["ready"].get<bool>());
        QCOMPARE(containerStatus(result)["restartCount"].get<int>(), 0);
        QVERIFY(containerStatus(result)["state"].contains("running"));
        QVERIFY(containerStatus(result)["containerID"].get<std::string>().starts_with(
            "containerd://container-"));
        bool ready = false, scheduledKept = false;
        for (const Json &condition : status["conditions"]) {
            if (condition["type"] == "Ready")
                ready = condition["status"] == "True";
            if (condition["type"] == "PodScheduled")
                scheduledKept = true;
        }
        QVERIFY(ready);
        QVERIFY(scheduledKept);
        QStringList reasons;
        for (const auto &event : result.events)
            reasons << QString::fromStdString(event.reason);
        QCOMPARE(reasons, QStringList({"Pulling", "Pulled", "Created", "Started"}));
    }

    void secondSyncChangesNothing()
    {
        const SyncResult first = m_syncer->syncPod(nginxPod());
        Json pod = nginxPod();
        pod["status"] = first.status;
        m_runtime->clearCalls();
        const SyncResult second = m_syncer->syncPod(pod);
        for (const std::string &method : m_runtime->methods())
            QVERIFY2(method.starts_with("List") || method.ends_with("Status"), method.c_str());
        QVERIFY(second.status == first.status); // so nothing is PATCHed
        QVERIFY(!second.retryAfter);
    }

    void crashingContainerRestartsWithBackoff()
    {
        Json pod = nginxPod();
        pod["status"] = m_syncer->syncPod(pod).status;

        // First crash: the exit is published first (terminated, not ready), with a sync
        // right after; that one restarts it, attempt 1, and a 10 s window opens.
        m_now += 5s;
        QVERIFY(m_runtime->exitContainer(runningContainerId(), 1));
        SyncResult result = m_syncer->syncPod(pod);
        QVERIFY(containerStatus(result)["state"].contains("terminated"));
        QVERIFY(!containerStatus(result)["ready"].get<bool>());
        QCOMPARE(*result.retryAfter, Millis(100));
        QCOMPARE(m_runtime->count("CreateContainer"), 1);
        result = m_syncer->syncPod(pod);
        QCOMPARE(containerStatus(result)["restartCount"].get<int>(), 1);
        QVERIFY(containerStatus(result)["state"].contains("running"));
        QCOMPARE(containerStatus(result)["lastState"]["terminated"]["exitCode"].get<int>(), 1);
        QCOMPARE(m_backoff->current("uid-1/nginx"), Millis(10'000));
        QCOMPARE(m_runtime->count("CreateContainer"), 2);

        // Second crash 3 s later: inside the window, so it waits.
        m_now += 3s;
        QVERIFY(m_runtime->exitContainer(runningContainerId(), 2));
        result = m_syncer->syncPod(pod);
        const Json &waiting = containerStatus(result)["state"]["waiting"];
        QCOMPARE(waiting["reason"].get<std::string>(), std::string("CrashLoopBackOff"));
        QCOMPARE(
            waiting["message"].get<std::string>(),
            std::string("back-off 10s restarting failed container=nginx pod=web_default(uid-1)"));
        QCOMPARE(containerStatus(result)["lastState"]["terminated"]["exitCode"].get<int>(), 2);
        QCOMPARE(containerStatus(result)["restartCount"].get<int>(), 1);
        QVERIFY(!containerStatus(result)["ready"].get<bool>());
        QCOMPARE(result.status["phase"].get<std::string>(), std::string("Running"));
        QVERIFY(result.retryAfter);
        QCOMPARE(*result.retryAfter, Millis(10'000));
        QCOMPARE(m_runtime->count("CreateContainer"), 2);
        QCOMPARE(result.events.back().reason, std::string("BackOff"));

        // The window over: restarted, attempt 2, and the next window is 20 s.
        m_now += 10s;
        result = m_syncer->syncPod(pod);
        QCOMPARE(containerStatus(result)["restartCount"].get<int>(), 2);
        QVERIFY(containerStatus(result)["state"].contains("running"));
        QCOMPARE(m_backoff->current("uid-1/nginx"), Millis(20'000));
        // Only the last dead instance is kept (for lastState), besides the running one.
        QCOMPARE(m_runtime->containers().size(), std::size_t(2));
    }

    void restartPolicyNeverLeavesItTerminated()
    {
        Json pod = nginxPod("Never");
        pod["status"] = m_syncer->syncPod(pod).status;
        QVERIFY(m_runtime->exitContainer(runningContainerId(), 3));
        const SyncResult result = m_syncer->syncPod(pod);
        QCOMPARE(containerStatus(result)["state"]["terminated"]["exitCode"].get<int>(), 3);
        QCOMPARE(result.status["phase"].get<std::string>(), std::string("Failed"));
        QCOMPARE(m_runtime->count("CreateContainer"), 1);
    }

    void failedPullIsErrImagePullThenImagePullBackOff()
    {
        m_runtime->refuseImage("nosuch");
        const Json pod = nginxPod("Always", "nosuch");
        SyncResult result = m_syncer->syncPod(pod);
        QCOMPARE(containerStatus(result)["state"]["waiting"]["reason"].get<std::string>(),
                 std::string("ErrImagePull"));
        QCOMPARE(result.status["phase"].get<std::string>(), std::string("Pending"));
        QVERIFY(result.retryAfter);
        m_now += 2s;
        result = m_syncer->syncPod(pod);
        QCOMPARE(containerStatus(result)["state"]["waiting"]["reason"].get<std::string>(),
                 std::string("ImagePullBackOff"));
        QCOMPARE(m_runtime->count("PullImage"), 1);
        QCOMPARE(m_runtime->count("CreateContainer"), 0);
    }

    void killPodRemovesContainersAndSandbox()
    {
        m_syncer->syncPod(nginxPod());
        QCOMPARE(m_runtime->sandboxes().size(), std::size_t(1));
        m_runtime->clearCalls();
        QVERIFY(m_syncer->killPod("uid-1", 30).ok());
        const std::vector<std::string> expected = {"ListContainers",  "StopContainer",
                                                   "ListPodSandbox",  "StopPodSandbox",
                                                   "RemoveContainer", "RemovePodSandbox"};
        QCOMPARE(m_runtime->methods(), expected);
        QCOMPARE(Json::parse(m_runtime->calls()[1].requestJson)["timeout"].get<std::string>(),
                 std::string("30")); // int64 prints as a string in proto JSON
        QVERIFY(m_runtime->sandboxes().empty());
        QVERIFY(m_runtime->containers().empty());
        // Idempotent: nothing left, nothing to do, no error.
        QVERIFY(m_syncer->killPod("uid-1", 30).ok());
    }

    void failedSandboxIsReportedAndRetried()
    {
        m_runtime->failNext("RunPodSandbox", cri::CriCode::Unknown,
                            "failed to setup network for sandbox: plugin type=\"bridge\" failed");
        const SyncResult result = m_syncer->syncPod(nginxPod());
        QVERIFY(result.error.find("RunPodSandbox: UNKNOWN: failed to setup network") !=
                std::string::npos);
        QCOMPARE(result.events.front().reason, std::string("FailedCreatePodSandBox"));
        QCOMPARE(containerStatus(result)["state"]["waiting"]["reason"].get<std::string>(),
                 std::string("ContainerCreating"));
        QVERIFY(result.retryAfter);
        m_now += 11s;
        const SyncResult retried = m_syncer->syncPod(nginxPod());
        QCOMPARE(retried.status["phase"].get<std::string>(), std::string("Running"));
    }
};

QTEST_GUILESS_MAIN(TestPodSync)
#include "tst_kubelet_pod_sync.moc"
