#include "engine/kube/controllers/ReplicaSetReconcile.h"

#include "engine/kube/api/Selectors.h"
#include "engine/kube/controllers/PodState.h"

#include <algorithm>
#include <map>

namespace flowlab::kube::replicaset {

namespace {

const ResourceInfo &pods()
{
    return builtinResource("", "pods");
}

const ResourceInfo &replicaSets()
{
    return builtinResource("apps", "replicasets");
}

int phaseOrdinal(const Json &pod)
{
    const std::string phase = stringAt(pod, {"status", "phase"});
    if (phase == "Pending")
        return 0;
    if (phase == "Unknown")
        return 1;
    if (phase == "Running")
        return 2;
    return 0; // an empty phase counts as Pending
}

double deletionCost(const Json &pod)
{
    try {
        return std::stod(annotationOf(pod, kDeletionCostAnnotation));
    } catch (...) {
        return 0;
    }
}

// afterOrZero: a missing time counts as the newest of all.
bool newerOrMissing(std::optional<TimePoint> a, std::optional<TimePoint> b)
{
    if (!a || !b)
        return !a;
    return *a > *b;
}

void putCount(Json &status, const char *field, std::int64_t value)
{
    if (value != 0)
        status[field] = value;
}

} // namespace

Json podFromTemplate(const Json &replicaSet)
{
    const Json &templ = at(replicaSet, {"spec", "template"});
    Json metadata = {
        {"generateName", nameOf(replicaSet) + "-"},
        {"namespace", namespaceOf(replicaSet)},
        {"ownerReferences", Json::array({controllerRefTo(replicaSets(), replicaSet)})}};
    for (const char *field : {"labels", "annotations", "finalizers"})
        if (const Json &value = at(templ, {"metadata", field}); !value.is_null())
            metadata[field] = value;
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", metadata},
            {"spec", at(templ, {"spec"})}};
}

bool lessUseful(const Json &a, int rankA, const Json &b, int rankB)
{
    const std::string nodeA = stringAt(a, {"spec", "nodeName"});
    const std::string nodeB = stringAt(b, {"spec", "nodeName"});
    if (nodeA != nodeB && (nodeA.empty() || nodeB.empty()))
        return nodeA.empty();
    if (phaseOrdinal(a) != phaseOrdinal(b))
        return phaseOrdinal(a) < phaseOrdinal(b);
    if (isPodReady(a) != isPodReady(b))
        return !isPodReady(a);
    if (deletionCost(a) != deletionCost(b))
        return deletionCost(a) < deletionCost(b);
    if (rankA != rankB)
        return rankA > rankB;
    if (isPodReady(a) && isPodReady(b)) {
        const auto readyA = podReadySince(a), readyB = podReadySince(b);
        if (readyA != readyB)
            return newerOrMissing(readyA, readyB);
    }
    if (podRestarts(a) != podRestarts(b))
        return podRestarts(a) > podRestarts(b);
    const auto createdA = parseRfc3339(stringAt(a, {"metadata", "creationTimestamp"}));
    const auto createdB = parseRfc3339(stringAt(b, {"metadata", "creationTimestamp"}));
    if (createdA != createdB)
        return newerOrMissing(createdA, createdB);
    return false;
}

std::vector<Json> podsToDelete(const std::vector<Json> &active, int count)
{
    // Rank: pods of this ReplicaSet on the same node. Spreading matters, so a node holding
    // two of them gives one up first. (The real one also counts its sibling ReplicaSets'.)
    std::map<std::string, int> perNode;
    for (const Json &pod : active)
        ++perNode[stringAt(pod, {"spec", "nodeName"})];
    std::vector<std::pair<Json, int>> ranked;
    for (const Json &pod : active) {
        const std::string node = stringAt(pod, {"spec", "nodeName"});
        ranked.emplace_back(pod, node.empty() ? 0 : perNode[node]);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) {
        return lessUseful(a.first, a.second, b.first, b.second);
    });
    std::vector<Json> chosen;
    for (int i = 0; i < count && i < int(ranked.size()); ++i)
        chosen.push_back(ranked[std::size_t(i)].first);
    return chosen;
}

Json calculateStatus(const Json &replicaSet, const std::vector<Json> &activePods,
                     const std::string &manageError, TimePoint now)
{
    const int minReadySeconds = int(intAt(replicaSet, {"spec", "minReadySeconds"}));
    const LabelSelector templateLabels =
        LabelSelector::fromMap(at(replicaSet, {"spec", "template", "metadata", "labels"}));
    int fullyLabeled = 0, ready = 0, available = 0;
    for (const Json &pod : activePods) {
        if (templateLabels.matches(at(pod, {"metadata", "labels"})))
            ++fullyLabeled;
        if (isPodReady(pod)) {
            ++ready;
            if (isPodAvailable(pod, minReadySeconds, now))
                ++available;
        }
    }
    Json status = Json::object();
    putCount(status, "replicas", int(activePods.size()));
    putCount(status, "fullyLabeledReplicas", fullyLabeled);
    putCount(status, "readyReplicas", ready);
    putCount(status, "availableReplicas", available);
    status["observedGeneration"] = generationOf(replicaSet);
    // ReplicaFailure stays while creating or deleting keeps failing, and goes when it works.
    const Json &conditions = at(replicaSet, {"status", "conditions"});
    Json kept = Json::array();
    if (conditions.is_array())
        for (const Json &condition : conditions)
            if (stringAt(condition, {"type"}) != "ReplicaFailure" || !manageError.empty())
                kept.push_back(condition);
    if (!manageError.empty() && std::none_of(kept.begin(), kept.end(), [](const Json &c) {
            return stringAt(c, {"type"}) == "ReplicaFailure";
        })) {
        const int diff = int(activePods.size()) - int(intAt(replicaSet, {"spec", "replicas"}, 1));
        kept.push_back({{"type", "ReplicaFailure"},
                        {"status", "True"},
                        {"lastTransitionTime", toRfc3339(now)},
                        {"reason", diff < 0 ? "FailedCreate" : "FailedDelete"},
                        {"message", manageError}});
    }
    if (!kept.empty())
        status["conditions"] = kept;
    return status;
}

Decision reconcile(const Inputs &inputs)
{
    const Json &rs = inputs.replicaSet;
    const std::string name = nameOf(rs);
    const int wanted = int(intAt(rs, {"spec", "replicas"}, 1));
    std::vector<Json> active;
    for (const Json &pod : inputs.pods)
        if (isPodActive(pod))
            active.push_back(pod);

    Decision decision;
    decision.controller = kComponent;
    decision.object = refOf(replicaSets(), rs);
    Json names = Json::array();
    int ready = 0;
    for (const Json &pod : active) {
        names.push_back(nameOf(pod));
        ready += isPodReady(pod) ? 1 : 0;
    }
    const std::string hash = stringAt(rs, {"metadata", "labels", "pod-template-hash"});
    decision.desired = {{"replicas", wanted}};
    if (!hash.empty())
        decision.desired["podTemplateHash"] = hash;
    decision.actual = {{"replicas", int(active.size())}, {"readyReplicas", ready}, {"pods", names}};
    decision.desiredText = std::to_string(wanted) + (wanted == 1 ? " pod" : " pods");
    decision.actualText =
        active.empty() ? "0"
                       : std::to_string(active.size()) + " (" + std::to_string(ready) + " ready)";

    // Status first: it reports what is there now, and must not wait on creates that fail
    // (in a namespace being deleted, say).
    const Json status = calculateStatus(rs, active, inputs.lastManageError, inputs.now);
    if (status != at(rs, {"status"})) {
        Json updated = rs;
        updated["status"] = status;
        decision.actions.push_back(Action::update(
            replicaSets(), updated,
            "update status (" + std::to_string(intAt(status, {"replicas"})) + " replicas, " +
                std::to_string(intAt(status, {"readyReplicas"})) + " ready, " +
                std::to_string(intAt(status, {"availableReplicas"})) + " available)",
            "status"));
    }

    const int diff = int(active.size()) - wanted;
    std::string manage;
    if (isBeingDeleted(rs)) {
        decision.note = "the ReplicaSet is being deleted";
    } else if (!inputs.expectationsSatisfied) {
        decision.note = "waiting to observe the pods of its last creates and deletes";
    } else if (diff < 0) {
        const int count = std::min(-diff, kBurstReplicas);
        for (int i = 0; i < count; ++i) {
            Action create =
                Action::create(pods(), podFromTemplate(rs), "create pod " + name + "-*");
            create.withEvents(replicaSets(), rs,
                              EventNote{"Normal", "SuccessfulCreate", "Created pod: {name}"},
                              EventNote{"Warning", "FailedCreate", "Error creating: {error}"});
            decision.actions.push_back(std::move(create));
        }
        manage = "create " + std::to_string(count) + (count == 1 ? " pod" : " pods") + " (" + name +
                 "-*)";
    } else if (diff > 0) {
        const std::vector<Json> doomed = podsToDelete(active, std::min(diff, kBurstReplicas));
        std::string list;
        for (const Json &pod : doomed) {
            Action remove = Action::remove(pods(), namespaceOf(pod), nameOf(pod), Json(),
                                           "delete pod " + nameOf(pod));
            remove.withEvents(
                replicaSets(), rs,
                EventNote{"Normal", "SuccessfulDelete", "Deleted pod: " + nameOf(pod)},
                EventNote{"Warning", "FailedDelete", "Error deleting: {error}"});
            decision.actions.push_back(std::move(remove));
            list += (list.empty() ? "" : ", ") + nameOf(pod);
        }
        manage = "delete " + std::to_string(doomed.size()) +
                 (doomed.size() == 1 ? " pod" : " pods") + " (" + list + ")";
    }
    if (!decision.actions.empty()) {
        std::string text;
        if (decision.actions.front().subresource == "status")
            text = decision.actions.front().text;
        if (!manage.empty())
            text += (text.empty() ? "" : "; ") + manage;
        decision.actionSummary = text;
    }
    // Pods turn available minReadySeconds after they turn ready, with no event to say so.
    const int minReadySeconds = int(intAt(rs, {"spec", "minReadySeconds"}));
    if (minReadySeconds > 0 &&
        intAt(status, {"readyReplicas"}) != intAt(status, {"availableReplicas"}))
        decision.requeueAfter = std::chrono::seconds(minReadySeconds);
    return decision;
}

} // namespace flowlab::kube::replicaset
