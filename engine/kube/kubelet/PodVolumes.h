#pragma once

// A pod's volumes on the node, as the real kubelet's volume manager sets them up before the
// containers start: each volume becomes a directory under the kubelet's pods directory,
//   <podsDir>/<pod uid>/volumes/<plugin>/<volume name>/
// (plugins kubernetes.io~configmap, ~secret, ~empty-dir; a hostPath volume is the host path
// itself, and so is a persistentVolumeClaim's, through the hostPath PersistentVolume it is
// bound to), and each container's volumeMounts become CRI mounts of those directories. A claim
// that does not exist or is not bound yet is a FailedMount, tried again when it changes.
//
// ConfigMap and Secret volumes hold one file per key (or per `items` entry, at its path), the
// Secret's values base64-decoded. A ConfigMap or Secret that does not exist stops the pod in
// ContainerCreating with a FailedMount event, as a real node reports it, unless the volume
// says `optional: true`. ConfigMaps and Secrets come from the kubelet's watches (VolumeSources);
// each sync writes, in place, the files whose content changed, so that a changed ConfigMap
// reaches the running containers as it does on a real node.

#include "engine/kube/api/Resources.h"
#include "engine/kube/cri/ContainerRuntime.h"

#include <map>
#include <string>
#include <vector>

namespace flowlab::kube::kubelet {

namespace v1 = cri::v1;

// The ConfigMaps and Secrets of the pod's namespace that its volumes name, by name.
struct VolumeSources
{
    std::map<std::string, Json> configMaps;
    std::map<std::string, Json> secrets;
    std::map<std::string, Json> claims;  // PersistentVolumeClaims, by name
    std::map<std::string, Json> volumes; // the PersistentVolumes they are bound to, by name
};

// The PersistentVolumeClaims the pod's volumes name.
std::vector<std::string> claimReferences(const Json &pod);

// What a pod needs from the cluster, for its volumes and its containers' env and envFrom:
// {configMap names, secret names}.
std::pair<std::vector<std::string>, std::vector<std::string>> volumeReferences(const Json &pod);

// Files a sync wrote into a ConfigMap or Secret volume because they were new or changed
// (evidence: the kubelet turning an object into files; never the values).
struct VolumeWrite
{
    std::string volume; // the pod's volume name
    std::string kind;   // "configMap" or "secret"
    std::string source; // the ConfigMap's or Secret's name
    std::string directory;
    std::vector<std::string> files;
};

struct PreparedVolumes
{
    std::vector<VolumeWrite> written;
    std::map<std::string, std::string> hostPaths; // volume name → directory on the node
    VolumeSources sources;                        // for the containers' environment
};

// `container`'s environment: envFrom (every key of a ConfigMap or Secret, with its prefix)
// then env (plain values, and valueFrom configMapKeyRef / secretKeyRef), later names
// winning, as the real kubelet orders them. Unlike it, this one does not expand $(VAR)
// references, add service-link variables, or skip envFrom keys that are not valid names. A missing ConfigMap, Secret or key that is not
// `optional` is an error in the kubelet's words ("configmap \"x\" not found", "couldn't find
// key K in Secret ns/x"): the container is not created (CreateContainerConfigError).
// A valueFrom this kubelet does not resolve (fieldRef, resourceFieldRef) is an error too,
// rather than a variable silently left out.
Result<std::vector<std::pair<std::string, std::string>>>
containerEnvironment(const Json &pod, const Json &container, const VolumeSources &sources);

// Creates the pod's volume directories and files. The error is the FailedMount message,
// naming the volume and what is missing.
Result<PreparedVolumes> preparePodVolumes(const Json &pod, const VolumeSources &sources,
                                          const std::string &podsDir);

// The CRI mounts for `container`'s volumeMounts (subPath included). The error names a
// volumeMount whose volume the pod does not have.
Result<std::vector<v1::Mount>> containerMounts(const Json &container,
                                               const PreparedVolumes &volumes);

// Removes what preparePodVolumes wrote for pod `uid` (a hostPath is never touched).
void removePodVolumes(const std::string &podsDir, const std::string &uid);

} // namespace flowlab::kube::kubelet
