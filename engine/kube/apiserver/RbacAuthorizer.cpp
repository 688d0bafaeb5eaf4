#include "engine/kube/apiserver/RbacAuthorizer.h"

#include <algorithm>

namespace flowlab::kube {

namespace {

bool contains(const Json &list, const std::string &value)
{
    if (!list.is_array())
        return false;
    for (const Json &item : list)
        if (item.is_string() &&
            (item.get<std::string>() == value || item.get<std::string>() == "*"))
            return true;
    return false;
}

bool coversResource(const Json &resources, const AuthorizationRequest &request)
{
    if (!resources.is_array())
        return false;
    const std::string combined = request.subresource.empty()
                                     ? request.resource
                                     : request.resource + "/" + request.subresource;
    for (const Json &item : resources) {
        if (!item.is_string())
            continue;
        const std::string &rule = item.get_ref<const std::string &>();
        if (rule == "*" || rule == combined)
            return true;
        // "*/scale" covers every resource's scale subresource.
        if (!request.subresource.empty() && rule == "*/" + request.subresource)
            return true;
    }
    return false;
}

bool coversPath(const Json &urls, const std::string &path)
{
    if (!urls.is_array())
        return false;
    for (const Json &item : urls) {
        if (!item.is_string())
            continue;
        const std::string &rule = item.get_ref<const std::string &>();
        if (rule == "*" || rule == path)
            return true;
        if (rule.ends_with("*") && path.starts_with(rule.substr(0, rule.size() - 1)))
            return true;
    }
    return false;
}

bool ruleAllows(const Json &rule, const AuthorizationRequest &request)
{
    if (!contains(rule.value("verbs", Json::array()), request.verb))
        return false;
    if (!request.isResourceRequest)
        return coversPath(rule.value("nonResourceURLs", Json::array()), request.path);
    if (!contains(rule.value("apiGroups", Json::array()), request.apiGroup))
        return false;
    if (!coversResource(rule.value("resources", Json::array()), request))
        return false;
    const Json names = rule.value("resourceNames", Json::array());
    if (names.is_array() && !names.empty())
        return !request.name.empty() && contains(names, request.name);
    return true;
}

// The subject of a binding that names this user, as the reason shows it: `User "alice"`.
std::optional<std::string> matchingSubject(const Json &binding, const UserInfo &user,
                                           const std::string &bindingNamespace)
{
    for (const Json &subject : binding.value("subjects", Json::array())) {
        const std::string kind = subject.value("kind", "");
        const std::string name = subject.value("name", "");
        if (kind == "User" && name == user.name)
            return "User \"" + name + "\"";
        if (kind == "Group" && user.inGroup(name))
            return "Group \"" + name + "\"";
        if (kind == "ServiceAccount") {
            const std::string ns = subject.value("namespace", bindingNamespace);
            if (user.name == "system:serviceaccount:" + ns + ":" + name)
                return "ServiceAccount \"" + name + "/" + ns + "\"";
        }
    }
    return std::nullopt;
}

const Json *findRole(const std::vector<Json> &roles, const std::string &name,
                     const std::string &ns = {})
{
    for (const Json &role : roles) {
        const Json &metadata = role["metadata"];
        if (metadata.value("name", "") == name &&
            (ns.empty() || metadata.value("namespace", "") == ns))
            return &role;
    }
    return nullptr;
}

} // namespace

const RbacObjects &RbacAuthorizer::objects()
{
    if (!m_loaded) {
        m_objects = m_loader();
        m_loaded = true;
    }
    return m_objects;
}

AuthorizationDecision RbacAuthorizer::authorize(const UserInfo &user,
                                                const AuthorizationRequest &request)
{
    const RbacObjects &rbac = objects();
    auto tryBinding = [&](const Json &binding, const std::string &bindingKind,
                          const std::string &bindingNamespace) -> std::optional<std::string> {
        const auto subject = matchingSubject(binding, user, bindingNamespace);
        if (!subject)
            return std::nullopt;
        const Json &roleRef = binding["roleRef"];
        const std::string roleKind = roleRef.value("kind", "");
        const std::string roleName = roleRef.value("name", "");
        const Json *role = roleKind == "ClusterRole"
                               ? findRole(rbac.clusterRoles, roleName)
                               : findRole(rbac.roles, roleName, bindingNamespace);
        if (!role)
            return std::nullopt;
        for (const Json &rule : role->value("rules", Json::array())) {
            if (ruleAllows(rule, request)) {
                std::string where = bindingKind == "RoleBinding"
                                        ? " in namespace \"" + bindingNamespace + "\""
                                        : std::string();
                return "RBAC: allowed by " + bindingKind + " \"" +
                       binding["metadata"].value("name", "") + "\" of " + roleKind + " \"" +
                       roleName + "\" to " + *subject + where;
            }
        }
        return std::nullopt;
    };
    for (const Json &binding : rbac.clusterRoleBindings)
        if (auto reason = tryBinding(binding, "ClusterRoleBinding", ""))
            return {true, *reason};
    if (request.isResourceRequest && !request.ns.empty()) {
        for (const Json &binding : rbac.roleBindings) {
            const std::string ns = binding["metadata"].value("namespace", "");
            if (ns != request.ns)
                continue;
            if (auto reason = tryBinding(binding, "RoleBinding", ns))
                return {true, *reason};
        }
    }
    return {false, ""};
}

std::vector<Json> RbacAuthorizer::rulesFor(const UserInfo &user, const std::string &ns)
{
    const RbacObjects &rbac = objects();
    std::vector<Json> rules;
    auto collect = [&](const Json &binding, const std::string &bindingNamespace) {
        if (!matchingSubject(binding, user, bindingNamespace))
            return;
        const Json &roleRef = binding["roleRef"];
        const Json *role = roleRef.value("kind", "") == "ClusterRole"
                               ? findRole(rbac.clusterRoles, roleRef.value("name", ""))
                               : findRole(rbac.roles, roleRef.value("name", ""), bindingNamespace);
        if (role)
            for (const Json &rule : role->value("rules", Json::array()))
                rules.push_back(rule);
    };
    for (const Json &binding : rbac.clusterRoleBindings)
        collect(binding, "");
    for (const Json &binding : rbac.roleBindings)
        if (binding["metadata"].value("namespace", "") == ns)
            collect(binding, ns);
    return rules;
}

std::string forbiddenMessage(const UserInfo &user, const AuthorizationRequest &request)
{
    if (!request.isResourceRequest)
        return "forbidden: User \"" + user.name + "\" cannot " + request.verb + " path \"" +
               request.path + "\"";
    const std::string resource = request.subresource.empty()
                                     ? request.resource
                                     : request.resource + "/" + request.subresource;
    std::string head = request.resource;
    if (!request.apiGroup.empty())
        head += "." + request.apiGroup;
    if (!request.name.empty())
        head += " \"" + request.name + "\"";
    std::string message = head + " is forbidden: User \"" + user.name + "\" cannot " +
                          request.verb + " resource \"" + resource + "\" in API group \"" +
                          request.apiGroup + "\"";
    message +=
        request.ns.empty() ? " at the cluster scope" : " in the namespace \"" + request.ns + "\"";
    return message;
}

} // namespace flowlab::kube
