#pragma once

// RBAC, evaluated as the real authorizer does: the ClusterRoleBindings and the RoleBindings of
// the request's namespace that name the user, one of their groups, or their ServiceAccount;
// the rules of the roles they refer to; the first rule that covers the request allows it.
// There are no deny rules. A decision says which binding allowed it, in the real reason's
// words ("RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole
// "cluster-admin" to Group "system:masters""), which the audit evidence carries.
//
// The roles and bindings are read from the store when they change (the apiserver tells it
// through invalidate()), not at every request.

#include "engine/kube/api/Resources.h"
#include "engine/kube/apiserver/Authentication.h"

#include <functional>
#include <string>
#include <vector>

namespace flowlab::kube {

struct AuthorizationRequest
{
    std::string verb; // get, list, watch, create, update, patch, delete, deletecollection
    // Resource requests:
    bool isResourceRequest = true;
    std::string apiGroup;
    std::string resource;
    std::string subresource;
    std::string ns;
    std::string name;
    // Non-resource requests: /api, /version, /healthz.
    std::string path;
};

struct AuthorizationDecision
{
    bool allowed = false;
    std::string reason; // on allow: the binding; on deny: "" (the message says who and what)
};

// The objects RBAC evaluates, as JSON: the caller supplies them.
struct RbacObjects
{
    std::vector<Json> clusterRoles;
    std::vector<Json> clusterRoleBindings;
    std::vector<Json> roles;
    std::vector<Json> roleBindings;
};

class RbacAuthorizer
{
public:
    using Loader = std::function<RbacObjects()>;
    explicit RbacAuthorizer(Loader loader)
        : m_loader(std::move(loader))
    {}

    AuthorizationDecision authorize(const UserInfo &user, const AuthorizationRequest &request);
    // The rules that apply to `user` in `ns`, for SelfSubjectRulesReview.
    std::vector<Json> rulesFor(const UserInfo &user, const std::string &ns);
    // Roles or bindings changed: the next decision reads them again.
    void invalidate() { m_loaded = false; }

private:
    const RbacObjects &objects();

    Loader m_loader;
    RbacObjects m_objects;
    bool m_loaded = false;
};

// `pods is forbidden: User "learner" cannot list resource "pods" in API group "" in the
// namespace "default"`, as the real apiserver words a 403.
std::string forbiddenMessage(const UserInfo &user, const AuthorizationRequest &request);

} // namespace flowlab::kube
