#pragma once

// Label and field selectors, as the apiserver filters lists and watches with them
// (`kubectl get pods -l app=web`, `--field-selector spec.nodeName=node1`) and as controllers
// match pods to a ReplicaSet's spec.selector.

#include "engine/kube/api/Resources.h"
#include "tracer/base/Result.h"

#include <string>
#include <string_view>
#include <vector>

namespace flowlab::kube {

struct LabelRequirement
{
    // "=" and "==" are both Equals. GreaterThan/LessThan ("replicas>1") compare the label as an
    // integer; the query-string parser accepts them as the real one does, metav1 selectors don't.
    enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist, GreaterThan, LessThan };
    std::string key;
    Op op = Op::Equals;
    // Sorted and unique; one for Equals/NotEquals/GreaterThan/LessThan, none for (Does)Exist(s).
    std::vector<std::string> values;
};

class LabelSelector
{
public:
    // The query-string form (k8s.io/apimachinery/pkg/labels.Parse):
    //   "app=web,tier!=db", "env in (prod,staging)", "env notin (dev)", "gpu", "!legacy"
    // "" selects everything. Errors read as the apiserver's, naming the token found and what
    // was expected, or the invalid key or value:
    //   "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"
    static Result<LabelSelector> parse(std::string_view text);
    // A metav1.LabelSelector object: {"matchLabels": {...}, "matchExpressions": [{"key",
    // "operator": In|NotIn|Exists|DoesNotExist, "values"}]}. null or {} selects everything.
    // Errors are the apiserver's validation errors, with paths relative to the selector, e.g.
    //   "matchExpressions[0].values: Required value: must be specified when `operator` is 'In'
    //   or 'NotIn'"; the caller prefixes its own path ("spec.selector."). Several are listed as
    //   "[a, b]".
    static Result<LabelSelector> fromJson(const Json &selector);
    // A plain map, as a Service's spec.selector: every pair must match.
    static LabelSelector fromMap(const Json &matchLabels);

    // `labels` is metadata.labels: an object of strings, or null/absent for none.
    bool matches(const Json &labels) const;
    bool empty() const { return m_requirements.empty(); }
    const std::vector<LabelRequirement> &requirements() const { return m_requirements; }
    // The canonical form kubectl shows: requirements sorted by key, "app=web,env in (a,b)".
    std::string toString() const;

private:
    std::vector<LabelRequirement> m_requirements;
};

struct FieldRequirement
{
    std::string field;  // "spec.nodeName"
    bool equals = true; // "=" / "==" when true, "!=" when false
    std::string value;
};

class FieldSelector
{
public:
    // "metadata.name=web,spec.nodeName!=" (k8s.io/apimachinery/pkg/fields.ParseSelector);
    // backslash escapes \, \= and \\ as there.
    static Result<FieldSelector> parse(std::string_view text);

    // Field values are read as the apiserver's field sets hold them for the object's kind:
    // dotted paths, except where a field is named apart from its data ("source" is an event's
    // source.component, a job's "status.successful" its status.succeeded). Booleans compare as
    // "true"/"false" and counts as decimals; a missing string is "", and a missing boolean or
    // count its Go zero value ("false", "0"), as an unset field reads there.
    bool matches(const Json &object) const;
    bool empty() const { return m_requirements.empty(); }
    const std::vector<FieldRequirement> &requirements() const { return m_requirements; }

private:
    std::vector<FieldRequirement> m_requirements;
};

// The fields a resource may be selected by, as the real apiserver allows them: metadata.name
// and metadata.namespace for every resource (nodes and namespaces: metadata.name only), plus
// e.g. spec.nodeName, status.phase, spec.schedulerName for pods, involvedObject.* and
// reason/type/source for events, type for secrets, spec.unschedulable for nodes,
// status.successful for jobs, spec.clusterIP and spec.type for services.
bool isSelectableField(const ResourceInfo &resource, std::string_view field);

} // namespace flowlab::kube
