#include "engine/kube/dns/ServiceDirectory.h"

#include "engine/kube/dns/DnsRecord.h"

#include <algorithm>
#include <set>

namespace flowlab::kube::dns {

namespace {

const char *kServiceNameLabel = "kubernetes.io/service-name";
const char *kTolerateUnreadyAnnotation = "service.alpha.kubernetes.io/tolerate-unready-endpoints";

const Json &field(const Json &object, const char *name)
{
    static const Json null;
    if (!object.is_object())
        return null;
    const auto found = object.find(name);
    return found == object.end() ? null : *found;
}

std::string text(const Json &object, const char *name)
{
    const Json &value = field(object, name);
    return value.is_string() ? value.get<std::string>() : std::string();
}

std::string keyOf(const Json &object)
{
    const Json &metadata = field(object, "metadata");
    return lowerCase(text(metadata, "namespace")) + "/" + lowerCase(text(metadata, "name"));
}

std::vector<NamedPort> portsOf(const Json &ports)
{
    std::vector<NamedPort> out;
    if (!ports.is_array())
        return out;
    for (const Json &port : ports) {
        NamedPort named;
        named.name = lowerCase(text(port, "name"));
        const std::string protocol = text(port, "protocol");
        named.protocol = lowerCase(protocol.empty() ? "TCP" : protocol);
        const Json &number = field(port, "port");
        named.port = number.is_number_integer() ? number.get<int>() : 0;
        out.push_back(std::move(named));
    }
    return out;
}

} // namespace

std::string dashedAddress(const std::string &ip)
{
    std::string dashed = ip;
    std::replace(dashed.begin(), dashed.end(), '.', '-');
    std::replace(dashed.begin(), dashed.end(), ':', '-');
    return dashed;
}

void ServiceDirectory::applyService(const Json &service)
{
    const Json &metadata = field(service, "metadata");
    const Json &spec = field(service, "spec");
    ServiceEntry entry;
    entry.ns = lowerCase(text(metadata, "namespace"));
    entry.name = lowerCase(text(metadata, "name"));
    if (text(spec, "type") == "ExternalName") {
        entry.kind = ServiceKind::ExternalName;
        entry.externalName = lowerCase(text(spec, "externalName"));
        while (!entry.externalName.empty() && entry.externalName.back() == '.')
            entry.externalName.pop_back();
    } else if (text(spec, "clusterIP") == "None") {
        entry.kind = ServiceKind::Headless;
    }
    if (entry.kind == ServiceKind::ClusterIP) {
        if (const Json &ips = field(spec, "clusterIPs"); ips.is_array())
            for (const Json &ip : ips)
                if (ip.is_string() && !ip.get<std::string>().empty())
                    entry.clusterIPs.push_back(ip.get<std::string>());
        if (entry.clusterIPs.empty() && !text(spec, "clusterIP").empty())
            entry.clusterIPs.push_back(text(spec, "clusterIP"));
    }
    entry.ports = portsOf(field(spec, "ports"));
    const Json &publish = field(spec, "publishNotReadyAddresses");
    entry.publishNotReady =
        (publish.is_boolean() && publish.get<bool>()) ||
        text(field(metadata, "annotations"), kTolerateUnreadyAnnotation) == "true";
    m_services[entry.ns + "/" + entry.name] = std::move(entry);
    ++m_generation;
}

void ServiceDirectory::removeService(const Json &service)
{
    if (m_services.erase(keyOf(service)) > 0)
        ++m_generation;
}

void ServiceDirectory::applyEndpointSlice(const Json &slice)
{
    const Json &metadata = field(slice, "metadata");
    const std::string ns = lowerCase(text(metadata, "namespace"));
    const std::string serviceName = lowerCase(text(field(metadata, "labels"), kServiceNameLabel));
    const std::string addressType = text(slice, "addressType");
    // FQDN slices (deprecated) name hosts, not addresses: nothing to put in an A record.
    if (serviceName.empty() || (addressType != "IPv4" && addressType != "IPv6")) {
        removeEndpointSlice(slice);
        return;
    }
    SliceEntry entry;
    entry.serviceKey = ns + "/" + serviceName;
    const std::vector<NamedPort> ports = portsOf(field(slice, "ports"));
    if (const Json &endpoints = field(slice, "endpoints"); endpoints.is_array()) {
        for (const Json &endpoint : endpoints) {
            // discovery.k8s.io/v1: "a nil value should be interpreted as ready".
            const Json &ready = field(field(endpoint, "conditions"), "ready");
            const bool isReady = !ready.is_boolean() || ready.get<bool>();
            const std::string hostname = lowerCase(text(endpoint, "hostname"));
            const Json &addresses = field(endpoint, "addresses");
            if (!addresses.is_array())
                continue;
            for (const Json &address : addresses) {
                if (!address.is_string())
                    continue;
                const std::string ip = address.get<std::string>();
                entry.endpoints.push_back(
                    {ip, hostname.empty() ? dashedAddress(ip) : hostname, isReady, ports});
            }
        }
    }
    m_slices[keyOf(slice)] = std::move(entry);
    ++m_generation;
}

void ServiceDirectory::removeEndpointSlice(const Json &slice)
{
    if (m_slices.erase(keyOf(slice)) > 0)
        ++m_generation;
}

const ServiceEntry *ServiceDirectory::service(const std::string &ns, const std::string &name) const
{
    const auto found = m_services.find(lowerCase(ns) + "/" + lowerCase(name));
    return found == m_services.end() ? nullptr : &found->second;
}

bool ServiceDirectory::hasNamespace(const std::string &ns) const
{
    const std::string prefix = lowerCase(ns) + "/";
    const auto it = m_services.lower_bound(prefix);
    return it != m_services.end() && it->first.starts_with(prefix);
}

std::vector<EndpointEntry> ServiceDirectory::endpoints(const ServiceEntry &service,
                                                       bool readyOnly) const
{
    const std::string key = service.ns + "/" + service.name;
    std::vector<EndpointEntry> out;
    std::set<std::string> seen;
    for (const auto &[sliceKey, slice] : m_slices) {
        if (slice.serviceKey != key)
            continue;
        for (const EndpointEntry &endpoint : slice.endpoints) {
            if (readyOnly && !endpoint.ready && !service.publishNotReady)
                continue;
            // During a rollout two slices can list one address for a moment: answer it once.
            if (seen.insert(endpoint.ip).second)
                out.push_back(endpoint);
        }
    }
    std::sort(out.begin(), out.end(),
              [](const EndpointEntry &a, const EndpointEntry &b) { return a.ip < b.ip; });
    return out;
}

const ServiceEntry *ServiceDirectory::findByAddress(const std::string &ip,
                                                    EndpointEntry *endpoint) const
{
    for (const auto &[key, service] : m_services)
        if (std::find(service.clusterIPs.begin(), service.clusterIPs.end(), ip) !=
            service.clusterIPs.end())
            return &service;
    for (const auto &[key, service] : m_services) {
        if (service.kind != ServiceKind::Headless)
            continue;
        for (const EndpointEntry &candidate : endpoints(service, true))
            if (candidate.ip == ip) {
                if (endpoint)
                    *endpoint = candidate;
                return &service;
            }
    }
    return nullptr;
}

} // namespace flowlab::kube::dns
