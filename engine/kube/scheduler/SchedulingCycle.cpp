#include "engine/kube/scheduler/SchedulingCycle.h"

#include "engine/kube/api/JsonFields.h"

#include <algorithm>

namespace flowlab::kube::scheduling {

namespace {

std::string joined(const std::vector<std::string> &parts, const std::string &separator)
{
    std::string out;
    for (const std::string &part : parts)
        out += (out.empty() ? "" : separator) + part;
    return out;
}

// "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {...}."
// from (reason, how many nodes gave it).
std::string histogramMessage(std::size_t nodeCount, const std::map<std::string, int> &reasons)
{
    std::vector<std::string> counted;
    for (const auto &[reason, count] : reasons)
        counted.push_back(std::to_string(count) + " " + reason);
    std::sort(counted.begin(), counted.end()); // as strings: "1 ..." before "2 ..."
    std::string message = "0/" + std::to_string(nodeCount) + " nodes are available:";
    if (!counted.empty())
        message += " " + joined(counted, ", ") + ".";
    return message;
}

// What the default PostFilter plugin, DefaultPreemption, says when it cannot help.
//
// Flowlab does not preempt. It can still say what DefaultPreemption says, because in the lab
// no PriorityClass exists and every pod has priority 0: preemption may only evict pods of
// lower priority than the pending one, so there are never any victims. A node rejected for
// good (a taint, a label, a cordon) is one where "Preemption is not helpful for scheduling";
// a node rejected for resources or ports is one where the real plugin looked and found "No
// preemption victims found for incoming pod". (A pod given a higher priority would preempt on
// a real cluster and stays pending here.)
std::string preemptionMessage(const PodInfo &pod, const std::vector<NodeVerdict> &nodes)
{
    if (fields::string(fields::get(pod.pod, {"spec", "preemptionPolicy"})) == "Never")
        return "not eligible due to preemptionPolicy=Never.";
    std::map<std::string, int> reasons;
    for (const NodeVerdict &node : nodes) {
        const FilterResult *rejection = node.rejection();
        const bool resolvable = rejection && rejection->code == FilterResult::Code::Unschedulable;
        ++reasons[resolvable ? "No preemption victims found for incoming pod"
                             : "Preemption is not helpful for scheduling"];
    }
    return histogramMessage(nodes.size(), reasons);
}

} // namespace

const FilterResult *NodeVerdict::rejection() const
{
    if (feasible || filters.empty())
        return nullptr;
    return &filters.back().result;
}

CycleResult runSchedulingCycle(const PodInfo &pod, const std::vector<NodeInfo> &nodes,
                               const TieBreaker &breakTie)
{
    CycleResult result;
    std::vector<const NodeInfo *> feasibleNodes;
    std::vector<std::size_t> feasibleRows;

    // Filter: each node through the plugins in order, up to the first that rejects it.
    for (const NodeInfo &node : nodes) {
        NodeVerdict verdict;
        verdict.node = node.name;
        verdict.feasible = true;
        for (const FilterPlugin &plugin : filterPlugins()) {
            FilterResult filtered = plugin.filter(pod, node);
            const bool passed = filtered.passed();
            verdict.filters.push_back({std::string(plugin.name), std::move(filtered)});
            if (!passed) {
                verdict.feasible = false;
                break;
            }
        }
        if (verdict.feasible) {
            feasibleNodes.push_back(&node);
            feasibleRows.push_back(result.nodes.size());
        }
        result.nodes.push_back(std::move(verdict));
    }

    if (nodes.empty()) {
        result.reason = "no nodes available to schedule pods";
        return result;
    }
    if (feasibleNodes.empty()) {
        result.reason = fitErrorMessage(pod, result.nodes);
        return result;
    }
    // With one node left there is nothing to rank: the real scheduler skips scoring.
    if (feasibleNodes.size() == 1) {
        result.chosen = feasibleNodes.front()->name;
        result.reason = "the only node that passed the filters";
        return result;
    }

    // Score: each plugin over all feasible nodes at once, since normalizing needs them all.
    for (const ScorePlugin &plugin : scorePlugins()) {
        std::vector<std::int64_t> scores;
        for (const NodeInfo *node : feasibleNodes)
            scores.push_back(plugin.score(pod, *node));
        if (plugin.normalize)
            plugin.normalize(scores);
        for (std::size_t i = 0; i < feasibleRows.size(); ++i) {
            NodeVerdict &verdict = result.nodes[feasibleRows[i]];
            verdict.scores[std::string(plugin.name)] = scores[i];
            verdict.weighted += scores[i] * plugin.weight;
        }
    }
    result.chosen = selectHost(result.nodes, breakTie);
    result.reason = "highest score";
    return result;
}

std::optional<std::string> selectHost(const std::vector<NodeVerdict> &nodes,
                                      const TieBreaker &breakTie)
{
    std::vector<const NodeVerdict *> best;
    for (const NodeVerdict &node : nodes) {
        if (!node.feasible)
            continue;
        if (!best.empty() && node.weighted < best.front()->weighted)
            continue;
        if (!best.empty() && node.weighted > best.front()->weighted)
            best.clear();
        best.push_back(&node);
    }
    if (best.empty())
        return std::nullopt;
    // A tie goes to any of the best with equal chance, so that equal nodes share the load.
    const std::size_t pick = best.size() == 1 ? 0 : breakTie(best.size());
    return best[std::min(pick, best.size() - 1)]->node;
}

std::string fitErrorMessage(const PodInfo &pod, const std::vector<NodeVerdict> &nodes)
{
    if (nodes.empty())
        return "no nodes available to schedule pods";
    std::map<std::string, int> reasons;
    for (const NodeVerdict &node : nodes)
        if (const FilterResult *rejection = node.rejection())
            for (const std::string &reason : rejection->reasons)
                ++reasons[reason];
    return histogramMessage(nodes.size(), reasons) +
           " preemption: " + preemptionMessage(pod, nodes) + ".";
}

Json cycleToJson(const CycleResult &result)
{
    Json nodes = Json::array();
    for (const NodeVerdict &verdict : result.nodes) {
        Json filters = Json::array();
        for (const FilterRecord &record : verdict.filters) {
            Json filter = {{"plugin", record.plugin}, {"passed", record.result.passed()}};
            if (!record.result.passed())
                filter["reason"] = joined(record.result.reasons, ", ");
            filters.push_back(std::move(filter));
        }
        Json scores = Json::object();
        for (const auto &[plugin, score] : verdict.scores)
            scores[plugin] = score;
        nodes.push_back(
            {{"name", verdict.node},
             {"filters", std::move(filters)},
             {"scores", std::move(scores)},
             {"weighted",
              verdict.feasible && !verdict.scores.empty() ? Json(verdict.weighted) : Json()}});
    }
    Json weights = Json::object();
    for (const ScorePlugin &plugin : scorePlugins())
        weights[std::string(plugin.name)] = plugin.weight;
    return {{"nodes", std::move(nodes)},
            {"chosen", result.chosen ? Json(*result.chosen) : Json()},
            {"reason", result.reason},
            {"weights", std::move(weights)}};
}

} // namespace flowlab::kube::scheduling
