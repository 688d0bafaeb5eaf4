#include "engine/lab/LabTopology.h"

namespace flowlab {

const LabHost *LabTopology::host(const std::string &netns) const
{
    for (const auto &h : hosts)
        if (h.netns == netns)
            return &h;
    return nullptr;
}

std::vector<std::string> LabTopology::namespaces() const
{
    std::vector<std::string> names{switchNetns};
    for (const auto &h : hosts)
        names.push_back(h.netns);
    return names;
}

LabTopology LabTopology::dockerLab()
{
    LabTopology topology;
    topology.hosts = {
        {kClientNetns, "client: the user's browser and curl", "192.168.56.2/24", "fl-client"},
        {kRegistryNetns, "registry: docker-registry on :5000", "192.168.56.5/24", "fl-registry"},
        {kDockerNetns, "docker host: containerd, dockerd, docker0", kDockerHostIp + "/24",
         "fl-docker"},
    };
    return topology;
}

std::vector<const LabHost *> LabTopology::kubeNodes() const
{
    std::vector<const LabHost *> nodes;
    for (const auto &h : hosts)
        if (h.isKubeNode())
            nodes.push_back(&h);
    return nodes;
}

LabTopology LabTopology::kubeLab()
{
    LabTopology topology = dockerLab();
    topology.hosts.push_back(
        {kControlPlaneNetns, "control plane: apiserver :6443, store, controller-manager, scheduler",
         kControlPlaneIp + "/24", "fl-cp"});
    constexpr int kNodes = 3;
    for (int i = 0; i < kNodes; ++i) {
        const std::string n = std::to_string(i + 1);
        const std::string podCidr = "10.42." + std::to_string(i) + ".0/24";
        LabHost node{kNodeNetnsPrefix + n,
                     "node: containerd (CRI), kubelet, kube-proxy; pods " + podCidr,
                     "192.168.56." + std::to_string(110 + i) + "/24", "fl-node" + n};
        node.podCidr = podCidr;
        topology.hosts.push_back(std::move(node));
    }
    // host-gw: each node routes the other nodes' pod CIDRs to them. And the Service CIDR out
    // of its interface: a node's own processes (the ingress controller's nginx) connect to
    // ClusterIPs, and the kernel needs a route to pick a source address before kube-proxy's
    // DNAT in OUTPUT rewrites the destination. (A real node has its default route.)
    const auto nodes = topology.kubeNodes();
    for (auto &host : topology.hosts) {
        if (!host.isKubeNode())
            continue;
        host.routes.push_back({kClusterServiceCidr, ""});
        for (const LabHost *other : nodes)
            if (other->netns != host.netns)
                host.routes.push_back({other->podCidr, other->ip()});
    }
    // The client and the control plane reach pods directly too (the cluster DNS in flowlab-cp
    // answers pods by their own addresses: no masquerading anywhere in the lab), and the
    // LoadBalancer range through node1.
    const std::string firstNodeIp = nodes.front()->ip();
    for (auto &host : topology.hosts)
        if (host.netns == kClientNetns || host.netns == kControlPlaneNetns) {
            for (const LabHost *node : nodes)
                host.routes.push_back({node->podCidr, node->ip()});
            host.routes.push_back({kLoadBalancerRange, firstNodeIp});
        }
    return topology;
}

} // namespace flowlab
