// The Deployment and ReplicaSet controllers' decisions, without a network: pod-template
// hashes and names, maxSurge/maxUnavailable arithmetic, a whole rolling update played step
// by step against a simulated cluster (its invariants checked at every step), Recreate,
// rollbacks that reuse a ReplicaSet, history cleanup, scaling, and which pods go first.

#include "ObjectBuilders.h"
#include "engine/kube/api/Patch.h"
#include "engine/kube/controllers/DeploymentReconcile.h"
#include "engine/kube/controllers/ReplicaSetReconcile.h"

#include <QTest>
#include <regex>

using namespace flowlab;
using namespace flowlab::kube;
using namespace flowlab::kube::test;
using Json = nlohmann::json;

namespace {

std::vector<const Action *> actionsOn(const Decision &decision, const std::string &plural,
                                      Action::Verb verb, const std::string &subresource = {})
{
    std::vector<const Action *> found;
    for (const Action &action : decision.actions)
        if (action.resource->plural == plural && action.verb == verb &&
            action.subresource == subresource)
            found.push_back(&action);
    return found;
}

int replicasOf(const Json &object)
{
    return object["spec"].value("replicas", 1);
}

// A cluster reduced to what the Deployment controller sees: its Deployment and ReplicaSets.
// apply() does what the apiserver would with a decision's requests; settle() what the
// ReplicaSet controller and the kubelets would, instantly (every pod ready and available).
struct SimulatedCluster
{
    Json deployment;
    std::vector<Json> replicaSets;
    int created = 0;
    std::vector<std::string> events;

    deployment::Inputs inputs() const { return {deployment, replicaSets, {}, testNow()}; }

    Json *find(const std::string &name)
    {
        for (Json &rs : replicaSets)
            if (rs["metadata"]["name"] == name)
                return &rs;
        return nullptr;
    }

    void apply(const Decision &decision)
    {
        for (const Action &action : decision.actions) {
            if (action.onSuccess)
                events.push_back(action.onSuccess->message);
            if (action.resource->plural == "replicasets") {
                if (action.verb == Action::Verb::Create) {
                    Json rs = action.body;
                    rs["metadata"]["uid"] = "uid-" + action.name;
                    rs["metadata"]["generation"] = 1;
                    rs["metadata"]["creationTimestamp"] =
                        toRfc3339(testNow() + std::chrono::seconds(++created));
                    rs["status"] = Json::object();
                    replicaSets.push_back(rs);
                } else if (action.verb == Action::Verb::Update) {
                    Json *rs = find(action.name);
                    QVERIFY(rs);
                    const Json status = (*rs)["status"];
                    *rs = action.body;
                    (*rs)["status"] = status;
                } else if (action.verb == Action::Verb::Delete) {
                    std::erase_if(replicaSets, [&](const Json &rs) {
                        return rs["metadata"]["name"] == action.name;
                    });
                }
            } else if (action.resource->plural == "deployments") {
                if (action.subresource == "status")
                    deployment["status"] = action.body["status"];
                else if (action.verb == Action::Verb::Patch)
                    deployment = applyMergePatch(deployment, action.body);
            }
        }
    }

    void settle()
    {
        for (Json &rs : replicaSets) {
            const int n = replicasOf(rs);
            rs["status"] = {{"replicas", n},
                            {"readyReplicas", n},
                            {"availableReplicas", n},
                            {"observedGeneration", 1}};
        }
    }

    int sum(const char *field, bool spec = false) const
    {
        int total = 0;
        for (const Json &rs : replicaSets)
            total += spec ? replicasOf(rs) : rs["status"].value(field, 0);
        return total;
    }
};

} // namespace

class TestKubeRollout : public QObject
{
    Q_OBJECT

private slots:
    void fnvAndSafeEncoding()
    {
        // FNV-1a test vectors, and the safe alphabet the digits map to.
        QCOMPARE(deployment::fnv1a32(""), 0x811c9dc5u);
        QCOMPARE(deployment::fnv1a32("a"), 0xe40c292cu);
        QCOMPARE(deployment::fnv1a32("foobar"), 0xbf9cf968u);
        QCOMPARE(deployment::safeEncode("0123456789"), std::string("456789bcdf"));
    }

    void podTemplateHashAndName()
    {
        const Json templ = podTemplate("nginx");
        const std::string hash = deployment::podTemplateHash(templ, std::nullopt);
        // The real shape: up to 10 characters of the safe alphabet.
        QVERIFY2(std::regex_match(hash, std::regex("[bcdfghjklmnpqrstvwxz2456789]{1,10}")),
                 hash.c_str());
        QCOMPARE(hash, deployment::safeEncode(std::to_string(
                           deployment::fnv1a32(deployment::comparableTemplate(templ).dump()))));

        // Labels added by the controller, and null/empty fields, do not change it.
        Json labelled = templ;
        labelled["metadata"]["labels"]["pod-template-hash"] = "x";
        labelled["metadata"]["creationTimestamp"] = nullptr;
        labelled["spec"]["volumes"] = Json::array();
        QCOMPARE(deployment::podTemplateHash(labelled, std::nullopt), hash);
        QVERIFY(deployment::equalIgnoreHash(labelled, templ));

        // A different template, or a collision count, does.
        QVERIFY(deployment::podTemplateHash(podTemplate("nginx:1.25"), std::nullopt) != hash);
        QVERIFY(deployment::podTemplateHash(templ, 0) != hash);
        QVERIFY(deployment::podTemplateHash(templ, 1) != deployment::podTemplateHash(templ, 0));
        QVERIFY(!deployment::equalIgnoreHash(podTemplate("nginx:1.25"), templ));

        // The new ReplicaSet is named after it, and carries it in its selector and pods.
        const Decision decision =
            deployment::reconcile({deploymentObject(3, "nginx"), {}, {}, testNow()});
        const auto creates = actionsOn(decision, "replicasets", Action::Verb::Create);
        QCOMPARE(creates.size(), std::size_t(1));
        const Json &rs = creates[0]->body;
        QCOMPARE(rs["metadata"]["name"].get<std::string>(), "web-" + hash);
        QCOMPARE(rs["spec"]["selector"]["matchLabels"]["pod-template-hash"].get<std::string>(),
                 hash);
        QCOMPARE(
            rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"].get<std::string>(),
            hash);
        QCOMPARE(rs["metadata"]["labels"]["app"].get<std::string>(), std::string("web"));
    }

    void scaledValues_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<int>("total");
        QTest::addColumn<bool>("roundUp");
        QTest::addColumn<int>("expected");
        QTest::newRow("25% of 3, surge rounds up") << "25%" << 3 << true << 1;
        QTest::newRow("25% of 3, unavailable rounds down") << "25%" << 3 << false << 0;
        QTest::newRow("25% of 10 up") << "25%" << 10 << true << 3;
        QTest::newRow("25% of 10 down") << "25%" << 10 << false << 2;
        QTest::newRow("50% of 5 up") << "50%" << 5 << true << 3;
        QTest::newRow("an int stays") << "2" << 10 << false << 2;
        QTest::newRow("100%") << "100%" << 7 << false << 7;
    }

    void scaledValues()
    {
        QFETCH(QString, value);
        QFETCH(int, total);
        QFETCH(bool, roundUp);
        QFETCH(int, expected);
        const Json json = value.endsWith('%') ? Json(value.toStdString()) : Json(value.toInt());
        QCOMPARE(deployment::scaledValue(json, total, roundUp).value_or(-1), expected);
    }

    void fenceposts()
    {
        auto fence = deployment::fenceposts(deploymentObject(3, "nginx"));
        QCOMPARE(fence.maxSurge, 1);
        QCOMPARE(fence.maxUnavailable, 0);
        // Both rounding to zero: one pod may be unavailable, or nothing could ever move.
        fence = deployment::fenceposts(deploymentObject(5, "nginx", "10%", "10%"));
        QCOMPARE(fence.maxSurge, 1);
        fence = deployment::fenceposts(deploymentObject(5, "nginx", 0, "10%"));
        QCOMPARE(fence.maxSurge, 0);
        QCOMPARE(fence.maxUnavailable, 1);
        // Never more unavailable than there are replicas; nothing at all for Recreate.
        QCOMPARE(deployment::fenceposts(deploymentObject(2, "nginx", 0, 5)).maxUnavailable, 2);
        fence = deployment::fenceposts(deploymentObject(3, "nginx", 1, 1, "Recreate"));
        QCOMPARE(fence.maxSurge + fence.maxUnavailable, 0);
    }

    void newDeploymentCreatesItsReplicaSet()
    {
        Json d = deploymentObject(3, "nginx");
        d["metadata"]["annotations"] = {{"kubernetes.io/change-cause", "first release"},
                                        {"kubectl.kubernetes.io/last-applied-configuration", "{}"}};
        const Decision decision = deployment::reconcile({d, {}, {}, testNow()});
        const std::string hash = decision.desired["podTemplateHash"];
        const std::string name = "web-" + hash;

        const auto creates = actionsOn(decision, "replicasets", Action::Verb::Create);
        QCOMPARE(creates.size(), std::size_t(1));
        const Json &rs = creates[0]->body;
        QCOMPARE(replicasOf(rs), 3); // 3 + maxSurge 1 allowed, but never more than 3 in it
        const Json &annotations = rs["metadata"]["annotations"];
        QCOMPARE(annotations["deployment.kubernetes.io/revision"].get<std::string>(),
                 std::string("1"));
        QCOMPARE(annotations["deployment.kubernetes.io/desired-replicas"].get<std::string>(),
                 std::string("3"));
        QCOMPARE(annotations["deployment.kubernetes.io/max-replicas"].get<std::string>(),
                 std::string("4"));
        QCOMPARE(annotations["kubernetes.io/change-cause"].get<std::string>(),
                 std::string("first release"));
        QVERIFY(!annotations.contains("kubectl.kubernetes.io/last-applied-configuration"));
        const Json &owner = rs["metadata"]["ownerReferences"][0];
        QCOMPARE(owner["kind"].get<std::string>(), std::string("Deployment"));
        QCOMPARE(owner["uid"].get<std::string>(), std::string("uid-deploy-web"));
        QCOMPARE(owner["controller"].get<bool>(), true);
        QCOMPARE(owner["blockOwnerDeletion"].get<bool>(), true);
        QVERIFY(creates[0]->onSuccess);
        QCOMPARE(creates[0]->onSuccess->reason, std::string("ScalingReplicaSet"));
        QCOMPARE(creates[0]->onSuccess->message, "Scaled up replica set " + name + " from 0 to 3");

        // The status is observed, and the revision goes on the Deployment too.
        const auto status = actionsOn(decision, "deployments", Action::Verb::Update, "status");
        QCOMPARE(status.size(), std::size_t(1));
        QCOMPARE(status[0]->body["status"]["observedGeneration"].get<int>(), 1);
        const auto patches = actionsOn(decision, "deployments", Action::Verb::Patch);
        QCOMPARE(patches.size(), std::size_t(1));
        QCOMPARE(patches[0]
                     ->body["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                     .get<std::string>(),
                 std::string("1"));

        // The evidence line says it all.
        QCOMPARE(decision.summary().substr(0, decision.summary().find(";")),
                 "deployment web: desired 3 replicas of template " + hash +
                     ", actual 0: create ReplicaSet " + name + " (replicas 3)");
        const Event evidence = decision.toEvidence();
        QVERIFY(evidence.kind == EventKind::Reconcile);
        QCOMPARE(evidence.attributes["controller"].get<std::string>(),
                 std::string("deployment-controller"));
        QCOMPARE(evidence.attributes["object"]["kind"].get<std::string>(),
                 std::string("Deployment"));
        QCOMPARE(evidence.attributes["desired"]["replicas"].get<int>(), 3);
        QCOMPARE(evidence.attributes["actual"]["replicas"].get<int>(), 0);
        QVERIFY(evidence.attributes["action"].get<std::string>().starts_with("create ReplicaSet " +
                                                                             name));
    }

    void rollingUpdateStepByStep_data()
    {
        QTest::addColumn<int>("replicas");
        QTest::addColumn<QString>("maxSurge");
        QTest::addColumn<QString>("maxUnavailable");
        QTest::addColumn<int>("surge");
        QTest::addColumn<int>("unavailable");
        QTest::newRow("defaults, 3 replicas") << 3 << "25%"
                                              << "25%" << 1 << 0;
        QTest::newRow("defaults, 10 replicas") << 10 << "25%"
                                               << "25%" << 3 << 2;
        QTest::newRow("one down at a time") << 4 << "0"
                                            << "1" << 0 << 1;
        QTest::newRow("surge only") << 4 << "2"
                                    << "0" << 2 << 0;
        QTest::newRow("both round to zero") << 5 << "10%"
                                            << "0" << 1 << 0;
    }

    // A rollout from nginx to nginx:1.25, one controller pass at a time, with the pods of
    // every ReplicaSet turning available between passes: at no point are there more than
    // replicas + maxSurge pods, nor fewer than replicas - maxUnavailable available ones.
    void rollingUpdateStepByStep()
    {
        QFETCH(int, replicas);
        QFETCH(QString, maxSurge);
        QFETCH(QString, maxUnavailable);
        QFETCH(int, surge);
        QFETCH(int, unavailable);
        auto intOrPercent = [](const QString &v) {
            return v.endsWith('%') ? Json(v.toStdString()) : Json(v.toInt());
        };

        SimulatedCluster cluster;
        cluster.deployment = deploymentObject(replicas, "nginx", intOrPercent(maxSurge),
                                              intOrPercent(maxUnavailable));
        // Settle the first rollout, then change the image.
        for (int pass = 0; pass < 5; ++pass) {
            cluster.apply(deployment::reconcile(cluster.inputs()));
            cluster.settle();
        }
        QCOMPARE(cluster.replicaSets.size(), std::size_t(1));
        const std::string oldName = cluster.replicaSets[0]["metadata"]["name"];
        cluster.deployment["spec"]["template"] = podTemplate("nginx:1.25");
        cluster.deployment["metadata"]["generation"] = 2;
        cluster.events.clear();

        bool complete = false;
        for (int pass = 0; pass < 60 && !complete; ++pass) {
            const int availableBefore = cluster.sum("availableReplicas");
            std::map<std::string, int> availableBy;
            for (const Json &rs : cluster.replicaSets)
                availableBy[rs["metadata"]["name"]] = rs["status"].value("availableReplicas", 0);
            const Decision decision = deployment::reconcile(cluster.inputs());
            cluster.apply(decision);
            // Pods that exist after this pass, and the available ones that survive it.
            QVERIFY2(cluster.sum(nullptr, true) <= replicas + surge, decision.summary().c_str());
            int stillAvailable = 0;
            for (const Json &rs : cluster.replicaSets)
                stillAvailable += std::min(replicasOf(rs), availableBy[rs["metadata"]["name"]]);
            if (availableBefore >= replicas - unavailable)
                QVERIFY2(stillAvailable >= replicas - unavailable, decision.summary().c_str());
            cluster.settle();
            const Json &status = cluster.deployment["status"];
            complete =
                status.value("updatedReplicas", 0) == replicas &&
                status.value("replicas", 0) == replicas &&
                status.value("availableReplicas", 0) == replicas &&
                status["conditions"].dump().find("NewReplicaSetAvailable") != std::string::npos;
        }
        QVERIFY2(complete, cluster.deployment["status"].dump().c_str());
        QCOMPARE(cluster.replicaSets.size(), std::size_t(2));
        for (const Json &rs : cluster.replicaSets) {
            const bool isOld = rs["metadata"]["name"] == oldName;
            QCOMPARE(replicasOf(rs), isOld ? 0 : replicas);
            QCOMPARE(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                         .get<std::string>(),
                     std::string(isOld ? "1" : "2"));
        }
        QCOMPARE(cluster.deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                     .get<std::string>(),
                 std::string("2"));
        // Scaled up and down in turns, as `kubectl describe deployment` lists them.
        QVERIFY(!cluster.events.empty());
        QVERIFY2(cluster.events.back().starts_with("Scaled down replica set " + oldName) ||
                     cluster.events.back().starts_with("Scaled up replica set web-"),
                 cluster.events.back().c_str());
        bool sawDown = false;
        for (const auto &event : cluster.events)
            sawDown = sawDown || event.starts_with("Scaled down replica set " + oldName);
        QVERIFY(sawDown);
        const Json &conditions = cluster.deployment["status"]["conditions"];
        QCOMPARE(conditions[0]["type"].get<std::string>(), std::string("Available"));
        QCOMPARE(conditions[0]["reason"].get<std::string>(),
                 std::string("MinimumReplicasAvailable"));
        QCOMPARE(conditions[1]["reason"].get<std::string>(), std::string("NewReplicaSetAvailable"));
    }

    void firstStepOfARollout()
    {
        // 3 replicas, maxSurge 1: the new ReplicaSet starts with one pod, the old keeps 3.
        Json d = deploymentObject(3, "nginx:1.25");
        d["metadata"]["generation"] = 2;
        // As the first rollout left it.
        d["status"] = {{"observedGeneration", 1},
                       {"replicas", 3},
                       {"updatedReplicas", 3},
                       {"readyReplicas", 3},
                       {"availableReplicas", 3},
                       {"conditions", Json::array({{{"type", "Available"},
                                                    {"status", "True"},
                                                    {"reason", "MinimumReplicasAvailable"}},
                                                   {{"type", "Progressing"},
                                                    {"status", "True"},
                                                    {"reason", "NewReplicaSetAvailable"}}})}};
        const Json old = replicaSetObject(d, "oldhash", "nginx", 3, 1, 300);
        const Decision decision = deployment::reconcile({d, {old}, {}, testNow()});
        const auto creates = actionsOn(decision, "replicasets", Action::Verb::Create);
        QCOMPARE(creates.size(), std::size_t(1));
        QCOMPARE(replicasOf(creates[0]->body), 1);
        QCOMPARE(creates[0]
                     ->body["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                     .get<std::string>(),
                 std::string("2"));
        QVERIFY(actionsOn(decision, "replicasets", Action::Verb::Update).empty());
        const auto status = actionsOn(decision, "deployments", Action::Verb::Update, "status");
        QCOMPARE(status.size(), std::size_t(1));
        QVERIFY(status[0]->body["status"]["conditions"].dump().find("NewReplicaSetCreated") !=
                std::string::npos);
    }

    // `kubectl rollout undo` patches the template back to revision 1's: the controller finds
    // that ReplicaSet, gives it revision 3 (remembering 1) and scales it up again.
    void rollbackReusesTheOldReplicaSet()
    {
        Json d = deploymentObject(3, "nginx");
        d["metadata"]["generation"] = 3;
        d["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", "2"}};
        const Json first = replicaSetObject(d, "firsthash", "nginx", 0, 1, 600);
        const Json second = replicaSetObject(d, "secondhash", "nginx:1.25", 3, 2, 300);
        const Decision decision = deployment::reconcile({d, {first, second}, {}, testNow()});
        QVERIFY(actionsOn(decision, "replicasets", Action::Verb::Create).empty());
        const auto updates = actionsOn(decision, "replicasets", Action::Verb::Update);
        QCOMPARE(updates.size(), std::size_t(1));
        const Json &reused = updates[0]->body;
        QCOMPARE(reused["metadata"]["name"].get<std::string>(), std::string("web-firsthash"));
        QCOMPARE(reused["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                     .get<std::string>(),
                 std::string("3"));
        QCOMPARE(reused["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"]
                     .get<std::string>(),
                 std::string("1"));
        QCOMPARE(replicasOf(reused), 1); // maxSurge 1 over the 3 of revision 2
        QVERIFY(updates[0]->onSuccess);
        QCOMPARE(updates[0]->onSuccess->message,
                 std::string("Scaled up replica set web-firsthash from 0 to 1"));
        const auto patches = actionsOn(decision, "deployments", Action::Verb::Patch);
        QCOMPARE(patches.size(), std::size_t(1));
        QCOMPARE(patches[0]
                     ->body["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                     .get<std::string>(),
                 std::string("3"));
    }

    void recreateScalesDownFirst()
    {
        Json d = deploymentObject(3, "nginx:1.25", {}, {}, "Recreate");
        const Json old = replicaSetObject(d, "oldhash", "nginx", 3, 1, 300);
        Decision decision = deployment::reconcile({d, {old}, {}, testNow()});
        QVERIFY(actionsOn(decision, "replicasets", Action::Verb::Create).empty());
        auto updates = actionsOn(decision, "replicasets", Action::Verb::Update);
        QCOMPARE(updates.size(), std::size_t(1));
        QCOMPARE(replicasOf(updates[0]->body), 0);

        // Scaled to zero but its pods still running: still no new ReplicaSet.
        Json scaled = updates[0]->body;
        const Json pod = podObject("web-oldhash-a", "10.42.0.5", true, {}, 60, "uid-rs-oldhash");
        decision = deployment::reconcile({d, {scaled}, {pod}, testNow()});
        QVERIFY(actionsOn(decision, "replicasets", Action::Verb::Create).empty());

        // Gone: now all 3 at once.
        scaled["status"] = {{"observedGeneration", 1}};
        decision = deployment::reconcile({d, {scaled}, {}, testNow()});
        const auto creates = actionsOn(decision, "replicasets", Action::Verb::Create);
        QCOMPARE(creates.size(), std::size_t(1));
        QCOMPARE(replicasOf(creates[0]->body), 3);
    }

    void historyLimitDeletesTheOldestRevisions()
    {
        Json d = deploymentObject(2, "v4");
        d["spec"]["revisionHistoryLimit"] = 1;
        d["status"] = {{"observedGeneration", 1},
                       {"replicas", 2},
                       {"updatedReplicas", 2},
                       {"availableReplicas", 2},
                       {"readyReplicas", 2}};
        std::vector<Json> sets{
            replicaSetObject(d, "h1", "v1", 0, 1, 400), replicaSetObject(d, "h2", "v2", 0, 2, 300),
            replicaSetObject(d, "h3", "v3", 0, 3, 200), replicaSetObject(d, "h4", "v4", 2, 4, 100)};
        for (int i = 0; i < 3; ++i)
            sets[std::size_t(i)]["status"] = {{"observedGeneration", 1}};
        const Decision decision = deployment::reconcile({d, sets, {}, testNow()});
        std::vector<std::string> deleted;
        for (const Action *action : actionsOn(decision, "replicasets", Action::Verb::Delete))
            deleted.push_back(action->name);
        QCOMPARE(deleted, (std::vector<std::string>{"web-h1", "web-h2"}));
    }

    void scalingEventPropagates()
    {
        Json d = deploymentObject(5, "nginx");
        const Json rs =
            replicaSetObject(d, "h", "nginx", 3, 1, 100); // annotated desired-replicas 5...
        Json annotated = rs;
        annotated["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = "3";
        const Decision decision = deployment::reconcile({d, {annotated}, {}, testNow()});
        const auto updates = actionsOn(decision, "replicasets", Action::Verb::Update);
        QCOMPARE(updates.size(), std::size_t(1));
        QCOMPARE(replicasOf(updates[0]->body), 5);
        QCOMPARE(updates[0]
                     ->body["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"]
                     .get<std::string>(),
                 std::string("5"));
        QCOMPARE(updates[0]->onSuccess->message,
                 std::string("Scaled up replica set web-h from 3 to 5"));

        // In the middle of a rollout, both ReplicaSets grow in proportion.
        Json big = deploymentObject(8, "v2");
        Json oldRs = replicaSetObject(big, "old", "v1", 2, 1, 200);
        Json newRs = replicaSetObject(big, "new", "v2", 3, 2, 100);
        for (Json *rs : {&oldRs, &newRs}) {
            (*rs)["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = "4";
            (*rs)["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] = "5";
        }
        const Decision proportional = deployment::reconcile({big, {oldRs, newRs}, {}, testNow()});
        std::map<std::string, int> sizes;
        for (const Action *action : actionsOn(proportional, "replicasets", Action::Verb::Update))
            sizes[action->name] = replicasOf(action->body);
        QCOMPARE(sizes["web-old"] + sizes["web-new"], 8 + 2); // replicas + maxSurge 25% of 8
        QCOMPARE(sizes["web-old"], 4);
        QCOMPARE(sizes["web-new"], 6);
    }

    void progressDeadlineExceeded()
    {
        // A rollout stuck for longer than progressDeadlineSeconds (600): the new pods never
        // turn available, nothing moves, and Progressing turns False.
        Json d = deploymentObject(3, "nginx:broken");
        d["metadata"]["generation"] = 2;
        Json old = replicaSetObject(d, "oldhash", "nginx", 3, 1, 3000);
        Json stuck = replicaSetObject(d, "newhash", "nginx:broken", 1, 2, 2000);
        stuck["status"] = {{"replicas", 1}, {"observedGeneration", 1}};
        const std::string since = secondsAgo(700);
        d["status"] = {
            {"observedGeneration", 2},
            {"replicas", 4},
            {"updatedReplicas", 1},
            {"readyReplicas", 3},
            {"availableReplicas", 3},
            {"unavailableReplicas", 1},
            {"conditions", Json::array({{{"type", "Available"},
                                         {"status", "True"},
                                         {"reason", "MinimumReplicasAvailable"},
                                         {"message", "Deployment has minimum availability."},
                                         {"lastUpdateTime", since},
                                         {"lastTransitionTime", since}},
                                        {{"type", "Progressing"},
                                         {"status", "True"},
                                         {"reason", "ReplicaSetUpdated"},
                                         {"message", "ReplicaSet \"web-newhash\" is progressing."},
                                         {"lastUpdateTime", since},
                                         {"lastTransitionTime", since}}})}};
        const Decision decision = deployment::reconcile({d, {old, stuck}, {}, testNow()});
        const auto status = actionsOn(decision, "deployments", Action::Verb::Update, "status");
        QCOMPARE(status.size(), std::size_t(1));
        const Json &conditions = status[0]->body["status"]["conditions"];
        QCOMPARE(conditions[1]["reason"].get<std::string>(),
                 std::string("ProgressDeadlineExceeded"));
        QCOMPARE(conditions[1]["status"].get<std::string>(), std::string("False"));
        QCOMPARE(conditions[1]["message"].get<std::string>(),
                 std::string("ReplicaSet \"web-newhash\" has timed out progressing."));

        // Before the deadline: no change, but a look again once it passes.
        d["status"]["conditions"][1]["lastUpdateTime"] = secondsAgo(100);
        const Decision early = deployment::reconcile({d, {old, stuck}, {}, testNow()});
        QVERIFY(actionsOn(early, "deployments", Action::Verb::Update, "status").empty());
        QVERIFY(early.requeueAfter.has_value());
        QVERIFY(*early.requeueAfter > std::chrono::seconds(490) &&
                *early.requeueAfter < std::chrono::seconds(510));
    }

    void hashCollisionBumpsTheCount()
    {
        const Json d = deploymentObject(1, "nginx");
        const std::string hash = deployment::podTemplateHash(d["spec"]["template"], std::nullopt);
        // Someone else's ReplicaSet already has the name.
        Json squatter = replicaSetObject(d, hash, "busybox", 1, 1, 50);
        squatter["metadata"]["ownerReferences"] = Json::array();
        const Decision decision = deployment::reconcile({d, {squatter}, {}, testNow()});
        QVERIFY(actionsOn(decision, "replicasets", Action::Verb::Create).empty());
        const auto status = actionsOn(decision, "deployments", Action::Verb::Update, "status");
        QCOMPARE(status.size(), std::size_t(1));
        QCOMPARE(status[0]->body["status"]["collisionCount"].get<int>(), 1);
        // The next pass hashes with the count, and gets another name.
        Json bumped = d;
        bumped["status"]["collisionCount"] = 1;
        const Decision next = deployment::reconcile({bumped, {squatter}, {}, testNow()});
        const auto creates = actionsOn(next, "replicasets", Action::Verb::Create);
        QCOMPARE(creates.size(), std::size_t(1));
        QCOMPARE(creates[0]->name, "web-" + deployment::podTemplateHash(d["spec"]["template"], 1));
    }

    void replicaSetCreatesMissingPods()
    {
        const Json d = deploymentObject(3, "nginx");
        Json rs = replicaSetObject(d, "h", "nginx", 3, 1, 10);
        rs["status"] = Json::object();
        const Decision decision = replicaset::reconcile({rs, {}, true, {}, testNow()});
        const auto creates = actionsOn(decision, "pods", Action::Verb::Create);
        QCOMPARE(creates.size(), std::size_t(3));
        const Json &pod = creates[0]->body;
        QCOMPARE(pod["metadata"]["generateName"].get<std::string>(), std::string("web-h-"));
        QCOMPARE(pod["metadata"]["labels"]["pod-template-hash"].get<std::string>(),
                 std::string("h"));
        QCOMPARE(pod["metadata"]["ownerReferences"][0]["kind"].get<std::string>(),
                 std::string("ReplicaSet"));
        QCOMPARE(pod["metadata"]["ownerReferences"][0]["uid"].get<std::string>(),
                 std::string("uid-rs-h"));
        QCOMPARE(pod["metadata"]["ownerReferences"][0]["blockOwnerDeletion"].get<bool>(), true);
        QCOMPARE(pod["spec"]["containers"][0]["image"].get<std::string>(), std::string("nginx"));
        QCOMPARE(creates[0]->onSuccess->reason, std::string("SuccessfulCreate"));
        QCOMPARE(creates[0]->onSuccess->message, std::string("Created pod: {name}"));
        QCOMPARE(decision.actionText(),
                 std::string(
                     "update status (0 replicas, 0 ready, 0 available); create 3 pods (web-h-*)"));
        QCOMPARE(decision.summary(), std::string("replicaset web-h: desired 3 pods, actual 0: ") +
                                         decision.actionText());

        // Waiting for earlier creates to show up: no more now.
        const Decision waiting = replicaset::reconcile({rs, {}, false, {}, testNow()});
        QVERIFY(actionsOn(waiting, "pods", Action::Verb::Create).empty());
    }

    void replicaSetStatus()
    {
        const Json d = deploymentObject(3, "nginx");
        Json rs = replicaSetObject(d, "h", "nginx", 3, 1, 10);
        rs["spec"]["minReadySeconds"] = 30;
        rs["metadata"]["generation"] = 2;
        // Ready for 50 s (available), ready for 10 s (not yet), not ready, being deleted.
        std::vector<Json> pods{podObject("a", "10.42.0.1", true, "n1", 100, "uid-rs-h"),
                               podObject("b", "10.42.0.2", true, "n1", 20, "uid-rs-h"),
                               podObject("c", "10.42.0.3", false, "n1", 20, "uid-rs-h"),
                               podObject("d", "10.42.0.4", true, "n1", 100, "uid-rs-h")};
        pods[3]["metadata"]["deletionTimestamp"] = secondsAgo(1);
        const Decision decision = replicaset::reconcile({rs, pods, true, {}, testNow()});
        const auto status = actionsOn(decision, "replicasets", Action::Verb::Update, "status");
        QCOMPARE(status.size(), std::size_t(1));
        const Json &s = status[0]->body["status"];
        QCOMPARE(s["replicas"].get<int>(), 3);
        QCOMPARE(s.value("fullyLabeledReplicas", 0),
                 0); // these pods lack the hash label (and 0 is omitted)
        QCOMPARE(s["readyReplicas"].get<int>(), 2);
        QCOMPARE(s["availableReplicas"].get<int>(), 1);
        QCOMPARE(s["observedGeneration"].get<int>(), 2);
        QVERIFY(decision.requeueAfter.has_value()); // b turns available without any event
        QVERIFY(actionsOn(decision, "pods", Action::Verb::Create).empty()); // 3 active already
    }

    void leastUsefulPodsGoFirst_data()
    {
        QTest::addColumn<QString>("worse");
        QTest::addColumn<QString>("better");
        QTest::newRow("unscheduled before scheduled") << "unscheduled"
                                                      << "running";
        QTest::newRow("pending before running") << "pending"
                                                << "running";
        QTest::newRow("not ready before ready") << "notready"
                                                << "running";
        QTest::newRow("newer before older") << "newer"
                                            << "running";
        QTest::newRow("more restarts first") << "restarts"
                                             << "running";
        QTest::newRow("lower deletion cost first") << "cheap"
                                                   << "running";
    }

    void leastUsefulPodsGoFirst()
    {
        QFETCH(QString, worse);
        QFETCH(QString, better);
        std::map<QString, Json> pods;
        pods["running"] = podObject("running", "10.0.0.1", true, "n1", 600);
        pods["unscheduled"] = podObject("unscheduled", "", false, "", 600);
        pods["pending"] = podObject("pending", "", false, "n1", 600);
        pods["notready"] = podObject("notready", "10.0.0.2", false, "n1", 600);
        pods["newer"] = podObject("newer", "10.0.0.3", true, "n1", 600);
        pods["newer"]["metadata"]["creationTimestamp"] = secondsAgo(10);
        pods["restarts"] = podObject("restarts", "10.0.0.4", true, "n1", 600);
        pods["restarts"]["status"]["containerStatuses"] =
            Json::array({{{"name", "web"}, {"restartCount", 4}}});
        pods["cheap"] = podObject("cheap", "10.0.0.5", true, "n1", 600);
        pods["cheap"]["metadata"]["annotations"] = {{replicaset::kDeletionCostAnnotation, "-10"}};
        QVERIFY(replicaset::lessUseful(pods[worse], 1, pods[better], 1));
        QVERIFY(!replicaset::lessUseful(pods[better], 1, pods[worse], 1));
        const auto chosen = replicaset::podsToDelete({pods[better], pods[worse]}, 1);
        QCOMPARE(chosen.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(chosen[0]["metadata"]["name"]), worse);
    }

    void replicaSetDeletesExtraPods()
    {
        const Json d = deploymentObject(1, "nginx");
        const Json rs = replicaSetObject(d, "h", "nginx", 1, 1, 10);
        const std::vector<Json> pods{
            podObject("old-ready", "10.42.0.1", true, "n1", 300, "uid-rs-h"),
            podObject("young-notready", "10.42.0.2", false, "n1", 5, "uid-rs-h")};
        const Decision decision = replicaset::reconcile({rs, pods, true, {}, testNow()});
        const auto deletes = actionsOn(decision, "pods", Action::Verb::Delete);
        QCOMPARE(deletes.size(), std::size_t(1));
        QCOMPARE(deletes[0]->name, std::string("young-notready"));
        QCOMPARE(deletes[0]->onSuccess->reason, std::string("SuccessfulDelete"));
        QCOMPARE(deletes[0]->onSuccess->message, std::string("Deleted pod: young-notready"));
    }
};

QTEST_GUILESS_MAIN(TestKubeRollout)
#include "tst_kube_rollout.moc"
