#pragma once

// A minimal cloud for the lab's LoadBalancer Services, as a cloud-controller-manager's service
// controller would be: each Service of type LoadBalancer (with no loadBalancerClass naming
// another implementation) gets one address from a pool, 192.168.56.200-250 on the lab's
// underlay by default, written to status.loadBalancer.ingress[0].ip; kube-proxy on every node
// then sends traffic for that address to the Service's endpoints. An address is never handed
// out twice; it returns to the pool when its Service is deleted or stops being a
// LoadBalancer; when none is left the Service gets a Warning event saying so and waits.
// Pure functions: the controller (LoadBalancerController) keeps the ledger of who holds what.

#include "engine/kube/controllers/Decision.h"
#include "tracer/base/Result.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace flowlab::kube::loadbalancer {

inline constexpr const char *kComponent = "service-controller";
inline constexpr const char *kDefaultPool = "192.168.56.200-192.168.56.250";

// An inclusive range of IPv4 addresses.
class AddressPool
{
public:
    // "192.168.56.200-192.168.56.250"; the error says what is wrong with it.
    static Result<AddressPool> parse(const std::string &range);

    std::size_t size() const { return std::size_t(m_last - m_first) + 1; }
    bool contains(const std::string &ip) const;
    std::string at(std::size_t index) const; // the index-th address, from 0
    std::string text() const;                // as parsed

private:
    std::uint32_t m_first = 0;
    std::uint32_t m_last = 0;
};

// Whether this controller should give `service` an address.
bool wantsLoadBalancer(const Json &service);
// status.loadBalancer.ingress[].ip, in order.
std::vector<std::string> ingressIps(const Json &service);

struct LoadBalancerDecision
{
    Decision decision;
    std::string holds; // the address the Service holds once the actions are done, or ""
    std::optional<EventNote> warning; // to record on the Service though nothing is done
    bool worthRecording = false;      // false for "already has its address"
};

// One Service's pass. `service` is null when it was deleted (then `held` is what it held);
// `heldByOthers` maps every address other Services hold to their "namespace/name".
LoadBalancerDecision reconcile(const std::string &key, const Json &service, const std::string &held,
                               const std::map<std::string, std::string> &heldByOthers,
                               const AddressPool &pool);

} // namespace flowlab::kube::loadbalancer
