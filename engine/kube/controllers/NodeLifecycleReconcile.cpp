#include "engine/kube/controllers/NodeLifecycleReconcile.h"

#include "engine/kube/controllers/PodState.h"

#include <algorithm>

namespace flowlab::kube::nodelifecycle {

namespace {

// The conditions the kubelet owns, which go Unknown with it (not NetworkUnavailable, which
// the network plugin sets).
const char *const kKubeletConditions[] = {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"};

const Json *conditionOf(const Json &node, std::string_view type)
{
    const Json &conditions = at(node, {"status", "conditions"});
    if (conditions.is_array())
        for (const Json &condition : conditions)
            if (stringAt(condition, {"type"}) == type)
                return &condition;
    return nullptr;
}

std::string readyStatusOf(const Json &node)
{
    const Json *ready = conditionOf(node, "Ready");
    return ready ? stringAt(*ready, {"status"}) : "Unknown";
}

bool isReadinessTaint(const Json &taint)
{
    const std::string key = stringAt(taint, {"key"});
    return key == kUnreachableTaint || key == kNotReadyTaint;
}

std::string taintText(const Json &taints)
{
    std::string text;
    for (const Json &taint : taints)
        text += (text.empty() ? "" : ", ") + stringAt(taint, {"key"}) + ":" +
                stringAt(taint, {"effect"});
    return text.empty() ? "no taints" : text;
}

Json readinessTaintsOf(const Json &node)
{
    Json taints = Json::array();
    const Json &all = at(node, {"spec", "taints"});
    if (all.is_array())
        for (const Json &taint : all)
            if (isReadinessTaint(taint))
                taints.push_back(taint);
    return taints;
}

// Same keys and effects: timeAdded does not make a taint different.
bool sameTaints(const Json &a, const Json &b)
{
    auto keys = [](const Json &taints) {
        std::vector<std::string> out;
        for (const Json &taint : taints)
            out.push_back(stringAt(taint, {"key"}) + ":" + stringAt(taint, {"effect"}));
        std::sort(out.begin(), out.end());
        return out;
    };
    return keys(a) == keys(b);
}

} // namespace

TimePoint lastHeartbeat(const Json &node, const Json &lease)
{
    TimePoint last = creationTimeOf(node);
    if (const Json *ready = conditionOf(node, "Ready"))
        if (auto beat = parseRfc3339(stringAt(*ready, {"lastHeartbeatTime"})))
            last = std::max(last, *beat);
    if (auto renewed = parseRfc3339(stringAt(lease, {"spec", "renewTime"})))
        last = std::max(last, *renewed);
    return last;
}

Json readinessTaints(const std::string &readyStatus, TimePoint now)
{
    if (readyStatus == "True")
        return Json::array();
    const char *key = readyStatus == "False" ? kNotReadyTaint : kUnreachableTaint;
    return Json::array({{{"key", key}, {"effect", "NoSchedule"}},
                        {{"key", key}, {"effect", "NoExecute"}, {"timeAdded", toRfc3339(now)}}});
}

Decision reconcile(const Inputs &inputs)
{
    const ResourceInfo &nodes = builtinResource("", "nodes");
    const ResourceInfo &pods = builtinResource("", "pods");
    const Json &node = inputs.node;
    const std::string name = nameOf(node);
    const std::string now = toRfc3339(inputs.now);
    const TimePoint heard = lastHeartbeat(node, inputs.lease);
    const auto silent = std::chrono::duration_cast<std::chrono::seconds>(inputs.now - heard);
    const bool stale = silent > inputs.gracePeriod;
    const std::string ready = readyStatusOf(node);

    Decision decision;
    decision.controller = kComponent;
    decision.object = refOf(nodes, node);
    const Json currentTaints = readinessTaintsOf(node);
    decision.actual = {
        {"ready", ready}, {"secondsSinceHeartbeat", silent.count()}, {"taints", currentTaints}};
    decision.actualText = "Ready=" + ready + ", last heartbeat " + std::to_string(silent.count()) +
                          "s ago, " + taintText(currentTaints);

    // Step 1: a silent kubelet's conditions become Unknown.
    Json updated = node;
    if (stale) {
        Json &conditions = updated["status"]["conditions"];
        if (!conditions.is_array())
            conditions = Json::array();
        for (const char *type : kKubeletConditions) {
            auto found = std::find_if(conditions.begin(), conditions.end(),
                                      [&](const Json &c) { return stringAt(c, {"type"}) == type; });
            if (found == conditions.end()) {
                conditions.push_back(
                    {{"type", type},
                     {"status", "Unknown"},
                     {"lastHeartbeatTime", stringAt(node, {"metadata", "creationTimestamp"})},
                     {"lastTransitionTime", now},
                     {"reason", "NodeStatusNeverUpdated"},
                     {"message", "Kubelet never posted node status."}});
            } else if (stringAt(*found, {"status"}) != "Unknown") {
                (*found)["status"] = "Unknown";
                (*found)["reason"] = "NodeStatusUnknown";
                (*found)["message"] = "Kubelet stopped posting node status.";
                (*found)["lastTransitionTime"] = now;
            }
        }
    }
    const std::string wantReady = readyStatusOf(updated);
    const Json wantTaints = readinessTaints(wantReady, inputs.now);
    decision.desired = {{"ready", wantReady}, {"taints", wantTaints}};
    decision.desiredText =
        "Ready=" + wantReady +
        (stale ? " (silent for more than " + std::to_string(inputs.gracePeriod.count()) + "s)"
               : "") +
        ", " + taintText(wantTaints);

    if (updated != node) {
        decision.actions.push_back(Action::update(
            nodes, updated, "update status: Ready=Unknown (NodeStatusUnknown)", "status"));
        if (ready == "True") {
            decision.actions.back().withEvents(
                nodes, node,
                EventNote{"Normal", "NodeNotReady",
                          "Node " + name + " status is now: NodeNotReady"});
            // MarkPodsNotReady: nobody is there to say they are still serving.
            for (const Json &pod : inputs.pods) {
                if (!isPodReady(pod))
                    continue;
                Json patch = {{"status",
                               {{"conditions", Json::array({{{"type", "Ready"},
                                                             {"status", "False"},
                                                             {"lastTransitionTime", now}}})}}}};
                Action mark =
                    Action::patch(pods, namespaceOf(pod), nameOf(pod), patch,
                                  "mark pod " + namespaceOf(pod) + "/" + nameOf(pod) + " not ready",
                                  "application/strategic-merge-patch+json", "status");
                mark.withEvents(pods, pod,
                                EventNote{"Warning", "NodeNotReady", "Node is not ready"});
                decision.actions.push_back(std::move(mark));
            }
        }
        return decision;
    }

    // Step 2: taints that follow the stored Ready condition.
    if (!sameTaints(currentTaints, wantTaints)) {
        Json taints = Json::array();
        const Json &all = at(node, {"spec", "taints"});
        if (all.is_array())
            for (const Json &taint : all)
                if (!isReadinessTaint(taint))
                    taints.push_back(taint);
        for (const Json &taint : wantTaints) {
            // A taint that stays keeps when it was added (tolerationSeconds count from it).
            auto kept =
                std::find_if(currentTaints.begin(), currentTaints.end(), [&](const Json &t) {
                    return t["key"] == taint["key"] && t["effect"] == taint["effect"];
                });
            taints.push_back(kept != currentTaints.end() ? *kept : taint);
        }
        const Json patch = {
            {"metadata", {{"resourceVersion", stringAt(node, {"metadata", "resourceVersion"})}}},
            {"spec", {{"taints", taints.empty() ? Json() : taints}}}};
        decision.actions.push_back(
            Action::patch(nodes, "", name, patch,
                          (wantTaints.empty() ? "remove taints (" + taintText(currentTaints)
                                              : "set taints (" + taintText(wantTaints)) +
                              ")"));
    }
    return decision;
}

} // namespace flowlab::kube::nodelifecycle
