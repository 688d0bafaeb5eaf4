#include "engine/lab/KubeNodeServices.h"

#include "engine/kube/node/NodeRuntimeFiles.h"
#include "engine/lab/KubeClusterAddons.h"
#include "engine/lab/KubeControlPlane.h"
#include "engine/sys/Command.h"

#include <filesystem>

namespace flowlab {

namespace fs = std::filesystem;

Result<std::vector<ServiceSpec>> KubeNodeServices::prepare() const
{
    const std::string containerd = findProgram("containerd");
    if (containerd.empty())
        return Error("containerd is not installed: sudo apt-get install containerd");
    const std::string server = std::string("http://") + KubeControlPlane::kApiserverAddress;
    const std::string tokens = m_paths.kubeLibDir();

    std::vector<ServiceSpec> runtimes, agents;
    for (const LabHost *node : m_topology.kubeNodes()) {
        auto layout = kube::node::NodeRuntimeLayout::forNode(node->netns, node->podCidr,
                                                             m_paths.libDir, m_paths.runDir);
        // Each CNI call (operation, configuration, result) becomes evidence.
        layout.cniTapProgram = siblingProgram("flowlab-cni-tap");
        if (layout.cniTapProgram.find('/') == std::string::npos)
            return Error("cannot find flowlab-cni-tap; build it (cmake --build BUILD) so that "
                         "it is beside flowlabd");
        layout.cniEvidenceLog = m_paths.kubeEvidenceLog("cni-" + node->netns);
        if (auto s = kube::node::writeNodeRuntimeFiles(layout); !s)
            return std::move(s).error().withContext("writing " + node->netns +
                                                    "'s containerd and CNI files");

        ServiceSpec runtime;
        runtime.name = containerdService(node->netns);
        runtime.launch.argv = {containerd, "--config", layout.containerdConfigPath()};
        runtime.launch.netns = node->netns;
        runtime.launch.logPath = m_paths.logDir() + "/" + runtime.name + ".log";
        runtime.isReady = [socket = layout.containerdSocket()] {
            std::error_code ec;
            return fs::exists(socket, ec);
        };
        runtimes.push_back(std::move(runtime));

        ServiceSpec kubelet;
        kubelet.name = "kubelet-" + node->netns;
        kubelet.launch.argv = {siblingProgram("flowlab-kubelet"),
                               "--server",
                               server,
                               "--token-file",
                               tokens + "/kubelet-" + node->netns + ".token",
                               "--node",
                               node->netns,
                               "--node-ip",
                               node->ip(),
                               "--pod-cidr",
                               node->podCidr,
                               "--cri-socket",
                               layout.containerdSocket(),
                               "--pod-log-dir",
                               layout.podLogDir(),
                               "--root-dir",
                               layout.kubeletRoot(),
                               "--cgroup-root",
                               layout.cgroupRoot(),
                               "--cluster-dns",
                               KubeClusterAddons::kClusterDnsIp,
                               "--evidence-log",
                               m_paths.kubeEvidenceLog(kubelet.name)};
        kubelet.launch.netns = node->netns;
        kubelet.launch.logPath = m_paths.logDir() + "/" + kubelet.name + ".log";
        kubelet.isReady = [] {
            return true;
        }; // it retries until containerd and the apiserver answer
        agents.push_back(std::move(kubelet));

        ServiceSpec proxy;
        proxy.name = "kube-proxy-" + node->netns;
        proxy.launch.argv = {siblingProgram("flowlab-kube-proxy"),
                             "--server",
                             server,
                             "--token-file",
                             tokens + "/kube-proxy.token",
                             "--node",
                             node->netns,
                             "--evidence-log",
                             m_paths.kubeEvidenceLog(proxy.name),
                             "--rules-file",
                             layout.runDir + "/kube-proxy.rules"};
        proxy.launch.netns = node->netns; // its rules go into the namespace it runs in
        proxy.launch.logPath = m_paths.logDir() + "/" + proxy.name + ".log";
        proxy.isReady = [] { return true; };
        agents.push_back(std::move(proxy));
    }
    for (const auto &spec : agents)
        if (spec.launch.argv[0].find('/') == std::string::npos)
            return Error("cannot find " + spec.name +
                         "'s program; build it (cmake --build BUILD) so that it is beside "
                         "flowlabd");
    runtimes.insert(runtimes.end(), std::make_move_iterator(agents.begin()),
                    std::make_move_iterator(agents.end()));
    return runtimes;
}

} // namespace flowlab
