#pragma once

// What the Ingress objects ask for, as a flat table the ingress controller serves from: one
// route per (host, path), each naming its Service by DNS name and port number. Pure: objects
// in, routes out, so the rules of networking.k8s.io/v1 are tested without a process.
//
// The rules followed (Kubernetes' Ingress API):
//   - a rule's host is matched exactly, or as a wildcard "*.example.com" (one label); a rule
//     without a host, and spec.defaultBackend, go to the default server;
//   - pathType Exact matches the path alone; Prefix matches element by element (/foo matches
//     /foo and /foo/bar, not /foobar); ImplementationSpecific is served as Prefix;
//   - among matching paths the longest wins, Exact before Prefix; the first Ingress (by
//     namespace/name) wins a tie between two Ingresses;
//   - a backend Service port given by name is looked up in the Service; when the Service or
//     the name is unknown, the route is kept unresolved and says why (a 503, as ingress-nginx
//     answers).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace flowlab::kube::ingress {

using Json = nlohmann::json;

enum class PathMatch { Exact, Prefix };

struct IngressRoute
{
    std::string host; // "" for the default server
    std::string path; // "/" when the rule has none
    PathMatch match = PathMatch::Prefix;
    std::string ingress; // "namespace/name", the object the route comes from
    std::string serviceNamespace;
    std::string serviceName;
    int servicePort = 0;    // 0 when unresolved
    std::string unresolved; // why the backend cannot be reached ("" when it can)

    // The Service's cluster DNS name: app2-service.default.svc.cluster.local.
    std::string serviceHost(const std::string &clusterDomain = "cluster.local") const;
    std::string backendText() const; // "app2-service:80" (or the reason it is not served)
    Json toJson() const;
    bool operator==(const IngressRoute &) const = default;
};

// The routes of `ingresses` (objects of networking.k8s.io/v1 Ingress) whose class is served
// by `ingressClass` (or that name no class), with named ports resolved against `services`
// (core/v1 Service objects). Sorted by host, then the order nginx must try them: Exact before
// Prefix, longer paths first. A (host, path, match) claimed by two Ingresses goes to the first.
std::vector<IngressRoute> routesOf(const std::vector<Json> &ingresses,
                                   const std::vector<Json> &services,
                                   const std::string &ingressClass);

} // namespace flowlab::kube::ingress
