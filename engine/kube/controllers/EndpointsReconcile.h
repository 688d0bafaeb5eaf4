#pragma once

// Where a Service's traffic may go, decided from its selector and its pods (kubernetes
// pkg/controller/endpoint and pkg/controller/endpointslice), as pure functions:
//   - Endpoints: the ready pods' IPs as addresses, the others as notReadyAddresses, pods
//     being deleted left out; kube-proxy of old, and `kubectl get endpoints`, read these.
//   - EndpointSlices (discovery.k8s.io/v1): the same pods, with conditions ready, serving
//     and terminating, in slices labelled kubernetes.io/service-name and owned by the Service.
// A port's targetPort is a number, or the name of a container port, which can differ from
// pod to pod (during a rollout, say): pods are grouped by the ports they resolve to.
// Services without a selector are left alone: their Endpoints are whoever wrote them.

#include "engine/kube/controllers/Decision.h"

#include <optional>
#include <vector>

namespace flowlab::kube::endpoints {

inline constexpr const char *kEndpointsComponent = "endpoint-controller";
inline constexpr const char *kSliceComponent = "endpointslice-controller";
inline constexpr const char *kServiceNameLabel = "kubernetes.io/service-name";
inline constexpr const char *kManagedByLabel = "endpointslice.kubernetes.io/managed-by";
inline constexpr const char *kManagedBy = "endpointslice-controller.k8s.io";

// The port a Service port reaches on `pod`: targetPort as a number, or the containerPort
// named so (with the same protocol); the Service port's own number when targetPort is unset.
std::optional<int> resolveTargetPort(const Json &servicePort, const Json &pod);

// Whether the Service picks its pods itself (has a selector) and is not the apiserver's own.
bool managesEndpoints(const Json &service);

// The subsets of the Service's Endpoints: one per group of addresses that share the same
// ports (RepackSubsets), addresses sorted by IP.
Json endpointSubsets(const Json &service, const std::vector<Json> &pods);

// The Endpoints named like a Service: `service` is null when it was deleted, `current` when
// there are no Endpoints yet. `pods` are the Service namespace's pods (any; it selects).
Decision reconcileEndpoints(const std::string &ns, const std::string &name, const Json &service,
                            const std::vector<Json> &pods, const Json &current);

// The Service's EndpointSlices: `current` are those this controller manages for it.
Decision reconcileEndpointSlices(const Json &service, const std::vector<Json> &pods,
                                 const std::vector<Json> &current);

} // namespace flowlab::kube::endpoints
