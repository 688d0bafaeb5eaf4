// meta/v1 messages, the kinds table and the lookups over all the tables (ProtobufSchema.h).
//
// Numbers and names: k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto and types.go.
// Time, MicroTime, Duration, Quantity, IntOrString and RawExtension are not listed here: they
// are ValueKinds, rendered by the decoder as their JSON forms.

#include "engine/kube/api/ProtobufSchema.h"

#include <set>
#include <string>
#include <unordered_map>

namespace flowlab::kube::protobuf {

using enum ValueKind;

const FieldSpec *MessageSpec::field(std::uint32_t number) const
{
    for (const FieldSpec &f : fields)
        if (f.number == number)
            return &f;
    return nullptr;
}

const std::vector<MessageSpec> &metaMessages()
{
    static const std::vector<MessageSpec> messages = {
        {"ObjectMeta",
         {
             {1, "name", String},
             {2, "generateName", String},
             {3, "namespace", String},
             {4, "selfLink", String},
             {5, "uid", String},
             {6, "resourceVersion", String},
             {7, "generation", Int64},
             // A Go struct, not a pointer: always sent, empty when zero, and JSON writes null.
             {8, "creationTimestamp", Time},
             {9, "deletionTimestamp", Time},
             {10, "deletionGracePeriodSeconds", Int64, Keep},
             {11, "labels", String, Map},
             {12, "annotations", String, Map},
             {13, "ownerReferences", "OwnerReference", Repeated},
             {14, "finalizers", String, Repeated},
             // managedFields belongs to the apiserver, which rewrites it on every write, and
             // kubectl never sends it: read and dropped. (15 was clusterName, removed in 1.25.)
             {17, "managedFields", Skip, Repeated},
         }},
        {"OwnerReference",
         {
             {5, "apiVersion", String, Keep},
             {1, "kind", String, Keep},
             {3, "name", String, Keep},
             {4, "uid", String, Keep},
             {6, "controller", Bool, Keep},
             {7, "blockOwnerDeletion", Bool, Keep},
         }},
        {"LabelSelector",
         {
             {1, "matchLabels", String, Map},
             {2, "matchExpressions", "LabelSelectorRequirement", Repeated},
         }},
        {"LabelSelectorRequirement",
         {
             {1, "key", String, Keep},
             {2, "operator", String, Keep},
             {3, "values", String, Repeated},
         }},
    };
    return messages;
}

const std::vector<KindSpec> &protobufKinds()
{
    static const std::vector<KindSpec> kinds = {
        {"v1", "Pod", "Pod"},
        {"v1", "PodTemplate", "PodTemplate"},
        {"v1", "ReplicationController", "ReplicationController"},
        {"v1", "Service", "Service"},
        {"v1", "Namespace", "Namespace"},
        {"v1", "ConfigMap", "ConfigMap"},
        {"v1", "Secret", "Secret"},
        {"v1", "ServiceAccount", "ServiceAccount"},
        {"v1", "ResourceQuota", "ResourceQuota"},
        {"v1", "LimitRange", "LimitRange"},
        {"v1", "PersistentVolumeClaim", "PersistentVolumeClaim"},
        {"v1", "Event", "Event"},
        {"apps/v1", "Deployment", "Deployment"},
        {"apps/v1", "ReplicaSet", "ReplicaSet"},
        {"apps/v1", "StatefulSet", "StatefulSet"},
        {"apps/v1", "DaemonSet", "DaemonSet"},
        {"apps/v1", "ControllerRevision", "ControllerRevision"},
        {"batch/v1", "Job", "Job"},
        {"batch/v1", "CronJob", "CronJob"},
        {"networking.k8s.io/v1", "Ingress", "Ingress"},
        {"networking.k8s.io/v1", "IngressClass", "IngressClass"},
        {"networking.k8s.io/v1", "NetworkPolicy", "NetworkPolicy"},
        {"rbac.authorization.k8s.io/v1", "Role", "Role"},
        {"rbac.authorization.k8s.io/v1", "ClusterRole", "ClusterRole"},
        {"rbac.authorization.k8s.io/v1", "RoleBinding", "RoleBinding"},
        {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "ClusterRoleBinding"},
        {"authorization.k8s.io/v1", "SelfSubjectAccessReview", "SelfSubjectAccessReview"},
        {"authorization.k8s.io/v1", "SelfSubjectRulesReview", "SelfSubjectRulesReview"},
        {"authorization.k8s.io/v1", "SubjectAccessReview", "SubjectAccessReview"},
        {"authorization.k8s.io/v1", "LocalSubjectAccessReview", "LocalSubjectAccessReview"},
        {"authentication.k8s.io/v1", "TokenRequest", "TokenRequest"},
        {"authentication.k8s.io/v1", "TokenReview", "TokenReview"},
        {"authentication.k8s.io/v1", "SelfSubjectReview", "SelfSubjectReview"},
        {"policy/v1", "PodDisruptionBudget", "PodDisruptionBudget"},
        {"scheduling.k8s.io/v1", "PriorityClass", "PriorityClass"},
    };
    return kinds;
}

namespace {

using Registry = std::unordered_map<std::string_view, const MessageSpec *>;

struct Tables
{
    Registry byName;
    std::vector<std::string> duplicates; // messages defined more than once
};

const Tables &tables()
{
    static const Tables built = [] {
        Tables t;
        for (const auto *group :
             {&metaMessages(), &podMessages(), &coreMessages(), &groupMessages()}) {
            for (const MessageSpec &message : *group)
                if (!t.byName.emplace(message.name, &message).second)
                    t.duplicates.emplace_back(message.name);
        }
        return t;
    }();
    return built;
}

bool scalar(ValueKind kind)
{
    return kind == String || kind == Bytes || kind == Bool || kind == Int32 || kind == Int64;
}

Status checkField(const MessageSpec &message, const FieldSpec &field)
{
    const std::string where = std::string(message.name) + ": field " + std::to_string(field.number);
    if (field.number == 0 || field.number >= (1u << 29))
        return Error(where + " is not a valid protobuf field number");
    if (field.kind == Message && !findMessage(field.message))
        return Error(where + " names message " + std::string(field.message) +
                     ", which no table defines");
    if (field.kind != Message && !field.message.empty())
        return Error(where + " names a message but is not of kind Message");
    if (field.inlined()) {
        if (field.kind != Message || field.repeated() || field.map() || !field.json.empty())
            return Error(where + " is Inline, which needs a single unnamed Message field");
    } else if (field.json.empty()) {
        return Error(where + " has no JSON name");
    }
    if (field.repeated() && field.map())
        return Error(where + " is both Repeated and Map");
    if (field.map() && field.kind == Skip)
        return Error(where + " cannot skip map values");
    if (field.keepZero() && !field.repeated() && !scalar(field.kind))
        return Error(where + " keeps zero values, which only scalars have");
    return success();
}

// The JSON names a message writes, with those of its inlined messages.
Status collectJsonNames(const MessageSpec &message, std::set<std::string_view> &names, int depth)
{
    if (depth > 8)
        return Error(std::string(message.name) + ": Inline fields nest too deep");
    for (const FieldSpec &field : message.fields) {
        if (field.inlined()) {
            if (Status s = collectJsonNames(*findMessage(field.message), names, depth + 1); !s)
                return s;
        } else if (!names.insert(field.json).second) {
            return Error(std::string(message.name) + ": JSON name " + std::string(field.json) +
                         " is used twice");
        }
    }
    return success();
}

} // namespace

const MessageSpec *findMessage(std::string_view name)
{
    const Registry &registry = tables().byName;
    const auto it = registry.find(name);
    return it == registry.end() ? nullptr : it->second;
}

const MessageSpec *findKind(std::string_view apiVersion, std::string_view kind)
{
    for (const KindSpec &k : protobufKinds())
        if (k.apiVersion == apiVersion && k.kind == kind)
            return findMessage(k.message);
    return nullptr;
}

Status checkProtobufSchema()
{
    if (!tables().duplicates.empty())
        return Error("message " + tables().duplicates.front() + " is defined twice");
    for (const auto &[name, message] : tables().byName) {
        std::set<std::uint32_t> numbers;
        for (const FieldSpec &field : message->fields) {
            if (!numbers.insert(field.number).second)
                return Error(std::string(name) + ": field " + std::to_string(field.number) +
                             " is declared twice");
            if (Status s = checkField(*message, field); !s)
                return s;
        }
    }
    for (const auto &[name, message] : tables().byName) {
        std::set<std::string_view> names;
        if (Status s = collectJsonNames(*message, names, 0); !s)
            return s;
    }
    std::set<std::pair<std::string_view, std::string_view>> kinds;
    for (const KindSpec &k : protobufKinds()) {
        if (!kinds.emplace(k.apiVersion, k.kind).second)
            return Error("kind " + std::string(k.apiVersion) + " " + std::string(k.kind) +
                         " is listed twice");
        if (!findMessage(k.message))
            return Error("kind " + std::string(k.apiVersion) + " " + std::string(k.kind) +
                         " names message " + std::string(k.message) + ", which is not defined");
    }
    return success();
}

} // namespace flowlab::kube::protobuf
