#pragma once

// A pod's status as the kubelet reports it (the real one's generateAPIPodStatus and
// getPhase), computed from what the runtime says about the pod's sandbox and containers and
// from what the kubelet itself is holding back (a crash-loop back-off, a failed pull). Pure:
// the same inputs give the same status, so tests feed it by hand.

#include "engine/kube/api/Resources.h"
#include "engine/kube/cri/ContainerRuntime.h"
#include "engine/kube/kubelet/Backoff.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::kube::kubelet {

namespace v1 = cri::v1;

struct ContainerRuntimeState
{
    std::optional<v1::ContainerStatus> current;  // the newest instance
    std::optional<v1::ContainerStatus> previous; // the one before it: lastState
    // Set while the kubelet holds the container back: "ContainerCreating",
    // "CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff", "CreateContainerError".
    std::string waitingReason;
    std::string waitingMessage;
    bool ready = false; // running, and its readiness probe (none yet) agrees
};

struct PodRuntimeState
{
    bool sandboxReady = false;
    std::vector<std::string> podIps;
    std::map<std::string, ContainerRuntimeState> containers; // by container name
};

struct StatusContext
{
    std::string hostIp;
    std::string runtimeName = "containerd"; // containerID is "containerd://<id>"
    TimePoint now;
};

// The pod's new .status: what the pod holds now with our fields replaced.
Json buildPodStatus(const Json &pod, const PodRuntimeState &state, const StatusContext &context);

// Pending, Running, Succeeded or Failed, from the container statuses just built.
std::string podPhase(const Json &pod, const Json &containerStatuses);

} // namespace flowlab::kube::kubelet
