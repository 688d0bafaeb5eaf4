#pragma once

// The admission plugins a request's object passes through before it is stored, in the real
// apiserver's order, each recorded for the evidence:
//   NamespaceLifecycle        the namespace must exist and not be terminating
//   defaulting                imagePullPolicy, restartPolicy, a Deployment's strategy, ...
//   ServiceAccount            a pod runs as its namespace's "default" ServiceAccount
//   DefaultTolerationSeconds  pods tolerate not-ready/unreachable nodes for 300 s
//   service IP allocation     a ClusterIP from the Service CIDR (10.43.0.0/16), NodePorts
//   validation                names, required and immutable fields (422 with the causes)

#include "engine/kube/api/Resources.h"
#include "engine/kube/apiserver/ApiResult.h"
#include "engine/kube/apiserver/ObjectStorage.h"

#include <string>
#include <vector>

namespace flowlab::kube {

struct ServiceNetwork
{
    std::string cidr = "10.43.0.0/16";
    std::string kubernetesIp = "10.43.0.1"; // the `kubernetes` Service's, always taken
    int nodePortFirst = 30000;
    int nodePortLast = 32767;
};

struct AdmissionOutcome
{
    std::vector<std::string> mutations; // "spec.clusterIP=10.43.12.7", one line per change
    std::vector<std::string> plugins;   // the mutating plugins that ran
};

class AdmissionChain
{
public:
    AdmissionChain(ObjectStorage &storage, ServiceNetwork network)
        : m_storage(storage)
        , m_network(std::move(network))
    {}

    // Create and update: `old` is null on create. May change `object`.
    ApiResult<AdmissionOutcome> mutate(const ResourceInfo &resource, Json &object, const Json &old);
    // The 422, or nothing.
    std::optional<ApiError> validate(const ResourceInfo &resource, const Json &object,
                                     const Json &old);
    // Namespaced objects can be created only in a namespace that exists and is not
    // terminating (404 / 403), as the NamespaceLifecycle plugin says.
    std::optional<ApiError> checkNamespace(const std::string &ns);

private:
    ApiResult<std::vector<std::string>> allocateServiceAddresses(Json &service, const Json &old);

    ObjectStorage &m_storage;
    ServiceNetwork m_network;
};

} // namespace flowlab::kube
