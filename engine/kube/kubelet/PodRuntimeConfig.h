#pragma once

// How a Pod object becomes CRI requests, as the real kubelet's kuberuntime does it: the
// sandbox config (name, hostname, DNS, port mappings, log directory, cgroup parent) and one
// container config per container (image, command, args, env, working dir, log path). The
// labels below are how the kubelet finds a pod's sandboxes and containers in the runtime
// again, after a restart too; they are the same names the real kubelet uses, so crictl's
// output reads the same.

#include "engine/kube/api/Resources.h"
#include "engine/kube/cri/ContainerRuntime.h"

#include <string>

namespace flowlab::kube::kubelet {

namespace v1 = cri::v1;

inline constexpr const char *kPodNameLabel = "io.kubernetes.pod.name";
inline constexpr const char *kPodNamespaceLabel = "io.kubernetes.pod.namespace";
inline constexpr const char *kPodUidLabel = "io.kubernetes.pod.uid";
inline constexpr const char *kContainerNameLabel = "io.kubernetes.container.name";
inline constexpr const char *kRestartCountAnnotation = "io.kubernetes.container.restartCount";
inline constexpr const char *kGracePeriodAnnotation = "io.kubernetes.pod.terminationGracePeriod";

struct SandboxOptions
{
    std::string podLogRoot;    // <podLogRoot>/<namespace>_<name>_<uid>/<container>/<n>.log
    std::string cgroupRoot;    // pods go to <cgroupRoot>/pod<uid>; empty: the runtime's choice
    std::string clusterDns;    // the kube-dns Service IP; empty: the node's resolv.conf
    std::string clusterDomain = "cluster.local";
};

struct PodIdentity
{
    std::string ns;
    std::string name;
    std::string uid;

    static PodIdentity of(const Json &pod);
    std::string key() const { return ns + "/" + name; }
    // "nginx_default(0b5f...)", as the kubelet names a pod in messages.
    std::string display() const { return name + "_" + ns + "(" + uid + ")"; }
};

std::string podLogDirectory(const SandboxOptions &options, const PodIdentity &pod);
v1::PodSandboxConfig sandboxConfig(const Json &pod, std::uint32_t attempt,
                                   const SandboxOptions &options);
// `env` is the container's environment, resolved (containerEnvironment in PodVolumes.h).
v1::ContainerConfig containerConfig(const Json &pod, const Json &container, std::uint32_t attempt,
                                    const std::vector<std::pair<std::string, std::string>> &env);

// imagePullPolicy: "Always" pulls every time, "Never" never, "IfNotPresent" when missing.
// An unset policy is what the apiserver defaults: Always for ":latest" or no tag.
bool shouldPull(const Json &container, bool imagePresent);

// The pod's restartPolicy says a container that exited with `exitCode` starts again.
bool shouldRestart(const Json &pod, int exitCode);

} // namespace flowlab::kube::kubelet
