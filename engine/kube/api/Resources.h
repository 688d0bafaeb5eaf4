#pragma once

// The resources Flowlab's apiserver serves, described once: what discovery lists, what the
// router accepts, where objects are stored, and which verbs and subresources each one has.
// The descriptions follow a real 1.32 apiserver's discovery documents, so that kubectl's
// RESTMapper, shortNames ("deploy", "svc") and categories ("all") behave as against a cluster.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::kube {

using Json = nlohmann::json;

struct GroupVersion
{
    std::string group; // "" for the core group
    std::string version;

    // "v1" for core, "apps/v1" otherwise: the apiVersion of objects in it.
    std::string apiVersion() const;
    // "/api/v1" or "/apis/apps/v1".
    std::string pathPrefix() const;
    bool operator==(const GroupVersion &) const = default;
};

// A subresource as discovery shows it: "deployments/scale" has kind Scale in autoscaling/v1.
struct SubresourceInfo
{
    std::string name; // "status", "scale", "binding", "finalize"
    std::string kind; // the kind its body has: "Deployment" for status, "Scale" for scale
    std::string group;
    std::string version;
    std::vector<std::string> verbs;
};

struct ResourceInfo
{
    std::string group;
    std::string version;
    std::string kind;     // "Deployment"
    std::string plural;   // "deployments": the path segment and the store key segment
    std::string singular; // "deployment"
    bool namespaced = true;
    std::vector<std::string> shortNames; // "deploy"
    std::vector<std::string> categories; // "all"
    // create, delete, deletecollection, get, list, patch, update, watch; a virtual resource
    // such as selfsubjectaccessreviews has "create" only and is never stored.
    std::vector<std::string> verbs;
    std::vector<SubresourceInfo> subresources;
    // Spec changes bump metadata.generation (workloads, services...); status never does.
    bool hasGeneration = false;

    GroupVersion groupVersion() const { return {group, version}; }
    std::string apiVersion() const { return groupVersion().apiVersion(); }
    std::string listKind() const { return kind + "List"; }
    // "deployments.apps", or "pods" for the core group: how errors name the resource.
    std::string qualifiedResource() const;
    // "Deployment.apps", or "Pod": how 422 messages name the kind.
    std::string qualifiedKind() const;
    bool stored() const; // false for virtual resources (reviews)
    bool hasVerb(std::string_view verb) const;
    const SubresourceInfo *subresource(std::string_view name) const;
    // Where objects live in the store: /registry/<plural>/<namespace>/<name>, or
    // /registry/<plural>/<name> for cluster-scoped ones.
    std::string storeKey(const std::string &ns, const std::string &name) const;
    // The prefix to list: every namespace when `ns` is empty.
    std::string storePrefix(const std::string &ns = {}) const;
};

class ResourceRegistry
{
public:
    // The built-in resources of core/v1, apps/v1, batch/v1, networking.k8s.io/v1,
    // rbac.authorization.k8s.io/v1, coordination.k8s.io/v1, discovery.k8s.io/v1 and
    // authorization.k8s.io/v1.
    static const ResourceRegistry &builtin();

    const std::vector<ResourceInfo> &all() const { return m_resources; }
    // In the order a real server lists them: core first, then the groups.
    const std::vector<GroupVersion> &groupVersions() const { return m_groupVersions; }
    std::vector<const ResourceInfo *> inGroupVersion(const GroupVersion &gv) const;

    const ResourceInfo *find(std::string_view group, std::string_view version,
                             std::string_view plural) const;
    // By an object's apiVersion and kind, e.g. ("apps/v1", "Deployment").
    const ResourceInfo *findKind(std::string_view apiVersion, std::string_view kind) const;

private:
    std::vector<ResourceInfo> m_resources;
    std::vector<GroupVersion> m_groupVersions;
};

} // namespace flowlab::kube
