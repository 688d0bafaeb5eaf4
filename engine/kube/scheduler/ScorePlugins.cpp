#include "engine/kube/scheduler/ScorePlugins.h"

#include "engine/kube/api/JsonFields.h"
#include "engine/kube/scheduler/NodeMatching.h"

#include <algorithm>
#include <cmath>

namespace flowlab::kube::scheduling {

using fields::get;
using fields::items;
using fields::string;

namespace {

const std::vector<std::string> kScoredResources{"cpu", "memory"};

} // namespace

std::int64_t leastRequestedScore(std::int64_t requested, std::int64_t capacity)
{
    if (capacity == 0 || requested > capacity)
        return 0;
    return (capacity - requested) * kMaxNodeScore / capacity;
}

std::int64_t balancedAllocationScore(const std::vector<std::int64_t> &requested,
                                     const std::vector<std::int64_t> &capacity)
{
    std::vector<double> fractions;
    for (std::size_t i = 0; i < requested.size(); ++i) {
        if (capacity[i] == 0)
            continue; // a resource the node does not have says nothing about balance
        fractions.push_back(std::min(1.0, double(requested[i]) / double(capacity[i])));
    }
    double deviation = 0;
    if (fractions.size() == 2) {
        deviation = std::abs((fractions[0] - fractions[1]) / 2);
    } else if (fractions.size() > 2) {
        double mean = 0;
        for (double f : fractions)
            mean += f;
        mean /= double(fractions.size());
        double sum = 0;
        for (double f : fractions)
            sum += (f - mean) * (f - mean);
        deviation = std::sqrt(sum / double(fractions.size()));
    }
    return std::int64_t((1 - deviation) * double(kMaxNodeScore));
}

void defaultNormalizeScore(std::vector<std::int64_t> &scores, bool reverse)
{
    const std::int64_t highest =
        scores.empty() ? 0 : *std::max_element(scores.begin(), scores.end());
    if (highest == 0) {
        if (reverse)
            std::fill(scores.begin(), scores.end(), kMaxNodeScore);
        return;
    }
    for (std::int64_t &score : scores) {
        score = kMaxNodeScore * score / highest;
        if (reverse)
            score = kMaxNodeScore - score;
    }
}

std::int64_t nodeResourcesFitScore(const PodInfo &pod, const NodeInfo &node)
{
    // Each resource weighs 1; a resource the node has none of is left out.
    std::int64_t total = 0;
    std::int64_t weights = 0;
    for (const std::string &name : kScoredResources) {
        const std::int64_t capacity = amount(node.allocatable, name);
        if (capacity == 0)
            continue;
        const std::int64_t requested =
            amount(node.nonZeroRequested, name) + amount(pod.nonZeroRequests, name);
        total += leastRequestedScore(requested, capacity);
        ++weights;
    }
    return weights == 0 ? 0 : total / weights;
}

std::int64_t balancedAllocationPluginScore(const PodInfo &pod, const NodeInfo &node)
{
    std::vector<std::int64_t> requested;
    std::vector<std::int64_t> capacity;
    for (const std::string &name : kScoredResources) {
        capacity.push_back(amount(node.allocatable, name));
        requested.push_back(amount(node.requested, name) + amount(pod.requests, name));
    }
    return balancedAllocationScore(requested, capacity);
}

std::int64_t taintTolerationScore(const PodInfo &pod, const NodeInfo &node)
{
    // Only tolerations that could apply to PreferNoSchedule count: those with that effect or
    // with none.
    Json tolerations = Json::array();
    for (const Json &toleration : items(get(pod.pod, {"spec", "tolerations"}))) {
        const std::string effect = string(get(toleration, "effect"));
        if (effect.empty() || effect == "PreferNoSchedule")
            tolerations.push_back(toleration);
    }
    std::int64_t untolerated = 0;
    for (const Json &taint : items(get(node.node, {"spec", "taints"})))
        if (string(get(taint, "effect")) == "PreferNoSchedule" && !anyTolerates(tolerations, taint))
            ++untolerated;
    return untolerated;
}

std::int64_t nodeAffinityScore(const PodInfo &pod, const NodeInfo &node)
{
    std::int64_t total = 0;
    for (const Json &term :
         items(get(pod.pod, {"spec", "affinity", "nodeAffinity",
                             "preferredDuringSchedulingIgnoredDuringExecution"}))) {
        const std::int64_t weight = fields::integer(get(term, "weight"));
        if (weight != 0 && nodeSelectorTermMatches(get(term, "preference"), node.node))
            total += weight;
    }
    return total;
}

const std::vector<ScorePlugin> &scorePlugins()
{
    static const std::vector<ScorePlugin> plugins{
        {"TaintToleration", 3, taintTolerationScore,
         [](std::vector<std::int64_t> &scores) { defaultNormalizeScore(scores, true); }},
        {"NodeAffinity", 2, nodeAffinityScore,
         [](std::vector<std::int64_t> &scores) { defaultNormalizeScore(scores, false); }},
        {"NodeResourcesFit", 1, nodeResourcesFitScore, nullptr},
        {"NodeResourcesBalancedAllocation", 1, balancedAllocationPluginScore, nullptr},
    };
    return plugins;
}

} // namespace flowlab::kube::scheduling
