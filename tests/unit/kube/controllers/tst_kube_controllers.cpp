// flowlab-controller-manager judged by the real kubectl against flowlab-apiserver: a
// Deployment's ReplicaSet and pods, scaling, a rolling update that `kubectl rollout status`
// sees finish, rollout history and undo, deletion cascading through the garbage collector
// (background, foreground, orphan), a Service's Endpoints and EndpointSlices, namespaces
// created and deleted, default ServiceAccounts, and a node that stops heartbeating.
//
// There is no kubelet yet: where pods must run and turn Ready, StandInKubelet writes the
// status a kubelet would.

#include "../KubeTestCluster.h"
#include "engine/kube/client/KubeClient.h"
#include "engine/kube/controllers/Time.h"

#include <QEventLoop>
#include <QTimer>
#include <regex>

using namespace flowlab;
using namespace flowlab::kube;
using namespace flowlab::kube::test;
using Json = nlohmann::json;

namespace {

Json parse(const QString &text)
{
    return Json::parse(text.toStdString(), nullptr, false);
}

// Waits on the event loop for a client call.
ClientResult await(const std::function<void(KubeClient::Callback)> &call)
{
    ClientResult result;
    QEventLoop loop;
    bool done = false;
    call([&](const ClientResult &r) {
        result = r;
        done = true;
        loop.quit();
    });
    if (!done) {
        QTimer::singleShot(30000, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return result;
}

// Stands in for the kubelet, which Flowlab does not have yet. A kubelet, once a pod's
// containers run, PATCHes the pod's status: phase Running, the IP its CNI plugin gave the
// pod, and the Ready condition. This writes the same status, so that the controllers see
// pods become ready as they would on a real node.
class StandInKubelet
{
public:
    explicit StandInKubelet(KubeClient &client)
        : m_client(client)
    {}

    // Every pod of `ns` matching `selector` that has no IP yet gets one and starts running,
    // Ready or not. Returns how many it started.
    int startPods(const std::string &ns, const std::string &selector, bool ready = true)
    {
        const ResourceInfo &pods = *ResourceRegistry::builtin().find("", "v1", "pods");
        const auto listed = await([&](KubeClient::Callback done) {
            m_client.list(
                pods, ns,
                "labelSelector=" +
                    QUrl::toPercentEncoding(QString::fromStdString(selector)).toStdString(),
                done);
        });
        int started = 0;
        for (const Json &pod : listed.body.value("items", Json::array())) {
            if (pod["status"].contains("podIP") || pod["metadata"].contains("deletionTimestamp"))
                continue;
            setStatus(ns, pod["metadata"]["name"], "10.42.0." + std::to_string(m_nextIp++), ready);
            ++started;
        }
        return started;
    }

    bool setStatus(const std::string &ns, const std::string &name, const std::string &ip,
                   bool ready)
    {
        const ResourceInfo &pods = *ResourceRegistry::builtin().find("", "v1", "pods");
        const std::string now = toRfc3339(std::chrono::system_clock::now());
        const Json status = {{"status",
                              {{"phase", "Running"},
                               {"podIP", ip},
                               {"podIPs", Json::array({{{"ip", ip}}})},
                               {"conditions", Json::array({{{"type", "Ready"},
                                                            {"status", ready ? "True" : "False"},
                                                            {"lastTransitionTime", now}},
                                                           {{"type", "ContainersReady"},
                                                            {"status", ready ? "True" : "False"},
                                                            {"lastTransitionTime", now}}})}}}};
        return await([&](KubeClient::Callback done) {
                   m_client.patch(pods, ns, name, status, "application/merge-patch+json", done,
                                  "status");
               })
            .ok();
    }

private:
    KubeClient &m_client;
    int m_nextIp = 10;
};

const char *kApiManifest = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: registry.lab/api:1
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: web, port: 80, targetPort: http}]
)";

} // namespace

class TestKubeControllers : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (kubectlProgram().isEmpty())
            QFAIL(
                "kubectl is not installed (.ci/install-deps installs Debian's kubernetes-client)");
        KubeTestCluster::Options options;
        options.controllerManager = true;
        options.controllerManagerArgs = {"--node-monitor-grace-period", "4",
                                         "--node-monitor-period", "1"};
        const std::string started = m_cluster.start(options);
        QVERIFY2(started.empty(), started.c_str());
        ClientConfig config;
        config.server = m_cluster.plainUrl();
        config.token = "admin-token";
        m_client = std::make_unique<KubeClient>(config);
        m_kubelet = std::make_unique<StandInKubelet>(*m_client);
        // The ServiceAccount controller's first work: the controllers are running.
        QTRY_VERIFY2_WITH_TIMEOUT(m_cluster.kubectl({"get", "serviceaccount", "default"}).ok(),
                                  controllerManagerLog().c_str(), 15000);
    }

    void cleanupTestCase()
    {
        m_cluster.stop();
        // It stopped on SIGTERM, cleanly.
        QVERIFY2(controllerManagerLog().find("stopping") != std::string::npos,
                 controllerManagerLog().c_str());
    }

    void deploymentMakesReplicaSetAndPods()
    {
        const auto created = createDeployment("web", "nginx", 3);
        QVERIFY2(created.ok(), created.both().c_str());

        QTRY_COMPARE_WITH_TIMEOUT(itemsOf({"get", "rs", "-l", "app=web"}).size(), std::size_t(1),
                                  10000);
        const Json rs = itemsOf({"get", "rs", "-l", "app=web"})[0];
        const std::string rsName = rs["metadata"]["name"];
        const std::string hash = rs["metadata"]["labels"]["pod-template-hash"];
        QVERIFY2(std::regex_match(hash, std::regex("[bcdfghjklmnpqrstvwxz2456789]{1,10}")),
                 hash.c_str());
        QCOMPARE(rsName, "web-" + hash);
        QCOMPARE(rs["spec"]["replicas"].get<int>(), 3);
        QCOMPARE(rs["spec"]["selector"]["matchLabels"]["pod-template-hash"].get<std::string>(),
                 hash);
        QCOMPARE(
            rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"].get<std::string>(),
            std::string("1"));
        QCOMPARE(rs["metadata"]["ownerReferences"][0]["kind"].get<std::string>(),
                 std::string("Deployment"));

        QTRY_COMPARE_WITH_TIMEOUT(itemsOf({"get", "pods", "-l", "app=web"}).size(), std::size_t(3),
                                  10000);
        for (const Json &pod : itemsOf({"get", "pods", "-l", "app=web"})) {
            QVERIFY(pod["metadata"]["name"].get<std::string>().starts_with(rsName + "-"));
            const Json &owner = pod["metadata"]["ownerReferences"][0];
            QCOMPARE(owner["kind"].get<std::string>(), std::string("ReplicaSet"));
            QCOMPARE(owner["name"].get<std::string>(), rsName);
            QVERIFY(owner["uid"] == rs["metadata"]["uid"]);
            QCOMPARE(owner["controller"].get<bool>(), true);
            QCOMPARE(owner["blockOwnerDeletion"].get<bool>(), true);
            QCOMPARE(pod["metadata"]["labels"]["pod-template-hash"].get<std::string>(), hash);
        }

        // Not finished while no pod is ready; finished once the kubelet reports them.
        QTRY_COMPARE_WITH_TIMEOUT(
            parse(m_cluster.kubectl({"get", "deploy", "web", "-o", "json"}).out)["status"].value(
                "updatedReplicas", 0),
            3, 10000);
        const auto waiting =
            m_cluster.kubectl({"rollout", "status", "deployment/web", "--timeout=1s"});
        QVERIFY2(!waiting.ok(), waiting.both().c_str());
        QVERIFY2(waiting.out.contains("0 of 3 updated replicas are available"),
                 waiting.both().c_str());
        const auto status = rolloutStatus("web");
        QVERIFY2(status.ok(), status.both().c_str());
        QVERIFY2(status.out.contains("deployment \"web\" successfully rolled out"),
                 status.both().c_str());
        const Json deployment =
            parse(m_cluster.kubectl({"get", "deploy", "web", "-o", "json"}).out);
        QCOMPARE(deployment["status"]["availableReplicas"].get<int>(), 3);
        QCOMPARE(deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                     .get<std::string>(),
                 std::string("1"));
        const std::string conditions = deployment["status"]["conditions"].dump();
        QVERIFY2(conditions.find("MinimumReplicasAvailable") != std::string::npos,
                 conditions.c_str());
        QVERIFY2(conditions.find("NewReplicaSetAvailable") != std::string::npos,
                 conditions.c_str());

        // kubectl describe shows the controllers' Events.
        const auto described = m_cluster.kubectl({"describe", "deployment", "web"});
        QVERIFY2(described.out.contains(QString::fromStdString("ScalingReplicaSet  ")) &&
                     described.out.contains(QString::fromStdString("Scaled up replica set " +
                                                                   rsName + " from 0 to 3")),
                 qPrintable(described.out));
        const auto rsDescribed =
            m_cluster.kubectl({"describe", "rs", QString::fromStdString(rsName)});
        QVERIFY2(rsDescribed.out.contains("SuccessfulCreate") &&
                     rsDescribed.out.contains("Created pod: " + QString::fromStdString(rsName)),
                 qPrintable(rsDescribed.out));

        // Evidence: a reconcile line per decision, with desired, actual and action.
        const auto evidence = m_cluster.evidence("controller-manager");
        bool sawCreate = false;
        for (const Json &line : evidence) {
            QCOMPARE(line["kind"].get<std::string>(), std::string("reconcile"));
            const Json &attributes = line["attrs"];
            QVERIFY(attributes.contains("controller") && attributes.contains("object") &&
                    attributes.contains("desired") && attributes.contains("actual") &&
                    attributes.contains("action"));
            if (attributes["controller"] == "deployment-controller" &&
                attributes["action"].get<std::string>().starts_with("create ReplicaSet " +
                                                                    rsName)) {
                sawCreate = true;
                QCOMPARE(attributes["desired"]["replicas"].get<int>(), 3);
                QCOMPARE(attributes["actual"]["replicas"].get<int>(), 0);
                QVERIFY(line["summary"].get<std::string>().starts_with(
                    "deployment web: desired 3 replicas of template " + hash +
                    ", actual 0: create ReplicaSet " + rsName + " (replicas 3)"));
            }
        }
        QVERIFY2(sawCreate, "no deployment-controller line creating the ReplicaSet");
        m_firstReplicaSet = rsName;
    }

    void scaleUpAndDown()
    {
        QVERIFY(!m_firstReplicaSet.empty());
        QVERIFY(m_cluster.kubectl({"scale", "deployment", "web", "--replicas=5"}).ok());
        QTRY_COMPARE_WITH_TIMEOUT(itemsOf({"get", "pods", "-l", "app=web"}).size(), std::size_t(5),
                                  10000);
        QVERIFY(rolloutStatus("web").ok());
        QVERIFY(eventsAbout("web").contains(
            QString::fromStdString("Scaled up replica set " + m_firstReplicaSet + " from 3 to 5")));

        QVERIFY(m_cluster.kubectl({"scale", "deployment", "web", "--replicas=4"}).ok());
        QTRY_COMPARE_WITH_TIMEOUT(itemsOf({"get", "pods", "-l", "app=web"}).size(), std::size_t(4),
                                  10000);
        QVERIFY(eventsAbout("web").contains(QString::fromStdString(
            "Scaled down replica set " + m_firstReplicaSet + " from 5 to 4")));
        QVERIFY(eventsAbout(QString::fromStdString(m_firstReplicaSet)).contains("Deleted pod: "));
    }

    void rollingUpdateHistoryAndUndo()
    {
        const QString container = containerName("web");
        QVERIFY(
            m_cluster.kubectl({"set", "image", "deployment/web", container + "=nginx:1.25"}).ok());
        QVERIFY(m_cluster
                    .kubectl({"annotate", "deployment", "web",
                              "kubernetes.io/change-cause=image nginx:1.25"})
                    .ok());
        const auto status = rolloutStatus("web");
        QVERIFY2(status.ok(), status.both().c_str());
        QVERIFY2(status.out.contains("successfully rolled out"), status.both().c_str());

        // Two ReplicaSets: the new one with every pod, the old one with none.
        const auto sets = itemsOf({"get", "rs", "-l", "app=web"});
        QCOMPARE(sets.size(), std::size_t(2));
        std::string second;
        for (const Json &rs : sets) {
            const bool isFirst = rs["metadata"]["name"] == m_firstReplicaSet;
            QCOMPARE(rs["spec"]["replicas"].get<int>(), isFirst ? 0 : 4);
            QCOMPARE(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                         .get<std::string>(),
                     std::string(isFirst ? "1" : "2"));
            if (!isFirst)
                second = rs["metadata"]["name"];
        }
        QTRY_COMPARE_WITH_TIMEOUT(itemsOf({"get", "pods", "-l", "app=web"}).size(), std::size_t(4),
                                  10000);
        for (const Json &pod : itemsOf({"get", "pods", "-l", "app=web"}))
            QCOMPARE(pod["spec"]["containers"][0]["image"].get<std::string>(),
                     std::string("nginx:1.25"));
        // The rollout went up and down in steps.
        const QString events = eventsAbout("web");
        QVERIFY2(events.contains(
                     QString::fromStdString("Scaled up replica set " + second + " from 0 to 1")),
                 qPrintable(events));
        QVERIFY2(events.contains(QString::fromStdString("Scaled down replica set " +
                                                        m_firstReplicaSet + " from 4 to 3")),
                 qPrintable(events));

        const auto history = m_cluster.kubectl({"rollout", "history", "deployment/web"});
        QVERIFY2(history.ok(), history.both().c_str());
        QVERIFY2(QRegularExpression("\\n1\\s+<none>\\n").match(history.out).hasMatch(),
                 qPrintable(history.out));
        QVERIFY2(QRegularExpression("\\n2\\s+image nginx:1.25\\n").match(history.out).hasMatch(),
                 qPrintable(history.out));

        // Undo: the template goes back to revision 1's, whose ReplicaSet comes back as 3.
        const auto undo = m_cluster.kubectl({"rollout", "undo", "deployment/web"});
        QVERIFY2(undo.ok(), undo.both().c_str());
        QVERIFY2(rolloutStatus("web").ok(), "the undo did not roll out");
        const Json first = parse(
            m_cluster
                .kubectl({"get", "rs", QString::fromStdString(m_firstReplicaSet), "-o", "json"})
                .out);
        QCOMPARE(first["spec"]["replicas"].get<int>(), 4);
        QCOMPARE(first["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                     .get<std::string>(),
                 std::string("3"));
        QCOMPARE(first["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"]
                     .get<std::string>(),
                 std::string("1"));
        QCOMPARE(itemsOf({"get", "rs", "-l", "app=web"}).size(),
                 std::size_t(2)); // reused, not a third
        const Json deployment =
            parse(m_cluster.kubectl({"get", "deploy", "web", "-o", "json"}).out);
        QCOMPARE(
            deployment["spec"]["template"]["spec"]["containers"][0]["image"].get<std::string>(),
            std::string("nginx"));
        QCOMPARE(deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                     .get<std::string>(),
                 std::string("3"));
        const auto after = m_cluster.kubectl({"rollout", "history", "deployment/web"});
        QVERIFY2(QRegularExpression("\\n2\\s+image nginx:1.25\\n3\\s+").match(after.out).hasMatch(),
                 qPrintable(after.out));
        QVERIFY2(!QRegularExpression("\\n1\\s+").match(after.out).hasMatch(),
                 qPrintable(after.out));
    }

    void deletingADeploymentDeletesItsReplicaSetsAndPods()
    {
        const auto deleted = m_cluster.kubectl({"delete", "deployment", "web"});
        QVERIFY2(deleted.ok(), deleted.both().c_str());
        QTRY_VERIFY_WITH_TIMEOUT(itemsOf({"get", "rs,pods", "-l", "app=web"}).empty(), 15000);
        bool sawCollector = false;
        for (const Json &line : m_cluster.evidence("controller-manager"))
            sawCollector =
                sawCollector ||
                (line["attrs"]["controller"] == "garbage-collector-controller" &&
                 line["attrs"]["action"].get<std::string>().starts_with("delete ReplicaSet web-"));
        QVERIFY(sawCollector);
    }

    void foregroundAndOrphanDeletion()
    {
        QVERIFY(createDeployment("fg", "nginx", 2).ok());
        QTRY_COMPARE_WITH_TIMEOUT(itemsOf({"get", "pods", "-l", "app=fg"}).size(), std::size_t(2),
                                  10000);
        // Foreground: kubectl waits until the Deployment is gone, which is after its pods.
        const auto foreground = m_cluster.kubectl(
            {"delete", "deployment", "fg", "--cascade=foreground", "--timeout=20s"});
        QVERIFY2(foreground.ok(), foreground.both().c_str());
        QVERIFY(itemsOf({"get", "deploy,rs,pods", "-l", "app=fg"}).empty());

        const char *solo = R"(apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: solo}
spec:
  replicas: 2
  selector: {matchLabels: {app: solo}}
  template:
    metadata: {labels: {app: solo}}
    spec: {containers: [{name: c, image: busybox}]}
)";
        QVERIFY(m_cluster.kubectl({"apply", "-f", "-"}, solo).ok());
        QTRY_COMPARE_WITH_TIMEOUT(itemsOf({"get", "pods", "-l", "app=solo"}).size(), std::size_t(2),
                                  10000);
        const auto orphan =
            m_cluster.kubectl({"delete", "rs", "solo", "--cascade=orphan", "--timeout=20s"});
        QVERIFY2(orphan.ok(), orphan.both().c_str());
        const auto pods = itemsOf({"get", "pods", "-l", "app=solo"});
        QCOMPARE(pods.size(), std::size_t(2));
        for (const Json &pod : pods)
            QVERIFY2(!pod["metadata"].contains("ownerReferences") ||
                         pod["metadata"]["ownerReferences"].empty(),
                     pod["metadata"].dump().c_str());
        QVERIFY(m_cluster.kubectl({"delete", "pods", "-l", "app=solo"}).ok());
    }

    void serviceEndpointsFollowReadyPods()
    {
        QVERIFY(m_cluster.kubectl({"apply", "-f", "-"}, kApiManifest).ok());
        QTRY_COMPARE_WITH_TIMEOUT(itemsOf({"get", "pods", "-l", "app=api"}).size(), std::size_t(2),
                                  10000);
        const auto pods = itemsOf({"get", "pods", "-l", "app=api"});
        const std::string readyPod = pods[0]["metadata"]["name"],
                          waitingPod = pods[1]["metadata"]["name"];
        QVERIFY(m_kubelet->setStatus("default", readyPod, "10.42.1.5", true));
        QVERIFY(m_kubelet->setStatus("default", waitingPod, "10.42.1.6", false));

        // The ready pod's IP as an address, the other as not ready, on the container port
        // the Service's targetPort "http" names.
        auto endpoints = [&] {
            return parse(m_cluster.kubectl({"get", "endpoints", "api", "-o", "json"}).out);
        };
        QTRY_VERIFY_WITH_TIMEOUT(
            endpoints()["subsets"].dump().find("10.42.1.6") != std::string::npos, 10000);
        Json subset = endpoints()["subsets"][0];
        QCOMPARE(subset["addresses"].size(), std::size_t(1));
        QCOMPARE(subset["addresses"][0]["ip"].get<std::string>(), std::string("10.42.1.5"));
        QCOMPARE(subset["addresses"][0]["targetRef"]["name"].get<std::string>(), readyPod);
        QCOMPARE(subset["notReadyAddresses"][0]["ip"].get<std::string>(), std::string("10.42.1.6"));
        QVERIFY2(subset["ports"] ==
                     (Json::array({{{"name", "web"}, {"port", 8080}, {"protocol", "TCP"}}})),
                 subset.dump().c_str());
        const auto table = m_cluster.kubectl({"get", "endpoints", "api", "--no-headers"});
        QVERIFY2(table.out.contains("10.42.1.5:8080") && !table.out.contains("10.42.1.6"),
                 qPrintable(table.out));

        // The EndpointSlice says the same with conditions.
        auto slices = [&] {
            return itemsOf({"get", "endpointslices", "-l", "kubernetes.io/service-name=api"});
        };
        QTRY_VERIFY_WITH_TIMEOUT(slices().size() == 1 && slices()[0]["endpoints"].size() == 2,
                                 10000);
        const Json slice = slices()[0];
        QCOMPARE(slice["addressType"].get<std::string>(), std::string("IPv4"));
        QCOMPARE(slice["metadata"]["ownerReferences"][0]["kind"].get<std::string>(),
                 std::string("Service"));
        for (const Json &endpoint : slice["endpoints"])
            QCOMPARE(endpoint["conditions"]["ready"].get<bool>(),
                     endpoint["addresses"][0] == "10.42.1.5");

        // The second turns ready: both are addresses.
        QVERIFY(m_kubelet->setStatus("default", waitingPod, "10.42.1.6", true));
        QTRY_COMPARE_WITH_TIMEOUT(endpoints()["subsets"][0]["addresses"].size(), std::size_t(2),
                                  10000);
        QVERIFY(!endpoints()["subsets"][0].contains("notReadyAddresses"));

        // The apiserver's own Endpoints are left as they were.
        const Json kubernetes = parse(
            m_cluster.kubectl({"get", "endpoints", "kubernetes", "-n", "default", "-o", "json"})
                .out);
        QCOMPARE(kubernetes["subsets"][0]["addresses"][0]["ip"].get<std::string>(),
                 std::string("127.0.0.1"));

        // The Service goes: its Endpoints and (by ownerReference) its slices go too.
        QVERIFY(m_cluster.kubectl({"delete", "service", "api"}).ok());
        QTRY_VERIFY_WITH_TIMEOUT(!m_cluster.kubectl({"get", "endpoints", "api"}).ok(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(slices().empty(), 10000);
        QVERIFY(m_cluster.kubectl({"delete", "deployment", "api"}).ok());
    }

    void namespacesAndServiceAccounts()
    {
        QVERIFY(m_cluster.kubectl({"create", "namespace", "shop"}).ok());
        QTRY_VERIFY_WITH_TIMEOUT(
            m_cluster.kubectl({"get", "serviceaccount", "default", "-n", "shop"}).ok(), 10000);
        const std::string uid =
            parse(m_cluster.kubectl({"get", "sa", "default", "-n", "shop", "-o", "json"})
                      .out)["metadata"]["uid"];
        QVERIFY(m_cluster.kubectl({"delete", "serviceaccount", "default", "-n", "shop"}).ok());
        // Put back: a new one.
        QTRY_VERIFY_WITH_TIMEOUT(
            m_cluster.kubectl({"get", "sa", "default", "-n", "shop"}).ok() &&
                parse(m_cluster.kubectl({"get", "sa", "default", "-n", "shop", "-o", "json"})
                          .out)["metadata"]["uid"] != uid,
            10000);

        // Content of every kind, then the namespace goes, and kubectl's wait for it ends.
        QVERIFY(
            m_cluster
                .kubectl({"create", "configmap", "settings", "-n", "shop", "--from-literal=a=b"})
                .ok());
        QVERIFY(m_cluster.kubectl({"apply", "-n", "shop", "-f", "-"}, kApiManifest).ok());
        QTRY_COMPARE_WITH_TIMEOUT(itemsOf({"get", "pods", "-n", "shop"}).size(), std::size_t(2),
                                  10000);
        const auto deleted = m_cluster.kubectl({"delete", "namespace", "shop", "--timeout=30s"});
        QVERIFY2(deleted.ok(), deleted.both().c_str());
        const auto gone = m_cluster.kubectl({"get", "namespace", "shop"});
        QVERIFY2(!gone.ok() && gone.err.contains("NotFound"), gone.both().c_str());
        bool finalized = false;
        for (const Json &line : m_cluster.evidence("controller-manager"))
            finalized = finalized ||
                        (line["attrs"]["controller"] == "namespace-controller" &&
                         line["attrs"]["action"] == "finalize (remove the kubernetes finalizer)");
        QVERIFY(finalized);
    }

    void silentNodeBecomesNotReady()
    {
        const std::string now = toRfc3339(std::chrono::system_clock::now());
        const QString node =
            QString::fromStdString(R"(apiVersion: v1
kind: Node
metadata: {name: node1, labels: {kubernetes.io/hostname: node1}}
status:
  conditions:
  - {type: Ready, status: "True", reason: KubeletReady, message: kubelet is posting ready status, lastHeartbeatTime: ")" +
                                   now + R"(", lastTransitionTime: ")" + now + R"("}
)");
        QVERIFY(m_cluster.kubectl({"create", "-f", "-"}, node).ok());
        // A pod bound to it, running and ready, and one bound to a node that does not exist.
        const char *pods = R"(apiVersion: v1
kind: Pod
metadata: {name: on-node1, labels: {app: bound}}
spec: {nodeName: node1, containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: on-ghost, labels: {app: stray}}
spec: {nodeName: ghost, containers: [{name: c, image: busybox}]}
)";
        QVERIFY(m_cluster.kubectl({"apply", "-f", "-"}, pods).ok());
        QVERIFY(m_kubelet->setStatus("default", "on-node1", "10.42.0.200", true));
        QCOMPARE(readyStatus("node1"), std::string("True"));

        // The pod GC deletes the pod whose node does not exist, without waiting for a kubelet.
        QTRY_VERIFY_WITH_TIMEOUT(!m_cluster.kubectl({"get", "pod", "on-ghost"}).ok(), 10000);

        // No heartbeat for the grace period (4 s here): Unknown, then the unreachable taints.
        QTRY_COMPARE_WITH_TIMEOUT(readyStatus("node1"), std::string("Unknown"), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(taintsOf("node1") ==
                                     "node.kubernetes.io/unreachable:NoExecute,node.kubernetes.io/"
                                     "unreachable:NoSchedule",
                                 5000);
        const Json ready = readyCondition("node1");
        QCOMPARE(ready["reason"].get<std::string>(), std::string("NodeStatusUnknown"));
        QCOMPARE(ready["message"].get<std::string>(),
                 std::string("Kubelet stopped posting node status."));
        QVERIFY(
            m_cluster.kubectl({"get", "nodes", "node1", "--no-headers"}).out.contains("NotReady"));
        const auto events = m_cluster.kubectl(
            {"get", "events", "--field-selector", "reason=NodeNotReady", "-o", "json"});
        QVERIFY2(events.out.contains("Node node1 status is now: NodeNotReady") &&
                     events.out.contains("node-controller"),
                 qPrintable(events.out));
        // Its pod is no longer ready (so Endpoints would drop it).
        const Json pod = parse(m_cluster.kubectl({"get", "pod", "on-node1", "-o", "json"}).out);
        QVERIFY2(pod["status"]["conditions"].dump().find(R"("status":"False","type":"Ready")") !=
                     std::string::npos,
                 pod["status"].dump().c_str());

        // The kubelet reports again: the taints go.
        const std::string later = toRfc3339(std::chrono::system_clock::now());
        const Json status = {{"status",
                              {{"conditions", Json::array({{{"type", "Ready"},
                                                            {"status", "True"},
                                                            {"reason", "KubeletReady"},
                                                            {"lastHeartbeatTime", later},
                                                            {"lastTransitionTime", later}}})}}}};
        const ResourceInfo &nodes = *ResourceRegistry::builtin().find("", "v1", "nodes");
        QVERIFY(await([&](KubeClient::Callback done) {
                    m_client->patch(nodes, "", "node1", status,
                                    "application/strategic-merge-patch+json", done, "status");
                }).ok());
        QTRY_COMPARE_WITH_TIMEOUT(taintsOf("node1"), std::string(), 3000);

        bool sawDecision = false;
        for (const Json &line : m_cluster.evidence("controller-manager"))
            sawDecision = sawDecision || (line["attrs"]["controller"] == "node-controller" &&
                                          line["attrs"]["desired"]["ready"] == "Unknown" &&
                                          line["attrs"]["action"].get<std::string>().starts_with(
                                              "update status: Ready=Unknown"));
        QVERIFY(sawDecision);
        QVERIFY(
            m_cluster.kubectl({"delete", "pod", "on-node1", "--grace-period=0", "--force"}).ok());
    }

private:
    // kubectl 1.32 sends `create deployment` as protobuf, which the apiserver decodes.
    CommandResult createDeployment(const std::string &name, const std::string &image, int replicas)
    {
        return m_cluster.kubectl({"create", "deployment", QString::fromStdString(name),
                                  "--image=" + QString::fromStdString(image),
                                  "--replicas=" + QString::number(replicas)});
    }

    // `kubectl rollout status`, with the stand-in kubelet starting pods while it waits.
    CommandResult rolloutStatus(const std::string &name)
    {
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("KUBECONFIG", QString::fromStdString(m_cluster.kubeconfigPath()));
        env.insert("HOME", QString::fromStdString(m_cluster.dir()));
        process.setProcessEnvironment(env);
        process.start(
            kubectlProgram(),
            {"rollout", "status", QString::fromStdString("deployment/" + name), "--timeout=30s"});
        QElapsedTimer timer;
        timer.start();
        while (!process.waitForFinished(100) && process.state() != QProcess::NotRunning &&
               timer.elapsed() < 40000)
            m_kubelet->startPods("default", "app=" + name);
        return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
                QString::fromUtf8(process.readAllStandardError())};
    }

    std::vector<Json> itemsOf(QStringList args)
    {
        args << "-o"
             << "json";
        const auto listed = m_cluster.kubectl(args);
        const Json json = parse(listed.out);
        std::vector<Json> items;
        if (json.is_object())
            for (const Json &item : json.value("items", Json::array()))
                items.push_back(item);
        return items;
    }

    QString eventsAbout(const QString &name)
    {
        return m_cluster
            .kubectl({"get", "events", "--field-selector", "involvedObject.name=" + name, "-o",
                      "custom-columns=REASON:.reason,MESSAGE:.message,SOURCE:.source.component"})
            .out;
    }

    QString containerName(const QString &deployment)
    {
        const Json json = parse(m_cluster.kubectl({"get", "deploy", deployment, "-o", "json"}).out);
        return QString::fromStdString(
            json["spec"]["template"]["spec"]["containers"][0]["name"].get<std::string>());
    }

    Json readyCondition(const QString &node)
    {
        const Json json = parse(m_cluster.kubectl({"get", "node", node, "-o", "json"}).out);
        for (const Json &condition : json["status"].value("conditions", Json::array()))
            if (condition["type"] == "Ready")
                return condition;
        return Json::object();
    }

    std::string readyStatus(const QString &node)
    {
        return readyCondition(node).value("status", "");
    }

    std::string taintsOf(const QString &node)
    {
        const Json json = parse(m_cluster.kubectl({"get", "node", node, "-o", "json"}).out);
        std::vector<std::string> taints;
        for (const Json &taint : json["spec"].value("taints", Json::array()))
            taints.push_back(taint["key"].get<std::string>() + ":" +
                             taint["effect"].get<std::string>());
        std::sort(taints.begin(), taints.end());
        std::string text;
        for (const auto &taint : taints)
            text += (text.empty() ? "" : ",") + taint;
        return text;
    }

    std::string controllerManagerLog() const
    {
        std::ifstream in(m_cluster.dir() + "/flowlab-controller-manager.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    KubeTestCluster m_cluster;
    std::unique_ptr<KubeClient> m_client;
    std::unique_ptr<StandInKubelet> m_kubelet;
    std::string m_firstReplicaSet;
};

QTEST_GUILESS_MAIN(TestKubeControllers)
#include "tst_kube_controllers.moc"
