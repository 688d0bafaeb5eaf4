#pragma once

// What the lab's cluster has besides the control plane and the nodes' own agents: the
// cluster DNS (flowlab-dns in flowlab-cp, reached by pods as the kube-dns Service 10.43.0.10)
// and the Ingress controller (flowlab-ingress-controller with Debian's nginx, on node1's
// address, port 80, host network).
//
// In a real cluster both run as pods; here they run as lab services, so that they are up
// before the first pod and their evidence is there from the start. The kube-dns Service has
// no selector: its Endpoints and EndpointSlice, which the lab writes, point at the DNS server's
// address in flowlab-cp, and kube-proxy's DNAT takes pods' queries there like any Service's.

#include "engine/base/LabPaths.h"
#include "engine/lab/LabService.h"
#include "engine/lab/LabTopology.h"

#include <string>
#include <vector>

namespace flowlab {

class KubeClusterAddons
{
public:
    static constexpr const char *kClusterDnsIp = "10.43.0.10";
    static constexpr int kIngressPort = 80;

    KubeClusterAddons(LabPaths paths, const LabTopology &topology)
        : m_paths(std::move(paths))
        , m_topology(topology)
    {}

    // The kube-dns Service (ClusterIP 10.43.0.10, port 53 over UDP and TCP) with Endpoints
    // and an EndpointSlice at the DNS server's address. Kept when they exist.
    Status publishClusterDns() const;

    // cluster-dns (flowlab-cp), then ingress-controller (the first node).
    Result<std::vector<ServiceSpec>> services() const;

    std::string ingressStateDir() const { return m_paths.kubeRunDir() + "/ingress"; }

private:
    Result<std::string> adminToken() const;

    LabPaths m_paths;
    const LabTopology &m_topology;
};

// Every Kubernetes component whose evidence log (LabPaths::kubeEvidenceLog) flowlabd follows:
// the controller-manager, the scheduler, the cluster DNS, the ingress controller, and each
// node's kubelet and kube-proxy ("kubelet-flowlab-node1").
std::vector<std::string> kubeEvidenceComponents(const LabTopology &topology);

} // namespace flowlab
