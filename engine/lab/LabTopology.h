#pragma once

// The lab's address plan (DESIGN.md, "Lab topology"): an underlay switch namespace holding
// bridge lab0, and one namespace per lab host, each joined to lab0 by a veth pair.

#include <string>
#include <vector>

namespace flowlab {

// A static route in a lab host: `destination` (a CIDR) through `via` on the lab network, or
// straight out of the host's interface when `via` is empty.
struct LabRoute
{
    std::string destination;
    std::string via;

    bool operator==(const LabRoute &) const = default;
};

struct LabHost
{
    std::string netns;      // e.g. "flowlab-client"
    std::string role;       // shown by `lab status`
    std::string address;    // CIDR on the host's eth0, e.g. "192.168.56.2/24"
    std::string switchPort; // the veth end on lab0, e.g. "fl-client"
    std::string interface = "eth0";
    std::string podCidr;          // Kubernetes nodes: the pods' addresses on this node
    std::vector<LabRoute> routes; // beyond the lab subnet (host-gw pod routes, LB range)

    std::string ip() const { return address.substr(0, address.find('/')); }
    bool isKubeNode() const { return !podCidr.empty(); }
};

struct LabTopology
{
    std::string switchNetns = "flowlab-lab";
    std::string bridge = "lab0";
    std::vector<LabHost> hosts;

    const LabHost *host(const std::string &netns) const;
    std::vector<std::string> namespaces() const; // the switch first, then the hosts

    // The namespaces the Docker flow needs: client, registry and the Docker host.
    static LabTopology dockerLab();
    // The Docker lab plus the Kubernetes control plane's host (flowlab-cp) and three nodes
    // (flowlab-node1..3), each with its pod CIDR. Pod traffic between nodes is routed
    // host-gw style: every node reaches another node's pods through that node's address on
    // lab0, as flannel's host-gw backend does, with no overlay. The client and the control
    // plane route to the pods the same way, and reach the LoadBalancer range through node1,
    // the lab's stand-in for a cloud load balancer.
    static LabTopology kubeLab();
    std::vector<const LabHost *> kubeNodes() const;
};

// Every name the lab gives a namespace starts with this, which is how census finds them.
inline constexpr const char *kLabNamePrefix = "flowlab";

inline const std::string kClientNetns = "flowlab-client";
inline const std::string kRegistryNetns = "flowlab-registry";
inline const std::string kDockerNetns = "flowlab-docker";
inline const std::string kRegistryAddress = "192.168.56.5:5000";
inline const std::string kDockerHostIp = "192.168.56.10";
inline const std::string kControlPlaneNetns = "flowlab-cp";
inline const std::string kControlPlaneIp = "192.168.56.100";
inline const std::string kNodeNetnsPrefix = "flowlab-node"; // flowlab-node1..3
inline const std::string kClusterServiceCidr = "10.43.0.0/16";
inline const std::string kLoadBalancerRange = "192.168.56.192/26"; // holds .200-.250

} // namespace flowlab
