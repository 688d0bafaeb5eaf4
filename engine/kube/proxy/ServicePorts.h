#pragma once

// What kube-proxy needs to know about Services, flattened to one entry per service port (the
// unit kube-proxy works in: each gets its own KUBE-SVC chain): the addresses it is reached at,
// and its ready endpoints. Built from the apiserver's JSON: Services plus either
// discovery.k8s.io/v1 EndpointSlices (what kube-proxy reads today) or core/v1 Endpoints (what it
// read before 1.19). Nothing here throws on a missing or mistyped field: it reads as absent.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace flowlab::kube::proxy {

using Json = nlohmann::json;

struct Endpoint
{
    std::string ip;
    int port = 0;
    std::string nodeName; // where the pod runs, when the slice says

    // "10.42.0.5:80", as chain names and comments use it.
    std::string address() const { return ip + ":" + std::to_string(port); }
};

struct ServicePort
{
    std::string ns;
    std::string service;
    std::string portName; // may be empty for a single-port Service
    std::string protocol = "TCP";
    std::string type = "ClusterIP"; // NodePort, LoadBalancer (ExternalName never gets here)
    std::string clusterIP;
    int port = 0;
    int nodePort = 0; // 0: none
    std::vector<std::string> externalIPs;
    std::vector<std::string> loadBalancerIPs; // status.loadBalancer.ingress[].ip
    // Ready endpoints only, sorted by address so that renders are deterministic.
    std::vector<Endpoint> endpoints;

    // "ns/svc:port", or "ns/svc" without a port name: kube-proxy's ServicePortName.
    std::string name() const;
    bool hasExternalDestinations() const
    {
        return nodePort > 0 || !externalIPs.empty() || !loadBalancerIPs.empty();
    }
};

// Where endpoints come from.
enum class EndpointSource { EndpointSlices, Endpoints };

// The service ports of `services` that get rules, with their endpoints, sorted by name and
// protocol. Left out, as kube-proxy leaves them out: ExternalName Services (DNS answers them),
// headless ones (clusterIP None) and those without a cluster IP yet. `endpointObjects` are
// EndpointSlices (matched to their Service by the kubernetes.io/service-name label) or
// Endpoints (matched by name), as `source` says; only IPv4 addresses that are ready count.
std::vector<ServicePort> servicePortsFrom(const std::vector<Json> &services,
                                          const std::vector<Json> &endpointObjects,
                                          EndpointSource source);

} // namespace flowlab::kube::proxy
