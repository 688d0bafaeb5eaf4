#include "engine/kube/api/Resources.h"

#include <algorithm>

namespace flowlab::kube {

namespace {

const std::vector<std::string> kAllVerbs{"create", "delete", "deletecollection", "get",
                                         "list",   "patch",  "update",           "watch"};
const std::vector<std::string> kCreateOnly{"create"};

SubresourceInfo status(const std::string &kind, const std::string &group)
{
    return {"status", kind, group, "v1", {"get", "patch", "update"}};
}

SubresourceInfo scale()
{
    return {"scale", "Scale", "autoscaling", "v1", {"get", "patch", "update"}};
}

struct Builder
{
    std::vector<ResourceInfo> resources;

    ResourceInfo &add(std::string group, std::string kind, std::string plural, bool namespaced,
                      std::vector<std::string> shortNames = {})
    {
        ResourceInfo info;
        info.group = std::move(group);
        info.version = "v1";
        info.kind = std::move(kind);
        info.plural = std::move(plural);
        info.singular = info.kind;
        std::transform(info.singular.begin(), info.singular.end(), info.singular.begin(),
                       [](unsigned char c) { return char(std::tolower(c)); });
        info.namespaced = namespaced;
        info.shortNames = std::move(shortNames);
        info.verbs = kAllVerbs;
        resources.push_back(std::move(info));
        return resources.back();
    }
};

std::vector<ResourceInfo> builtinResources()
{
    Builder b;
    // core/v1
    {
        auto &r = b.add("", "Namespace", "namespaces", false, {"ns"});
        r.verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
        r.subresources = {{"finalize", "Namespace", "", "v1", {"update"}}, status("Namespace", "")};
    }
    b.add("", "Node", "nodes", false, {"no"}).subresources = {status("Node", "")};
    {
        auto &r = b.add("", "Pod", "pods", true, {"po"});
        r.categories = {"all"};
        r.subresources = {{"binding", "Binding", "", "v1", {"create"}},
                          {"log", "Pod", "", "v1", {"get"}},
                          status("Pod", "")};
    }
    {
        auto &r = b.add("", "Service", "services", true, {"svc"});
        r.categories = {"all"};
        r.verbs = {"create", "delete", "deletecollection", "get",
                   "list",   "patch",  "update",           "watch"};
        r.subresources = {status("Service", "")};
    }
    b.add("", "Endpoints", "endpoints", true, {"ep"});
    b.add("", "ConfigMap", "configmaps", true, {"cm"});
    b.add("", "Secret", "secrets", true);
    b.add("", "ServiceAccount", "serviceaccounts", true, {"sa"});
    b.add("", "Event", "events", true, {"ev"});
    b.add("", "PersistentVolume", "persistentvolumes", false, {"pv"}).subresources = {
        status("PersistentVolume", "")};
    b.add("", "PersistentVolumeClaim", "persistentvolumeclaims", true, {"pvc"}).subresources = {
        status("PersistentVolumeClaim", "")};
    b.add("", "Binding", "bindings", true).verbs = kCreateOnly;

    // apps/v1
    for (auto [kind, plural, shortName] : {std::tuple{"Deployment", "deployments", "deploy"},
                                           {"ReplicaSet", "replicasets", "rs"},
                                           {"StatefulSet", "statefulsets", "sts"},
                                           {"DaemonSet", "daemonsets", "ds"}}) {
        auto &r = b.add("apps", kind, plural, true, {shortName});
        r.categories = {"all"};
        r.hasGeneration = true;
        r.subresources = {status(kind, "apps")};
        if (std::string_view(kind) != "DaemonSet")
            r.subresources.push_back(scale());
    }
    b.add("apps", "ControllerRevision", "controllerrevisions", true);

    // batch/v1
    {
        auto &r = b.add("batch", "Job", "jobs", true);
        r.categories = {"all"};
        r.hasGeneration = true;
        r.subresources = {status("Job", "batch")};
    }

    // networking.k8s.io/v1
    {
        auto &r = b.add("networking.k8s.io", "Ingress", "ingresses", true, {"ing"});
        r.hasGeneration = true;
        r.subresources = {status("Ingress", "networking.k8s.io")};
    }
    b.add("networking.k8s.io", "IngressClass", "ingressclasses", false);
    b.add("networking.k8s.io", "NetworkPolicy", "networkpolicies", true, {"netpol"}).hasGeneration =
        true;

    // rbac.authorization.k8s.io/v1
    const std::string rbac = "rbac.authorization.k8s.io";
    b.add(rbac, "ClusterRoleBinding", "clusterrolebindings", false);
    b.add(rbac, "ClusterRole", "clusterroles", false);
    b.add(rbac, "RoleBinding", "rolebindings", true);
    b.add(rbac, "Role", "roles", true);

    // coordination.k8s.io/v1: node heartbeats and leader election
    b.add("coordination.k8s.io", "Lease", "leases", true);

    // discovery.k8s.io/v1: what kubectl describe service shows as endpoints
    b.add("discovery.k8s.io", "EndpointSlice", "endpointslices", true);

    // authentication.k8s.io/v1 and authorization.k8s.io/v1: reviews, never stored
    b.add("authentication.k8s.io", "SelfSubjectReview", "selfsubjectreviews", false).verbs =
        kCreateOnly;
    const std::string authz = "authorization.k8s.io";
    b.add(authz, "LocalSubjectAccessReview", "localsubjectaccessreviews", true).verbs = kCreateOnly;
    b.add(authz, "SelfSubjectAccessReview", "selfsubjectaccessreviews", false).verbs = kCreateOnly;
    b.add(authz, "SelfSubjectRulesReview", "selfsubjectrulesreviews", false).verbs = kCreateOnly;
    b.add(authz, "SubjectAccessReview", "subjectaccessreviews", false).verbs = kCreateOnly;
    return std::move(b.resources);
}

// The order of a real apiserver's /apis, for the groups we serve.
const std::vector<std::string> kGroupOrder{"",
                                           "apps",
                                           "authentication.k8s.io",
                                           "authorization.k8s.io",
                                           "batch",
                                           "networking.k8s.io",
                                           "rbac.authorization.k8s.io",
                                           "coordination.k8s.io",
                                           "discovery.k8s.io"};

} // namespace

std::string GroupVersion::apiVersion() const
{
    return group.empty() ? version : group + "/" + version;
}

std::string GroupVersion::pathPrefix() const
{
    return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
}

std::string ResourceInfo::qualifiedResource() const
{
    return group.empty() ? plural : plural + "." + group;
}

std::string ResourceInfo::qualifiedKind() const
{
    return group.empty() ? kind : kind + "." + group;
}

bool ResourceInfo::stored() const
{
    return hasVerb("get");
}

bool ResourceInfo::hasVerb(std::string_view verb) const
{
    return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

const SubresourceInfo *ResourceInfo::subresource(std::string_view name) const
{
    for (const auto &sub : subresources)
        if (sub.name == name)
            return &sub;
    return nullptr;
}

std::string ResourceInfo::storeKey(const std::string &ns, const std::string &name) const
{
    return namespaced ? "/registry/" + plural + "/" + ns + "/" + name
                      : "/registry/" + plural + "/" + name;
}

std::string ResourceInfo::storePrefix(const std::string &ns) const
{
    if (namespaced && !ns.empty())
        return "/registry/" + plural + "/" + ns + "/";
    return "/registry/" + plural + "/";
}

const ResourceRegistry &ResourceRegistry::builtin()
{
    static const ResourceRegistry registry = [] {
        ResourceRegistry r;
        r.m_resources = builtinResources();
        for (const auto &group : kGroupOrder)
            r.m_groupVersions.push_back({group, "v1"});
        return r;
    }();
    return registry;
}

std::vector<const ResourceInfo *> ResourceRegistry::inGroupVersion(const GroupVersion &gv) const
{
    std::vector<const ResourceInfo *> out;
    for (const auto &r : m_resources)
        if (r.group == gv.group && r.version == gv.version)
            out.push_back(&r);
    return out;
}

const ResourceInfo *ResourceRegistry::find(std::string_view group, std::string_view version,
                                           std::string_view plural) const
{
    for (const auto &r : m_resources)
        if (r.group == group && r.version == version && r.plural == plural)
            return &r;
    return nullptr;
}

const ResourceInfo *ResourceRegistry::findKind(std::string_view apiVersion,
                                               std::string_view kind) const
{
    for (const auto &r : m_resources)
        if (r.kind == kind && r.apiVersion() == apiVersion)
            return &r;
    return nullptr;
}

} // namespace flowlab::kube
