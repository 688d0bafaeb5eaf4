#include "engine/kube/controllers/StatefulSetReconcile.h"

#include "engine/kube/controllers/PodState.h"

#include <algorithm>
#include <map>

namespace flowlab::kube::statefulset {

namespace {

const ResourceInfo &pods()
{
    return builtinResource("", "pods");
}

const ResourceInfo &claims()
{
    return builtinResource("", "persistentvolumeclaims");
}

const ResourceInfo &statefulSets()
{
    return builtinResource("apps", "statefulsets");
}

} // namespace

std::string claimName(const Json &claimTemplate, const std::string &set, int ordinal)
{
    return nameOf(claimTemplate) + "-" + set + "-" + std::to_string(ordinal);
}

int ordinalOf(const std::string &set, const std::string &podName)
{
    const std::string prefix = set + "-";
    if (podName.rfind(prefix, 0) != 0 || podName.size() == prefix.size())
        return -1;
    const std::string digits = podName.substr(prefix.size());
    if (digits.size() > 6 || !std::all_of(digits.begin(), digits.end(), ::isdigit))
        return -1;
    return std::stoi(digits);
}

Json claimFor(const Json &statefulSet, const Json &claimTemplate, int ordinal)
{
    Json metadata = {{"name", claimName(claimTemplate, nameOf(statefulSet), ordinal)},
                     {"namespace", namespaceOf(statefulSet)}};
    Json labels = at(statefulSet, {"spec", "selector", "matchLabels"});
    if (const Json &own = at(claimTemplate, {"metadata", "labels"}); own.is_object())
        for (const auto &[key, value] : own.items())
            labels[key] = value;
    if (labels.is_object() && !labels.empty())
        metadata["labels"] = labels;
    return {{"apiVersion", "v1"},
            {"kind", "PersistentVolumeClaim"},
            {"metadata", metadata},
            {"spec", at(claimTemplate, {"spec"})}};
}

Json podFor(const Json &statefulSet, int ordinal)
{
    const std::string set = nameOf(statefulSet);
    const std::string name = set + "-" + std::to_string(ordinal);
    const Json &templ = at(statefulSet, {"spec", "template"});
    Json metadata = {{"name", name},
                     {"namespace", namespaceOf(statefulSet)},
                     {"ownerReferences", Json::array({controllerRefTo(statefulSets(), statefulSet)})}};
    for (const char *field : {"labels", "annotations"})
        if (const Json &value = at(templ, {"metadata", field}); value.is_object())
            metadata[field] = value;
    metadata["labels"][kPodNameLabel] = name;
    metadata["labels"][kPodIndexLabel] = std::to_string(ordinal);
    Json spec = at(templ, {"spec"});
    spec["hostname"] = name;
    if (const std::string service = stringAt(statefulSet, {"spec", "serviceName"}); !service.empty())
        spec["subdomain"] = service;
    Json volumes = Json::array();
    std::vector<std::string> claimed;
    for (const Json &claimTemplate : at(statefulSet, {"spec", "volumeClaimTemplates"}).is_array()
                                         ? at(statefulSet, {"spec", "volumeClaimTemplates"})
                                         : Json::array()) {
        claimed.push_back(nameOf(claimTemplate));
        volumes.push_back({{"name", nameOf(claimTemplate)},
                           {"persistentVolumeClaim",
                            {{"claimName", claimName(claimTemplate, set, ordinal)}}}});
    }
    if (spec.contains("volumes") && spec["volumes"].is_array())
        for (const Json &volume : spec["volumes"])
            if (std::find(claimed.begin(), claimed.end(), nameOf(volume)) == claimed.end())
                volumes.push_back(volume);
    if (!volumes.empty())
        spec["volumes"] = volumes;
    return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", metadata}, {"spec", spec}};
}

Decision reconcile(const Inputs &inputs)
{
    const Json &set = inputs.statefulSet;
    const std::string name = nameOf(set);
    const int wanted = int(intAt(set, {"spec", "replicas"}, 1));
    Decision decision;
    decision.controller = kComponent;
    decision.object = refOf(statefulSets(), set);

    std::map<int, Json> byOrdinal;
    for (const Json &pod : inputs.pods)
        if (const int ordinal = ordinalOf(name, nameOf(pod)); ordinal >= 0)
            byOrdinal[ordinal] = pod;
    int ready = 0, active = 0;
    for (const auto &[ordinal, pod] : byOrdinal)
        if (isPodActive(pod)) {
            ++active;
            ready += isPodReady(pod) ? 1 : 0;
        }
    std::map<std::string, const Json *> claimsByName;
    for (const Json &claim : inputs.claims)
        claimsByName[nameOf(claim)] = &claim;
    const Json templates = at(set, {"spec", "volumeClaimTemplates"}).is_array()
                               ? at(set, {"spec", "volumeClaimTemplates"})
                               : Json::array();

    decision.desired = {{"replicas", wanted}, {"podManagementPolicy", "OrderedReady"}};
    decision.actual = {{"replicas", active}, {"readyReplicas", ready}};
    decision.desiredText = std::to_string(wanted) + (wanted == 1 ? " replica" : " replicas");
    decision.actualText = std::to_string(active) + " (" + std::to_string(ready) + " ready)";

    Json status = at(set, {"status"}).is_object() ? at(set, {"status"}) : Json::object();
    Json next = status;
    next["observedGeneration"] = generationOf(set);
    next["replicas"] = active;
    next["readyReplicas"] = ready;
    next["availableReplicas"] = ready;
    next["currentReplicas"] = active;
    if (next != status) {
        Json updated = set;
        updated["status"] = next;
        decision.actions.push_back(Action::update(
            statefulSets(), updated,
            "update status (" + std::to_string(active) + " replicas, " + std::to_string(ready) +
                " ready)",
            "status"));
    }
    if (isBeingDeleted(set)) {
        decision.note = "the StatefulSet is being deleted";
        return decision;
    }

    // Scale up, in order: the first ordinal that is missing or not yet Ready decides.
    for (int ordinal = 0; ordinal < wanted; ++ordinal) {
        const auto pod = byOrdinal.find(ordinal);
        if (pod != byOrdinal.end()) {
            if (isBeingDeleted(pod->second)) {
                decision.note = "waiting for pod " + nameOf(pod->second) + " to be deleted";
                return decision;
            }
            if (!isPodReady(pod->second)) {
                decision.note = "waiting for pod " + nameOf(pod->second) +
                                " to be Running and Ready before the next one";
                return decision;
            }
            continue;
        }
        const std::string podName = name + "-" + std::to_string(ordinal);
        for (const Json &claimTemplate : templates) {
            const std::string claim = claimName(claimTemplate, name, ordinal);
            if (claimsByName.count(claim))
                continue;
            Action create = Action::create(claims(), claimFor(set, claimTemplate, ordinal),
                                           "create PersistentVolumeClaim " + claim);
            create.withEvents(statefulSets(), set,
                              EventNote{"Normal", "SuccessfulCreate",
                                        "create Claim " + claim + " Pod " + podName +
                                            " in StatefulSet " + name + " success"},
                              EventNote{"Warning", "FailedCreate",
                                        "create Claim " + claim + " for Pod " + podName +
                                            " in StatefulSet " + name + " failed error: {error}"});
            decision.actions.push_back(std::move(create));
        }
        Action create = Action::create(pods(), podFor(set, ordinal), "create pod " + podName);
        create.withEvents(statefulSets(), set,
                          EventNote{"Normal", "SuccessfulCreate",
                                    "create Pod " + podName + " in StatefulSet " + name +
                                        " successful"},
                          EventNote{"Warning", "FailedCreate",
                                    "create Pod " + podName + " in StatefulSet " + name +
                                        " failed error: {error}"});
        decision.actions.push_back(std::move(create));
        return decision;
    }
    // Scale down: the highest ordinal first, one at a time; its claims stay.
    for (auto pod = byOrdinal.rbegin(); pod != byOrdinal.rend(); ++pod) {
        if (pod->first < wanted)
            break;
        if (isBeingDeleted(pod->second)) {
            decision.note = "waiting for pod " + nameOf(pod->second) + " to be deleted";
            return decision;
        }
        Action remove = Action::remove(pods(), namespaceOf(pod->second), nameOf(pod->second),
                                       Json(), "delete pod " + nameOf(pod->second));
        remove.withEvents(statefulSets(), set,
                          EventNote{"Normal", "SuccessfulDelete",
                                    "delete Pod " + nameOf(pod->second) + " in StatefulSet " +
                                        name + " successful"},
                          EventNote{"Warning", "FailedDelete",
                                    "delete Pod " + nameOf(pod->second) + " in StatefulSet " +
                                        name + " failed error: {error}"});
        decision.actions.push_back(std::move(remove));
        return decision;
    }
    return decision;
}

} // namespace flowlab::kube::statefulset
