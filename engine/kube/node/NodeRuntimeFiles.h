#pragma once

// What one lab node's container runtime needs, as files: a containerd config.toml with the
// CRI plugin on, and a CNI network list that wires pods to a bridge cni0 in the node's own
// network namespace. Several of these containerds run on one machine, next to the Docker
// lab's own containerd, each started inside its node's netns (nsenter --net, not
// `ip netns exec`, which hides the cgroup mounts). So nothing may be shared:
//   - root, state, sockets, the opt plugin's directory, the CNI configuration and the
//     host-local IPAM leases are all under the node's own directories;
//   - pod network namespaces are mounted under the node's state directory
//     (netns_mounts_under_state_dir), not in /run/netns, so `ip netns` and the lab census
//     see only the lab's own namespaces;
//   - the debug and metrics endpoints and the TCP CRI service are off; the streaming server
//     listens on the node's own loopback.
// Two host paths stay outside the node's directories because containerd 1.6 has no setting
// for them: shim sockets under /run/containerd/s (named by a hash of the node's socket path)
// and libcni's result cache /var/lib/cni/results/<network>-<container>-eth0 (named by the
// network, kNetworkName). Lab teardown removes both for the node.
//
// Layout, for node flowlab-node1 (libDir /var/lib/flowlab, runDir /run/flowlab):
//   /run/flowlab/nodes/flowlab-node1/containerd/config.toml
//   /run/flowlab/nodes/flowlab-node1/containerd/containerd.sock   the CRI endpoint
//   /run/flowlab/nodes/flowlab-node1/containerd/state/            state, incl. netns mounts
//   /run/flowlab/nodes/flowlab-node1/cni/net.d/10-flowlab-pods.conflist
//   /var/lib/flowlab/nodes/flowlab-node1/containerd/              images, snapshots
//   /var/lib/flowlab/nodes/flowlab-node1/cni/networks/            host-local leases
//   /var/lib/flowlab/nodes/flowlab-node1/kubelet/                 the kubelet's root
//   /var/lib/flowlab/nodes/flowlab-node1/pod-logs/                container logs

#include "tracer/base/Result.h"

#include <string>
#include <vector>

namespace flowlab::kube::node {

inline constexpr const char *kNetworkName = "flowlab-pods";
inline constexpr const char *kBridgeName = "cni0";
// Debian's containernetworking-plugins 1.1.1 and containerd 1.6's libcni both speak 1.0.0.
inline constexpr const char *kCniVersion = "1.0.0";
inline constexpr const char *kLabRegistry = "192.168.56.5:5000";


struct NodeRuntimeLayout
{
    std::string nodeName; // "flowlab-node1"
    std::string podCidr;  // "10.42.0.0/24"
    std::string dataDir;  // kept across restarts: /var/lib/flowlab/nodes/<node>
    std::string runDir;   // gone at reboot: /run/flowlab/nodes/<node>
    std::string registry = kLabRegistry;
    std::string sandboxImage; // the pause image; default <registry>/flowlab/pause:1.0
    std::string cniBinDir = "/usr/lib/cni";
    // With a tap program (flowlab-cni-tap), containerd runs the plugins through it, from
    // cniTapDir(), and each call is recorded in cniEvidenceLog for the node.
    std::string cniTapProgram;
    std::string cniEvidenceLog;

    static NodeRuntimeLayout forNode(const std::string &nodeName, const std::string &podCidr,
                                     const std::string &libDir = "/var/lib/flowlab",
                                     const std::string &runDir = "/run/flowlab");

    std::string pauseImage() const;
    std::string containerdConfigPath() const { return runDir + "/containerd/config.toml"; }
    std::string containerdSocket() const { return runDir + "/containerd/containerd.sock"; }
    std::string containerdState() const { return runDir + "/containerd/state"; }
    std::string containerdRoot() const { return dataDir + "/containerd"; }
    std::string cniConfDir() const { return runDir + "/cni/net.d"; }
    std::string cniConflistPath() const { return cniConfDir() + "/10-flowlab-pods.conflist"; }
    std::string cniTapDir() const { return runDir + "/cni/bin"; }
    // Where containerd looks for plugins: the tap's directory when there is a tap.
    std::string cniPluginDir() const { return cniTapProgram.empty() ? cniBinDir : cniTapDir(); }
    std::string ipamDataDir() const { return dataDir + "/cni/networks"; }
    std::string kubeletRoot() const { return dataDir + "/kubelet"; }
    std::string podLogDir() const { return dataDir + "/pod-logs"; }
    // The pods' cgroups go under this parent (cgroupfs), named so the lab census finds them.
    std::string cgroupRoot() const { return "/flowlab-kubepods/" + nodeName; }

    // Directories to create before containerd starts (parents first).
    std::vector<std::string> directories() const;
};

// The tap's configuration (flowlab-cni-tap.json): where the real plugins are, where to log.
std::string renderCniTapConfig(const NodeRuntimeLayout &layout);
// containerd's config.toml (version 2) for the node.
std::string renderContainerdConfig(const NodeRuntimeLayout &layout);
// The CNI network list: bridge cni0 (the pods' gateway; no masquerading, the lab routes pod
// CIDRs everywhere) with host-local IPAM over the node's pod CIDR, then portmap for hostPorts.
// The loopback plugin is not in the list: containerd's CRI runs it for every sandbox's lo
// on its own, from the same bin_dir.
std::string renderCniConflist(const NodeRuntimeLayout &layout);

// Creates the directories and writes both files (config.toml, the conflist).
Status writeNodeRuntimeFiles(const NodeRuntimeLayout &layout);

} // namespace flowlab::kube::node
