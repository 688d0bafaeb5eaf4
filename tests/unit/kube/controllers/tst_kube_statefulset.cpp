// The StatefulSet controller's and the lab's volume binder's decisions, without a network:
// ordered creation with a claim per template, waiting for Ready, scale-down from the top;
// a Pending claim provisioned, bound both ways, and its volume reclaimed.

#include "ObjectBuilders.h"
#include "engine/kube/controllers/StatefulSetReconcile.h"
#include "engine/kube/controllers/VolumeBinderReconcile.h"

#include <QTest>

using namespace flowlab;
using namespace flowlab::kube;
using namespace flowlab::kube::test;

namespace {

Json statefulSetObject(int replicas)
{
    Json set = {{"apiVersion", "apps/v1"},
                {"kind", "StatefulSet"},
                {"metadata",
                 {{"name", "pg"},
                  {"namespace", "shop"},
                  {"uid", "uid-pg"},
                  {"generation", 1},
                  {"resourceVersion", "5"}}},
                {"spec",
                 {{"replicas", replicas},
                  {"serviceName", "pg"},
                  {"selector", {{"matchLabels", {{"app", "pg"}}}}},
                  {"template", podTemplate("busybox", "pg")},
                  {"volumeClaimTemplates",
                   Json::array({{{"metadata", {{"name", "data"}}},
                                 {"spec",
                                  {{"accessModes", {"ReadWriteOnce"}},
                                   {"resources", {{"requests", {{"storage", "2Gi"}}}}}}}}})}}}};
    return set;
}

Json memberPod(int ordinal, bool ready)
{
    Json pod = podObject("pg-" + std::to_string(ordinal), "10.42.0." + std::to_string(ordinal + 2),
                         ready, "flowlab-node1", 60, "uid-pg");
    pod["metadata"]["namespace"] = "shop";
    pod["metadata"]["ownerReferences"][0]["kind"] = "StatefulSet";
    pod["metadata"]["ownerReferences"][0]["name"] = "pg";
    return pod;
}

std::vector<std::string> actionTexts(const Decision &decision)
{
    std::vector<std::string> texts;
    for (const Action &action : decision.actions)
        if (action.subresource != "status")
            texts.push_back(action.text);
    return texts;
}

} // namespace

class TestStatefulSet : public QObject
{
    Q_OBJECT

private slots:
    void theFirstPodComesWithItsClaim()
    {
        const Decision decision = statefulset::reconcile({statefulSetObject(3), {}, {}});
        QCOMPARE(actionTexts(decision), (std::vector<std::string>{
                                            "create PersistentVolumeClaim data-pg-0",
                                            "create pod pg-0"}));
        const Json &claim = decision.actions[1].body;
        QCOMPARE(stringAt(claim, {"spec", "resources", "requests", "storage"}), std::string("2Gi"));
        QVERIFY(at(claim, {"metadata", "ownerReferences"}).is_null()); // it outlives the pod
        const Json &pod = decision.actions[2].body;
        QCOMPARE(stringAt(pod, {"spec", "hostname"}), std::string("pg-0"));
        QCOMPARE(stringAt(pod, {"spec", "subdomain"}), std::string("pg"));
        QCOMPARE(stringAt(pod, {"metadata", "labels", statefulset::kPodNameLabel}),
                 std::string("pg-0"));
        QVERIFY(pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "data-pg-0");
    }

    void theNextWaitsUntilTheOneBeforeIsReady()
    {
        Json claim0 = {{"metadata", {{"name", "data-pg-0"}, {"namespace", "shop"}}}};
        const Decision waiting =
            statefulset::reconcile({statefulSetObject(3), {memberPod(0, false)}, {claim0}});
        QVERIFY(actionTexts(waiting).empty());
        QVERIFY2(waiting.note.find("pg-0 to be Running and Ready") != std::string::npos,
                 waiting.note.c_str());
        const Decision next =
            statefulset::reconcile({statefulSetObject(3), {memberPod(0, true)}, {claim0}});
        QCOMPARE(actionTexts(next), (std::vector<std::string>{
                                        "create PersistentVolumeClaim data-pg-1",
                                        "create pod pg-1"}));
    }

    void aLostPodComesBackToItsOwnClaim()
    {
        Json claims = Json::array();
        std::vector<Json> present;
        for (int i : {0, 1, 2})
            present.push_back({{"metadata", {{"name", "data-pg-" + std::to_string(i)}}}});
        const Decision decision = statefulset::reconcile(
            {statefulSetObject(3), {memberPod(0, true), memberPod(2, true)}, present});
        QCOMPARE(actionTexts(decision), std::vector<std::string>{"create pod pg-1"});
    }

    void scaleDownDeletesTheHighestOrdinalFirst()
    {
        const Decision decision = statefulset::reconcile(
            {statefulSetObject(1), {memberPod(0, true), memberPod(1, true), memberPod(2, true)}, {}});
        QCOMPARE(actionTexts(decision), std::vector<std::string>{"delete pod pg-2"});
    }

    void ordinalsAreParsedStrictly()
    {
        QCOMPARE(statefulset::ordinalOf("pg", "pg-12"), 12);
        QCOMPARE(statefulset::ordinalOf("pg", "pg-x"), -1);
        QCOMPARE(statefulset::ordinalOf("pg", "pgadmin-0"), -1);
        QCOMPARE(statefulset::ordinalOf("pg", "pg-"), -1);
    }

    void aPendingClaimIsProvisionedAndBound()
    {
        const Json claim = {{"metadata", {{"name", "data-pg-0"}, {"namespace", "shop"}, {"uid", "c1"}}},
                            {"spec", {{"resources", {{"requests", {{"storage", "2Gi"}}}}}}},
                            {"status", {{"phase", "Pending"}}}};
        const Decision first = volumebinder::reconcile(claim, Json(), "/var/lib/flowlab/volumes");
        QCOMPARE(first.actions.size(), std::size_t(3));
        const Json &volume = first.actions[0].body;
        QCOMPARE(nameOf(volume), std::string("pvc-c1"));
        QCOMPARE(stringAt(volume, {"spec", "hostPath", "path"}),
                 std::string("/var/lib/flowlab/volumes/pvc-c1"));
        QCOMPARE(stringAt(volume, {"spec", "claimRef", "uid"}), std::string("c1"));
        QCOMPARE(stringAt(volume, {"spec", "capacity", "storage"}), std::string("2Gi"));
        QVERIFY(first.actions[1].body == Json({{"spec", {{"volumeName", "pvc-c1"}}}}));
        QCOMPARE(first.actions[2].subresource, std::string("status"));

        // Next pass: the volume exists, the claim is bound; the volume is marked Bound.
        Json bound = claim;
        bound["spec"]["volumeName"] = "pvc-c1";
        bound["status"]["phase"] = "Bound";
        const Decision second = volumebinder::reconcile(bound, volume, "/x");
        QCOMPARE(second.actions.size(), std::size_t(1));
        QCOMPARE(second.actions[0].text, std::string("mark pvc-c1 Bound"));
        Json boundVolume = volume;
        boundVolume["status"]["phase"] = "Bound";
        QVERIFY(volumebinder::reconcile(bound, boundVolume, "/x").actions.empty());
        QCOMPARE(actionTexts(volumebinder::reclaim(boundVolume)),
                 std::vector<std::string>{"delete pvc-c1"});
    }
};

QTEST_GUILESS_MAIN(TestStatefulSet)
#include "tst_kube_statefulset.moc"
