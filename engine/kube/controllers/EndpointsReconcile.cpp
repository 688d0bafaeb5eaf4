#include "engine/kube/controllers/EndpointsReconcile.h"

#include "engine/kube/api/Selectors.h"
#include "engine/kube/controllers/PodState.h"

#include <algorithm>
#include <map>
#include <set>

namespace flowlab::kube::endpoints {

namespace {

const ResourceInfo &services()
{
    return builtinResource("", "services");
}

const ResourceInfo &endpointsResource()
{
    return builtinResource("", "endpoints");
}

const ResourceInfo &slices()
{
    return builtinResource("discovery.k8s.io", "endpointslices");
}

std::string protocolOf(const Json &port)
{
    const std::string protocol = stringAt(port, {"protocol"});
    return protocol.empty() ? "TCP" : protocol;
}

std::string podIp(const Json &pod)
{
    std::string ip = stringAt(pod, {"status", "podIP"});
    if (ip.empty()) {
        const Json &ips = at(pod, {"status", "podIPs"});
        if (ips.is_array() && !ips.empty())
            ip = stringAt(ips[0], {"ip"});
    }
    return ip;
}

// ShouldPodBeInEndpoints: it has an IP, its containers may still run, and (for Endpoints,
// not for slices, which mark it terminating instead) it is not being deleted.
bool belongs(const Json &pod, bool includeTerminating)
{
    return !isPodTerminal(pod) && !podIp(pod).empty() &&
           (includeTerminating || !isBeingDeleted(pod));
}

std::vector<Json> selectedPods(const Json &service, const std::vector<Json> &pods)
{
    const LabelSelector selector = LabelSelector::fromMap(at(service, {"spec", "selector"}));
    std::vector<Json> selected;
    for (const Json &pod : pods)
        if (namespaceOf(pod) == namespaceOf(service) &&
            selector.matches(at(pod, {"metadata", "labels"})))
            selected.push_back(pod);
    return selected;
}

Json targetRefOf(const Json &pod)
{
    return {{"kind", "Pod"},
            {"namespace", namespaceOf(pod)},
            {"name", nameOf(pod)},
            {"uid", uidOf(pod)}};
}

// The Endpoints port (or slice port) for a Service port resolved to `number`.
Json endpointPort(const Json &servicePort, int number, bool alwaysNamed)
{
    Json port = {{"port", number}, {"protocol", protocolOf(servicePort)}};
    const std::string name = stringAt(servicePort, {"name"});
    if (!name.empty() || alwaysNamed)
        port["name"] = name;
    if (const Json &app = at(servicePort, {"appProtocol"}); app.is_string())
        port["appProtocol"] = app;
    return port;
}

// The ports `pod` serves for the Service, in the Service's order; ports it cannot resolve
// (no container port of that name) are left out.
Json resolvedPorts(const Json &service, const Json &pod, bool alwaysNamed)
{
    Json ports = Json::array();
    const Json &servicePorts = at(service, {"spec", "ports"});
    if (servicePorts.is_array())
        for (const Json &servicePort : servicePorts)
            if (const auto number = resolveTargetPort(servicePort, pod))
                ports.push_back(endpointPort(servicePort, *number, alwaysNamed));
    return ports;
}

Json labelsFor(const Json &service)
{
    Json labels = at(service, {"metadata", "labels"}).is_object()
                      ? at(service, {"metadata", "labels"})
                      : Json::object();
    if (stringAt(service, {"spec", "clusterIP"}) == "None")
        labels["service.kubernetes.io/headless"] = "";
    return labels;
}

std::vector<std::string> ipsOf(const Json &subsets, const char *field)
{
    std::vector<std::string> ips;
    if (subsets.is_array())
        for (const Json &subset : subsets)
            if (const Json &addresses = at(subset, {field}); addresses.is_array())
                for (const Json &address : addresses)
                    ips.push_back(stringAt(address, {"ip"}));
    std::sort(ips.begin(), ips.end());
    ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
    return ips;
}

std::string listed(const std::vector<std::string> &ips)
{
    std::string text;
    for (const auto &ip : ips)
        text += (text.empty() ? "" : ", ") + ip;
    return text;
}

std::string addressesText(const std::vector<std::string> &ready,
                          const std::vector<std::string> &notReady)
{
    if (ready.empty() && notReady.empty())
        return "no addresses";
    std::string text = std::to_string(ready.size()) + " ready";
    if (!ready.empty())
        text += " (" + listed(ready) + ")";
    if (!notReady.empty())
        text += ", " + std::to_string(notReady.size()) + " not ready (" + listed(notReady) + ")";
    return text;
}

} // namespace

std::optional<int> resolveTargetPort(const Json &servicePort, const Json &pod)
{
    const Json &target = at(servicePort, {"targetPort"});
    if (target.is_number_integer())
        return int(target.get<std::int64_t>());
    if (!target.is_string() || target.get<std::string>().empty())
        return servicePort.contains("port") ? std::optional(int(intAt(servicePort, {"port"})))
                                            : std::nullopt;
    const std::string name = target.get<std::string>();
    // A numeric string is a number ("8080"), as IntOrString's parse of "8080" would not be,
    // but kubectl expose writes numbers as numbers, so only names come here in practice.
    for (const char *list : {"initContainers", "containers"}) {
        const Json &containers = at(pod, {"spec", list});
        if (!containers.is_array())
            continue;
        for (const Json &container : containers) {
            const Json &ports = at(container, {"ports"});
            if (!ports.is_array())
                continue;
            for (const Json &port : ports)
                if (stringAt(port, {"name"}) == name && protocolOf(port) == protocolOf(servicePort))
                    return int(intAt(port, {"containerPort"}));
        }
    }
    return std::nullopt;
}

bool managesEndpoints(const Json &service)
{
    const Json &selector = at(service, {"spec", "selector"});
    const bool apiserverOwn = namespaceOf(service) == "default" && nameOf(service) == "kubernetes";
    return selector.is_object() && !selector.empty() && !apiserverOwn &&
           stringAt(service, {"spec", "type"}) != "ExternalName";
}

Json endpointSubsets(const Json &service, const std::vector<Json> &pods)
{
    const bool publishNotReady = at(service, {"spec", "publishNotReadyAddresses"}) == true;
    // Each port, and the addresses that serve it (with their readiness): the same pod may
    // resolve a named port differently from another.
    std::map<std::string, std::pair<Json, std::map<std::string, std::pair<Json, bool>>>> byPort;
    for (const Json &pod : selectedPods(service, pods)) {
        if (!belongs(pod, false))
            continue;
        Json address = {{"ip", podIp(pod)}, {"targetRef", targetRefOf(pod)}};
        if (const std::string node = stringAt(pod, {"spec", "nodeName"}); !node.empty())
            address["nodeName"] = node;
        if (const std::string host = stringAt(pod, {"spec", "hostname"});
            !host.empty() && stringAt(pod, {"spec", "subdomain"}) == nameOf(service))
            address["hostname"] = host;
        const bool ready = publishNotReady || isPodReady(pod);
        Json ports = resolvedPorts(service, pod, false);
        if (at(service, {"spec", "ports"}).empty())
            ports = Json::array({Json()}); // a headless Service without ports: addresses only
        const std::string addressKey = podIp(pod) + "/" + nameOf(pod);
        for (const Json &port : ports) {
            auto &entry = byPort[port.dump()];
            entry.first = port;
            entry.second[addressKey] = {address, ready};
        }
    }
    // Ports served by exactly the same addresses share a subset.
    std::map<std::string, Json> subsets; // keyed by the address set
    for (const auto &[portKey, entry] : byPort) {
        std::string addressKey;
        for (const auto &[key, address] : entry.second)
            addressKey += key + (address.second ? "+" : "-") + ";";
        Json &subset = subsets[addressKey];
        if (subset.is_null()) {
            Json ready = Json::array(), notReady = Json::array();
            for (const auto &[key, address] : entry.second)
                (address.second ? ready : notReady).push_back(address.first);
            subset = Json::object();
            if (!ready.empty())
                subset["addresses"] = ready;
            if (!notReady.empty())
                subset["notReadyAddresses"] = notReady;
        }
        if (!entry.first.is_null())
            subset["ports"].push_back(entry.first);
    }
    Json out = Json::array();
    for (auto &[key, subset] : subsets)
        out.push_back(std::move(subset));
    std::sort(out.begin(), out.end(),
              [](const Json &a, const Json &b) { return a.dump() < b.dump(); });
    return out;
}

Decision reconcileEndpoints(const std::string &ns, const std::string &name, const Json &service,
                            const std::vector<Json> &pods, const Json &current)
{
    Decision decision;
    decision.controller = kEndpointsComponent;
    decision.object = {"Endpoints", ns, name};
    const Json currentSubsets = at(current, {"subsets"});
    const auto haveReady = ipsOf(currentSubsets, "addresses");
    const auto haveNotReady = ipsOf(currentSubsets, "notReadyAddresses");
    decision.actual = {{"exists", !current.is_null()},
                       {"addresses", haveReady},
                       {"notReadyAddresses", haveNotReady}};
    decision.actualText =
        current.is_null() ? "no Endpoints" : addressesText(haveReady, haveNotReady);

    if (service.is_null()) {
        decision.desired = {{"exists", false}};
        decision.desiredText = "no Endpoints (the Service is gone)";
        if (!current.is_null() && !(ns == "default" && name == "kubernetes"))
            decision.actions.push_back(
                Action::remove(endpointsResource(), ns, name, Json(), "delete Endpoints " + name));
        return decision;
    }
    if (!managesEndpoints(service)) {
        decision.desired = {{"managed", false}};
        decision.desiredText = "whatever its owner writes";
        decision.note = "the Service has no selector, so its Endpoints are not the controller's";
        return decision;
    }

    Json subsets = endpointSubsets(service, pods);
    const auto wantReady = ipsOf(subsets, "addresses");
    const auto wantNotReady = ipsOf(subsets, "notReadyAddresses");
    decision.desired = {
        {"exists", true}, {"addresses", wantReady}, {"notReadyAddresses", wantNotReady}};
    decision.desiredText = addressesText(wantReady, wantNotReady);

    Json endpoints = current.is_null() ? Json{{"apiVersion", "v1"},
                                              {"kind", "Endpoints"},
                                              {"metadata", {{"name", name}, {"namespace", ns}}}}
                                       : current;
    endpoints["metadata"]["labels"] = labelsFor(service);
    if (subsets.empty())
        endpoints.erase("subsets");
    else
        endpoints["subsets"] = subsets;
    if (current.is_null())
        decision.actions.push_back(
            Action::create(endpointsResource(), endpoints,
                           "create Endpoints " + name + " (" + decision.desiredText + ")"));
    else if (endpoints != current)
        decision.actions.push_back(
            Action::update(endpointsResource(), endpoints,
                           "update Endpoints " + name + " (" + decision.desiredText + ")"));
    return decision;
}

Decision reconcileEndpointSlices(const Json &service, const std::vector<Json> &pods,
                                 const std::vector<Json> &current)
{
    const std::string name = nameOf(service);
    Decision decision;
    decision.controller = kSliceComponent;
    decision.object = refOf(services(), service);
    std::set<std::string> haveReady, haveAll;
    for (const Json &slice : current)
        if (const Json &list = at(slice, {"endpoints"}); list.is_array())
            for (const Json &endpoint : list) {
                const Json &addresses = at(endpoint, {"addresses"});
                if (!addresses.is_array() || addresses.empty() || !addresses[0].is_string())
                    continue;
                haveAll.insert(addresses[0].get<std::string>());
                if (at(endpoint, {"conditions", "ready"}) == true)
                    haveReady.insert(addresses[0].get<std::string>());
            }
    decision.actual = {
        {"slices", int(current.size())}, {"endpoints", haveAll}, {"ready", haveReady}};
    decision.actualText = std::to_string(current.size()) +
                          (current.size() == 1 ? " slice, " : " slices, ") +
                          std::to_string(haveReady.size()) + " of " +
                          std::to_string(haveAll.size()) + " endpoints ready";
    if (!managesEndpoints(service)) {
        decision.desired = {{"managed", false}};
        decision.desiredText = "no managed slices";
        decision.note = "the Service has no selector";
        return decision;
    }

    // The endpoints, grouped by the ports their pods resolve to: one slice per group.
    const bool publishNotReady = at(service, {"spec", "publishNotReadyAddresses"}) == true;
    std::map<std::string, std::pair<Json, Json>> groups; // ports dump -> (ports, endpoints)
    std::set<std::string> wantReady, wantAll;
    for (const Json &pod : selectedPods(service, pods)) {
        const std::string ip = podIp(pod);
        if (!belongs(pod, true) || ip.find('.') == std::string::npos) // IPv4 slices only
            continue;
        const bool serving = isPodReady(pod);
        const bool terminating = isBeingDeleted(pod);
        Json endpoint = {{"addresses", Json::array({ip})},
                         {"conditions",
                          {{"ready", publishNotReady || (serving && !terminating)},
                           {"serving", serving},
                           {"terminating", terminating}}},
                         {"targetRef", targetRefOf(pod)}};
        if (const std::string node = stringAt(pod, {"spec", "nodeName"}); !node.empty())
            endpoint["nodeName"] = node;
        Json ports = resolvedPorts(service, pod, true);
        auto &group = groups[ports.dump()];
        group.first = ports;
        if (group.second.is_null())
            group.second = Json::array();
        group.second.push_back(std::move(endpoint));
        wantAll.insert(ip);
        if (publishNotReady || (serving && !terminating))
            wantReady.insert(ip);
    }
    if (groups.empty()) // a placeholder: the Service has a slice even with no endpoints
        groups[""] = {Json::array(), Json::array()};
    decision.desired = {
        {"slices", int(groups.size())}, {"endpoints", wantAll}, {"ready", wantReady}};
    decision.desiredText = std::to_string(groups.size()) +
                           (groups.size() == 1 ? " slice, " : " slices, ") +
                           std::to_string(wantReady.size()) + " of " +
                           std::to_string(wantAll.size()) + " endpoints ready";

    Json labels = labelsFor(service);
    labels[kServiceNameLabel] = name;
    labels[kManagedByLabel] = kManagedBy;
    // Each group keeps the slice that already has its ports; groups left over take the
    // slices left over (the placeholder, say), so that slices are rewritten rather than
    // deleted and created again; only then are new ones made.
    std::vector<bool> used(current.size(), false);
    struct Placement
    {
        const Json *ports;
        const Json *endpoints;
        int slice; // index in `current`, -1 for a new one
    };
    std::vector<Placement> placements;
    for (auto &[key, group] : groups) {
        auto &[ports, list] = group;
        std::sort(list.begin(), list.end(), [](const Json &a, const Json &b) {
            return a["addresses"][0] < b["addresses"][0];
        });
        int match = -1;
        for (std::size_t i = 0; i < current.size() && match < 0; ++i) {
            const Json &have = at(current[i], {"ports"});
            if (!used[i] && (have.is_array() ? have : Json::array()) == ports)
                match = int(i);
        }
        if (match >= 0)
            used[std::size_t(match)] = true;
        placements.push_back({&ports, &list, match});
    }
    for (Placement &placement : placements)
        for (std::size_t i = 0; i < current.size() && placement.slice < 0; ++i)
            if (!used[i]) {
                used[i] = true;
                placement.slice = int(i);
            }
    for (const Placement &placement : placements) {
        const Json &ports = *placement.ports;
        const Json &list = *placement.endpoints;
        const int match = placement.slice;
        Json slice =
            match >= 0
                ? current[std::size_t(match)]
                : Json{{"apiVersion", "discovery.k8s.io/v1"},
                       {"kind", "EndpointSlice"},
                       {"metadata",
                        {{"generateName", name + "-"},
                         {"namespace", namespaceOf(service)},
                         {"ownerReferences", Json::array({controllerRefTo(services(), service)})}}},
                       {"addressType", "IPv4"}};
        slice["metadata"]["labels"] = labels;
        slice["endpoints"] = list;
        slice["ports"] = ports;
        const std::string what =
            std::to_string(list.size()) + (list.size() == 1 ? " endpoint" : " endpoints");
        if (match < 0)
            decision.actions.push_back(Action::create(
                slices(), slice, "create EndpointSlice " + name + "-* (" + what + ")"));
        else if (slice != current[std::size_t(match)])
            decision.actions.push_back(Action::update(
                slices(), slice, "update EndpointSlice " + nameOf(slice) + " (" + what + ")"));
    }
    for (std::size_t i = 0; i < current.size(); ++i)
        if (!used[i])
            decision.actions.push_back(
                Action::remove(slices(), namespaceOf(current[i]), nameOf(current[i]), Json(),
                               "delete EndpointSlice " + nameOf(current[i])));
    return decision;
}

} // namespace flowlab::kube::endpoints
