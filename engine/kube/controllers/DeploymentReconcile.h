#pragma once

// The Deployment controller's decisions (kubernetes pkg/controller/deployment), as pure
// functions of what the informers hold. One pass does one step of a rollout, as the real
// one: create the new ReplicaSet, or scale it up within maxSurge, or scale old ones down
// within maxUnavailable, then write the status that `kubectl rollout status` waits on. The
// next step comes when the ReplicaSets' status changes and the Deployment is queued again.
//
// A ReplicaSet belongs to one pod template: it is named <deployment>-<pod-template-hash>
// and its selector and pods carry the label pod-template-hash=<hash>. A Deployment whose
// template goes back to an earlier one (`kubectl rollout undo` patches it back) finds that
// earlier ReplicaSet, gives it the next revision and scales it up again.

#include "engine/kube/controllers/Decision.h"
#include "engine/kube/controllers/PodTemplateHash.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::kube::deployment {

inline constexpr const char *kComponent = "deployment-controller";
inline constexpr const char *kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr const char *kRevisionHistoryAnnotation =
    "deployment.kubernetes.io/revision-history";
inline constexpr const char *kDesiredReplicasAnnotation =
    "deployment.kubernetes.io/desired-replicas";
inline constexpr const char *kMaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
inline constexpr const char *kChangeCauseAnnotation = "kubernetes.io/change-cause";

// An IntOrString of a rolling update, "25%" or 1, against `total` replicas: percentages
// round up for maxSurge and down for maxUnavailable. Nothing if it is neither.
std::optional<int> scaledValue(const Json &intOrPercent, int total, bool roundUp);

struct Fenceposts
{
    int maxSurge = 0;       // pods above spec.replicas that may exist during a rollout
    int maxUnavailable = 0; // pods below spec.replicas that may be unavailable
};
// ResolveFenceposts/MaxSurge/MaxUnavailable: both 0 for Recreate or 0 replicas; if both
// round to 0, maxUnavailable becomes 1 so that a rollout can still move; maxUnavailable is
// at most spec.replicas.
Fenceposts fenceposts(const Json &deployment);

struct Inputs
{
    Json deployment;
    // The ReplicaSets of the Deployment's namespace: it works on those it controls (by
    // ownerReference uid), and checks the others for a name its new one would collide with.
    std::vector<Json> replicaSets;
    // The pods of its ReplicaSets: Recreate waits until the old ones are gone.
    std::vector<Json> pods;
    TimePoint now;
};

Decision reconcile(const Inputs &inputs);

} // namespace flowlab::kube::deployment
