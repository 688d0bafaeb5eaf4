#pragma once

// The score plugins of kube-scheduler's default profile that rank the nodes a pod passed the
// filters on. Each gives every node 0 to 100 (after its normalization step); the framework
// then adds them up, each times the weight the default profile gives it:
//
//   TaintToleration                  x3  fewer PreferNoSchedule taints the pod does not tolerate
//   NodeAffinity                     x2  the weights of the preferred terms the node matches
//   NodeResourcesFit (LeastAllocated) x1  the emptier node, by cpu and memory requests
//   NodeResourcesBalancedAllocation  x1  cpu and memory used in the same proportion
//
// The default profile also scores with PodTopologySpread (x2), InterPodAffinity (x2) and
// ImageLocality (x1), which Flowlab leaves out: see FilterPlugins.h.

#include "engine/kube/scheduler/NodeInfo.h"

#include <string_view>
#include <vector>

namespace flowlab::kube::scheduling {

constexpr std::int64_t kMaxNodeScore = 100;

// The arithmetic, on its own so that lessons and tests can check it by hand. All integer
// division truncates, as Go's does.
//
// (capacity - requested) * 100 / capacity; 0 when nothing is allocatable or it is overfull.
std::int64_t leastRequestedScore(std::int64_t requested, std::int64_t capacity);
// (1 - std) * 100, where std is the standard deviation of requested/capacity over the
// resources (each fraction capped at 1); for two resources std = |f1 - f2| / 2.
std::int64_t balancedAllocationScore(const std::vector<std::int64_t> &requested,
                                     const std::vector<std::int64_t> &capacity);
// Scales scores so that the best is 100 (score * 100 / max); `reverse` then turns them
// around (100 - score), for plugins that count something bad. When every score is 0 they
// stay 0, or all become 100 when reversed.
void defaultNormalizeScore(std::vector<std::int64_t> &scores, bool reverse);

// The plugins, on one node (before normalization).
//
// LeastAllocated over cpu and memory (weight 1 each), counting the scoring defaults for
// containers that request nothing (kDefaultMilliCpuRequest, kDefaultMemoryRequest).
std::int64_t nodeResourcesFitScore(const PodInfo &pod, const NodeInfo &node);
// Over cpu and memory, with the requests as written: in Kubernetes 1.32 a pod that requests
// nothing still gets this score (1.33 skips such pods).
std::int64_t balancedAllocationPluginScore(const PodInfo &pod, const NodeInfo &node);
// How many PreferNoSchedule taints the pod does not tolerate; normalized in reverse.
std::int64_t taintTolerationScore(const PodInfo &pod, const NodeInfo &node);
// The sum of the weights of the preferredDuringSchedulingIgnoredDuringExecution terms the
// node matches; normalized.
std::int64_t nodeAffinityScore(const PodInfo &pod, const NodeInfo &node);

struct ScorePlugin
{
    std::string_view name;
    std::int64_t weight;
    std::int64_t (*score)(const PodInfo &, const NodeInfo &);
    // Applied to all nodes' scores at once; null when the scores are already 0-100.
    void (*normalize)(std::vector<std::int64_t> &scores);
};

// In the default profile's order.
const std::vector<ScorePlugin> &scorePlugins();

} // namespace flowlab::kube::scheduling
