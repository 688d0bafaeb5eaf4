// Defaulting of the kinds other than Pod (pkg/apis/{apps,batch,core,networking,rbac,discovery}
// /v1/defaults.go), with the few values the real registry strategies fill in at create time.

#include "engine/kube/api/AdmissionRules.h"
#include "engine/kube/api/JsonFields.h"

namespace flowlab::kube::admission {

namespace {

using fields::get;
using fields::string;

const FieldPath kSpec("spec");

// Each element of parent[key], when that is an array.
template <typename Fn>
void forEach(Json &parent, std::string_view key, const FieldPath &path, Fn fn)
{
    if (!parent.is_object())
        return;
    const auto it = parent.find(key);
    if (it == parent.end() || !it->is_array())
        return;
    for (std::size_t i = 0; i < it->size(); ++i) {
        if ((*it)[i].is_object())
            fn((*it)[i], path.child(key).index(i));
    }
}

void defaultTemplateOf(Json &spec, DefaultsWriter &writer)
{
    if (Json *templ = DefaultsWriter::object(spec, "template"))
        defaultPodTemplate(*templ, kSpec.child("template"), writer);
}

void defaultDeployment(Json &spec, DefaultsWriter &writer)
{
    writer.set(spec, kSpec, "replicas", 1);
    if (Json *strategy = DefaultsWriter::object(spec, "strategy")) {
        const FieldPath at = kSpec.child("strategy");
        writer.set(*strategy, at, "type", "RollingUpdate");
        if (string(get(*strategy, "type")) == "RollingUpdate") {
            if (Json *rolling = DefaultsWriter::object(*strategy, "rollingUpdate")) {
                writer.set(*rolling, at.child("rollingUpdate"), "maxUnavailable", "25%");
                writer.set(*rolling, at.child("rollingUpdate"), "maxSurge", "25%");
            }
        }
    }
    writer.set(spec, kSpec, "revisionHistoryLimit", 10);
    writer.set(spec, kSpec, "progressDeadlineSeconds", 600);
    defaultTemplateOf(spec, writer);
}

void defaultDaemonSet(Json &spec, DefaultsWriter &writer)
{
    if (Json *strategy = DefaultsWriter::object(spec, "updateStrategy")) {
        const FieldPath at = kSpec.child("updateStrategy");
        writer.set(*strategy, at, "type", "RollingUpdate");
        if (string(get(*strategy, "type")) == "RollingUpdate") {
            if (Json *rolling = DefaultsWriter::object(*strategy, "rollingUpdate")) {
                writer.set(*rolling, at.child("rollingUpdate"), "maxUnavailable", 1);
                writer.set(*rolling, at.child("rollingUpdate"), "maxSurge", 0);
            }
        }
    }
    writer.set(spec, kSpec, "revisionHistoryLimit", 10);
    defaultTemplateOf(spec, writer);
}

// SetDefaults_PersistentVolumeClaim, for a claim or a StatefulSet's claim template.
void defaultClaim(Json &claim, const FieldPath &path, DefaultsWriter &writer)
{
    if (Json *spec = DefaultsWriter::object(claim, "spec"))
        writer.set(*spec, path.child("spec"), "volumeMode", "Filesystem");
    if (Json *status = DefaultsWriter::object(claim, "status"))
        writer.set(*status, path.child("status"), "phase", "Pending");
}

void defaultStatefulSet(Json &spec, DefaultsWriter &writer)
{
    writer.set(spec, kSpec, "podManagementPolicy", "OrderedReady");
    if (Json *strategy = DefaultsWriter::object(spec, "updateStrategy")) {
        const FieldPath at = kSpec.child("updateStrategy");
        if (writer.set(*strategy, at, "type", "RollingUpdate"))
            DefaultsWriter::object(*strategy, "rollingUpdate");
        if (string(get(*strategy, "type")) == "RollingUpdate" &&
            get(*strategy, "rollingUpdate").is_object())
            writer.set((*strategy)["rollingUpdate"], at.child("rollingUpdate"), "partition", 0);
    }
    // StatefulSetAutoDeletePVC is on by default since 1.27.
    if (Json *retention = DefaultsWriter::object(spec, "persistentVolumeClaimRetentionPolicy")) {
        const FieldPath at = kSpec.child("persistentVolumeClaimRetentionPolicy");
        writer.set(*retention, at, "whenDeleted", "Retain");
        writer.set(*retention, at, "whenScaled", "Retain");
    }
    writer.set(spec, kSpec, "replicas", 1);
    writer.set(spec, kSpec, "revisionHistoryLimit", 10);
    defaultTemplateOf(spec, writer);
    forEach(spec, "volumeClaimTemplates", kSpec, [&](Json &claim, const FieldPath &at) {
        // Embedded objects print with their kind, and a zero creationTimestamp.
        writer.set(claim, at, "apiVersion", "v1");
        writer.set(claim, at, "kind", "PersistentVolumeClaim");
        if (Json *metadata = DefaultsWriter::object(claim, "metadata");
            metadata && !metadata->contains("creationTimestamp")) {
            (*metadata)["creationTimestamp"] = nullptr;
            writer.record(at.child("metadata").child("creationTimestamp"), nullptr);
        }
        defaultClaim(claim, at, writer);
    });
}

// The job strategy's generateSelector: pods are selected by the job's uid, and labelled
// with its name. It needs the uid, which the apiserver assigns before admission.
void generateJobSelector(Json &job, Json &spec, DefaultsWriter &writer)
{
    const std::string uid = string(get(job, {"metadata", "uid"}));
    if (uid.empty() || fields::boolean(get(spec, "manualSelector")))
        return;
    const std::string name = string(get(job, {"metadata", "name"}));
    Json *templ = DefaultsWriter::object(spec, "template");
    Json *templMeta = templ ? DefaultsWriter::object(*templ, "metadata") : nullptr;
    Json *labels = templMeta ? DefaultsWriter::object(*templMeta, "labels") : nullptr;
    if (!labels)
        return;
    const FieldPath labelsPath = kSpec.child("template").child("metadata").child("labels");
    for (const char *key : {"job-name", "batch.kubernetes.io/job-name"})
        writer.set(*labels, labelsPath, key, name);
    for (const char *key : {"controller-uid", "batch.kubernetes.io/controller-uid"})
        writer.set(*labels, labelsPath, key, uid);
    Json *selector = DefaultsWriter::object(spec, "selector");
    Json *matchLabels = selector ? DefaultsWriter::object(*selector, "matchLabels") : nullptr;
    if (matchLabels)
        writer.set(*matchLabels, kSpec.child("selector").child("matchLabels"),
                   "batch.kubernetes.io/controller-uid", uid);
}

void defaultJob(Json &job, Json &spec, DefaultsWriter &writer)
{
    const bool completionsSet = !get(spec, "completions").is_null();
    if (!completionsSet && get(spec, "parallelism").is_null())
        writer.set(spec, kSpec, "completions", 1);
    writer.set(spec, kSpec, "parallelism", 1);
    writer.set(spec, kSpec, "backoffLimit",
               get(spec, "backoffLimitPerIndex").is_null() ? 6 : 2147483647);
    writer.set(spec, kSpec, "completionMode", "NonIndexed");
    writer.set(spec, kSpec, "suspend", false);
    writer.set(spec, kSpec, "podReplacementPolicy",
               get(spec, "podFailurePolicy").is_null() ? "TerminatingOrFailed" : "Failed");
    // The template's restartPolicy is defaulted to Always like any pod's, which validation
    // then rejects: a Job's pods must say OnFailure or Never.
    defaultTemplateOf(spec, writer);
    generateJobSelector(job, spec, writer);
    // SetDefaults_Job: the job carries its pods' labels when it has none of its own.
    const Json &templLabels = get(spec, {"template", "metadata", "labels"});
    if (fields::size(templLabels) != 0 && fields::size(get(job, {"metadata", "labels"})) == 0) {
        if (Json *metadata = DefaultsWriter::object(job, "metadata")) {
            (*metadata)["labels"] = templLabels;
            writer.record(FieldPath("metadata").child("labels"), templLabels);
        }
    }
}

// ---- core/v1 ----

void defaultService(Json &spec, DefaultsWriter &writer)
{
    writer.set(spec, kSpec, "sessionAffinity", "None");
    const std::string affinity = string(get(spec, "sessionAffinity"));
    if (affinity == "None" && spec.contains("sessionAffinityConfig")) {
        spec.erase("sessionAffinityConfig");
        writer.record(kSpec.child("sessionAffinityConfig"), nullptr);
    } else if (affinity == "ClientIP" &&
               get(spec, {"sessionAffinityConfig", "clientIP", "timeoutSeconds"}).is_null()) {
        spec["sessionAffinityConfig"] = {{"clientIP", {{"timeoutSeconds", 10800}}}};
        writer.record(kSpec.child("sessionAffinityConfig"), spec["sessionAffinityConfig"]);
    }
    writer.set(spec, kSpec, "type", "ClusterIP");
    const std::string type = string(get(spec, "type"));
    forEach(spec, "ports", kSpec, [&](Json &port, const FieldPath &at) {
        writer.set(port, at, "protocol", "TCP");
        // targetPort 0 or "" means "the same as port", as absent does.
        if (get(port, "targetPort") == 0)
            port.erase("targetPort");
        writer.set(port, at, "targetPort", fields::integer(get(port, "port")));
    });
    const bool externallyAccessible =
        type == "LoadBalancer" || type == "NodePort" ||
        (type == "ClusterIP" && fields::size(get(spec, "externalIPs")) != 0);
    if (externallyAccessible)
        writer.set(spec, kSpec, "externalTrafficPolicy", "Cluster");
    if (type == "ClusterIP" || type == "NodePort" || type == "LoadBalancer")
        writer.set(spec, kSpec, "internalTrafficPolicy", "Cluster");
    if (type == "LoadBalancer")
        writer.set(spec, kSpec, "allocateLoadBalancerNodePorts", true);
    // The registry's IP family defaults on a single-stack IPv4 cluster. A headless Service
    // without a selector is not tied to a family.
    if (type != "ExternalName") {
        const bool headless = string(get(spec, "clusterIP")) == "None";
        const bool selectorless = fields::size(get(spec, "selector")) == 0;
        writer.set(spec, kSpec, "ipFamilyPolicy",
                   headless && selectorless ? "RequireDualStack" : "SingleStack");
        writer.set(spec, kSpec, "ipFamilies", Json::array({"IPv4"}));
    }
}

void defaultNamespace(Json &ns, DefaultsWriter &writer)
{
    // The namespace strategy adds the "kubernetes" finalizer at create time only: it is
    // removed while the namespace is finalized, and must not come back. A spec without the
    // field at all is a create (updates and finalize carry the stored list).
    if (Json *spec = DefaultsWriter::object(ns, "spec"); spec && !spec->contains("finalizers")) {
        (*spec)["finalizers"] = Json::array({"kubernetes"});
        writer.record(kSpec.child("finalizers"), (*spec)["finalizers"]);
    }
    if (Json *status = DefaultsWriter::object(ns, "status"))
        writer.set(*status, FieldPath("status"), "phase", "Active");
}

void defaultNetworkPolicy(Json &spec, DefaultsWriter &writer)
{
    for (const char *direction : {"ingress", "egress"}) {
        forEach(spec, direction, kSpec, [&](Json &rule, const FieldPath &at) {
            forEach(rule, "ports", at, [&](Json &port, const FieldPath &portAt) {
                writer.set(port, portAt, "protocol", "TCP");
            });
        });
    }
    if (fields::size(get(spec, "policyTypes")) == 0) {
        Json types = Json::array({"Ingress"});
        if (fields::size(get(spec, "egress")) != 0)
            types.push_back("Egress");
        spec["policyTypes"] = types;
        writer.record(kSpec.child("policyTypes"), types);
    }
}

void defaultBinding(Json &binding, DefaultsWriter &writer)
{
    constexpr const char *kRbacGroup = "rbac.authorization.k8s.io";
    if (Json *roleRef = DefaultsWriter::object(binding, "roleRef"))
        writer.set(*roleRef, FieldPath("roleRef"), "apiGroup", kRbacGroup);
    forEach(binding, "subjects", FieldPath(), [&](Json &subject, const FieldPath &at) {
        const std::string kind = string(get(subject, "kind"));
        if (kind == "User" || kind == "Group")
            writer.set(subject, at, "apiGroup", kRbacGroup);
    });
}

// The v1 conversion folds stringData into data, base64-encoded, and drops it: it is
// write-only. The values stay out of the audit lines.
std::string base64(const std::string &bytes)
{
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 |
                           (unsigned char)bytes[i + 2];
        out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63],
                kAlphabet[v & 63]};
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        const unsigned v =
            (unsigned char)bytes[i] << 16 | (rest == 2 ? (unsigned char)bytes[i + 1] << 8 : 0);
        out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63],
                rest == 2 ? kAlphabet[(v >> 6) & 63] : '=', '='};
    }
    return out;
}

void mergeStringData(Json &secret, DefaultsWriter &writer)
{
    const auto it = secret.find("stringData");
    if (it == secret.end())
        return;
    if (it->is_object()) {
        Json *data = DefaultsWriter::object(secret, "data");
        for (const auto &[key, value] : secret["stringData"].items()) {
            if (!data || !value.is_string())
                continue;
            (*data)[key] = base64(value.get<std::string>());
            writer.record(FieldPath("data").key(key), "<from stringData>");
        }
    }
    secret.erase("stringData");
}

} // namespace

void defaultWorkload(const std::string &kind, Json &object, DefaultsWriter &writer)
{
    Json *spec = DefaultsWriter::object(object, "spec");
    if (!spec)
        return;
    if (kind == "Deployment") {
        defaultDeployment(*spec, writer);
    } else if (kind == "ReplicaSet") {
        writer.set(*spec, kSpec, "replicas", 1);
        defaultTemplateOf(*spec, writer);
    } else if (kind == "StatefulSet") {
        defaultStatefulSet(*spec, writer);
    } else if (kind == "DaemonSet") {
        defaultDaemonSet(*spec, writer);
    } else if (kind == "Job") {
        defaultJob(object, *spec, writer);
    }
}

void defaultOtherKind(const std::string &kind, Json &object, DefaultsWriter &writer)
{
    if (kind == "Service") {
        if (Json *spec = DefaultsWriter::object(object, "spec"))
            defaultService(*spec, writer);
    } else if (kind == "Secret") {
        mergeStringData(object, writer);
        writer.set(object, FieldPath(), "type", "Opaque");
    } else if (kind == "Namespace") {
        defaultNamespace(object, writer);
    } else if (kind == "Node") {
        // SetDefaults_NodeStatus: allocatable is the capacity unless the kubelet says less.
        const Json &capacity = get(object, {"status", "capacity"});
        if (capacity.is_object() && get(object, {"status", "allocatable"}).is_null())
            writer.set(object["status"], FieldPath("status"), "allocatable", capacity);
    } else if (kind == "PersistentVolume") {
        if (Json *spec = DefaultsWriter::object(object, "spec")) {
            writer.set(*spec, kSpec, "persistentVolumeReclaimPolicy", "Retain");
            writer.set(*spec, kSpec, "volumeMode", "Filesystem");
        }
        if (Json *status = DefaultsWriter::object(object, "status"))
            writer.set(*status, FieldPath("status"), "phase", "Pending");
    } else if (kind == "PersistentVolumeClaim") {
        defaultClaim(object, FieldPath(), writer);
    } else if (kind == "Endpoints") {
        forEach(object, "subsets", FieldPath(), [&](Json &subset, const FieldPath &at) {
            forEach(subset, "ports", at, [&](Json &port, const FieldPath &portAt) {
                writer.set(port, portAt, "protocol", "TCP");
            });
        });
    } else if (kind == "EndpointSlice") {
        forEach(object, "ports", FieldPath(), [&](Json &port, const FieldPath &at) {
            if (!port.contains("name")) {
                port["name"] = "";
                writer.record(at.child("name"), "");
            }
            writer.set(port, at, "protocol", "TCP");
        });
    } else if (kind == "NetworkPolicy") {
        if (Json *spec = DefaultsWriter::object(object, "spec"))
            defaultNetworkPolicy(*spec, writer);
    } else if (kind == "RoleBinding" || kind == "ClusterRoleBinding") {
        defaultBinding(object, writer);
    }
}

// ---- DefaultsWriter ----

bool DefaultsWriter::set(Json &object, const FieldPath &path, std::string_view key, Json value)
{
    if (!object.is_object())
        return false;
    const auto it = object.find(key);
    if (it != object.end() && !it->is_null() &&
        !(it->is_string() && it->get_ref<const std::string &>().empty()))
        return false;
    record(path.child(key), value);
    object[std::string(key)] = std::move(value);
    return true;
}

Json *DefaultsWriter::object(Json &parent, std::string_view key)
{
    if (!parent.is_object())
        return nullptr;
    Json &child = parent[std::string(key)];
    if (child.is_null())
        child = Json::object();
    return child.is_object() ? &child : nullptr;
}

void DefaultsWriter::record(const FieldPath &path, const Json &value)
{
    m_lines.push_back(path.str() + "=" +
                      (value.is_string() ? value.get<std::string>() : value.dump()));
}

} // namespace flowlab::kube::admission
