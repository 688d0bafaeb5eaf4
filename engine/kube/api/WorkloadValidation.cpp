// Validation of the controllers that run pods (pkg/apis/apps/validation, batch/validation):
// selectors that must match their template, the template itself, rollout strategies, and
// what may not change once created.

#include "engine/kube/api/AdmissionRules.h"
#include "engine/kube/api/JsonFields.h"

#include <algorithm>

namespace flowlab::kube::admission {

namespace {

using fields::get;
using fields::integer;
using fields::string;

const FieldPath kSpec("spec");

bool selectorConvertible(const Json &selector)
{
    FieldErrors errors;
    validateLabelSelector(selector, FieldPath(), errors);
    return errors.empty();
}

// The template's labels must be selected: a null selector selects nothing, an empty one
// everything (LabelSelectorAsSelector).
void validateSelectorMatchesTemplate(const Json &selector, const Json &templ, FieldErrors &errors)
{
    if (selector.is_object() && selectorEmpty(selector))
        return;
    const Json &labels = get(templ, {"metadata", "labels"});
    if (!selectorMatches(selector, labels))
        errors.push_back(
            FieldError::invalid(kSpec.child("template").child("metadata").child("labels").str(),
                                labels, "`selector` does not match template `labels`"));
}

// spec.selector of a Deployment, ReplicaSet or StatefulSet: required, well-formed, not empty.
void validateRequiredSelector(const Json &spec, const std::string &emptyMessage,
                              FieldErrors &errors)
{
    const Json &selector = get(spec, "selector");
    if (selector.is_null()) {
        errors.push_back(FieldError::required(kSpec.child("selector").str()));
        return;
    }
    validateLabelSelector(selector, kSpec.child("selector"), errors);
    if (selectorEmpty(selector))
        errors.push_back(
            FieldError::invalid(kSpec.child("selector").str(), selector, emptyMessage));
}

// A pod template that must restart its pods (every apps/v1 controller).
void validateAlwaysRestarting(const Json &templ, const std::string &kind, FieldErrors &errors)
{
    const FieldPath templSpec = kSpec.child("template").child("spec");
    const Json &restartPolicy = get(templ, {"spec", "restartPolicy"});
    if (string(restartPolicy) != "Always")
        errors.push_back(FieldError::notSupported(templSpec.child("restartPolicy").str(),
                                                  string(restartPolicy), {"Always"}));
    if (!get(templ, {"spec", "activeDeadlineSeconds"}).is_null())
        errors.push_back(
            FieldError::forbidden(templSpec.child("activeDeadlineSeconds").str(),
                                  "activeDeadlineSeconds in " + kind + " is not Supported"));
}

// ValidatePodTemplateSpecForReplicaSet, after the selector checks.
void validateReplicaSetTemplate(const Json &spec, FieldErrors &errors)
{
    const Json &selector = get(spec, "selector");
    if (!selectorConvertible(selector)) {
        errors.push_back(
            FieldError::invalid(kSpec.child("selector").str(), selector, "invalid label selector"));
        return;
    }
    const Json &templ = get(spec, "template");
    validateSelectorMatchesTemplate(selector, templ, errors);
    validatePodTemplate(templ, kSpec.child("template"), errors);
    validateAlwaysRestarting(templ, "ReplicaSet", errors);
}

// ---- int-or-percent (maxSurge, maxUnavailable) ----

std::optional<std::int64_t> percentValue(const Json &value)
{
    const std::string text = string(value);
    if (text.size() < 2 || text.back() != '%' ||
        !std::all_of(text.begin(), text.end() - 1, [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    return std::stoll(text.substr(0, text.size() - 1));
}

void validatePositiveIntOrPercent(const Json &value, const FieldPath &path, FieldErrors &errors)
{
    if (value.is_string()) {
        if (!percentValue(value))
            errors.push_back(FieldError::invalid(
                path.str(), value,
                "a valid percent string must be a numeric string followed by an ending '%' (e.g. "
                "'1%',  or '93%', regex used for validation is '[0-9]+%')"));
    } else if (value.is_number_integer()) {
        validateNonnegative(value, path, errors);
    } else if (!value.is_null()) {
        errors.push_back(
            FieldError::invalid(path.str(), value, "must be an integer or percentage (e.g '5%')"));
    }
}

void validateNotMoreThan100Percent(const Json &value, const FieldPath &path, FieldErrors &errors)
{
    if (const auto percent = percentValue(value); percent && *percent > 100)
        errors.push_back(FieldError::invalid(path.str(), value, "must not be greater than 100%"));
}

std::int64_t intOrPercent(const Json &value)
{
    if (const auto percent = percentValue(value))
        return *percent;
    return integer(value);
}

void validateDeploymentStrategy(const Json &strategy, FieldErrors &errors)
{
    const FieldPath path = kSpec.child("strategy");
    const std::string type = string(get(strategy, "type"));
    const Json &rolling = get(strategy, "rollingUpdate");
    if (type == "Recreate") {
        if (!rolling.is_null())
            errors.push_back(
                FieldError::forbidden(path.child("rollingUpdate").str(),
                                      "may not be specified when strategy `type` is 'Recreate'"));
    } else if (type == "RollingUpdate") {
        if (rolling.is_null()) {
            errors.push_back(FieldError::required(path.child("rollingUpdate").str(),
                                                  "this should be defaulted and never be nil"));
            return;
        }
        const FieldPath at = path.child("rollingUpdate");
        const Json &maxUnavailable = get(rolling, "maxUnavailable");
        const Json &maxSurge = get(rolling, "maxSurge");
        validatePositiveIntOrPercent(maxUnavailable, at.child("maxUnavailable"), errors);
        validatePositiveIntOrPercent(maxSurge, at.child("maxSurge"), errors);
        if (intOrPercent(maxUnavailable) == 0 && intOrPercent(maxSurge) == 0)
            errors.push_back(FieldError::invalid(at.child("maxUnavailable").str(), maxUnavailable,
                                                 "may not be 0 when `maxSurge` is 0"));
        validateNotMoreThan100Percent(maxUnavailable, at.child("maxUnavailable"), errors);
    } else {
        errors.push_back(
            FieldError::notSupported(path.str(), strategy, {"Recreate", "RollingUpdate"}));
    }
}

// ---- by kind ----

void validateDeploymentSpec(const Json &spec, FieldErrors &errors)
{
    validateNonnegative(get(spec, "replicas"), kSpec.child("replicas"), errors);
    validateRequiredSelector(spec, "empty selector is invalid for deployment", errors);
    validateReplicaSetTemplate(spec, errors);
    validateDeploymentStrategy(get(spec, "strategy"), errors);
    validateNonnegative(get(spec, "minReadySeconds"), kSpec.child("minReadySeconds"), errors);
    validateNonnegative(get(spec, "revisionHistoryLimit"), kSpec.child("revisionHistoryLimit"),
                        errors);
    if (const Json &deadline = get(spec, "progressDeadlineSeconds"); deadline.is_number_integer()) {
        validateNonnegative(deadline, kSpec.child("progressDeadlineSeconds"), errors);
        if (integer(deadline) <= integer(get(spec, "minReadySeconds")))
            errors.push_back(FieldError::invalid(kSpec.child("progressDeadlineSeconds").str(),
                                                 deadline, "must be greater than minReadySeconds"));
    }
}

void validateReplicaSetSpec(const Json &spec, FieldErrors &errors)
{
    validateNonnegative(get(spec, "replicas"), kSpec.child("replicas"), errors);
    validateNonnegative(get(spec, "minReadySeconds"), kSpec.child("minReadySeconds"), errors);
    // The real message names deployments here too.
    validateRequiredSelector(spec, "empty selector is invalid for deployment", errors);
    validateReplicaSetTemplate(spec, errors);
}

void validateStatefulSetSpec(const Json &spec, FieldErrors &errors)
{
    const Json &policy = get(spec, "podManagementPolicy");
    if (string(policy).empty())
        errors.push_back(FieldError::required(kSpec.child("podManagementPolicy").str()));
    else if (string(policy) != "OrderedReady" && string(policy) != "Parallel")
        errors.push_back(FieldError::invalid(kSpec.child("podManagementPolicy").str(), policy,
                                             "must be 'OrderedReady' or 'Parallel'"));
    const Json &strategy = get(spec, "updateStrategy");
    const std::string type = string(get(strategy, "type"));
    if (type.empty())
        errors.push_back(FieldError::required(kSpec.child("updateStrategy").str()));
    else if (type == "OnDelete" && !get(strategy, "rollingUpdate").is_null())
        errors.push_back(FieldError::invalid(
            kSpec.child("updateStrategy").child("rollingUpdate").str(),
            get(strategy, "rollingUpdate"), "only allowed for updateStrategy 'RollingUpdate'"));
    else if (type != "OnDelete" && type != "RollingUpdate")
        errors.push_back(FieldError::invalid(kSpec.child("updateStrategy").str(), strategy,
                                             "must be 'RollingUpdate' or 'OnDelete'"));
    const Json &retention = get(spec, "persistentVolumeClaimRetentionPolicy");
    for (const char *field : {"whenDeleted", "whenScaled"}) {
        const Json &value = get(retention, field);
        if (retention.is_object() && string(value) != "Retain" && string(value) != "Delete")
            errors.push_back(FieldError::notSupported(
                kSpec.child("persistentVolumeClaimRetentionPolicy").child(field).str(),
                string(value), {"Retain", "Delete"}));
    }
    validateNonnegative(get(spec, "replicas"), kSpec.child("replicas"), errors);
    validateNonnegative(get(spec, "minReadySeconds"), kSpec.child("minReadySeconds"), errors);
    validateRequiredSelector(spec, "empty selector is invalid for statefulset", errors);

    const Json &selector = get(spec, "selector");
    const Json &templ = get(spec, "template");
    if (!selectorConvertible(selector)) {
        errors.push_back(FieldError::invalid(kSpec.child("selector").str(), selector, ""));
    } else {
        // ValidatePodTemplateSpecForStatefulSet checks labels and annotations, not the pod
        // spec: a broken template shows up in the pods' events instead.
        validateSelectorMatchesTemplate(selector, templ, errors);
        validateLabels(get(templ, {"metadata", "labels"}), kSpec.child("template").child("labels"),
                       errors);
        validateAnnotations(get(templ, {"metadata", "annotations"}),
                            kSpec.child("template").child("annotations"), errors);
    }
    validateAlwaysRestarting(templ, "StatefulSet", errors);
}

void validateDaemonSetSpec(const Json &spec, FieldErrors &errors)
{
    const Json &selector = get(spec, "selector");
    const Json &templ = get(spec, "template");
    validateLabelSelector(selector, kSpec.child("selector"), errors);
    if (selectorConvertible(selector) &&
        !selectorMatches(selector, get(templ, {"metadata", "labels"})))
        errors.push_back(FieldError::invalid(
            kSpec.child("template").child("metadata").child("labels").str(),
            get(templ, {"metadata", "labels"}), "`selector` does not match template `labels`"));
    if (selector.is_object() && selectorEmpty(selector))
        errors.push_back(FieldError::invalid(kSpec.child("selector").str(), selector,
                                             "empty selector is invalid for daemonset"));
    validatePodTemplate(templ, kSpec.child("template"), errors);
    validateAlwaysRestarting(templ, "DaemonSet", errors);
    validateNonnegative(get(spec, "minReadySeconds"), kSpec.child("minReadySeconds"), errors);

    const Json &strategy = get(spec, "updateStrategy");
    const std::string type = string(get(strategy, "type"));
    const FieldPath strategyPath = kSpec.child("updateStrategy");
    if (type == "RollingUpdate") {
        const Json &rolling = get(strategy, "rollingUpdate");
        if (rolling.is_null()) {
            errors.push_back(FieldError::required(strategyPath.child("rollingUpdate").str()));
        } else {
            const FieldPath at = strategyPath.child("rollingUpdate");
            const Json &maxUnavailable = get(rolling, "maxUnavailable");
            const Json &maxSurge = get(rolling, "maxSurge");
            validatePositiveIntOrPercent(maxUnavailable, at.child("maxUnavailable"), errors);
            validatePositiveIntOrPercent(maxSurge, at.child("maxSurge"), errors);
            validateNotMoreThan100Percent(maxUnavailable, at.child("maxUnavailable"), errors);
            validateNotMoreThan100Percent(maxSurge, at.child("maxSurge"), errors);
            // Exactly one of them moves pods: surge first, or take some down first.
            const bool unavailable = intOrPercent(maxUnavailable) != 0;
            const bool surge = intOrPercent(maxSurge) != 0;
            if (unavailable && surge)
                errors.push_back(
                    FieldError::invalid(at.child("maxSurge").str(), maxSurge,
                                        "may not be set when maxUnavailable is non-zero"));
            else if (!unavailable && !surge)
                errors.push_back(FieldError::required(at.child("maxUnavailable").str(),
                                                      "cannot be 0 when maxSurge is 0"));
        }
    } else if (type != "OnDelete") {
        errors.push_back(
            FieldError::notSupported(strategyPath.str(), strategy, {"RollingUpdate", "OnDelete"}));
    }
    validateNonnegative(get(spec, "revisionHistoryLimit"), kSpec.child("revisionHistoryLimit"),
                        errors);
}

void validateJobSpec(const Json &spec, FieldErrors &errors)
{
    for (const char *field : {"parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                              "ttlSecondsAfterFinished"})
        validateNonnegative(get(spec, field), kSpec.child(field), errors);
    if (const Json &mode = get(spec, "completionMode");
        !mode.is_null() && string(mode) != "NonIndexed" && string(mode) != "Indexed")
        errors.push_back(FieldError::notSupported(kSpec.child("completionMode").str(), mode,
                                                  {"NonIndexed", "Indexed"}));
    const Json &templ = get(spec, "template");
    validatePodTemplate(templ, kSpec.child("template"), errors);
    // The template's restartPolicy was defaulted to Always like any pod's.
    const FieldPath restartPath = kSpec.child("template").child("spec").child("restartPolicy");
    const Json &restartPolicy = get(templ, {"spec", "restartPolicy"});
    if (string(restartPolicy).empty() || string(restartPolicy) == "Always")
        errors.push_back(
            FieldError::required(restartPath.str(), "valid values: \"OnFailure\", \"Never\""));
    else if (string(restartPolicy) != "OnFailure" && string(restartPolicy) != "Never")
        errors.push_back(
            FieldError::notSupported(restartPath.str(), restartPolicy, {"OnFailure", "Never"}));

    // Without manualSelector the apiserver generates the selector from the job's uid; only a
    // hand-written one is required here and must match the template.
    const Json &selector = get(spec, "selector");
    const bool manual = fields::boolean(get(spec, "manualSelector"));
    if (selector.is_null()) {
        if (manual)
            errors.push_back(FieldError::required(kSpec.child("selector").str()));
    } else {
        validateLabelSelector(selector, kSpec.child("selector"), errors);
    }
    if (manual && selectorConvertible(selector) &&
        !selectorMatches(selector, get(templ, {"metadata", "labels"})))
        errors.push_back(FieldError::invalid(
            kSpec.child("template").child("metadata").child("labels").str(),
            get(templ, {"metadata", "labels"}), "`selector` does not match template `labels`"));
}

void validateJobUpdate(const Json &spec, const Json &oldSpec, FieldErrors &errors)
{
    if (string(get(oldSpec, "completionMode")) != "Indexed")
        validateImmutable(get(spec, "completions"), get(oldSpec, "completions"),
                          kSpec.child("completions"), errors);
    validateImmutable(get(spec, "selector"), get(oldSpec, "selector"), kSpec.child("selector"),
                      errors);
    // A suspended job may still be retargeted before it starts; a running one may not.
    if (!fields::boolean(get(oldSpec, "suspend")) &&
        semantic(get(spec, "template")) != semantic(get(oldSpec, "template")))
        errors.push_back(FieldError::invalid(kSpec.child("template").str(), get(spec, "template"),
                                             "field is immutable"));
    validateImmutable(get(spec, "completionMode"), get(oldSpec, "completionMode"),
                      kSpec.child("completionMode"), errors);
}

// ValidateStatefulSetUpdate: only these parts of the spec may change.
void validateStatefulSetUpdate(const Json &spec, const Json &oldSpec, FieldErrors &errors)
{
    Json clone = spec.is_object() ? spec : Json::object();
    for (const char *field : {"replicas", "template", "updateStrategy", "minReadySeconds",
                              "ordinals", "persistentVolumeClaimRetentionPolicy"}) {
        clone.erase(field);
        if (oldSpec.contains(field))
            clone[field] = oldSpec[field];
    }
    if (semantic(clone) != semantic(oldSpec))
        errors.push_back(FieldError::forbidden(
            kSpec.str(),
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
            "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
            "'minReadySeconds' are forbidden"));
}

} // namespace

void validateWorkload(const std::string &kind, const Json &object, const Json &old,
                      FieldErrors &errors)
{
    const bool update = !old.is_null();
    const FieldPath metadata("metadata");
    if (update)
        validateObjectMetaUpdate(get(object, "metadata"), get(old, "metadata"), metadata, errors);
    validateObjectMeta(get(object, "metadata"), true, metadata, errors);

    const Json &spec = get(object, "spec");
    const Json &oldSpec = get(old, "spec");
    if (kind == "Deployment")
        validateDeploymentSpec(spec, errors);
    else if (kind == "ReplicaSet")
        validateReplicaSetSpec(spec, errors);
    else if (kind == "StatefulSet")
        validateStatefulSetSpec(spec, errors);
    else if (kind == "DaemonSet")
        validateDaemonSetSpec(spec, errors);
    else if (kind == "Job")
        validateJobSpec(spec, errors);
    if (!update)
        return;

    // apps/v1 selectors are immutable (the strategies' ValidateUpdate).
    if (kind == "Deployment" || kind == "ReplicaSet" || kind == "DaemonSet")
        validateImmutable(get(spec, "selector"), get(oldSpec, "selector"), kSpec.child("selector"),
                          errors);
    else if (kind == "StatefulSet")
        validateStatefulSetUpdate(spec, oldSpec, errors);
    else if (kind == "Job")
        validateJobUpdate(spec, oldSpec, errors);
}

} // namespace flowlab::kube::admission
