#pragma once

// The filter plugins of kube-scheduler's default profile that decide, node by node, whether a
// pod may go there at all. Each has the real plugin's name and says why not in the real
// plugin's words, because those words are what `kubectl describe pod` shows in the
// FailedScheduling event ("0/3 nodes are available: 1 Insufficient cpu, ...").
//
// The default profile also filters on volumes (VolumeRestrictions, NodeVolumeLimits,
// VolumeBinding, VolumeZone), PodTopologySpread and InterPodAffinity; Flowlab's lab has no
// volumes to place and its lessons do not spread pods by topology, so those are left out.

#include "engine/kube/scheduler/NodeInfo.h"

#include <string>
#include <string_view>
#include <vector>

namespace flowlab::kube::scheduling {

// A filter's answer for one node.
struct FilterResult
{
    enum class Code {
        Success,
        // The node could fit the pod if some pods went away (resources, ports): preemption
        // could help.
        Unschedulable,
        // Nothing that happens to the node's pods would help (a taint, a label, a cordon).
        UnschedulableAndUnresolvable,
    };
    Code code = Code::Success;
    std::vector<std::string> reasons; // "Insufficient cpu", "Insufficient memory"

    bool passed() const { return code == Code::Success; }
    static FilterResult success() { return {}; }
    static FilterResult unschedulable(std::vector<std::string> reasons)
    {
        return {Code::Unschedulable, std::move(reasons)};
    }
    static FilterResult unresolvable(std::string reason)
    {
        return {Code::UnschedulableAndUnresolvable, {std::move(reason)}};
    }
};

// spec.unschedulable (kubectl cordon), unless the pod tolerates the
// node.kubernetes.io/unschedulable:NoSchedule taint: "node(s) were unschedulable".
FilterResult nodeUnschedulableFilter(const PodInfo &pod, const NodeInfo &node);
// spec.nodeName, when the pod names a node. Pods that do never reach a scheduler's queue,
// so this passes for every pod flowlab-scheduler places; it is here because the real profile
// runs it. "node(s) didn't match the requested node name".
FilterResult nodeNameFilter(const PodInfo &pod, const NodeInfo &node);
// NoSchedule and NoExecute taints the pod does not tolerate; the first one is named:
// "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }".
FilterResult taintTolerationFilter(const PodInfo &pod, const NodeInfo &node);
// spec.nodeSelector and requiredDuringSchedulingIgnoredDuringExecution:
// "node(s) didn't match Pod's node affinity/selector".
FilterResult nodeAffinityFilter(const PodInfo &pod, const NodeInfo &node);
// hostPorts already taken on the node by its pods:
// "node(s) didn't have free ports for the requested pod ports".
FilterResult nodePortsFilter(const PodInfo &pod, const NodeInfo &node);
// The pod's requests against allocatable minus what the node's pods request. Every shortage
// is listed: "Too many pods", "Insufficient cpu", "Insufficient memory",
// "Insufficient ephemeral-storage", "Insufficient example.com/gpu".
FilterResult nodeResourcesFitFilter(const PodInfo &pod, const NodeInfo &node);

struct FilterPlugin
{
    std::string_view name;
    FilterResult (*filter)(const PodInfo &, const NodeInfo &);
};

// In the default profile's order, which is the order they run in: a node's filters stop at
// the first that rejects it, as the real framework's do.
const std::vector<FilterPlugin> &filterPlugins();

} // namespace flowlab::kube::scheduling
