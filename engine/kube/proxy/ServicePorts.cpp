#include "engine/kube/proxy/ServicePorts.h"

#include <algorithm>
#include <arpa/inet.h>
#include <map>
#include <set>
#include <tuple>

namespace flowlab::kube::proxy {

namespace {

const Json &field(const Json &object, std::initializer_list<const char *> path)
{
    static const Json null;
    const Json *at = &object;
    for (const char *key : path) {
        if (!at->is_object())
            return null;
        const auto it = at->find(key);
        if (it == at->end())
            return null;
        at = &*it;
    }
    return *at;
}

std::string text(const Json &value)
{
    return value.is_string() ? value.get<std::string>() : std::string();
}

int number(const Json &value)
{
    return value.is_number_integer() ? value.get<int>() : 0;
}

const Json &items(const Json &value)
{
    static const Json empty = Json::array();
    return value.is_array() ? value : empty;
}

std::string protocolOf(const Json &port)
{
    const std::string protocol = text(field(port, {"protocol"}));
    return protocol.empty() ? "TCP" : protocol;
}

bool isIpv4(const std::string &address)
{
    in_addr parsed{};
    return ::inet_pton(AF_INET, address.c_str(), &parsed) == 1;
}

// Numeric order of dotted quads, so 10.42.0.9 comes before 10.42.0.10.
std::uint32_t ipv4Value(const std::string &address)
{
    in_addr parsed{};
    ::inet_pton(AF_INET, address.c_str(), &parsed);
    return ntohl(parsed.s_addr);
}

// Endpoints by the (service key, port name, protocol) they serve.
using EndpointIndex =
    std::map<std::tuple<std::string, std::string, std::string>, std::vector<Endpoint>>;

void addSliceEndpoints(const Json &slice, EndpointIndex &index)
{
    if (text(field(slice, {"addressType"})) != "IPv4")
        return;
    const std::string serviceName =
        text(field(slice, {"metadata", "labels", "kubernetes.io/service-name"}));
    if (serviceName.empty())
        return;
    const std::string key = text(field(slice, {"metadata", "namespace"})) + "/" + serviceName;
    for (const Json &port : items(field(slice, {"ports"}))) {
        const int number_ = number(field(port, {"port"}));
        if (number_ <= 0)
            continue;
        auto &list = index[{key, text(field(port, {"name"})), protocolOf(port)}];
        for (const Json &endpoint : items(field(slice, {"endpoints"}))) {
            // The API says an unset ready condition means ready.
            const Json &ready = field(endpoint, {"conditions", "ready"});
            if (ready.is_boolean() && !ready.get<bool>())
                continue;
            const Json &addresses = items(field(endpoint, {"addresses"}));
            if (addresses.empty() || !isIpv4(text(addresses[0])))
                continue;
            list.push_back({text(addresses[0]), number_, text(field(endpoint, {"nodeName"}))});
        }
    }
}

void addEndpointsSubsets(const Json &endpoints, EndpointIndex &index)
{
    const std::string key = text(field(endpoints, {"metadata", "namespace"})) + "/" +
                            text(field(endpoints, {"metadata", "name"}));
    for (const Json &subset : items(field(endpoints, {"subsets"}))) {
        for (const Json &port : items(field(subset, {"ports"}))) {
            const int number_ = number(field(port, {"port"}));
            if (number_ <= 0)
                continue;
            auto &list = index[{key, text(field(port, {"name"})), protocolOf(port)}];
            // notReadyAddresses are left out: kube-proxy sends traffic to ready pods only.
            for (const Json &address : items(field(subset, {"addresses"})))
                if (isIpv4(text(field(address, {"ip"}))))
                    list.push_back({text(field(address, {"ip"})), number_,
                                    text(field(address, {"nodeName"}))});
        }
    }
}

std::vector<Endpoint> sortedUnique(std::vector<Endpoint> endpoints)
{
    auto order = [](const Endpoint &a, const Endpoint &b) {
        return std::pair(ipv4Value(a.ip), a.port) < std::pair(ipv4Value(b.ip), b.port);
    };
    std::sort(endpoints.begin(), endpoints.end(), order);
    // Two slices may list the same pod while one is being replaced.
    endpoints.erase(std::unique(endpoints.begin(), endpoints.end(),
                                [](const Endpoint &a, const Endpoint &b) {
                                    return a.ip == b.ip && a.port == b.port;
                                }),
                    endpoints.end());
    return endpoints;
}

std::vector<std::string> ipv4Strings(const Json &list)
{
    std::vector<std::string> out;
    for (const Json &value : items(list))
        if (isIpv4(text(value)))
            out.push_back(text(value));
    return out;
}

} // namespace

std::string ServicePort::name() const
{
    return ns + "/" + service + (portName.empty() ? "" : ":" + portName);
}

std::vector<ServicePort> servicePortsFrom(const std::vector<Json> &services,
                                          const std::vector<Json> &endpointObjects,
                                          EndpointSource source)
{
    EndpointIndex index;
    for (const Json &object : endpointObjects) {
        if (source == EndpointSource::EndpointSlices)
            addSliceEndpoints(object, index);
        else
            addEndpointsSubsets(object, index);
    }

    std::vector<ServicePort> out;
    for (const Json &service : services) {
        const std::string type = text(field(service, {"spec", "type"}));
        const std::string clusterIP = text(field(service, {"spec", "clusterIP"}));
        if (type == "ExternalName" || clusterIP.empty() || clusterIP == "None" ||
            !isIpv4(clusterIP))
            continue;
        std::vector<std::string> loadBalancerIPs;
        if (type == "LoadBalancer")
            for (const Json &ingress : items(field(service, {"status", "loadBalancer", "ingress"})))
                if (isIpv4(text(field(ingress, {"ip"}))))
                    loadBalancerIPs.push_back(text(field(ingress, {"ip"})));
        const std::string ns = text(field(service, {"metadata", "namespace"}));
        const std::string name = text(field(service, {"metadata", "name"}));
        for (const Json &port : items(field(service, {"spec", "ports"}))) {
            ServicePort entry;
            entry.ns = ns;
            entry.service = name;
            entry.portName = text(field(port, {"name"}));
            entry.protocol = protocolOf(port);
            entry.type = type.empty() ? "ClusterIP" : type;
            entry.clusterIP = clusterIP;
            entry.port = number(field(port, {"port"}));
            if (type == "NodePort" || type == "LoadBalancer")
                entry.nodePort = number(field(port, {"nodePort"}));
            entry.externalIPs = ipv4Strings(field(service, {"spec", "externalIPs"}));
            entry.loadBalancerIPs = loadBalancerIPs;
            if (const auto found = index.find({ns + "/" + name, entry.portName, entry.protocol});
                found != index.end())
                entry.endpoints = sortedUnique(found->second);
            out.push_back(std::move(entry));
        }
    }
    std::sort(out.begin(), out.end(), [](const ServicePort &a, const ServicePort &b) {
        return std::pair(a.name(), a.protocol) < std::pair(b.name(), b.protocol);
    });
    return out;
}

} // namespace flowlab::kube::proxy
