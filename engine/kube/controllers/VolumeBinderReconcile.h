#pragma once

// The lab's storage, as the persistent-volume binder and a dynamic provisioner do it together
// on a real cluster: a PersistentVolumeClaim that is Pending gets a PersistentVolume made for
// it (pvc-<claim uid>), a hostPath directory under the lab's volume directory with the
// claim's size and access modes, bound to the claim both ways (the volume's claimRef, the
// claim's volumeName), and both marked Bound. The kubelet then mounts that directory into
// the pods that use the claim. Deleting the claim deletes its volume (reclaim policy Delete);
// the directory goes with the lab. Pure functions; VolumeBinderController runs them.

#include "engine/kube/controllers/Decision.h"

#include <string>

namespace flowlab::kube::volumebinder {

inline constexpr const char *kComponent = "persistentvolume-binder";
inline constexpr const char *kDefaultVolumeDir = "/var/lib/flowlab/volumes";

// The volume made for `claim`.
std::string volumeNameFor(const Json &claim);
Json volumeFor(const Json &claim, const std::string &volumeDir);

// One claim's pass. `volume` is the PersistentVolume named volumeNameFor(claim), or null.
Decision reconcile(const Json &claim, const Json &volume, const std::string &volumeDir);

// A volume whose claim is gone: delete it (reclaim policy Delete).
Decision reclaim(const Json &volume);

} // namespace flowlab::kube::volumebinder
