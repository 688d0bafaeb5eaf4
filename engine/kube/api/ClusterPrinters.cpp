// Printers for networking, RBAC and coordination: ingresses, ingressclasses, networkpolicies,
// rolebindings, clusterrolebindings and leases. Roles and clusterroles have none: the real
// apiserver gives them its default table (NAME, CREATED AT).

#include "engine/kube/api/JsonFields.h"
#include "engine/kube/api/TablePrinters.h"

#include <set>

namespace flowlab::kube::printers {

namespace {

using fields::get;
using fields::items;
using fields::string;

std::string name(const Json &object)
{
    return string(get(object, {"metadata", "name"}));
}

std::string objectAge(const Json &object, const PrintContext &context)
{
    return age(get(object, {"metadata", "creationTimestamp"}), context);
}

std::string join(const std::vector<std::string> &parts, const char *separator)
{
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i)
        out += (i ? separator : "") + parts[i];
    return out;
}

// ---- ingresses ----

// formatHosts: the first three hosts; rules without a host match everything ("*").
std::string ingressHosts(const Json &rules)
{
    constexpr std::size_t kMax = 3;
    std::vector<std::string> hosts;
    bool more = false;
    for (const Json &rule : items(rules)) {
        if (hosts.size() == kMax)
            more = true;
        if (const std::string host = string(get(rule, "host")); !more && !host.empty())
            hosts.push_back(host);
    }
    if (hosts.empty())
        return "*";
    std::string out = join(hosts, ",");
    if (more)
        out += " + " + std::to_string(fields::size(rules) - kMax) + " more...";
    return out;
}

std::string ingressAddress(const Json &ingress)
{
    std::set<std::string> addresses;
    for (const Json &point : items(get(ingress, {"status", "loadBalancer", "ingress"}))) {
        if (const std::string ip = string(get(point, "ip")); !ip.empty())
            addresses.insert(ip);
        else if (const std::string host = string(get(point, "hostname")); !host.empty())
            addresses.insert(host);
    }
    return join({addresses.begin(), addresses.end()}, ",");
}

Json ingressCells(const Json &ingress, const PrintContext &context)
{
    const Json &spec = get(ingress, "spec");
    const Json &className = get(spec, "ingressClassName");
    return Json::array({name(ingress), className.is_string() ? string(className) : "<none>",
                        ingressHosts(get(spec, "rules")), ingressAddress(ingress),
                        fields::size(get(spec, "tls")) != 0 ? "80, 443" : "80",
                        objectAge(ingress, context)});
}

const Printer kIngresses{
    {nameColumn(),
     {"Class", "string", "",
      "The name of the IngressClass resource that should be used for additional configuration"},
     {"Hosts", "string", "",
      "Hosts that incoming requests are matched against before the ingress rule"},
     {"Address", "string", "", "Address is a list containing ingress points for the load-balancer"},
     {"Ports", "string", "", "Ports of TLS configurations that open"},
     ageColumn()},
    ingressCells};

Json ingressClassCells(const Json &ingressClass, const PrintContext &context)
{
    const Json &spec = get(ingressClass, "spec");
    std::string parameters = "<none>";
    if (const Json &ref = get(spec, "parameters"); ref.is_object()) {
        parameters = string(get(ref, "kind"));
        if (get(ref, "apiGroup").is_string())
            parameters += "." + string(get(ref, "apiGroup"));
        parameters += "/" + string(get(ref, "name"));
    }
    return Json::array({name(ingressClass), string(get(spec, "controller")), parameters,
                        objectAge(ingressClass, context)});
}

const Printer kIngressClasses{
    {nameColumn(),
     {"Controller", "string", "", "Controller that is responsible for handling this class"},
     {"Parameters", "string", "", "A reference to a resource with additional parameters"},
     ageColumn()},
    ingressClassCells};

Json networkPolicyCells(const Json &policy, const PrintContext &context)
{
    // The pod selector is a value, not a pointer: absent reads as the empty selector.
    return Json::array({name(policy), formatLabelSelector(get(policy, {"spec", "podSelector"})),
                        objectAge(policy, context)});
}

const Printer kNetworkPolicies{
    {nameColumn(),
     {"Pod-Selector", "string", "",
      "Selects the pods to which this NetworkPolicy object applies. The array of ingress rules "
      "is applied to any pods selected by this field. Multiple network policies can select the "
      "same set of pods. In this case, the ingress rules for each are combined additively. "
      "This field is NOT optional and follows standard label selector semantics. An empty "
      "podSelector matches all pods in this namespace."},
     ageColumn()},
    networkPolicyCells};

// ---- RBAC bindings ----

Json bindingCells(const Json &binding, const PrintContext &context)
{
    std::vector<std::string> users;
    std::vector<std::string> groups;
    std::vector<std::string> serviceAccounts;
    for (const Json &subject : items(get(binding, "subjects"))) {
        const std::string kind = string(get(subject, "kind"));
        if (kind == "ServiceAccount")
            serviceAccounts.push_back(string(get(subject, "namespace")) + "/" +
                                      string(get(subject, "name")));
        else if (kind == "User")
            users.push_back(string(get(subject, "name")));
        else if (kind == "Group")
            groups.push_back(string(get(subject, "name")));
    }
    const Json &roleRef = get(binding, "roleRef");
    return Json::array({name(binding),
                        string(get(roleRef, "kind")) + "/" + string(get(roleRef, "name")),
                        objectAge(binding, context), join(users, ", "), join(groups, ", "),
                        join(serviceAccounts, ", ")});
}

std::vector<Column> bindingColumns(const char *roleDescription, const std::string &kind)
{
    return {nameColumn(),
            {"Role", "string", "", roleDescription},
            ageColumn(),
            {"Users", "string", "", "Users in the " + kind, 1},
            {"Groups", "string", "", "Groups in the " + kind, 1},
            {"ServiceAccounts", "string", "", "ServiceAccounts in the " + kind, 1}};
}

const Printer kRoleBindings{
    bindingColumns("RoleRef can reference a Role in the current namespace or a ClusterRole in "
                   "the global namespace. If the RoleRef cannot be resolved, the Authorizer "
                   "must return an error.",
                   "roleBinding"),
    bindingCells};

const Printer kClusterRoleBindings{
    bindingColumns("RoleRef can only reference a ClusterRole in the global namespace. If the "
                   "RoleRef cannot be resolved, the Authorizer must return an error.",
                   "clusterRoleBinding"),
    bindingCells};

// ---- leases ----

Json leaseCells(const Json &lease, const PrintContext &context)
{
    return Json::array(
        {name(lease), string(get(lease, {"spec", "holderIdentity"})), objectAge(lease, context)});
}

const Printer kLeases{
    {nameColumn(),
     {"Holder", "string", "",
      "holderIdentity contains the identity of the holder of a current lease. If Coordinated "
      "Leader Election is used, the holder identity must be equal to the elected "
      "LeaseCandidate.metadata.name field."},
     ageColumn()},
    leaseCells};

} // namespace

const std::vector<PrinterEntry> &clusterPrinters()
{
    static const std::vector<PrinterEntry> entries{
        {"networking.k8s.io", "ingresses", &kIngresses},
        {"networking.k8s.io", "ingressclasses", &kIngressClasses},
        {"networking.k8s.io", "networkpolicies", &kNetworkPolicies},
        {"rbac.authorization.k8s.io", "rolebindings", &kRoleBindings},
        {"rbac.authorization.k8s.io", "clusterrolebindings", &kClusterRoleBindings},
        {"coordination.k8s.io", "leases", &kLeases},
    };
    return entries;
}

} // namespace flowlab::kube::printers
