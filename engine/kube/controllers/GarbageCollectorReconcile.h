#pragma once

// The garbage collector's decisions (kubernetes pkg/controller/garbagecollector and
// pkg/controller/podgc), as pure functions. Objects name their owners in
// metadata.ownerReferences (by uid); the collector follows those links:
//   - a dependent whose owners are all gone is deleted (in the background);
//   - an owner deleted with propagationPolicy Foreground carries the foregroundDeletion
//     finalizer: its dependents are deleted first, and once none that blocks
//     (blockOwnerDeletion) is left, the finalizer goes and so does the owner;
//   - an owner deleted with Orphan carries the orphan finalizer: its dependents lose their
//     reference to it, then the finalizer goes;
//   - a pod bound to a node that no longer exists is deleted at once (pod GC).

#include "engine/kube/controllers/Decision.h"

#include <vector>

namespace flowlab::kube::gc {

inline constexpr const char *kComponent = "garbage-collector-controller";
inline constexpr const char *kPodGcComponent = "pod-garbage-collector";

enum class OwnerState {
    Present,              // it exists (same uid) and is not being deleted in the foreground
    Absent,               // no object of that kind, name and uid
    WaitingForDependents, // being deleted, with the foregroundDeletion finalizer
};

struct Owner
{
    Json ref; // the ownerReference
    OwnerState state = OwnerState::Absent;
};

// What to do with `dependent` (of `resource`) given what became of its owners.
// `hasDependents`: whether something names it as owner in turn.
Decision decideDependent(const ResourceInfo &resource, const Json &dependent,
                         const std::vector<Owner> &owners, bool hasDependents);

struct Dependent
{
    const ResourceInfo *resource = nullptr;
    Json object;
    bool hasDependents = false;
};

// What to do for `owner`, which is being deleted with the foregroundDeletion or orphan
// finalizer, given its dependents (the objects whose ownerReferences name its uid).
Decision decideOwner(const ResourceInfo &resource, const Json &owner,
                     const std::vector<Dependent> &dependents, TimePoint now);

// A pod bound (spec.nodeName) to a node that does not exist: marked Failed with a
// DisruptionTarget condition, then deleted with gracePeriodSeconds 0, since no kubelet
// will ever stop it. `nodeExists` has been checked with the apiserver, not just the cache.
Decision decideOrphanedPod(const Json &pod, bool nodeExists, TimePoint now);

} // namespace flowlab::kube::gc
