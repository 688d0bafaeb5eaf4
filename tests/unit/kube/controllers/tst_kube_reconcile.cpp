// The other controllers' decisions, without a network: Endpoints and EndpointSlices built
// from pods (named target ports, readiness, terminating pods), the garbage collector's
// choices for dependents and owners, pod GC, node health and taints, namespace deletion and
// default ServiceAccounts; and the work queue's coalescing and backoff.

#include "ObjectBuilders.h"
#include "engine/kube/controllers/EndpointsReconcile.h"
#include "engine/kube/controllers/EventRecorder.h"
#include "engine/kube/controllers/GarbageCollectorReconcile.h"
#include "engine/kube/controllers/NamespaceReconcile.h"
#include "engine/kube/controllers/NodeLifecycleReconcile.h"
#include "engine/kube/controllers/WorkQueue.h"

#include <QTest>

using namespace flowlab;
using namespace flowlab::kube;
using namespace flowlab::kube::test;
using Json = nlohmann::json;

namespace {

Json service(Json targetPort, Json selector = {{"app", "web"}})
{
    Json spec = {
        {"clusterIP", "10.43.0.20"},
        {"ports",
         Json::array(
             {{{"name", "http"}, {"port", 80}, {"protocol", "TCP"}, {"targetPort", targetPort}}})}};
    if (!selector.is_null())
        spec["selector"] = selector;
    return {{"apiVersion", "v1"},
            {"kind", "Service"},
            {"metadata",
             {{"name", "web"},
              {"namespace", "default"},
              {"uid", "uid-svc-web"},
              {"labels", {{"tier", "front"}}}}},
            {"spec", spec}};
}

std::vector<std::string> ips(const Json &addresses)
{
    std::vector<std::string> out;
    for (const Json &address : addresses)
        out.push_back(address["ip"]);
    return out;
}

Json node(const std::string &name, const std::string &ready, int heartbeatSecondsAgo)
{
    Json conditions = Json::array();
    for (const char *type : {"MemoryPressure", "Ready"})
        conditions.push_back({{"type", type},
                              {"status", std::string(type) == "Ready" ? ready : "False"},
                              {"lastHeartbeatTime", secondsAgo(heartbeatSecondsAgo)},
                              {"lastTransitionTime", secondsAgo(3600)},
                              {"reason", "KubeletReady"},
                              {"message", "kubelet is posting ready status"}});
    return {{"apiVersion", "v1"},
            {"kind", "Node"},
            {"metadata",
             {{"name", name},
              {"uid", "uid-" + name},
              {"resourceVersion", "7"},
              {"creationTimestamp", secondsAgo(7200)}}},
            {"spec", Json::object()},
            {"status", {{"conditions", conditions}}}};
}

const Json &owner(const std::string &kind, const std::string &name, const std::string &uid,
                  bool block = true)
{
    static std::vector<std::unique_ptr<Json>> keep;
    keep.push_back(std::make_unique<Json>(
        Json{{"apiVersion", kind == "Deployment" || kind == "ReplicaSet" ? "apps/v1" : "v1"},
             {"kind", kind},
             {"name", name},
             {"uid", uid},
             {"controller", true},
             {"blockOwnerDeletion", block}}));
    return *keep.back();
}

} // namespace

class TestKubeReconcile : public QObject
{
    Q_OBJECT

private slots:
    void targetPorts_data()
    {
        QTest::addColumn<QString>("targetPort");
        QTest::addColumn<int>("expected");
        QTest::newRow("a number") << "8080" << 8080;
        QTest::newRow("a container port's name") << "http" << 80;
        QTest::newRow("unset: the service port") << "" << 80;
        QTest::newRow("a name no container has") << "metrics" << -1;
    }

    void targetPorts()
    {
        QFETCH(QString, targetPort);
        QFETCH(int, expected);
        Json port = {{"name", "http"}, {"port", 80}, {"protocol", "TCP"}};
        if (!targetPort.isEmpty()) {
            bool numeric = false;
            const int number = targetPort.toInt(&numeric);
            port["targetPort"] = numeric ? Json(number) : Json(targetPort.toStdString());
        }
        QCOMPARE(endpoints::resolveTargetPort(port, podObject("p", "10.42.0.5", true)).value_or(-1),
                 expected);
    }

    void endpointsFromReadyPods()
    {
        std::vector<Json> pods{
            podObject("a", "10.42.0.7", true, "node1"), podObject("b", "10.42.0.5", true, "node2"),
            podObject("c", "10.42.0.6", false, "node1"), podObject("pending", "", false),
            podObject("leaving", "10.42.0.9", true, "node1")};
        pods[4]["metadata"]["deletionTimestamp"] = secondsAgo(1);
        Json other = podObject("other-app", "10.42.0.8", true);
        other["metadata"]["labels"]["app"] = "db";
        pods.push_back(other);

        const Json subsets = endpoints::endpointSubsets(service("http"), pods);
        QCOMPARE(subsets.size(), std::size_t(1));
        const Json &subset = subsets[0];
        // Ready ones as addresses (sorted by IP), the not-ready one apart, the deleting, the
        // IP-less and the unselected ones not at all.
        QCOMPARE(ips(subset["addresses"]), (std::vector<std::string>{"10.42.0.5", "10.42.0.7"}));
        QCOMPARE(ips(subset["notReadyAddresses"]), (std::vector<std::string>{"10.42.0.6"}));
        QCOMPARE(subset["addresses"][0]["nodeName"].get<std::string>(), std::string("node2"));
        QCOMPARE_JSON(
            subset["addresses"][0]["targetRef"],
            (Json{{"kind", "Pod"}, {"namespace", "default"}, {"name", "b"}, {"uid", "uid-b"}}));
        QCOMPARE_JSON(subset["ports"],
                      (Json::array({{{"name", "http"}, {"port", 80}, {"protocol", "TCP"}}})));

        const Decision create =
            endpoints::reconcileEndpoints("default", "web", service("http"), pods, Json());
        QCOMPARE(create.actions.size(), std::size_t(1));
        QCOMPARE(create.actions[0].verb, Action::Verb::Create);
        QCOMPARE(create.actions[0].body["metadata"]["labels"]["tier"].get<std::string>(),
                 std::string("front"));
        QCOMPARE(create.summary(),
                 std::string("endpoints web: desired 2 ready (10.42.0.5, 10.42.0.7), 1 not ready "
                             "(10.42.0.6), actual no Endpoints: create Endpoints web (2 ready "
                             "(10.42.0.5, 10.42.0.7), 1 not ready (10.42.0.6))"));
        // Once written, nothing more to do.
        const Decision again = endpoints::reconcileEndpoints("default", "web", service("http"),
                                                             pods, create.actions[0].body);
        QVERIFY(again.actions.empty());
        QCOMPARE(again.actionText(), std::string("none"));
    }

    void podsResolvingANamedPortDifferently()
    {
        // Mid-rollout: the new pods serve "http" on 8080. Two subsets, one per port.
        Json moved = podObject("new", "10.42.1.2", true);
        moved["spec"]["containers"][0]["ports"][0]["containerPort"] = 8080;
        const Json subsets = endpoints::endpointSubsets(
            service("http"), {podObject("old", "10.42.1.1", true), moved});
        QCOMPARE(subsets.size(), std::size_t(2));
        std::map<int, std::vector<std::string>> byPort;
        for (const Json &subset : subsets)
            byPort[subset["ports"][0]["port"].get<int>()] = ips(subset["addresses"]);
        QCOMPARE(byPort[80], (std::vector<std::string>{"10.42.1.1"}));
        QCOMPARE(byPort[8080], (std::vector<std::string>{"10.42.1.2"}));
    }

    void servicesWithoutSelectorAreLeftAlone()
    {
        const Json manual = service(80, Json());
        const Json userEndpoints = {
            {"apiVersion", "v1"},
            {"kind", "Endpoints"},
            {"metadata", {{"name", "web"}, {"namespace", "default"}}},
            {"subsets", Json::array({{{"addresses", Json::array({{{"ip", "192.168.56.5"}}})}}})}};
        const Decision decision = endpoints::reconcileEndpoints(
            "default", "web", manual, {podObject("a", "10.42.0.7", true)}, userEndpoints);
        QVERIFY(decision.actions.empty());
        QVERIFY(!decision.note.empty());
        Json kubernetes = service(443, {{"component", "apiserver"}});
        kubernetes["metadata"]["name"] = "kubernetes";
        QVERIFY(!endpoints::managesEndpoints(kubernetes));
        QVERIFY(endpoints::managesEndpoints(service(80)));
        // Its Service deleted: the Endpoints go.
        const Decision gone =
            endpoints::reconcileEndpoints("default", "web", Json(), {}, userEndpoints);
        QCOMPARE(gone.actions.size(), std::size_t(1));
        QCOMPARE(gone.actions[0].verb, Action::Verb::Delete);
    }

    void endpointSlices()
    {
        std::vector<Json> pods{podObject("a", "10.42.0.7", true, "node1"),
                               podObject("b", "10.42.0.6", false, "node2"),
                               podObject("leaving", "10.42.0.9", true, "node1")};
        pods[2]["metadata"]["deletionTimestamp"] = secondsAgo(1);
        const Decision decision = endpoints::reconcileEndpointSlices(service("http"), pods, {});
        QCOMPARE(decision.actions.size(), std::size_t(1));
        const Json &slice = decision.actions[0].body;
        QCOMPARE(slice["addressType"].get<std::string>(), std::string("IPv4"));
        QCOMPARE(slice["metadata"]["generateName"].get<std::string>(), std::string("web-"));
        QCOMPARE(slice["metadata"]["labels"]["kubernetes.io/service-name"].get<std::string>(),
                 std::string("web"));
        QCOMPARE(slice["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"]
                     .get<std::string>(),
                 std::string("endpointslice-controller.k8s.io"));
        QCOMPARE(slice["metadata"]["ownerReferences"][0]["uid"].get<std::string>(),
                 std::string("uid-svc-web"));
        QCOMPARE_JSON(slice["ports"],
                      (Json::array({{{"name", "http"}, {"port", 80}, {"protocol", "TCP"}}})));
        std::map<std::string, Json> conditions;
        for (const Json &endpoint : slice["endpoints"])
            conditions[endpoint["addresses"][0]] = endpoint["conditions"];
        QCOMPARE(conditions.size(), std::size_t(3)); // terminating pods stay in slices, marked so
        QCOMPARE_JSON(conditions["10.42.0.7"],
                      (Json{{"ready", true}, {"serving", true}, {"terminating", false}}));
        QCOMPARE_JSON(conditions["10.42.0.6"],
                      (Json{{"ready", false}, {"serving", false}, {"terminating", false}}));
        QCOMPARE_JSON(conditions["10.42.0.9"],
                      (Json{{"ready", false}, {"serving", true}, {"terminating", true}}));

        // Stored, then a pod goes: the same slice is updated, not another created.
        Json stored = slice;
        stored["metadata"]["name"] = "web-abcde";
        const Decision update =
            endpoints::reconcileEndpointSlices(service("http"), {pods[0]}, {stored});
        QCOMPARE(update.actions.size(), std::size_t(1));
        QCOMPARE(update.actions[0].verb, Action::Verb::Update);
        QCOMPARE(update.actions[0].body["endpoints"].size(), std::size_t(1));

        // No pods: a placeholder slice with no endpoints (and no ports)...
        const Decision empty = endpoints::reconcileEndpointSlices(service("http"), {}, {});
        QCOMPARE(empty.actions.size(), std::size_t(1));
        QVERIFY(empty.actions[0].body["endpoints"].empty());
        QVERIFY(empty.actions[0].body["ports"].empty());
        // ...which the first pod's endpoint then fills, rather than a new slice.
        Json placeholder = empty.actions[0].body;
        placeholder["metadata"]["name"] = "web-fghjk";
        const Decision filled =
            endpoints::reconcileEndpointSlices(service("http"), {pods[0]}, {placeholder});
        QCOMPARE(filled.actions.size(), std::size_t(1));
        QCOMPARE(filled.actions[0].verb, Action::Verb::Update);
        QCOMPARE(filled.actions[0].name, std::string("web-fghjk"));
        QCOMPARE(filled.actions[0].body["ports"].size(), std::size_t(1));
    }

    void dependentsOfGoneOwners()
    {
        const ResourceInfo &pods = builtinResource("", "pods");
        Json pod = podObject("web-1", "10.0.0.1", true);
        pod["metadata"]["ownerReferences"] = Json::array({owner("ReplicaSet", "web-rs", "uid-rs")});

        // Its owner is there: nothing to do.
        Decision kept = gc::decideDependent(
            pods, pod, {{owner("ReplicaSet", "web-rs", "uid-rs"), gc::OwnerState::Present}}, false);
        QVERIFY(kept.actions.empty());

        // Gone: deleted in the background, only if it is still the same object.
        Decision orphan = gc::decideDependent(
            pods, pod, {{owner("ReplicaSet", "web-rs", "uid-rs"), gc::OwnerState::Absent}}, false);
        QCOMPARE(orphan.actions.size(), std::size_t(1));
        QCOMPARE(orphan.actions[0].verb, Action::Verb::Delete);
        QCOMPARE(orphan.actions[0].body["propagationPolicy"].get<std::string>(),
                 std::string("Background"));
        QCOMPARE(orphan.actions[0].body["preconditions"]["uid"].get<std::string>(),
                 std::string("uid-web-1"));

        // One of two owners gone: only the reference to it goes.
        Decision partial =
            gc::decideDependent(pods, pod,
                                {{owner("ReplicaSet", "a", "uid-a"), gc::OwnerState::Present},
                                 {owner("ReplicaSet", "b", "uid-b"), gc::OwnerState::Absent}},
                                false);
        QCOMPARE(partial.actions.size(), std::size_t(1));
        QCOMPARE(partial.actions[0].verb, Action::Verb::Patch);
        QCOMPARE(partial.actions[0].patchType,
                 std::string("application/strategic-merge-patch+json"));
        QCOMPARE_JSON(partial.actions[0].body["metadata"]["ownerReferences"],
                      (Json::array({{{"$patch", "delete"}, {"uid", "uid-b"}}})));

        // Its owner waits for its dependents, and it has dependents of its own: foreground too.
        const ResourceInfo &sets = builtinResource("apps", "replicasets");
        Decision chain = gc::decideDependent(
            sets, replicaSetObject(deploymentObject(1, "x"), "h", "x", 1, 1, 5),
            {{owner("Deployment", "web", "uid-deploy-web"), gc::OwnerState::WaitingForDependents}},
            true);
        QCOMPARE(chain.actions.size(), std::size_t(1));
        QCOMPARE(chain.actions[0].body["propagationPolicy"].get<std::string>(),
                 std::string("Foreground"));
    }

    void ownersBeingDeleted()
    {
        const ResourceInfo &sets = builtinResource("apps", "replicasets");
        const ResourceInfo &pods = builtinResource("", "pods");
        Json rs = replicaSetObject(deploymentObject(2, "x"), "h", "x", 2, 1, 5);
        rs["metadata"]["deletionTimestamp"] = secondsAgo(1);
        rs["metadata"]["finalizers"] = Json::array({"foregroundDeletion"});
        Json pod = podObject("web-h-1", "10.0.0.1", true, "", 60, "uid-rs-h");

        // Foreground: its blocking dependents are deleted first...
        Decision first = gc::decideOwner(sets, rs, {{&pods, pod, false}}, testNow());
        QCOMPARE(first.actions.size(), std::size_t(1));
        QCOMPARE(first.actions[0].verb, Action::Verb::Delete);
        QCOMPARE(first.actions[0].name, std::string("web-h-1"));
        // ...and once none is left, the finalizer goes (with the resourceVersion it read).
        Decision last = gc::decideOwner(sets, rs, {}, testNow());
        QCOMPARE(last.actions.size(), std::size_t(1));
        QCOMPARE_JSON(last.actions[0].body["metadata"]["finalizers"], Json::array());
        QCOMPARE(last.actions[0].body["metadata"]["resourceVersion"].get<std::string>(),
                 std::string("50"));

        // Orphan: dependents lose the reference, then the finalizer goes.
        rs["metadata"]["finalizers"] = Json::array({"orphan"});
        Decision orphan = gc::decideOwner(sets, rs, {{&pods, pod, false}}, testNow());
        QCOMPARE(orphan.actions.size(), std::size_t(2));
        QCOMPARE(orphan.actions[0].name, std::string("web-h-1"));
        QCOMPARE(orphan.actions[0].body["metadata"]["ownerReferences"][0]["uid"].get<std::string>(),
                 std::string("uid-rs-h"));
        QCOMPARE(orphan.actions[1].text, std::string("remove finalizer orphan"));
    }

    void podsOnMissingNodes()
    {
        const Json pod = podObject("stray", "10.42.2.9", true, "node-gone");
        const Decision decision = gc::decideOrphanedPod(pod, false, testNow());
        QCOMPARE(decision.actions.size(), std::size_t(2));
        QCOMPARE(decision.actions[0].subresource, std::string("status"));
        QCOMPARE(decision.actions[1].verb, Action::Verb::Delete);
        QCOMPARE(decision.actions[1].body["gracePeriodSeconds"].get<int>(), 0);
        QVERIFY(gc::decideOrphanedPod(pod, true, testNow()).actions.empty());
    }

    void silentNodeBecomesUnknownThenTainted()
    {
        const std::vector<Json> pods{podObject("a", "10.42.0.5", true, "node1"),
                                     podObject("b", "10.42.0.6", false, "node1")};
        nodelifecycle::Inputs inputs{node("node1", "True", 60), Json(), pods, testNow(),
                                     std::chrono::seconds(40)};
        Decision decision = nodelifecycle::reconcile(inputs);
        QVERIFY(!decision.actions.empty());
        const Action &status = decision.actions[0];
        QCOMPARE(status.subresource, std::string("status"));
        for (const Json &condition : status.body["status"]["conditions"]) {
            QCOMPARE(condition["status"].get<std::string>(), std::string("Unknown"));
            QCOMPARE(
                condition["message"].get<std::string>(),
                std::string(condition["type"] == "Ready" || condition["type"] == "MemoryPressure"
                                ? "Kubelet stopped posting node status."
                                : "Kubelet never posted node status."));
        }
        QCOMPARE(status.onSuccess->reason, std::string("NodeNotReady"));
        QCOMPARE(status.onSuccess->message, std::string("Node node1 status is now: NodeNotReady"));
        // The ready pod on it loses its Ready condition; the other was not ready anyway.
        QCOMPARE(decision.actions.size(), std::size_t(2));
        QCOMPARE(decision.actions[1].name, std::string("a"));
        QCOMPARE(decision.actions[1].body["status"]["conditions"][0]["status"].get<std::string>(),
                 std::string("False"));

        // Next pass, on the stored Unknown condition: the unreachable taints.
        inputs.node = status.body;
        decision = nodelifecycle::reconcile(inputs);
        QCOMPARE(decision.actions.size(), std::size_t(1));
        const Json taints = decision.actions[0].body["spec"]["taints"];
        QCOMPARE(taints.size(), std::size_t(2));
        QCOMPARE(taints[0]["key"].get<std::string>(),
                 std::string("node.kubernetes.io/unreachable"));
        QCOMPARE(taints[0]["effect"].get<std::string>(), std::string("NoSchedule"));
        QCOMPARE(taints[1]["effect"].get<std::string>(), std::string("NoExecute"));
        QVERIFY(taints[1].contains("timeAdded"));

        // Back: a fresh heartbeat, Ready again: the taints go.
        Json back = node("node1", "True", 1);
        back["spec"]["taints"] = taints;
        inputs.node = back;
        decision = nodelifecycle::reconcile(inputs);
        QCOMPARE(decision.actions.size(), std::size_t(1));
        QVERIFY(decision.actions[0].body["spec"]["taints"].is_null());
    }

    void leaseRenewalsCountAsHeartbeats()
    {
        const Json lease = {
            {"metadata", {{"name", "node1"}, {"namespace", "kube-node-lease"}}},
            {"spec", {{"renewTime", toRfc3339Micro(testNow() - std::chrono::seconds(5))}}}};
        nodelifecycle::Inputs inputs{
            node("node1", "True", 300), lease, {}, testNow(), std::chrono::seconds(40)};
        QVERIFY(nodelifecycle::reconcile(inputs).actions.empty());
        inputs.lease = Json();
        QVERIFY(!nodelifecycle::reconcile(inputs).actions.empty());
    }

    void namespaceDeletion()
    {
        const ResourceInfo &pods = builtinResource("", "pods");
        const ResourceInfo &accounts = builtinResource("", "serviceaccounts");
        Json ns = {{"metadata",
                    {{"name", "shop"}, {"uid", "uid-shop"}, {"deletionTimestamp", secondsAgo(2)}}},
                   {"spec", {{"finalizers", Json::array({"kubernetes"})}}},
                   {"status", {{"phase", "Terminating"}}}};
        Decision decision =
            namespaces::reconcile(ns, {{&pods, {"a", "b"}}, {&accounts, {"default"}}});
        QCOMPARE(decision.actions.size(), std::size_t(2));
        QCOMPARE(decision.actions[0].verb, Action::Verb::Delete);
        QCOMPARE(decision.actions[0].name, std::string()); // the whole collection
        QCOMPARE(decision.actions[0].ns, std::string("shop"));

        decision = namespaces::reconcile(ns, {{&pods, {}}});
        QCOMPARE(decision.actions.size(), std::size_t(1));
        QCOMPARE(decision.actions[0].subresource, std::string("finalize"));
        QCOMPARE_JSON(decision.actions[0].body["spec"]["finalizers"], Json::array());

        ns["metadata"].erase("deletionTimestamp");
        QVERIFY(namespaces::reconcile(ns, {{&pods, {"a"}}}).actions.empty());
    }

    void defaultServiceAccount()
    {
        const Json active = {{"metadata", {{"name", "shop"}}}, {"status", {{"phase", "Active"}}}};
        Decision decision = serviceaccounts::reconcile(active, Json());
        QCOMPARE(decision.actions.size(), std::size_t(1));
        QCOMPARE(decision.actions[0].body["metadata"]["name"].get<std::string>(),
                 std::string("default"));
        QCOMPARE(decision.actions[0].ns, std::string("shop"));
        QVERIFY(serviceaccounts::reconcile(active, Json::object()).actions.empty());
        Json terminating = active;
        terminating["status"]["phase"] = "Terminating";
        QVERIFY(serviceaccounts::reconcile(terminating, Json()).actions.empty());
    }

    void coreEvents()
    {
        const Json event = EventRecorder::newEvent(
            "deployment-controller", builtinResource("apps", "deployments"),
            deploymentObject(3, "nginx"),
            {"Normal", "ScalingReplicaSet", "Scaled up replica set web-x from 0 to 3"}, testNow());
        QCOMPARE(event["involvedObject"]["kind"].get<std::string>(), std::string("Deployment"));
        QCOMPARE(event["involvedObject"]["uid"].get<std::string>(), std::string("uid-deploy-web"));
        QCOMPARE(event["source"]["component"].get<std::string>(),
                 std::string("deployment-controller"));
        QCOMPARE(event["reportingComponent"].get<std::string>(),
                 std::string("deployment-controller"));
        QCOMPARE(event["count"].get<int>(), 1);
        QVERIFY(event["metadata"]["name"].get<std::string>().starts_with("web."));
        // Cluster-scoped objects' events live in "default".
        const Json nodeEvent = EventRecorder::newEvent(
            "node-controller", builtinResource("", "nodes"), node("n1", "True", 1),
            {"Normal", "NodeNotReady", "x"}, testNow());
        QCOMPARE(nodeEvent["metadata"]["namespace"].get<std::string>(), std::string("default"));
        QVERIFY(!nodeEvent["involvedObject"].contains("namespace"));
    }

    void workQueueCoalescesAndBacksOff()
    {
        std::vector<std::string> worked;
        WorkQueue::Finished pending;
        WorkQueue queue(
            [&](const std::string &key, WorkQueue::Finished finished) {
                worked.push_back(key);
                pending = std::move(finished);
            },
            1);
        queue.add("default/web");
        queue.add("default/web");
        queue.add("default/db");
        queue.start();
        QCOMPARE(worked, (std::vector<std::string>{"default/web"}));
        // Added again while being worked on: once more after, not at the same time.
        queue.add("default/web");
        QCOMPARE(worked.size(), std::size_t(1));
        pending();
        QTRY_COMPARE(worked.size(), std::size_t(2));
        QCOMPARE(worked[1], std::string("default/db"));
        pending();
        QTRY_COMPARE(worked.size(), std::size_t(3));
        QCOMPARE(worked[2], std::string("default/web"));
        pending();

        QCOMPARE(queue.backoff("k").count(), 5);
        queue.addRateLimited("k");
        QCOMPARE(queue.backoff("k").count(), 10);
        queue.addRateLimited("k");
        QCOMPARE(queue.backoff("k").count(), 20);
        queue.forget("k");
        QCOMPARE(queue.backoff("k").count(), 5);
        // The first retry comes after 5 ms; the second (10 ms) finds it being worked on, so
        // it waits for that work to end, then goes once.
        QTRY_COMPARE(worked.size(), std::size_t(4));
        QTest::qWait(30);
        QCOMPARE(worked.size(), std::size_t(4));
        pending();
        QTRY_COMPARE(worked.size(), std::size_t(5));
        pending();
        QTest::qWait(50);
        QCOMPARE(worked.size(), std::size_t(5));
    }
};

QTEST_GUILESS_MAIN(TestKubeReconcile)
#include "tst_kube_reconcile.moc"
