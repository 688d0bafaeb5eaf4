#pragma once

// A pod's DNS settings, as the kubelet decides them from the pod's dnsPolicy and dnsConfig
// (the Kubernetes "DNS for Services and Pods" rules), and the resolv.conf they make. The
// kubelet hands the settings to the runtime in CRI's RunPodSandbox (DNSConfig: servers,
// searches, options), and containerd writes the file; renderResolvConf shows the same text,
// for lessons and tests.
//
// For a pod in namespace "web" with the defaults (dnsPolicy ClusterFirst):
//   search web.svc.cluster.local svc.cluster.local cluster.local
//   nameserver 10.43.0.10
//   options ndots:5
// ndots:5 makes "nginx" and "nginx.web" go through the search list first, so that Service
// names resolve in the pod's own namespace, then across namespaces.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace flowlab::kube::dns {

// What the kubelet is configured with (its --cluster-dns and --cluster-domain).
struct ClusterDnsSettings
{
    std::vector<std::string> nameservers = {"10.43.0.10"}; // the kube-dns Service
    std::string clusterDomain = "cluster.local";
    // dnsPolicy Default: the node's own resolver. Lab nodes have none (nothing leaves the
    // lab), so such pods get no nameserver unless one is configured here.
    std::vector<std::string> nodeNameservers;
    std::vector<std::string> nodeSearches;
};

struct PodDnsConfig
{
    std::vector<std::string> nameservers;
    std::vector<std::string> searches;
    std::vector<std::string> options; // "ndots:5", "edns0"
};

// The settings for a pod (core/v1 Pod JSON): spec.dnsPolicy (ClusterFirst by default;
// ClusterFirstWithHostNet; Default; None), then spec.dnsConfig merged in (its nameservers and
// searches appended, its options overriding by name). glibc reads at most 3 nameservers and,
// as the kubelet does, at most 32 search domains are kept.
PodDnsConfig podDnsConfig(const nlohmann::json &pod, const ClusterDnsSettings &settings = {});

// The ClusterFirst settings for a pod in `podNamespace`, without a pod object.
PodDnsConfig clusterFirstDnsConfig(const std::string &podNamespace,
                                   const ClusterDnsSettings &settings = {});

// The resolv.conf text: "search", "nameserver" and "options" lines, each only when it has
// something to say.
std::string renderResolvConf(const PodDnsConfig &config);
inline std::string renderResolvConf(const std::string &podNamespace,
                                    const ClusterDnsSettings &settings = {})
{
    return renderResolvConf(clusterFirstDnsConfig(podNamespace, settings));
}

} // namespace flowlab::kube::dns
