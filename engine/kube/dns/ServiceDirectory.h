#pragma once

// What the cluster DNS server knows of the cluster: its Services and the endpoints their
// EndpointSlices list, reduced to what names resolve to. The watch feeds it Kubernetes
// objects as JSON; the resolver reads it. It touches no network, so tests fill it from
// fixtures.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace flowlab::kube::dns {

using Json = nlohmann::json;

struct NamedPort
{
    std::string name;     // the port's name; unnamed ports get no SRV record
    std::string protocol; // lower case: "tcp", "udp", "sctp" (the SRV label's spelling)
    int port = 0;
};

enum class ServiceKind {
    ClusterIP,    // A records to the ClusterIP (NodePort and LoadBalancer have one too)
    Headless,     // clusterIP "None": A records to the ready endpoints
    ExternalName, // a CNAME to spec.externalName
};

struct ServiceEntry
{
    std::string ns;
    std::string name;
    ServiceKind kind = ServiceKind::ClusterIP;
    std::vector<std::string> clusterIPs; // spec.clusterIPs, else spec.clusterIP
    std::string externalName;            // lower case, without a trailing dot
    std::vector<NamedPort> ports;
    // spec.publishNotReadyAddresses, or the older tolerate-unready-endpoints annotation: the
    // endpoints count as ready whatever their condition (the spec's definition of _ready_).
    bool publishNotReady = false;
};

struct EndpointEntry
{
    std::string ip;
    std::string hostname; // the endpoint's hostname field, else the IP with dashes
    bool ready = true;
    std::vector<NamedPort> ports; // the slice's ports: the target ports a pod listens on
};

class ServiceDirectory
{
public:
    // Added or updated objects, and deleted ones (only the metadata is read from those).
    void applyService(const Json &service);
    void removeService(const Json &service);
    void applyEndpointSlice(const Json &slice);
    void removeEndpointSlice(const Json &slice);

    // Whether both watches have listed once: before that, the server does not know which
    // names exist and must not say NXDOMAIN.
    bool synced() const { return m_synced; }
    void setSynced(bool synced) { m_synced = synced; }
    // Bumped by every change: the zone's SOA serial.
    std::uint32_t generation() const { return m_generation; }

    // Names are compared lower case (the spec: "case-insensitive").
    const ServiceEntry *service(const std::string &ns, const std::string &name) const;
    bool hasNamespace(const std::string &ns) const;
    // The Service's endpoints across its slices, one per IP, sorted by IP. With `readyOnly`,
    // only those the spec calls _ready_ (ready, or the Service publishes not-ready ones).
    std::vector<EndpointEntry> endpoints(const ServiceEntry &service, bool readyOnly) const;
    // For PTR: the Service whose ClusterIP is `ip`, or whose ready endpoint has it (then
    // `endpoint` is set). Null when no Service has it.
    const ServiceEntry *findByAddress(const std::string &ip, EndpointEntry *endpoint) const;
    const std::map<std::string, ServiceEntry> &services() const { return m_services; }

private:
    struct SliceEntry
    {
        std::string serviceKey; // "ns/name" from the kubernetes.io/service-name label
        std::vector<EndpointEntry> endpoints;
    };

    std::map<std::string, ServiceEntry> m_services; // by "ns/name"
    std::map<std::string, SliceEntry> m_slices;     // by "ns/slice-name"
    std::uint32_t m_generation = 1;
    bool m_synced = false;
};

// "10.42.0.5" -> "10-42-0-5": how an endpoint without a hostname is named under a headless
// Service, as CoreDNS does, so each endpoint has a stable name of its own.
std::string dashedAddress(const std::string &ip);

} // namespace flowlab::kube::dns
