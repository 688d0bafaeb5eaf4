// The Deployment's status, as the real controller computes it (sync.go, progress.go): the
// counts from its ReplicaSets, and the Available and Progressing conditions whose reasons
// (MinimumReplicasAvailable, NewReplicaSetAvailable, ReplicaSetUpdated...) `kubectl
// describe` shows and `kubectl rollout status` waits on.

#include "engine/kube/controllers/DeploymentPlanner.h"

namespace flowlab::kube::deployment::detail {

const Json *findCondition(const Json &status, std::string_view type)
{
    const Json &conditions = at(status, {"conditions"});
    if (conditions.is_array())
        for (const Json &condition : conditions)
            if (stringAt(condition, {"type"}) == type)
                return &condition;
    return nullptr;
}

void removeCondition(Json &status, std::string_view type)
{
    if (!status.contains("conditions") || !status["conditions"].is_array())
        return;
    Json kept = Json::array();
    for (const Json &condition : status["conditions"])
        if (stringAt(condition, {"type"}) != type)
            kept.push_back(condition);
    status["conditions"] = std::move(kept);
}

Json newCondition(const std::string &type, const std::string &value, const std::string &reason,
                  const std::string &message, const std::string &now)
{
    return {{"type", type},          {"status", value},
            {"lastUpdateTime", now}, {"lastTransitionTime", now},
            {"reason", reason},      {"message", message}};
}

// Same status and reason: nothing to do. Same status: keep when it last changed. The new one
// goes last, which is why `kubectl describe` lists Available before Progressing once a
// rollout has finished.
void setCondition(Json &status, Json condition)
{
    const std::string type = condition["type"];
    if (const Json *current = findCondition(status, type)) {
        if (stringAt(*current, {"status"}) == condition["status"] &&
            stringAt(*current, {"reason"}) == condition["reason"])
            return;
        if (stringAt(*current, {"status"}) == condition["status"])
            condition["lastTransitionTime"] = at(*current, {"lastTransitionTime"});
    }
    removeCondition(status, type);
    if (!status.contains("conditions") || !status["conditions"].is_array())
        status["conditions"] = Json::array();
    status["conditions"].push_back(std::move(condition));
}

// Status counters are omitted when zero, as Go writes them (omitempty).
void putCount(Json &status, const char *field, std::int64_t value)
{
    if (value != 0)
        status[field] = value;
    else
        status.erase(field);
}

void Planner::checkPausedConditions()
{
    if (!hasProgressDeadline(m_d))
        return;
    Json &status = m_d["status"];
    const Json *progressing = findCondition(status, "Progressing");
    const std::string reason = progressing ? stringAt(*progressing, {"reason"}) : std::string();
    if (reason == "ProgressDeadlineExceeded")
        return;
    const bool paused = at(m_d, {"spec", "paused"}) == true;
    if (paused && reason != "DeploymentPaused")
        setCondition(status, newCondition("Progressing", "Unknown", "DeploymentPaused",
                                          "Deployment is paused", m_now));
    else if (!paused && reason == "DeploymentPaused")
        setCondition(status, newCondition("Progressing", "Unknown", "DeploymentResumed",
                                          "Deployment is resumed", m_now));
}

Json Planner::calculateStatus() const
{
    const std::vector<int> indices = all(m_rs);
    const int available = sumOf(indices, availableReplicas);
    const int unavailable = std::max(0, sumOf(indices, specCount) - available);
    Json status = Json::object();
    status["observedGeneration"] = generationOf(m_d);
    putCount(status, "replicas", sumOf(indices, statusReplicas));
    putCount(status, "updatedReplicas", m_new >= 0 ? statusReplicas(m_rs[m_new]) : 0);
    putCount(status, "readyReplicas", sumOf(indices, readyReplicas));
    putCount(status, "availableReplicas", available);
    putCount(status, "unavailableReplicas", unavailable);
    if (m_d["status"].contains("collisionCount"))
        status["collisionCount"] = m_d["status"]["collisionCount"];
    if (m_d["status"].contains("conditions"))
        status["conditions"] = m_d["status"]["conditions"];
    if (available >= desired() - m_fence.maxUnavailable)
        setCondition(status, newCondition("Available", "True", "MinimumReplicasAvailable",
                                          "Deployment has minimum availability.", m_now));
    else
        setCondition(status, newCondition("Available", "False", "MinimumReplicasUnavailable",
                                          "Deployment does not have minimum availability.", m_now));
    return status;
}

bool Planner::deploymentComplete(const Json &status) const
{
    return intAt(status, {"updatedReplicas"}) == desired() &&
           intAt(status, {"replicas"}) == desired() &&
           intAt(status, {"availableReplicas"}) == desired() &&
           intAt(status, {"observedGeneration"}) >= generationOf(m_d);
}

// The Progressing condition: NewReplicaSetAvailable once the rollout is complete,
// ReplicaSetUpdated whenever it moved, ProgressDeadlineExceeded if it has not moved for
// spec.progressDeadlineSeconds.
void Planner::syncRolloutStatus()
{
    Json status = calculateStatus();
    if (!hasProgressDeadline(m_d))
        removeCondition(status, "Progressing");
    const Json &before = m_d["status"];
    const Json *current = findCondition(before, "Progressing");
    const Json currentCondition = current ? *current : Json();
    const std::string rsWord = m_new >= 0 ? "ReplicaSet \"" + nameOf(m_rs[m_new]) + "\""
                                          : "Deployment \"" + nameOf(m_d) + "\"";
    const bool alreadyComplete =
        intAt(status, {"replicas"}) == intAt(status, {"updatedReplicas"}) && current &&
        stringAt(currentCondition, {"reason"}) == "NewReplicaSetAvailable";
    if (hasProgressDeadline(m_d) && !alreadyComplete) {
        const auto count = [](const Json &s, const char *field) { return intAt(s, {field}); };
        const bool progressed =
            count(status, "updatedReplicas") > count(before, "updatedReplicas") ||
            count(status, "replicas") - count(status, "updatedReplicas") <
                count(before, "replicas") - count(before, "updatedReplicas") ||
            count(status, "readyReplicas") > count(before, "readyReplicas") ||
            count(status, "availableReplicas") > count(before, "availableReplicas");
        if (deploymentComplete(status)) {
            setCondition(status, newCondition("Progressing", "True", "NewReplicaSetAvailable",
                                              rsWord + " has successfully progressed.", m_now));
        } else if (progressed) {
            Json condition = newCondition("Progressing", "True", "ReplicaSetUpdated",
                                          rsWord + " is progressing.", m_now);
            if (current) {
                if (stringAt(currentCondition, {"status"}) == "True")
                    condition["lastTransitionTime"] = currentCondition["lastTransitionTime"];
                removeCondition(status, "Progressing");
            }
            setCondition(status, std::move(condition));
        } else if (const Json *now = findCondition(status, "Progressing")) {
            const std::string reason = stringAt(*now, {"reason"});
            const auto since = parseRfc3339(stringAt(*now, {"lastUpdateTime"}));
            const auto deadline =
                std::chrono::seconds(intAt(m_d, {"spec", "progressDeadlineSeconds"}));
            if (reason == "ProgressDeadlineExceeded" ||
                (reason != "NewReplicaSetAvailable" && since && *since + deadline < m_in.now))
                setCondition(status,
                             newCondition("Progressing", "False", "ProgressDeadlineExceeded",
                                          rsWord + " has timed out progressing.", m_now));
            else if (reason != "NewReplicaSetAvailable" && since)
                // Look again when the deadline passes, even if nothing else happens.
                m_decision.requeueAfter = std::chrono::duration_cast<std::chrono::milliseconds>(
                    *since + deadline - m_in.now + std::chrono::seconds(1));
        }
    }
    // A ReplicaSet that cannot make its pods (a quota, a terminating namespace) says so.
    std::vector<int> failing = m_new >= 0 ? std::vector<int>{m_new} : std::vector<int>{};
    const auto failureOf = [&](int i) {
        return findCondition(at(m_rs[i], {"status"}), "ReplicaFailure");
    };
    if (failing.empty() || !failureOf(failing[0]))
        failing = all(m_rs);
    removeCondition(status, "ReplicaFailure");
    for (int i : failing)
        if (const Json *failure = failureOf(i)) {
            Json condition = *failure;
            condition["lastUpdateTime"] = condition.value("lastTransitionTime", m_now);
            setCondition(status, condition);
            break;
        }
    writeStatus(std::move(status));
}

void Planner::syncDeploymentStatus()
{
    writeStatus(calculateStatus());
}

void Planner::writeStatus(Json status)
{
    if (status.contains("conditions") && status["conditions"].empty())
        status.erase("conditions");
    m_statusChanged = status != m_in.deployment.value("status", Json::object());
    m_d["status"] = std::move(status);
}

} // namespace flowlab::kube::deployment::detail
