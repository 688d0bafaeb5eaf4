#include "engine/kube/controllers/LoadBalancerReconcile.h"

#include <arpa/inet.h>

namespace flowlab::kube::loadbalancer {

namespace {

std::optional<std::uint32_t> parseIpv4(const std::string &text)
{
    in_addr parsed{};
    if (::inet_pton(AF_INET, text.c_str(), &parsed) != 1)
        return std::nullopt;
    return ntohl(parsed.s_addr);
}

std::string formatIpv4(std::uint32_t value)
{
    in_addr address{htonl(value)};
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &address, text, sizeof text);
    return text;
}

const ResourceInfo &services()
{
    return builtinResource("", "services");
}

EventNote failure(const std::string &why)
{
    return {"Warning", "SyncLoadBalancerFailed", "Error syncing load balancer: " + why};
}

} // namespace

Result<AddressPool> AddressPool::parse(const std::string &range)
{
    const auto dash = range.find('-');
    const auto first = parseIpv4(range.substr(0, dash));
    const auto last = dash == std::string::npos ? first : parseIpv4(range.substr(dash + 1));
    if (!first || !last)
        return Error("load balancer pool \"" + range +
                     "\" is not FIRST-LAST with two IPv4 addresses, e.g. " + kDefaultPool);
    if (*last < *first)
        return Error("load balancer pool \"" + range + "\" ends before it starts");
    AddressPool pool;
    pool.m_first = *first;
    pool.m_last = *last;
    return pool;
}

bool AddressPool::contains(const std::string &ip) const
{
    const auto value = parseIpv4(ip);
    return value && *value >= m_first && *value <= m_last;
}

std::string AddressPool::at(std::size_t index) const
{
    return formatIpv4(m_first + std::uint32_t(index));
}

std::string AddressPool::text() const
{
    return formatIpv4(m_first) + "-" + formatIpv4(m_last);
}

bool wantsLoadBalancer(const Json &service)
{
    return stringAt(service, {"spec", "type"}) == "LoadBalancer" &&
           stringAt(service, {"spec", "loadBalancerClass"}).empty() && !isBeingDeleted(service);
}

std::vector<std::string> ingressIps(const Json &service)
{
    std::vector<std::string> ips;
    const Json &ingress = at(service, {"status", "loadBalancer", "ingress"});
    if (ingress.is_array())
        for (const Json &entry : ingress)
            if (const std::string ip = stringAt(entry, {"ip"}); !ip.empty())
                ips.push_back(ip);
    return ips;
}

LoadBalancerDecision reconcile(const std::string &key, const Json &service, const std::string &held,
                               const std::map<std::string, std::string> &heldByOthers,
                               const AddressPool &pool)
{
    LoadBalancerDecision out;
    Decision &decision = out.decision;
    decision.controller = kComponent;
    const auto slash = key.find('/');
    decision.object = {"Service", key.substr(0, slash), key.substr(slash + 1)};

    if (service.is_null()) {
        decision.desired = {{"address", nullptr}};
        decision.actual = {{"address", held}};
        decision.desiredText = "no address (the Service was deleted)";
        decision.actualText = "holds " + held;
        decision.note = held + " goes back to the pool " + pool.text();
        out.worthRecording = !held.empty();
        return out;
    }

    const std::vector<std::string> current = ingressIps(service);
    const std::string currentIp = current.empty() ? std::string() : current.front();
    decision.actual = {{"ingress", current}};
    decision.actualText = currentIp.empty() ? "no address" : "address " + currentIp;

    if (!wantsLoadBalancer(service)) {
        decision.desired = {{"ingress", Json::array()}};
        decision.desiredText = "no address (not a LoadBalancer Service)";
        if (!currentIp.empty() && pool.contains(currentIp)) {
            decision.actions.push_back(
                Action::patch(services(), decision.object.ns, decision.object.name,
                              {{"status", {{"loadBalancer", Json::object()}}}},
                              "release " + currentIp, "application/merge-patch+json", "status"));
            out.worthRecording = true;
        } else {
            out.worthRecording = !held.empty();
        }
        return out;
    }

    // Its address stands if it is ours to give and nobody else holds it.
    if (!currentIp.empty() && pool.contains(currentIp) && !heldByOthers.count(currentIp)) {
        out.holds = currentIp;
        decision.desired = {{"ingress", current}};
        decision.desiredText = "address " + currentIp;
        out.worthRecording = held != currentIp; // newly adopted after a restart, say
        return out;
    }

    std::string chosen;
    const std::string requested = stringAt(service, {"spec", "loadBalancerIP"});
    if (!requested.empty()) {
        if (!pool.contains(requested)) {
            out.warning = failure("the requested address " + requested +
                                  " (spec.loadBalancerIP) is outside the pool " + pool.text());
        } else if (const auto other = heldByOthers.find(requested); other != heldByOthers.end()) {
            out.warning =
                failure("the requested address " + requested +
                        " (spec.loadBalancerIP) is already used by Service " + other->second);
        } else {
            chosen = requested;
        }
    } else {
        for (std::size_t i = 0; i < pool.size() && chosen.empty(); ++i)
            if (!heldByOthers.count(pool.at(i)))
                chosen = pool.at(i);
        if (chosen.empty())
            out.warning = failure("no address left in the pool " + pool.text() + " (all " +
                                  std::to_string(pool.size()) +
                                  " are in use); waiting for one to be released");
    }
    out.worthRecording = true;
    if (chosen.empty()) {
        decision.desired = {{"ingress", "an address from " + pool.text()}};
        decision.desiredText = "an address from " + pool.text();
        decision.note = out.warning->message;
        // A release queues the waiting Services again; this is in case one is missed.
        decision.requeueAfter = std::chrono::seconds(30);
        return out;
    }
    out.holds = chosen;
    decision.desired = {{"ingress", Json::array({{{"ip", chosen}}})}};
    decision.desiredText = "address " + chosen;
    Action allocate = Action::patch(
        services(), decision.object.ns, decision.object.name,
        {{"status", {{"loadBalancer", {{"ingress", Json::array({{{"ip", chosen}}})}}}}}},
        "allocate " + chosen + " from " + pool.text(), "application/merge-patch+json", "status");
    allocate.withEvents(
        services(), service,
        EventNote{"Normal", "EnsuredLoadBalancer", "Ensured load balancer with address " + chosen},
        failure("{error}"));
    decision.actions.push_back(std::move(allocate));
    return out;
}

} // namespace flowlab::kube::loadbalancer
