#include "engine/kube/api/Admission.h"

#include "engine/kube/api/AdmissionRules.h"

namespace flowlab::kube {

namespace {

bool isPod(const ResourceInfo &resource)
{
    return resource.group.empty() && resource.kind == "Pod";
}

// The controllers with a pod template, validated and defaulted together.
bool isWorkload(const ResourceInfo &resource)
{
    return (resource.group == "apps" && resource.kind != "ControllerRevision") ||
           (resource.group == "batch" && resource.kind == "Job");
}

} // namespace

std::vector<std::string> applyDefaults(const ResourceInfo &resource, Json &object)
{
    std::vector<std::string> lines;
    if (!resource.stored() || !object.is_object())
        return lines;
    admission::DefaultsWriter writer(lines);
    try {
        if (isPod(resource))
            admission::defaultPod(object, writer);
        else if (isWorkload(resource))
            admission::defaultWorkload(resource.kind, object, writer);
        else
            admission::defaultOtherKind(resource.kind, object, writer);
    } catch (const Json::exception &) {
        // A field of an impossible type: validation names it, defaulting leaves it be.
    }
    return lines;
}

FieldErrors validateObject(const ResourceInfo &resource, const Json &object, const Json &old)
{
    FieldErrors errors;
    if (!resource.stored())
        return errors;
    try {
        if (isPod(resource))
            admission::validatePod(object, old, errors);
        else if (isWorkload(resource))
            admission::validateWorkload(resource.kind, object, old, errors);
        else
            admission::validateOtherKind(resource, object, old, errors);
    } catch (const Json::exception &e) {
        errors.push_back(
            FieldError::invalid("", nullptr, std::string("malformed object: ") + e.what()));
    }
    return errors;
}

FieldErrors validateName(const ResourceInfo &resource, const std::string &name)
{
    const admission::FieldPath path = admission::FieldPath("metadata").child("name");
    if (name.empty())
        return {FieldError::required(path.str(), "name or generateName is required")};
    FieldErrors errors;
    admission::invalidEach(errors, path, name, admission::nameRuleFor(resource)(name));
    return errors;
}

} // namespace flowlab::kube
