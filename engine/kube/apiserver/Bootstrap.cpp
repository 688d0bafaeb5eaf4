// What every cluster starts with, created at the first start and left alone after: the four
// namespaces, the bootstrap RBAC roles and bindings, and the `kubernetes` Service with its
// Endpoints, which name this apiserver.
//
// One simplification, said here so a learner reading this knows: a real controller-manager
// runs each controller as a ServiceAccount of its own with narrow rights; ours is one process
// with one identity, system:kube-controller-manager, allowed everything.

#include "engine/kube/api/Admission.h"
#include "engine/kube/apiserver/ApiServer.h"

namespace flowlab::kube {

namespace {

const std::string kRbacGroup = "rbac.authorization.k8s.io";

Json bootstrapMetadata(const std::string &name)
{
    return {{"name", name},
            {"labels", {{"kubernetes.io/bootstrapping", "rbac-defaults"}}},
            {"annotations", {{"rbac.authorization.kubernetes.io/autoupdate", "true"}}}};
}

Json rule(std::vector<std::string> groups, std::vector<std::string> resources,
          std::vector<std::string> verbs)
{
    return {{"apiGroups", groups}, {"resources", resources}, {"verbs", verbs}};
}

Json nonResourceRule(std::vector<std::string> urls, std::vector<std::string> verbs)
{
    return {{"nonResourceURLs", urls}, {"verbs", verbs}};
}

Json clusterRole(const std::string &name, Json rules)
{
    return {{"apiVersion", kRbacGroup + "/v1"},
            {"kind", "ClusterRole"},
            {"metadata", bootstrapMetadata(name)},
            {"rules", std::move(rules)}};
}

Json clusterRoleBinding(const std::string &name, const std::string &role,
                        const std::string &subjectKind, const std::string &subject)
{
    Json subjectJson = {{"kind", subjectKind}, {"name", subject}};
    if (subjectKind != "ServiceAccount")
        subjectJson["apiGroup"] = kRbacGroup;
    return {{"apiVersion", kRbacGroup + "/v1"},
            {"kind", "ClusterRoleBinding"},
            {"metadata", bootstrapMetadata(name)},
            {"roleRef", {{"apiGroup", kRbacGroup}, {"kind", "ClusterRole"}, {"name", role}}},
            {"subjects", Json::array({subjectJson})}};
}

std::vector<Json> bootstrapRbac()
{
    const std::vector<std::string> read{"get", "list", "watch"};
    const std::vector<std::string> write{"create", "delete", "deletecollection", "patch", "update"};
    std::vector<std::string> readWrite = read;
    readWrite.insert(readWrite.end(), write.begin(), write.end());
    const std::vector<std::string> workloads{"pods",
                                             "pods/log",
                                             "pods/status",
                                             "services",
                                             "endpoints",
                                             "configmaps",
                                             "persistentvolumeclaims",
                                             "serviceaccounts",
                                             "events"};
    const std::vector<std::string> apps{
        "deployments",        "deployments/scale", "deployments/status",
        "replicasets",        "replicasets/scale", "statefulsets",
        "statefulsets/scale", "daemonsets",        "controllerrevisions"};
    std::vector<Json> objects;
    objects.push_back(
        clusterRole("cluster-admin", {rule({"*"}, {"*"}, {"*"}), nonResourceRule({"*"}, {"*"})}));
    auto namespacedRules = [&](const std::vector<std::string> &verbs, bool secrets, bool rbac) {
        Json rules = Json::array();
        std::vector<std::string> core = workloads;
        if (secrets)
            core.push_back("secrets");
        rules.push_back(rule({""}, core, verbs));
        rules.push_back(rule({"apps"}, apps, verbs));
        rules.push_back(rule({"batch"}, {"jobs", "jobs/status"}, verbs));
        rules.push_back(rule({"networking.k8s.io"},
                             {"ingresses", "ingresses/status", "networkpolicies"}, verbs));
        rules.push_back(rule({"discovery.k8s.io"}, {"endpointslices"}, read));
        rules.push_back(rule({""}, {"namespaces"}, read));
        if (rbac)
            rules.push_back(rule({kRbacGroup}, {"roles", "rolebindings"}, verbs));
        return rules;
    };
    objects.push_back(clusterRole("admin", namespacedRules(readWrite, true, true)));
    objects.push_back(clusterRole("edit", namespacedRules(readWrite, true, false)));
    objects.push_back(clusterRole("view", namespacedRules(read, false, false)));
    objects.push_back(
        clusterRole("system:discovery",
                    {nonResourceRule({"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez",
                                      "/readyz", "/openapi", "/openapi/*", "/version", "/version/"},
                                     {"get"})}));
    objects.push_back(
        clusterRole("system:basic-user",
                    {rule({"authorization.k8s.io"},
                          {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}, {"create"}),
                     rule({"authentication.k8s.io"}, {"selfsubjectreviews"}, {"create"})}));
    objects.push_back(clusterRole("system:kube-controller-manager", {rule({"*"}, {"*"}, {"*"})}));
    objects.push_back(
        clusterRole("system:kube-scheduler",
                    {rule({""},
                          {"pods", "nodes", "namespaces", "services", "persistentvolumeclaims",
                           "persistentvolumes", "replicationcontrollers"},
                          read),
                     rule({""}, {"pods/binding", "bindings"}, {"create"}),
                     rule({""}, {"pods/status"}, {"patch", "update"}),
                     rule({""}, {"events"}, {"create", "patch", "update"}),
                     rule({"apps"}, {"replicasets", "statefulsets"}, read),
                     rule({"coordination.k8s.io"}, {"leases"}, readWrite)}));
    objects.push_back(clusterRole(
        "system:node", {rule({""}, {"nodes", "nodes/status"}, readWrite),
                        rule({""}, {"pods"}, {"get", "list", "watch", "create", "delete"}),
                        rule({""}, {"pods/status"}, {"patch", "update"}),
                        rule({""},
                             {"configmaps", "secrets", "services", "endpoints",
                              "persistentvolumeclaims", "persistentvolumes", "serviceaccounts"},
                             read),
                        rule({""}, {"events"}, {"create", "patch", "update"}),
                        rule({"coordination.k8s.io"}, {"leases"}, readWrite)}));
    objects.push_back(clusterRole("system:node-proxier",
                                  {rule({""}, {"services", "endpoints", "nodes"}, read),
                                   rule({"discovery.k8s.io"}, {"endpointslices"}, read),
                                   rule({""}, {"events"}, {"create", "patch", "update"})}));

    // Cluster DNS reads what it answers for, as CoreDNS's system:coredns role allows.
    objects.push_back(clusterRole(
        "system:kube-dns", {rule({""}, {"services", "endpoints", "pods", "namespaces"}, read),
                            rule({"discovery.k8s.io"}, {"endpointslices"}, read)}));
    // The ingress controller routes by Ingress rules to Services, and reports its address.
    objects.push_back(
        clusterRole("system:ingress-controller",
                    {rule({"networking.k8s.io"}, {"ingresses", "ingressclasses"}, read),
                     rule({"networking.k8s.io"}, {"ingresses/status"}, {"patch", "update"}),
                     rule({""}, {"services", "endpoints", "configmaps", "secrets"}, read),
                     rule({"discovery.k8s.io"}, {"endpointslices"}, read),
                     rule({""}, {"events"}, {"create", "patch", "update"})}));

    objects.push_back(
        clusterRoleBinding("cluster-admin", "cluster-admin", "Group", "system:masters"));
    objects.push_back(clusterRoleBinding("system:discovery", "system:discovery", "Group",
                                         "system:authenticated"));
    objects.push_back(clusterRoleBinding("system:basic-user", "system:basic-user", "Group",
                                         "system:authenticated"));
    objects.push_back(clusterRoleBinding("system:kube-controller-manager",
                                         "system:kube-controller-manager", "User",
                                         "system:kube-controller-manager"));
    objects.push_back(clusterRoleBinding("system:kube-scheduler", "system:kube-scheduler", "User",
                                         "system:kube-scheduler"));
    objects.push_back(clusterRoleBinding("system:node", "system:node", "Group", "system:nodes"));
    objects.push_back(clusterRoleBinding("system:node-proxier", "system:node-proxier", "User",
                                         "system:kube-proxy"));
    objects.push_back(
        clusterRoleBinding("system:kube-dns", "system:kube-dns", "User", "system:kube-dns"));
    objects.push_back(clusterRoleBinding("system:ingress-controller", "system:ingress-controller",
                                         "User", "system:ingress-controller"));
    return objects;
}

std::string hostOf(const std::string &address)
{
    const auto colon = address.rfind(':');
    return colon == std::string::npos ? address : address.substr(0, colon);
}

int portOf(const std::string &address)
{
    const auto colon = address.rfind(':');
    return colon == std::string::npos ? 6443 : std::atoi(address.c_str() + colon + 1);
}

} // namespace

Status ApiServer::bootstrap()
{
    const ResourceRegistry &registry = ResourceRegistry::builtin();
    std::vector<Json> objects;
    for (const char *ns : {"default", "kube-system", "kube-public", "kube-node-lease"})
        objects.push_back(
            {{"apiVersion", "v1"},
             {"kind", "Namespace"},
             {"metadata", {{"name", ns}, {"labels", {{"kubernetes.io/metadata.name", ns}}}}}});
    for (auto &object : bootstrapRbac())
        objects.push_back(std::move(object));

    const std::string host = hostOf(m_options.advertiseAddress);
    const int port = portOf(m_options.advertiseAddress);
    objects.push_back({{"apiVersion", "v1"},
                       {"kind", "Service"},
                       {"metadata",
                        {{"name", "kubernetes"},
                         {"namespace", "default"},
                         {"labels", {{"component", "apiserver"}, {"provider", "kubernetes"}}}}},
                       {"spec",
                        {{"clusterIP", m_options.serviceNetwork.kubernetesIp},
                         {"ports", Json::array({{{"name", "https"},
                                                 {"port", 443},
                                                 {"protocol", "TCP"},
                                                 {"targetPort", port}}})}}}});
    objects.push_back(
        {{"apiVersion", "v1"},
         {"kind", "Endpoints"},
         {"metadata",
          {{"name", "kubernetes"},
           {"namespace", "default"},
           {"labels", {{"endpointslice.kubernetes.io/skip-mirror", "true"}}}}},
         {"subsets",
          Json::array(
              {{{"addresses", Json::array({{{"ip", host}}})},
                {"ports",
                 Json::array({{{"name", "https"}, {"port", port}, {"protocol", "TCP"}}})}}})}});

    for (Json &object : objects) {
        const ResourceInfo *resource = registry.findKind(object["apiVersion"].get<std::string>(),
                                                         object["kind"].get<std::string>());
        if (!resource)
            return Error("no resource for " + object["kind"].get<std::string>());
        const std::string ns = object["metadata"].value("namespace", "");
        const std::string name = object["metadata"]["name"].get<std::string>();
        auto existing = m_storage.get(*resource, ns, name);
        if (!existing)
            return Error(existing.error().message());
        if (*existing)
            continue;
        stampNewObject(*resource, object);
        applyDefaults(*resource, object);
        if (resource->kind == "Namespace")
            object["status"] = {{"phase", "Active"}};
        if (resource->kind == "Service") {
            object["spec"]["clusterIPs"] = Json::array({object["spec"]["clusterIP"]});
            object["status"] = {{"loadBalancer", Json::object()}};
        }
        auto created = m_storage.create(*resource, object);
        if (!created && created.error().reason() != "AlreadyExists")
            return Error("creating " + resource->plural + "/" + name + ": " +
                         created.error().message());
    }
    return success();
}

} // namespace flowlab::kube
