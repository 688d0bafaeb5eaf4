#pragma once

// What the scheduler knows about a pod and about a node while it places the pod, worked out
// once per scheduling cycle from the informers' copies (the real framework's PodInfo and
// NodeInfo): what the pod requests, and what each node can hold and already holds.

#include "engine/kube/api/Resources.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace flowlab::kube::scheduling {

// Amounts by resource name: "cpu" in millicores, "memory" and "ephemeral-storage" in bytes,
// "pods" and extended resources ("example.com/gpu") in units. Absent means zero.
using ResourceAmounts = std::map<std::string, std::int64_t>;

// What kube-scheduler assumes a container without a request uses, when it scores nodes (never
// when it filters them): 100m of cpu and 200Mi of memory. Without it, pods that request nothing
// would all pile onto one node.
constexpr std::int64_t kDefaultMilliCpuRequest = 100;
constexpr std::int64_t kDefaultMemoryRequest = 200 * 1024 * 1024;

// A resource list such as a container's resources.requests or a node's status.allocatable.
// Quantities that do not parse count as zero: the apiserver has validated pods and nodes.
ResourceAmounts resourceAmounts(const Json &resourceList);

// A pod's effective requests, as the real resource helpers count them: its containers run
// together, so their requests add up; init containers run one at a time before them, so the
// pod needs at least the largest; sidecars (init containers with restartPolicy Always) keep
// running beside everything that starts after them; spec.overhead comes on top.
// `nonZero` fills in kDefault* for a container that does not request cpu or memory at all
// (an explicit 0 stays 0), as the scoring plugins count.
ResourceAmounts podRequests(const Json &pod, bool nonZero = false);

// A hostPort a container asks for: what NodePorts compares.
struct HostPort
{
    std::string ip = "0.0.0.0"; // hostIP, or every address
    std::string protocol = "TCP";
    int port = 0;

    bool conflictsWith(const HostPort &other) const;
};

std::vector<HostPort> hostPorts(const Json &pod);

// The pod being scheduled, with what the plugins ask of it computed once.
struct PodInfo
{
    Json pod;
    ResourceAmounts requests;        // what NodeResourcesFit filters with
    ResourceAmounts nonZeroRequests; // what LeastAllocated scores with
    std::vector<HostPort> ports;

    explicit PodInfo(Json pod);
    std::string key() const; // "namespace/name"
};

// A node and the pods already bound (or assumed bound) to it.
struct NodeInfo
{
    Json node;
    std::string name;
    ResourceAmounts allocatable;      // status.allocatable
    ResourceAmounts requested;        // the sum of its pods' requests
    ResourceAmounts nonZeroRequested; // the same with the scoring defaults
    std::vector<HostPort> usedPorts;
    int podCount = 0;

    explicit NodeInfo(Json node);
    void addPod(const PodInfo &pod);
    // status.allocatable.pods: how many pods the kubelet accepts.
    std::int64_t allowedPodCount() const;
};

// Reads a resource amount, zero when absent.
inline std::int64_t amount(const ResourceAmounts &amounts, const std::string &name)
{
    const auto found = amounts.find(name);
    return found == amounts.end() ? 0 : found->second;
}

} // namespace flowlab::kube::scheduling
