#pragma once

// Internal to the Deployment controller: the Planner that DeploymentReconcile.cpp (the
// rollout steps) and DeploymentStatus.cpp (status and conditions) share, and the small
// readers they both use. Each step keeps the real controller's name (rolloutRolling,
// reconcileNewReplicaSet, syncRolloutStatus...) so that the two can be read side by side.

#include "engine/kube/controllers/DeploymentReconcile.h"

#include <charconv>
#include <climits>
#include <numeric>

namespace flowlab::kube::deployment::detail {

inline const ResourceInfo &deployments()
{
    return builtinResource("apps", "deployments");
}

inline const ResourceInfo &replicaSets()
{
    return builtinResource("apps", "replicasets");
}

inline int toInt(const std::string &text, int fallback)
{
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size() && !text.empty() ? value
                                                                                     : fallback;
}

inline int specReplicas(const Json &object)
{
    return int(intAt(object, {"spec", "replicas"}, 1));
}

inline int statusCount(const Json &object, std::string_view field)
{
    return int(intAt(object, {"status", field}));
}

inline int revisionOf(const Json &replicaSet)
{
    return toInt(annotationOf(replicaSet, kRevisionAnnotation), 0);
}

inline std::string hashLabelOf(const Json &replicaSet)
{
    return stringAt(replicaSet, {"metadata", "labels", kPodTemplateHashLabel});
}

inline bool isRollingUpdate(const Json &deployment)
{
    return stringAt(deployment, {"spec", "strategy", "type"}) != "Recreate";
}

inline bool hasProgressDeadline(const Json &deployment)
{
    const Json &seconds = at(deployment, {"spec", "progressDeadlineSeconds"});
    return seconds.is_number_integer() && seconds.get<std::int64_t>() != INT32_MAX;
}

// Counts of a ReplicaSet, as GetActualReplicaCountForReplicaSets and its siblings add them.
inline int statusReplicas(const Json &rs)
{
    return statusCount(rs, "replicas");
}

inline int readyReplicas(const Json &rs)
{
    return statusCount(rs, "readyReplicas");
}

inline int availableReplicas(const Json &rs)
{
    return statusCount(rs, "availableReplicas");
}

inline int specCount(const Json &rs)
{
    return specReplicas(rs);
}

inline std::vector<int> all(const std::vector<Json> &items)
{
    std::vector<int> indices(items.size());
    std::iota(indices.begin(), indices.end(), 0);
    return indices;
}

// Conditions of a status: the Deployment's own helpers (SetDeploymentCondition...).
const Json *findCondition(const Json &status, std::string_view type);
void removeCondition(Json &status, std::string_view type);
Json newCondition(const std::string &type, const std::string &value, const std::string &reason,
                  const std::string &message, const std::string &now);
void setCondition(Json &status, Json condition);
void putCount(Json &status, const char *field, std::int64_t value);

// One pass over one Deployment: it works on copies of the Deployment and its ReplicaSets,
// changing them as the real controller's steps would, then turns the differences into
// actions.
class Planner
{
public:
    explicit Planner(const Inputs &inputs);
    Decision run();

private:
    std::vector<int> oldIndices() const;
    std::vector<int> activeOf(const std::vector<int> &indices) const;
    int sumOf(const std::vector<int> &indices, int (*count)(const Json &)) const;
    int desired() const { return specReplicas(m_d); }

    // The real controller's steps, under the same names.
    void getNewReplicaSet(bool createIfMissing);
    bool setNewReplicaSetAnnotations(Json &rs, int newRevision, bool exists) const;
    bool setReplicasAnnotations(Json &rs) const;
    int newReplicaSetReplicas() const;
    bool scaleReplicaSet(int index, int newScale);
    bool isScalingEvent() const;
    int findActiveOrLatest() const;
    void scale();
    void sync();
    void rolloutRolling();
    void rolloutRecreate();
    bool reconcileNewReplicaSet();
    bool reconcileOldReplicaSets();
    int cleanupUnhealthyReplicas(const std::vector<int> &old, int maxCleanup);
    int scaleDownOldReplicaSetsForRollingUpdate(const std::vector<int> &old);
    bool oldPodsRunning() const;
    void cleanupDeployment();
    void checkPausedConditions();
    Json calculateStatus() const;
    void syncRolloutStatus();
    void syncDeploymentStatus();
    void writeStatus(Json status);
    bool deploymentComplete(const Json &status) const;

    void describeBefore();
    void emitActions();

    const Inputs &m_in;
    std::string m_now;
    Fenceposts m_fence;
    Json m_d; // the Deployment as this pass wants it: its status and revision annotation
    std::vector<Json> m_rs;       // the ReplicaSets it controls, oldest first
    std::vector<Json> m_rsBefore; // the same, as found
    std::vector<bool> m_created;  // made by this pass
    std::vector<bool> m_deleted;  // removed by this pass (history limit)
    int m_new = -1;               // the one whose template is the Deployment's
    bool m_statusChanged = false;
    Decision m_decision;
};

} // namespace flowlab::kube::deployment::detail
