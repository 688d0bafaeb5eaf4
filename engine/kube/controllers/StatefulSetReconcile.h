#pragma once

// The StatefulSet controller's decisions (kubernetes pkg/controller/statefulset), as pure
// functions, for the default OrderedReady policy: pods get stable names <set>-0, <set>-1, ...
// and are created one at a time, each only once the one before it is Running and Ready; each
// gets its own PersistentVolumeClaims from the volumeClaimTemplates, named
// <template>-<set>-<ordinal>, which outlive the pods (a pod that comes back finds its data);
// scaling down deletes the highest ordinal first, one at a time. Not here: rolling updates of
// the template (updateStrategy), the Parallel policy, PVC retention policies.

#include "engine/kube/controllers/Decision.h"

#include <string>
#include <vector>

namespace flowlab::kube::statefulset {

inline constexpr const char *kComponent = "statefulset-controller";
inline constexpr const char *kPodNameLabel = "statefulset.kubernetes.io/pod-name";
inline constexpr const char *kPodIndexLabel = "apps.kubernetes.io/pod-index";

struct Inputs
{
    Json statefulSet;
    std::vector<Json> pods;   // the pods it controls (ownerReference uid)
    std::vector<Json> claims; // the PersistentVolumeClaims of its namespace
};

Decision reconcile(const Inputs &inputs);

// "<template>-<set>-<ordinal>": the claim a pod's template volume stands for.
std::string claimName(const Json &claimTemplate, const std::string &set, int ordinal);
// Pod <set>-<ordinal>: the template, hostname and subdomain (the governing Service), the
// identity labels, an ownerReference to the set, and a persistentVolumeClaim volume per
// volumeClaimTemplate (replacing a template volume of the same name).
Json podFor(const Json &statefulSet, int ordinal);
// The claim for one template and ordinal (no owner: it stays when the pod or set goes).
Json claimFor(const Json &statefulSet, const Json &claimTemplate, int ordinal);
// The ordinal in a pod's name "<set>-<n>", or -1.
int ordinalOf(const std::string &set, const std::string &podName);

} // namespace flowlab::kube::statefulset
