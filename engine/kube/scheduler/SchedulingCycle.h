#pragma once

// One scheduling cycle for one pod, as kube-scheduler's framework runs it: every filter plugin
// on every node, every score plugin on the nodes that are left, the weighted sum, and the
// highest total (a tie broken at random). Pure: the caller brings the nodes with their pods,
// and gets back the whole table, which is both the decision and the lesson's evidence.

#include "engine/kube/scheduler/FilterPlugins.h"
#include "engine/kube/scheduler/ScorePlugins.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::kube::scheduling {

struct FilterRecord
{
    std::string plugin;
    FilterResult result;
};

// One row of the table.
struct NodeVerdict
{
    std::string node;
    // The filters that ran, in order; the last one rejected the node unless all passed.
    std::vector<FilterRecord> filters;
    bool feasible = false;
    std::map<std::string, std::int64_t> scores; // by plugin, 0-100 after normalization
    std::int64_t weighted = 0;                  // sum of score x weight

    // The reasons of the filter that rejected the node (empty when feasible).
    const FilterResult *rejection() const;
};

struct CycleResult
{
    std::vector<NodeVerdict> nodes; // in the order the nodes were given
    std::optional<std::string> chosen;
    // Why: "highest score", "the only node that passed the filters", or, when nothing fits,
    // the FailedScheduling message (see fitErrorMessage).
    std::string reason;
};

// Given how many nodes tie for the best total, returns the index (0..count-1) of the one to
// take. The real scheduler samples uniformly among them; tests pass a fixed choice.
using TieBreaker = std::function<std::size_t(std::size_t count)>;

// Runs the cycle. `nodes` already hold their pods (NodeInfo::addPod), including pods the
// scheduler has bound but not yet seen come back from the apiserver.
CycleResult runSchedulingCycle(const PodInfo &pod, const std::vector<NodeInfo> &nodes,
                               const TieBreaker &breakTie);

// The feasible nodes with the highest weighted total, one picked by `breakTie`. Empty when
// no node is feasible.
std::optional<std::string> selectHost(const std::vector<NodeVerdict> &nodes,
                                      const TieBreaker &breakTie);

// The FailedScheduling message, in the real one's shape:
//   0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint
//   {node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 1 No
//   preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling..
// Reasons are counted over the nodes and sorted as strings. The "preemption:" half is what
// the default PostFilter plugin (DefaultPreemption) answers; see the .cpp for why Flowlab can
// give it without preempting. The double period is the real one's: it nests one message that
// ends in '.' inside another. With no nodes at all: "no nodes available to schedule pods".
std::string fitErrorMessage(const PodInfo &pod, const std::vector<NodeVerdict> &nodes);

// The table as evidence attributes: {nodes: [{name, filters: [{plugin, passed, reason}],
// scores: {plugin: score}, weighted}], chosen, reason, weights: {plugin: weight}}.
Json cycleToJson(const CycleResult &result);

} // namespace flowlab::kube::scheduling
