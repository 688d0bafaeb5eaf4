#pragma once

// The two matching rules that decide where a pod may go, shared by the filter and the score
// plugins: taints against tolerations (k8s.io/api/core/v1 Toleration.ToleratesTaint), and
// node selector terms against a node's labels and name (component-helpers' nodeaffinity).

#include "engine/kube/api/Resources.h"

#include <optional>
#include <string>
#include <string_view>

namespace flowlab::kube::scheduling {

// One toleration against one taint: the effect must match unless the toleration names none,
// the key unless it names none; then "Exists" tolerates any value and "Equal" (or no operator)
// only the same value. So {operator: Exists} with no key tolerates every taint.
bool tolerates(const Json &toleration, const Json &taint);
// Whether any of a pod's spec.tolerations tolerates `taint`.
bool anyTolerates(const Json &tolerations, const Json &taint);

// The first of a node's taints with one of `effects` that no toleration tolerates.
std::optional<Json> firstUntoleratedTaint(const Json &node, const Json &tolerations,
                                          std::initializer_list<std::string_view> effects);

// One nodeSelectorTerm: its matchExpressions (on labels: In, NotIn, Exists, DoesNotExist, Gt,
// Lt) and its matchFields (metadata.name: In, NotIn) must all hold. A term with neither
// matches no node, and a malformed requirement (Gt with two values) fails its term.
bool nodeSelectorTermMatches(const Json &term, const Json &node);

// spec.nodeSelector and the required node affinity together, as the NodeAffinity filter
// checks them: every nodeSelector label must match, and at least one required term.
bool podMatchesNodeSelectorAndAffinity(const Json &pod, const Json &node);

} // namespace flowlab::kube::scheduling
