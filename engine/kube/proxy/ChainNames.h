#pragma once

// The names of kube-proxy's per-service chains, made exactly as the real kube-proxy makes them
// (pkg/proxy/iptables): SHA-256 of the service port's name and protocol (and, for an endpoint,
// its address), in base32, cut to 16 characters. So `default/kubernetes:https` over tcp is
// KUBE-SVC-NPX46M4PTMTKRN6Y here as on any cluster, and a learner can compare the two.

#include <string>

namespace flowlab::kube::proxy {

// The 16-character hash: base32(sha256(servicePortName + protocol)), protocol in lower case.
std::string portProtoHash(const std::string &servicePortName, const std::string &protocol);

// KUBE-SVC-<hash>: picks one endpoint at random.
std::string serviceChainName(const std::string &servicePortName, const std::string &protocol);
// KUBE-EXT-<hash>: traffic that arrived through a NodePort, a LoadBalancer or external IP.
std::string externalChainName(const std::string &servicePortName, const std::string &protocol);
// KUBE-SEP-<hash of name + protocol + "ip:port">: DNAT to one endpoint.
std::string endpointChainName(const std::string &servicePortName, const std::string &protocol,
                              const std::string &endpoint);

} // namespace flowlab::kube::proxy
