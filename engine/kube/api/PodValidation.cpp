// Pod validation (pkg/apis/core/validation: ValidatePodSpec, ValidatePodUpdate) for what
// learners write: containers, ports, env, volumes and their mounts, the pod's policies, and
// which fields of a running pod may change.

#include "engine/kube/api/AdmissionRules.h"
#include "engine/kube/api/JsonFields.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <set>

namespace flowlab::kube::admission {

namespace {

using fields::get;
using fields::integer;
using fields::items;
using fields::string;

FieldError notFound(const FieldPath &path, const Json &value)
{
    FieldError error;
    error.type = FieldError::Type::NotFound;
    error.field = path.str();
    error.value = value;
    return error;
}

// One of `allowed`, Required when empty: the shape of validateRestartPolicy,
// validatePullPolicy and friends.
void validateEnum(const Json &value, const FieldPath &path, const std::vector<std::string> &allowed,
                  FieldErrors &errors)
{
    const std::string text = string(value);
    if (text.empty())
        errors.push_back(FieldError::required(path.str()));
    else if (std::find(allowed.begin(), allowed.end(), text) == allowed.end())
        errors.push_back(FieldError::notSupported(path.str(), value, allowed));
}

const std::vector<std::string> kProtocols{"SCTP", "TCP", "UDP"};

void validateContainerPorts(const Json &ports, const FieldPath &path, FieldErrors &errors)
{
    std::set<std::string> names;
    const Json &list = items(ports);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const Json &port = list[i];
        const FieldPath at = path.index(i);
        if (const std::string name = string(get(port, "name")); !name.empty()) {
            const auto messages = isValidPortName(name);
            if (!messages.empty())
                invalidEach(errors, at.child("name"), name, messages);
            else if (!names.insert(name).second)
                errors.push_back(FieldError::duplicate(at.child("name").str(), name));
        }
        const Json &containerPort = get(port, "containerPort");
        if (integer(containerPort) == 0)
            errors.push_back(FieldError::required(at.child("containerPort").str()));
        else
            invalidEach(errors, at.child("containerPort"), containerPort,
                        isValidPortNum(integer(containerPort)));
        if (const Json &hostPort = get(port, "hostPort"); integer(hostPort) != 0)
            invalidEach(errors, at.child("hostPort"), hostPort, isValidPortNum(integer(hostPort)));
        const Json &protocol = get(port, "protocol");
        if (string(protocol).empty())
            errors.push_back(FieldError::required(at.child("protocol").str()));
        else if (std::find(kProtocols.begin(), kProtocols.end(), string(protocol)) ==
                 kProtocols.end())
            errors.push_back(
                FieldError::notSupported(at.child("protocol").str(), protocol, kProtocols));
    }
}

// ValidateEnv, with RelaxedEnvironmentVariableValidation (beta, on, in 1.32).
void validateEnv(const Json &env, const FieldPath &path, FieldErrors &errors)
{
    const Json &list = items(env);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const FieldPath at = path.index(i).child("name");
        const std::string name = string(get(list[i], "name"));
        if (name.empty()) {
            errors.push_back(FieldError::required(at.str()));
            continue;
        }
        const bool printable = std::all_of(name.begin(), name.end(), [](unsigned char c) {
            return c >= 32 && c <= 127 && c != '=';
        });
        if (!printable)
            errors.push_back(FieldError::invalid(
                at.str(), name,
                "a valid environment variable name must consist only of printable ASCII "
                "characters other than '='"));
    }
}

void validateVolumeMounts(const Json &mounts, const std::set<std::string> &volumes,
                          const FieldPath &path, FieldErrors &errors)
{
    std::set<std::string> mountPoints;
    const Json &list = items(mounts);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const FieldPath at = path.index(i);
        const Json &name = get(list[i], "name");
        if (string(name).empty())
            errors.push_back(FieldError::required(at.child("name").str()));
        if (!volumes.count(string(name)))
            errors.push_back(notFound(at.child("name"), string(name)));
        const std::string mountPath = string(get(list[i], "mountPath"));
        if (mountPath.empty())
            errors.push_back(FieldError::required(at.child("mountPath").str()));
        if (!mountPoints.insert(mountPath).second)
            errors.push_back(
                FieldError::invalid(at.child("mountPath").str(), mountPath, "must be unique"));
    }
}

// validateContainerCommon and the checks validateContainers adds for regular containers.
void validateContainer(const Json &container, const FieldPath &path,
                       const std::set<std::string> &volumes, std::set<std::string> &names,
                       FieldErrors &errors)
{
    const std::string name = string(get(container, "name"));
    if (name.empty())
        errors.push_back(FieldError::required(path.child("name").str()));
    else
        invalidEach(errors, path.child("name"), name, isDns1123Label(name));
    const std::string image = string(get(container, "image"));
    const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    if (!image.empty() && (space(image.front()) || space(image.back())))
        errors.push_back(FieldError::invalid(path.child("image").str(), image,
                                             "must not have leading or trailing whitespace"));
    validateContainerPorts(get(container, "ports"), path.child("ports"), errors);
    validateEnv(get(container, "env"), path.child("env"), errors);
    validateVolumeMounts(get(container, "volumeMounts"), volumes, path.child("volumeMounts"),
                         errors);
    validateEnum(get(container, "imagePullPolicy"), path.child("imagePullPolicy"),
                 {"Always", "IfNotPresent", "Never"}, errors);

    if (!name.empty() && !names.insert(name).second)
        errors.push_back(FieldError::duplicate(path.child("name").str(), name));
    if (image.empty())
        errors.push_back(FieldError::required(path.child("image").str()));
    if (const Json &policy = get(container, "terminationMessagePolicy"); !policy.is_null())
        validateEnum(policy, path.child("terminationMessagePolicy"),
                     {"File", "FallbackToLogsOnError"}, errors);
}

// The volume types validateVolumeSource counts, in its order.
const std::vector<std::string> kVolumeSources{"hostPath",
                                              "emptyDir",
                                              "gitRepo",
                                              "gcePersistentDisk",
                                              "awsElasticBlockStore",
                                              "secret",
                                              "nfs",
                                              "iscsi",
                                              "glusterfs",
                                              "flocker",
                                              "persistentVolumeClaim",
                                              "rbd",
                                              "quobyte",
                                              "cinder",
                                              "cephfs",
                                              "downwardAPI",
                                              "fc",
                                              "azureFile",
                                              "configMap",
                                              "vsphereVolume",
                                              "azureDisk",
                                              "photonPersistentDisk",
                                              "projected",
                                              "portworxVolume",
                                              "scaleIO",
                                              "storageos",
                                              "csi",
                                              "ephemeral",
                                              "image"};

std::set<std::string> validateVolumes(const Json &volumes, const FieldPath &path,
                                      FieldErrors &errors)
{
    std::set<std::string> names;
    const Json &list = items(volumes);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const FieldPath at = path.index(i);
        int sources = 0;
        for (const auto &source : kVolumeSources) {
            if (get(list[i], source).is_null())
                continue;
            if (++sources > 1)
                errors.push_back(FieldError::forbidden(at.child(source).str(),
                                                       "may not specify more than 1 volume type"));
        }
        if (sources == 0)
            errors.push_back(FieldError::required(at.str(), "must specify a volume type"));
        const std::string name = string(get(list[i], "name"));
        if (name.empty())
            errors.push_back(FieldError::required(at.child("name").str()));
        else
            invalidEach(errors, at.child("name"), name, isDns1123Label(name));
        if (!names.insert(name).second)
            errors.push_back(FieldError::duplicate(at.child("name").str(), name));
    }
    return names;
}

bool containsToleration(const Json &tolerations, const Json &toleration)
{
    const Json &list = items(tolerations);
    return std::any_of(list.begin(), list.end(), [&](const Json &candidate) {
        return semantic(candidate) == semantic(toleration);
    });
}

// ValidatePodUpdate, short of the spec diff the real message ends with.
void validatePodUpdate(const Json &pod, const Json &old, FieldErrors &errors)
{
    const FieldPath specPath("spec");
    const Json &spec = get(pod, "spec");
    const Json &oldSpec = get(old, "spec");
    for (const char *list : {"containers", "initContainers"}) {
        if (fields::size(get(spec, list)) != fields::size(get(oldSpec, list))) {
            errors.push_back(FieldError::forbidden(specPath.child(list).str(),
                                                   "pod updates may not add or remove containers"));
            return;
        }
    }
    const Json &deadline = get(spec, "activeDeadlineSeconds");
    const Json &oldDeadline = get(oldSpec, "activeDeadlineSeconds");
    if (deadline.is_number_integer()) {
        if (!oldDeadline.is_null() && integer(oldDeadline) < integer(deadline)) {
            errors.push_back(FieldError::invalid(specPath.child("activeDeadlineSeconds").str(),
                                                 deadline,
                                                 "must be less than or equal to previous value"));
            return;
        }
    } else if (!oldDeadline.is_null()) {
        errors.push_back(
            FieldError::invalid(specPath.child("activeDeadlineSeconds").str(), nullptr,
                                "must not update from a positive integer to nil value"));
    }
    for (const Json &toleration : items(get(oldSpec, "tolerations"))) {
        if (!containsToleration(get(spec, "tolerations"), toleration)) {
            errors.push_back(FieldError::forbidden(
                specPath.child("tolerations").str(),
                "existing toleration can not be modified except its tolerationSeconds"));
            break;
        }
    }

    // What may change, taken from the old spec; anything else that differs is forbidden.
    Json munged = spec.is_object() ? spec : Json::object();
    for (const char *list : {"containers", "initContainers"}) {
        const Json &oldList = items(get(oldSpec, list));
        for (std::size_t i = 0; i < oldList.size() && munged[list].is_array(); ++i) {
            if (munged[list][i].is_object())
                munged[list][i]["image"] = get(oldList[i], "image");
        }
    }
    for (const char *field : {"activeDeadlineSeconds", "tolerations", "schedulingGates"}) {
        munged.erase(field);
        if (oldSpec.contains(field))
            munged[field] = oldSpec[field];
    }
    const Json &grace = get(oldSpec, "terminationGracePeriodSeconds");
    if (integer(grace) < 0 && integer(get(munged, "terminationGracePeriodSeconds")) == 1)
        munged["terminationGracePeriodSeconds"] = grace;
    if (semantic(munged) != semantic(oldSpec))
        errors.push_back(FieldError::forbidden(
            specPath.str(),
            "pod updates may not change fields other than `spec.containers[*].image`,"
            "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
            "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
            "(allow it to be set to 1 if it was previously negative)"));
}

} // namespace

void validatePodSpec(const Json &spec, const FieldPath &path, FieldErrors &errors)
{
    const std::set<std::string> volumes =
        validateVolumes(get(spec, "volumes"), path.child("volumes"), errors);

    std::set<std::string> names;
    const Json &containers = items(get(spec, "containers"));
    if (containers.empty())
        errors.push_back(FieldError::required(path.child("containers").str()));
    for (std::size_t i = 0; i < containers.size(); ++i)
        validateContainer(containers[i], path.child("containers").index(i), volumes, names, errors);
    const Json &initContainers = items(get(spec, "initContainers"));
    for (std::size_t i = 0; i < initContainers.size(); ++i)
        validateContainer(initContainers[i], path.child("initContainers").index(i), volumes, names,
                          errors);

    validateEnum(get(spec, "restartPolicy"), path.child("restartPolicy"),
                 {"Always", "OnFailure", "Never"}, errors);
    validateEnum(get(spec, "dnsPolicy"), path.child("dnsPolicy"),
                 {"ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"}, errors);
    validateLabels(get(spec, "nodeSelector"), path.child("nodeSelector"), errors);
    for (const char *field : {"serviceAccountName", "nodeName"}) {
        if (const std::string value = string(get(spec, field)); !value.empty())
            invalidEach(errors, path.child(field), value, isDns1123Subdomain(value));
    }
    if (const Json &deadline = get(spec, "activeDeadlineSeconds"); deadline.is_number_integer()) {
        const auto value = integer(deadline);
        if (value < 1 || value > INT32_MAX)
            errors.push_back(FieldError::invalid(path.child("activeDeadlineSeconds").str(),
                                                 deadline,
                                                 "must be between 1 and 2147483647, inclusive"));
    }
    for (const char *field : {"hostname", "subdomain"}) {
        if (const std::string value = string(get(spec, field)); !value.empty())
            invalidEach(errors, path.child(field), value, isDns1123Label(value));
    }
}

void validatePodTemplate(const Json &templ, const FieldPath &path, FieldErrors &errors)
{
    validateLabels(get(templ, {"metadata", "labels"}), path.child("labels"), errors);
    validateAnnotations(get(templ, {"metadata", "annotations"}), path.child("annotations"), errors);
    validatePodSpec(get(templ, "spec"), path.child("spec"), errors);
    if (fields::size(get(templ, {"spec", "ephemeralContainers"})) != 0)
        errors.push_back(
            FieldError::forbidden(path.child("spec").child("ephemeralContainers").str(),
                                  "ephemeral containers not allowed in pod template"));
}

void validatePod(const Json &pod, const Json &old, FieldErrors &errors)
{
    const FieldPath metadata("metadata");
    if (!old.is_null())
        validateObjectMetaUpdate(get(pod, "metadata"), get(old, "metadata"), metadata, errors);
    validateObjectMeta(get(pod, "metadata"), true, metadata, errors);
    validatePodSpec(get(pod, "spec"), FieldPath("spec"), errors);
    if (!old.is_null())
        validatePodUpdate(pod, old, errors);
}

} // namespace flowlab::kube::admission
