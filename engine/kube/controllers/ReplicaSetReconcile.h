#pragma once

// The ReplicaSet controller's decisions (kubernetes pkg/controller/replicaset), as pure
// functions: count the active pods it controls, create the missing ones from its template
// or delete the least useful extra ones, and write the status the Deployment controller
// reads (replicas, readyReplicas, availableReplicas).

#include "engine/kube/controllers/Decision.h"

#include <string>
#include <vector>

namespace flowlab::kube::replicaset {

inline constexpr const char *kComponent = "replicaset-controller";
// At most this many pods are created or deleted in one pass (the real burstReplicas).
inline constexpr int kBurstReplicas = 500;
inline constexpr const char *kDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

struct Inputs
{
    Json replicaSet;
    std::vector<Json> pods; // the pods it controls (ownerReference uid), in any state
    // False while pods it created or deleted last time have not shown up in the informer
    // yet: counting now would create (or delete) them twice.
    bool expectationsSatisfied = true;
    // Why its last creates or deletes failed, for the ReplicaFailure condition.
    std::string lastManageError;
    TimePoint now;
};

Decision reconcile(const Inputs &inputs);

// A new pod from the template: generateName "<replicaset>-", the template's labels and
// annotations, and an ownerReference to the ReplicaSet (controller, blockOwnerDeletion).
Json podFromTemplate(const Json &replicaSet);

// Whether `a` is less useful than `b`, so deleted first (ActivePodsWithRanks.Less): not on a
// node before on one; Pending before Unknown before Running; not ready before ready; a lower
// pod-deletion-cost first; more pods on the same node first; ready for less time first; more
// restarts first; newer first. `rankA`/`rankB`: how many of its pods share that pod's node.
bool lessUseful(const Json &a, int rankA, const Json &b, int rankB);

// The `count` pods to delete out of `active`, least useful first.
std::vector<Json> podsToDelete(const std::vector<Json> &active, int count);

// status.replicas, fullyLabeledReplicas, readyReplicas, availableReplicas (ready for
// minReadySeconds), observedGeneration and the ReplicaFailure condition.
Json calculateStatus(const Json &replicaSet, const std::vector<Json> &activePods,
                     const std::string &manageError, TimePoint now);

} // namespace flowlab::kube::replicaset
