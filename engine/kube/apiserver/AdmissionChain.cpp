#include "engine/kube/apiserver/AdmissionChain.h"

#include "engine/kube/api/Admission.h"

#include <QHostAddress>
#include <random>
#include <set>

namespace flowlab::kube {

namespace {

std::mt19937_64 &randomEngine()
{
    static std::mt19937_64 engine{std::random_device{}()};
    return engine;
}

const ResourceInfo &resourceNamed(std::string_view plural)
{
    return *ResourceRegistry::builtin().find("", "v1", plural);
}

// Pods tolerate a not-ready or unreachable node for 300 s before they are evicted, unless
// they say otherwise (the DefaultTolerationSeconds plugin).
std::vector<std::string> addDefaultTolerations(Json &pod)
{
    std::vector<std::string> added;
    Json &tolerations = pod["spec"]["tolerations"];
    if (!tolerations.is_array())
        tolerations = Json::array();
    for (const char *key : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}) {
        bool present = false;
        for (const Json &t : tolerations)
            present = present ||
                      (t.value("key", "") == key && t.value("effect", "NoExecute") == "NoExecute");
        if (present)
            continue;
        tolerations.push_back({{"key", key},
                               {"operator", "Exists"},
                               {"effect", "NoExecute"},
                               {"tolerationSeconds", 300}});
        added.push_back(std::string("spec.tolerations+=") + key + ":NoExecute for 300s");
    }
    return added;
}

} // namespace

std::optional<ApiError> AdmissionChain::checkNamespace(const std::string &ns)
{
    const ResourceInfo &namespaces = resourceNamed("namespaces");
    auto found = m_storage.get(namespaces, "", ns);
    if (!found)
        return found.error();
    if (!*found)
        return ApiError::notFound(namespaces, ns);
    const Json &object = (*found)->object;
    if (object["metadata"].contains("deletionTimestamp"))
        return ApiError::forbidden(
            "unable to create new content in namespace " + ns + " because it is being terminated",
            {{"name", ns},
             {"kind", "namespaces"},
             {"group", ""},
             {"causes", Json::array({{{"reason", "NamespaceTerminating"},
                                      {"message", "namespace " + ns + " is being terminated"},
                                      {"field", "metadata.namespace"}}})}});
    return std::nullopt;
}

ApiResult<AdmissionOutcome> AdmissionChain::mutate(const ResourceInfo &resource, Json &object,
                                                   const Json &old)
{
    AdmissionOutcome outcome;
    outcome.plugins.push_back("defaulting");
    for (auto &line : applyDefaults(resource, object))
        outcome.mutations.push_back(std::move(line));

    if (resource.kind == "Pod" && resource.group.empty() && old.is_null()) {
        outcome.plugins.push_back("ServiceAccount");
        Json &spec = object["spec"];
        if (spec.value("serviceAccountName", "").empty()) {
            spec["serviceAccountName"] = "default";
            outcome.mutations.push_back("spec.serviceAccountName=default");
        }
        spec["serviceAccount"] = spec["serviceAccountName"]; // the deprecated mirror field
        outcome.plugins.push_back("DefaultTolerationSeconds");
        for (auto &line : addDefaultTolerations(object))
            outcome.mutations.push_back(std::move(line));
    }
    if (resource.kind == "Service" && resource.group.empty()) {
        outcome.plugins.push_back("ServiceIPAllocation");
        auto allocated = allocateServiceAddresses(object, old);
        if (!allocated)
            return allocated.error();
        for (auto &line : *allocated)
            outcome.mutations.push_back(std::move(line));
    }
    return outcome;
}

std::optional<ApiError> AdmissionChain::validate(const ResourceInfo &resource, const Json &object,
                                                 const Json &old)
{
    const std::string name = object["metadata"].value("name", "");
    FieldErrors errors = old.is_null() ? validateName(resource, name) : FieldErrors{};
    for (auto &error : validateObject(resource, object, old))
        errors.push_back(std::move(error));
    if (errors.empty())
        return std::nullopt;
    return ApiError::invalid(resource, name, errors);
}

ApiResult<std::vector<std::string>> AdmissionChain::allocateServiceAddresses(Json &service,
                                                                             const Json &old)
{
    std::vector<std::string> mutations;
    Json &spec = service["spec"];
    const std::string type = spec.value("type", "ClusterIP");
    const std::string name = service["metadata"].value("name", "");
    const ResourceInfo &services = resourceNamed("services");

    // On update, what was allocated stays (the ClusterIP is immutable, validation says so).
    if (!old.is_null()) {
        if (!spec.contains("clusterIP") && old["spec"].contains("clusterIP")) {
            spec["clusterIP"] = old["spec"]["clusterIP"];
            spec["clusterIPs"] = old["spec"].value("clusterIPs", Json::array());
        }
    }

    // What other Services hold.
    std::set<std::uint32_t> usedIps;
    std::set<int> usedPorts;
    auto all = m_storage.list(services, {});
    if (!all)
        return all.error();
    for (const Json &other : all->items) {
        if (other["metadata"].value("namespace", "") ==
                service["metadata"].value("namespace", "") &&
            other["metadata"].value("name", "") == name)
            continue;
        QHostAddress ip(QString::fromStdString(other["spec"].value("clusterIP", "")));
        if (!ip.isNull())
            usedIps.insert(ip.toIPv4Address());
        for (const Json &port : other["spec"].value("ports", Json::array()))
            if (port.contains("nodePort"))
                usedPorts.insert(port["nodePort"].get<int>());
    }

    const auto [network, prefix] =
        QHostAddress::parseSubnet(QString::fromStdString(m_network.cidr));
    const std::uint32_t base = network.toIPv4Address();
    const std::uint32_t size = prefix >= 32 ? 1 : (std::uint32_t(1) << (32 - prefix));
    const std::string fieldPath = "spec.clusterIPs";

    if (type != "ExternalName") {
        std::string requested = spec.value("clusterIP", "");
        if (requested.empty()) {
            // Random, as the real allocator: never the network, the broadcast, .1 (the
            // kubernetes Service) or .10 (kept for cluster DNS, which asks for it by name).
            std::uniform_int_distribution<std::uint32_t> pick(2, size - 2);
            for (int attempt = 0; attempt < 4096 && requested.empty(); ++attempt) {
                const std::uint32_t candidate = base + pick(randomEngine());
                if (candidate == base + 10 || usedIps.contains(candidate))
                    continue;
                requested = QHostAddress(candidate).toString().toStdString();
            }
            if (requested.empty())
                return ApiError::internal("failed to allocate a serviceIP: range is full");
            spec["clusterIP"] = requested;
            mutations.push_back("spec.clusterIP=" + requested);
        } else if (requested != "None" &&
                   (old.is_null() || old["spec"].value("clusterIP", "") != requested)) {
            const QHostAddress ip(QString::fromStdString(requested));
            if (ip.isNull() || !ip.isInSubnet(network, prefix))
                return ApiError::invalid(
                    services, name,
                    {FieldError::invalid(fieldPath, Json::array({requested}),
                                         "failed to allocate IP " + requested +
                                             ": provided IP is not in the valid range. "
                                             "The range of valid IPs is " +
                                             m_network.cidr)});
            if (usedIps.contains(ip.toIPv4Address()) ||
                (requested == m_network.kubernetesIp && name != "kubernetes"))
                return ApiError::invalid(
                    services, name,
                    {FieldError::invalid(fieldPath, Json::array({requested}),
                                         "failed to allocate IP " + requested +
                                             ": provided IP is already allocated")});
        }
        spec["clusterIPs"] = Json::array({spec["clusterIP"]});
    }

    if (type == "NodePort" || type == "LoadBalancer") {
        std::uniform_int_distribution<int> pick(m_network.nodePortFirst, m_network.nodePortLast);
        Json &ports = spec["ports"];
        for (std::size_t i = 0; ports.is_array() && i < ports.size(); ++i) {
            Json &port = ports[i];
            if (port.contains("nodePort") && port["nodePort"].is_number_integer() &&
                port["nodePort"].get<int>() != 0) {
                const int wanted = port["nodePort"].get<int>();
                const bool unchanged = !old.is_null() &&
                                       old["spec"].value("ports", Json::array()).size() > i &&
                                       old["spec"]["ports"][i].value("nodePort", 0) == wanted;
                if (!unchanged && usedPorts.contains(wanted))
                    return ApiError::invalid(
                        services, name,
                        {FieldError::invalid("spec.ports[" + std::to_string(i) + "].nodePort",
                                             wanted, "provided port is already allocated")});
                usedPorts.insert(wanted);
                continue;
            }
            int chosen = 0;
            for (int attempt = 0; attempt < 4096 && chosen == 0; ++attempt) {
                const int candidate = pick(randomEngine());
                if (!usedPorts.contains(candidate))
                    chosen = candidate;
            }
            if (chosen == 0)
                return ApiError::internal("failed to allocate a nodePort: range is full");
            usedPorts.insert(chosen);
            port["nodePort"] = chosen;
            mutations.push_back("spec.ports[" + std::to_string(i) +
                                "].nodePort=" + std::to_string(chosen));
        }
    }
    return mutations;
}

} // namespace flowlab::kube
