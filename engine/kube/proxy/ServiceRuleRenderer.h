#pragma once

// Services -> the iptables rules kube-proxy's iptables mode writes for one node, in the shape
// the real one writes them (pkg/proxy/iptables/proxier.go, Kubernetes 1.28-1.32), so that a
// learner can hold Flowlab's `iptables-save` next to a real node's:
//
//   nat PREROUTING, OUTPUT ──▶ KUBE-SERVICES ──(cluster IP:port)──▶ KUBE-SVC-<hash>
//                                  │ ─(LB / external IP:port)──▶ KUBE-EXT-<hash> ──▶ KUBE-SVC
//                                  └─(last: dst-type LOCAL)──▶ KUBE-NODEPORTS ──(nodePort)──▶
//                                  KUBE-EXT
//   KUBE-SVC-<hash>: mark for SNAT what does not come from a pod, then one rule per ready
//       endpoint, `-m statistic --mode random --probability 1/n, 1/(n-1), ...`, the last with
//       no condition, each jumping to
//   KUBE-SEP-<hash>: mark hairpin traffic, then DNAT --to-destination ip:port.
//   nat POSTROUTING ──▶ KUBE-POSTROUTING: MASQUERADE what KUBE-MARK-MASQ marked (0x4000).
//   filter: a Service without ready endpoints is REJECTed (KUBE-SERVICES for its cluster IP,
//       KUBE-EXTERNAL-SERVICES for its node port and external addresses); KUBE-FORWARD accepts
//       marked and established traffic.
//
// Pure: service ports in, a Ruleset out; the same input always renders the same text.

#include "engine/kube/proxy/Ruleset.h"
#include "engine/kube/proxy/ServicePorts.h"

#include <string>
#include <vector>

namespace flowlab::kube::proxy {

// kube-proxy's --masquerade-bit 14.
inline constexpr const char *kMasqueradeMark = "0x4000";

struct RenderOptions
{
    // The pods' CIDR (kube-proxy's --cluster-cidr): traffic to a cluster IP from outside it is
    // marked for masquerade. Empty: no such rule, as kube-proxy without --cluster-cidr.
    std::string clusterCIDR = "10.42.0.0/16";
};

Ruleset renderServiceRules(const std::vector<ServicePort> &ports,
                           const RenderOptions &options = {});

// Every jump kube-proxy puts into the built-in chains of nat and filter.
const std::vector<HookRule> &hookRules();

// Quotes an iptables-restore argument when it holds a space or a quote ("a b" -> "\"a b\"").
std::string quoteArgument(const std::string &argument);

// The probability of the i-th of n endpoint rules (0-based, i < n - 1), as kube-proxy prints it:
// 1/(n-i) with ten decimals, "0.3333333333".
std::string endpointProbability(std::size_t index, std::size_t count);

} // namespace flowlab::kube::proxy
