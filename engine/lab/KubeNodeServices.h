#pragma once

// What runs on each of the lab's Kubernetes nodes (flowlab-node1..3), inside the node's
// network namespace: its own containerd from Debian with the CRI plugin (config and CNI
// network from engine/kube/node), then flowlab-kubelet, which talks CRI to it, and
// flowlab-kube-proxy, which writes the node's Service rules with iptables-restore.
//
// Each node's containerd has its own root, state and socket, so it never meets Docker's
// (the lab's or the system's). Two of its files are outside the lab's directories because
// containerd 1.6 offers no setting for them: the shims' sockets in /run/containerd/s and
// libcni's result cache in /var/lib/cni/results. The census finds the lab's CNI results by
// their network's name (Census.h); the shims remove their sockets when they exit.

#include "engine/base/LabPaths.h"
#include "engine/lab/LabService.h"
#include "engine/lab/LabTopology.h"

#include <string>
#include <vector>

namespace flowlab {

class KubeNodeServices
{
public:
    KubeNodeServices(LabPaths paths, const LabTopology &topology)
        : m_paths(std::move(paths))
        , m_topology(topology)
    {}

    // Writes each node's containerd config and CNI network, and returns the services in start
    // order: every node's containerd, then every node's kubelet and kube-proxy.
    Result<std::vector<ServiceSpec>> prepare() const;

    // Service names, for the teardown order: "containerd-flowlab-node1", …
    static std::string containerdService(const std::string &node) { return "containerd-" + node; }

private:
    LabPaths m_paths;
    const LabTopology &m_topology;
};

} // namespace flowlab
