#include "engine/kube/scheduler/FilterPlugins.h"

#include "engine/kube/api/JsonFields.h"
#include "engine/kube/scheduler/NodeMatching.h"

#include <algorithm>

namespace flowlab::kube::scheduling {

using fields::get;
using fields::string;

namespace {

// cpu, memory and ephemeral-storage are checked first and by name; the rest of what a pod may
// request are "scalar" resources: extended ones (example.com/gpu), hugepages, volume limits.
bool isScalarResource(const std::string &name)
{
    return name.find('/') != std::string::npos || name.starts_with("hugepages-") ||
           name.starts_with("attachable-volumes-");
}

} // namespace

FilterResult nodeUnschedulableFilter(const PodInfo &pod, const NodeInfo &node)
{
    if (!fields::boolean(get(node.node, {"spec", "unschedulable"})))
        return FilterResult::success();
    // A cordoned node carries this taint too; a pod that tolerates it (a DaemonSet's) may go.
    const Json unschedulableTaint = {{"key", "node.kubernetes.io/unschedulable"},
                                     {"effect", "NoSchedule"}};
    if (anyTolerates(get(pod.pod, {"spec", "tolerations"}), unschedulableTaint))
        return FilterResult::success();
    return FilterResult::unresolvable("node(s) were unschedulable");
}

FilterResult nodeNameFilter(const PodInfo &pod, const NodeInfo &node)
{
    const std::string wanted = string(get(pod.pod, {"spec", "nodeName"}));
    if (wanted.empty() || wanted == node.name)
        return FilterResult::success();
    return FilterResult::unresolvable("node(s) didn't match the requested node name");
}

FilterResult taintTolerationFilter(const PodInfo &pod, const NodeInfo &node)
{
    // PreferNoSchedule taints only lower a node's score (see ScorePlugins.h).
    const auto taint = firstUntoleratedTaint(node.node, get(pod.pod, {"spec", "tolerations"}),
                                             {"NoSchedule", "NoExecute"});
    if (!taint)
        return FilterResult::success();
    return FilterResult::unresolvable("node(s) had untolerated taint {" +
                                      string(get(*taint, "key")) + ": " +
                                      string(get(*taint, "value")) + "}");
}

FilterResult nodeAffinityFilter(const PodInfo &pod, const NodeInfo &node)
{
    if (podMatchesNodeSelectorAndAffinity(pod.pod, node.node))
        return FilterResult::success();
    return FilterResult::unresolvable("node(s) didn't match Pod's node affinity/selector");
}

FilterResult nodePortsFilter(const PodInfo &pod, const NodeInfo &node)
{
    for (const HostPort &wanted : pod.ports)
        for (const HostPort &used : node.usedPorts)
            if (wanted.conflictsWith(used))
                return FilterResult::unschedulable(
                    {"node(s) didn't have free ports for the requested pod ports"});
    return FilterResult::success();
}

FilterResult nodeResourcesFitFilter(const PodInfo &pod, const NodeInfo &node)
{
    std::vector<std::string> reasons;
    if (node.podCount + 1 > node.allowedPodCount())
        reasons.push_back("Too many pods");

    // What is still free of a resource, against what the pod asks. A pod that asks for none
    // of it fits even a node already over-committed.
    const auto lacks = [&](const std::string &name) {
        const std::int64_t wanted = amount(pod.requests, name);
        return wanted > 0 && wanted > amount(node.allocatable, name) - amount(node.requested, name);
    };
    for (const std::string name : {"cpu", "memory", "ephemeral-storage"})
        if (lacks(name))
            reasons.push_back("Insufficient " + name);
    for (const auto &[name, wanted] : pod.requests) // std::map: in name order
        if (isScalarResource(name) && lacks(name))
            reasons.push_back("Insufficient " + name);

    if (reasons.empty())
        return FilterResult::success();
    // Freeing resources (preempting pods) could make room: resolvable.
    return FilterResult::unschedulable(std::move(reasons));
}

const std::vector<FilterPlugin> &filterPlugins()
{
    static const std::vector<FilterPlugin> plugins{
        {"NodeUnschedulable", nodeUnschedulableFilter},
        {"NodeName", nodeNameFilter},
        {"TaintToleration", taintTolerationFilter},
        {"NodeAffinity", nodeAffinityFilter},
        {"NodePorts", nodePortsFilter},
        {"NodeResourcesFit", nodeResourcesFitFilter},
    };
    return plugins;
}

} // namespace flowlab::kube::scheduling
