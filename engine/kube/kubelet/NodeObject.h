#pragma once

// The Node object a kubelet registers, its status heartbeat and its Lease, as pure
// functions of what the kubelet knows about its machine (NodeFacts). The node lifecycle
// controller reads the Ready condition's lastHeartbeatTime and the Lease's renewTime.

#include "engine/kube/api/Resources.h"
#include "engine/kube/kubelet/Backoff.h"

#include <string>

namespace flowlab::kube::kubelet {

struct NodeFacts
{
    std::string name;
    std::string internalIp;
    std::string podCidr;
    int cpus = 1;
    long long memoryKi = 0;
    int maxPods = 110;
    std::string kubeletVersion = "v1.32.0-flowlab";
    std::string runtimeVersion; // "containerd://1.6.20~ds1"
    std::string kernelVersion;
    std::string osImage;
    std::string architecture = "amd64";
    std::string machineId;
    int kubeletPort = 10250;

    // cpus, memory, kernel and OS from /proc and /etc/os-release.
    static NodeFacts ofThisMachine();
};

// The Node to POST: labels, spec.podCIDR(s), capacity, addresses, conditions, nodeInfo.
Json nodeObject(const NodeFacts &facts, TimePoint now);
// The merge patch of nodes/NAME/status that says "still here, still Ready": the conditions
// with a fresh lastHeartbeatTime (lastTransitionTime kept), addresses and capacity.
Json nodeStatusPatch(const NodeFacts &facts, const Json &current, TimePoint now);
// The node's Lease in kube-node-lease, renewed `now`.
Json leaseObject(const NodeFacts &facts, TimePoint now, int durationSeconds = 40);

} // namespace flowlab::kube::kubelet
