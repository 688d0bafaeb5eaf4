#pragma once

// The pieces behind applyDefaults() and validateObject(): field paths as
// k8s.io/apimachinery/pkg/util/validation/field prints them, the name and label rules of
// util/validation with their real messages, and the defaulting and validation of each topic
// (pods, workloads, the other kinds), each in its own file. Internal to flowlab_kube_api.

#include "engine/kube/api/ApiStatus.h"
#include "engine/kube/api/Resources.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::kube::admission {

// "spec.template.spec.containers[0].image", "data[config.yaml]".
class FieldPath
{
public:
    FieldPath() = default;
    explicit FieldPath(std::string root)
        : m_path(std::move(root))
    {}

    FieldPath child(std::string_view name) const
    {
        return FieldPath(m_path.empty() ? std::string(name) : m_path + "." + std::string(name));
    }
    FieldPath index(std::size_t i) const
    {
        return FieldPath(m_path + "[" + std::to_string(i) + "]");
    }
    FieldPath key(std::string_view key) const
    {
        return FieldPath(m_path + "[" + std::string(key) + "]");
    }
    const std::string &str() const { return m_path; }

private:
    std::string m_path;
};

// Sets fields nobody wrote and keeps a line per field for the audit evidence.
class DefaultsWriter
{
public:
    explicit DefaultsWriter(std::vector<std::string> &lines)
        : m_lines(lines)
    {}

    // object[key] = value when it is unset (absent, null or ""), as Go's defaulters test a nil
    // pointer or an empty string. Returns whether it set it.
    bool set(Json &object, const FieldPath &path, std::string_view key, Json value);
    // object[key] as an object to default into, created when absent; nullptr when it holds
    // something else (the decoder would have rejected that object).
    static Json *object(Json &parent, std::string_view key);
    // Records a field set by other means (a whole list, a computed value).
    void record(const FieldPath &path, const Json &value);

private:
    std::vector<std::string> &m_lines;
};

// ---- util/validation: each returns the messages, empty when valid ----

using NameRule = std::vector<std::string> (*)(std::string_view);

std::vector<std::string> isDns1123Subdomain(std::string_view value);
std::vector<std::string> isDns1123Label(std::string_view value);
std::vector<std::string> isDns1035Label(std::string_view value);
// path.IsValidPathSegmentName: RBAC objects and persistent volumes.
std::vector<std::string> isValidPathSegmentName(std::string_view value);
std::vector<std::string> isQualifiedName(std::string_view value);
std::vector<std::string> isValidLabelValue(std::string_view value);
std::vector<std::string> isValidPortName(std::string_view value);
std::vector<std::string> isValidPortNum(std::int64_t port);
std::vector<std::string> isConfigMapKey(std::string_view value);

// The rule metadata.name follows for a kind: NameIsDNSSubdomain for most, a DNS-1123 label for
// namespaces and statefulsets, a DNS-1035 label for services, a path segment for RBAC.
NameRule nameRuleFor(const ResourceInfo &resource);

// ---- shared validation (ValidateObjectMeta and friends) ----

// Appends one Invalid error per message.
void invalidEach(FieldErrors &errors, const FieldPath &path, const Json &value,
                 const std::vector<std::string> &messages);
// ValidateObjectMeta but for the name, which validateName() checks: namespace, generation,
// labels and annotations.
void validateObjectMeta(const Json &metadata, bool namespaced, const FieldPath &path,
                        FieldErrors &errors);
void validateObjectMetaUpdate(const Json &metadata, const Json &oldMetadata, const FieldPath &path,
                              FieldErrors &errors);
void validateLabels(const Json &labels, const FieldPath &path, FieldErrors &errors);
void validateAnnotations(const Json &annotations, const FieldPath &path, FieldErrors &errors);
// metav1 LabelSelector validation: keys, values, operators.
void validateLabelSelector(const Json &selector, const FieldPath &path, FieldErrors &errors);
void validateNonnegative(const Json &value, const FieldPath &path, FieldErrors &errors);
// ValidateImmutableField: "field is immutable" when the values differ.
void validateImmutable(const Json &value, const Json &oldValue, const FieldPath &path,
                       FieldErrors &errors);
// Whether a metav1.LabelSelector matches a labels map; a null selector matches nothing and an
// empty one everything, as LabelSelectorAsSelector converts them.
bool selectorMatches(const Json &selector, const Json &labels);
// A value as apimachinery's semantic DeepEqual sees it: absent, null, zero and empty values
// are all unset, so two objects compare equal when only such values differ.
Json semantic(const Json &value);
// A metav1.LabelSelector with neither matchLabels nor matchExpressions.
bool selectorEmpty(const Json &selector);

// ---- defaulting by topic ----

// SetDefaults_PodSpec and the container, probe and volume defaults under it, for a pod's spec
// or a template's.
void defaultPodSpec(Json &spec, const FieldPath &path, DefaultsWriter &writer);
// A pod template: its spec, and the creationTimestamp: null every template prints with.
void defaultPodTemplate(Json &templ, const FieldPath &path, DefaultsWriter &writer);
// What only a Pod gets: SetDefaults_Pod and the defaults of the admission plugins every
// cluster runs (ServiceAccount, Priority, DefaultTolerationSeconds).
void defaultPod(Json &pod, DefaultsWriter &writer);
void defaultWorkload(const std::string &kind, Json &object, DefaultsWriter &writer);
void defaultOtherKind(const std::string &kind, Json &object, DefaultsWriter &writer);

// ---- validation by topic ----

void validatePodSpec(const Json &spec, const FieldPath &path, FieldErrors &errors);
// ValidatePodTemplateSpec: the template's labels, annotations and spec.
void validatePodTemplate(const Json &templ, const FieldPath &path, FieldErrors &errors);
void validatePod(const Json &pod, const Json &old, FieldErrors &errors);
void validateWorkload(const std::string &kind, const Json &object, const Json &old,
                      FieldErrors &errors);
void validateOtherKind(const ResourceInfo &resource, const Json &object, const Json &old,
                       FieldErrors &errors);

} // namespace flowlab::kube::admission
