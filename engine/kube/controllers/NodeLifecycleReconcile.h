#pragma once

// The node lifecycle controller's decisions (kubernetes pkg/controller/nodelifecycle), as
// pure functions. A kubelet proves it is alive by posting its node's Ready condition (with
// lastHeartbeatTime) and by renewing its Lease in kube-node-lease. When neither has happened
// for the grace period (--node-monitor-grace-period, 40 s by default), the controller
// speaks for the silent kubelet:
//   1. the node's conditions become Unknown, "Kubelet stopped posting node status.", its
//      pods lose their Ready condition (so Endpoints drop them), and an Event says
//      NodeNotReady;
//   2. then, seeing the Unknown condition, it taints the node node.kubernetes.io/unreachable
//      with NoSchedule (the scheduler stops placing pods there) and NoExecute (pods that do
//      not tolerate it get evicted). A node reporting Ready=False gets node.kubernetes.io/
//      not-ready instead, and a Ready node loses both.
// Two passes, as in the real controller: the taints follow the stored condition, so each
// write is based on what the apiserver holds (with its resourceVersion).

#include "engine/kube/controllers/Decision.h"

#include <chrono>
#include <vector>

namespace flowlab::kube::nodelifecycle {

inline constexpr const char *kComponent = "node-controller";
inline constexpr const char *kUnreachableTaint = "node.kubernetes.io/unreachable";
inline constexpr const char *kNotReadyTaint = "node.kubernetes.io/not-ready";

struct Inputs
{
    Json node;
    Json lease;             // its Lease in kube-node-lease, or null
    std::vector<Json> pods; // the pods bound to it
    TimePoint now;
    std::chrono::seconds gracePeriod{40};
};

// When the kubelet was last heard of: the later of the Ready condition's lastHeartbeatTime
// and the Lease's renewTime (the node's creation when it never posted either).
TimePoint lastHeartbeat(const Json &node, const Json &lease);

// The condition-derived taints a node should carry for its Ready status ("True", "False",
// "Unknown"), with timeAdded on the NoExecute one.
Json readinessTaints(const std::string &readyStatus, TimePoint now);

Decision reconcile(const Inputs &inputs);

} // namespace flowlab::kube::nodelifecycle
