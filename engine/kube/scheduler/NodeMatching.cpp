#include "engine/kube/scheduler/NodeMatching.h"

#include "engine/kube/api/JsonFields.h"

#include <algorithm>
#include <charconv>

namespace flowlab::kube::scheduling {

using fields::get;
using fields::items;
using fields::string;

namespace {

std::optional<std::int64_t> parseInteger(const std::string &text)
{
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty())
        return std::nullopt;
    return value;
}

bool contains(const Json &values, const std::string &value)
{
    const Json &list = items(values);
    return std::any_of(list.begin(), list.end(), [&](const Json &v) {
        return v.is_string() && v.get<std::string>() == value;
    });
}

// One matchExpressions entry against the node's labels.
bool labelRequirementMatches(const Json &requirement, const Json &labels)
{
    const std::string key = string(get(requirement, "key"));
    const std::string op = string(get(requirement, "operator"));
    const Json &values = get(requirement, "values");
    const Json &label = get(labels, key);
    const bool present = label.is_string();
    const std::string value = string(label);
    if (op == "In")
        return present && contains(values, value);
    if (op == "NotIn")
        return !present || !contains(values, value);
    if (op == "Exists")
        return present;
    if (op == "DoesNotExist")
        return !present;
    if (op == "Gt" || op == "Lt") {
        // Both sides are integers, and there is exactly one value; else nothing matches.
        if (!present || fields::size(values) != 1)
            return false;
        const auto mine = parseInteger(value);
        const auto wanted = parseInteger(string(values[0]));
        if (!mine || !wanted)
            return false;
        return op == "Gt" ? *mine > *wanted : *mine < *wanted;
    }
    return false; // an unknown operator makes the term invalid
}

// One matchFields entry: a node has a single selectable field, metadata.name, and the
// requirement holds exactly one value (the real one turns it into a field selector).
bool fieldRequirementMatches(const Json &requirement, const Json &node)
{
    const std::string key = string(get(requirement, "key"));
    const std::string op = string(get(requirement, "operator"));
    const Json &values = get(requirement, "values");
    if (fields::size(values) != 1 || (op != "In" && op != "NotIn"))
        return false;
    const std::string field = key == "metadata.name" ? string(get(node, {"metadata", "name"})) : "";
    const bool equal = field == string(values[0]);
    return op == "In" ? equal : !equal;
}

} // namespace

bool tolerates(const Json &toleration, const Json &taint)
{
    const std::string effect = string(get(toleration, "effect"));
    if (!effect.empty() && effect != string(get(taint, "effect")))
        return false;
    const std::string key = string(get(toleration, "key"));
    if (!key.empty() && key != string(get(taint, "key")))
        return false;
    const std::string op = string(get(toleration, "operator"));
    if (op == "Exists")
        return true;
    if (op.empty() || op == "Equal")
        return string(get(toleration, "value")) == string(get(taint, "value"));
    return false;
}

bool anyTolerates(const Json &tolerations, const Json &taint)
{
    const Json &list = items(tolerations);
    return std::any_of(list.begin(), list.end(),
                       [&](const Json &toleration) { return tolerates(toleration, taint); });
}

std::optional<Json> firstUntoleratedTaint(const Json &node, const Json &tolerations,
                                          std::initializer_list<std::string_view> effects)
{
    for (const Json &taint : items(get(node, {"spec", "taints"}))) {
        const std::string effect = string(get(taint, "effect"));
        if (std::find(effects.begin(), effects.end(), effect) == effects.end())
            continue;
        if (!anyTolerates(tolerations, taint))
            return taint;
    }
    return std::nullopt;
}

bool nodeSelectorTermMatches(const Json &term, const Json &node)
{
    const Json &expressions = get(term, "matchExpressions");
    const Json &fieldRequirements = get(term, "matchFields");
    if (fields::size(expressions) == 0 && fields::size(fieldRequirements) == 0)
        return false;
    const Json &labels = get(node, {"metadata", "labels"});
    for (const Json &requirement : items(expressions))
        if (!labelRequirementMatches(requirement, labels))
            return false;
    for (const Json &requirement : items(fieldRequirements))
        if (!fieldRequirementMatches(requirement, node))
            return false;
    return true;
}

bool podMatchesNodeSelectorAndAffinity(const Json &pod, const Json &node)
{
    const Json &labels = get(node, {"metadata", "labels"});
    const Json &nodeSelector = get(pod, {"spec", "nodeSelector"});
    if (nodeSelector.is_object())
        for (const auto &[key, value] : nodeSelector.items())
            if (get(labels, key) != value)
                return false;

    const Json &required = get(pod, {"spec", "affinity", "nodeAffinity",
                                     "requiredDuringSchedulingIgnoredDuringExecution"});
    if (required.is_null())
        return true;
    // The terms are ORed: one matching term is enough.
    for (const Json &term : items(get(required, "nodeSelectorTerms")))
        if (nodeSelectorTermMatches(term, node))
            return true;
    return false;
}

} // namespace flowlab::kube::scheduling
