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

LabTopology LabTopology::kubeLab()
{
    LabTopology topology = dockerLab();
    topology.hosts.push_back(
        {kControlPlaneNetns, "control plane: apiserver :6443, store, controller-manager, scheduler",
         kControlPlaneIp + "/24", "fl-cp"});
    return topology;
}

} // namespace flowlab
