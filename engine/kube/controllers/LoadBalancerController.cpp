#include "engine/kube/controllers/LoadBalancerController.h"

namespace flowlab::kube {

LoadBalancerController::LoadBalancerController(ControllerContext &context, EventRecorder &events,
                                               loadbalancer::AddressPool pool, QObject *parent)
    : Controller(context, loadbalancer::kComponent, 1, parent)
    , m_services(context.informers.of("", "services"))
    , m_events(events)
    , m_pool(std::move(pool))
{
    auto enqueue = [this](const Json &service) {
        const std::string key = Informer::keyOf(service);
        if (loadbalancer::wantsLoadBalancer(service) || !heldBy(key).empty())
            m_queue.add(key);
    };
    m_services.addHandlers({enqueue, [enqueue](const Json &, const Json &now) { enqueue(now); },
                            [this](const Json &service) {
                                const std::string key = Informer::keyOf(service);
                                if (!heldBy(key).empty())
                                    m_queue.add(key);
                            }});
}

void LoadBalancerController::start()
{
    // Addresses already handed out (before a restart) stay with their Services: the first
    // Service found holding one keeps it, a second is given another.
    for (const auto &[key, service] : m_services.items()) {
        if (!loadbalancer::wantsLoadBalancer(service))
            continue;
        const auto ips = loadbalancer::ingressIps(service);
        if (!ips.empty() && m_pool.contains(ips.front()) && !m_holders.count(ips.front()))
            m_holders[ips.front()] = key;
    }
    for (const auto &[key, service] : m_services.items())
        if (loadbalancer::wantsLoadBalancer(service))
            m_queue.add(key);
    Controller::start();
}

std::string LoadBalancerController::heldBy(const std::string &key) const
{
    for (const auto &[ip, holder] : m_holders)
        if (holder == key)
            return ip;
    return {};
}

void LoadBalancerController::release(const std::string &key)
{
    const std::string ip = heldBy(key);
    if (ip.empty())
        return;
    m_holders.erase(ip);
    // Services waiting for an address may have one now.
    for (const auto &[other, service] : m_services.items())
        if (other != key && loadbalancer::wantsLoadBalancer(service) && heldBy(other).empty())
            m_queue.add(other);
}

void LoadBalancerController::sync(const std::string &key, WorkQueue::Finished finished)
{
    const Json *service = m_services.find(key);
    const std::string held = heldBy(key);
    std::map<std::string, std::string> others = m_holders;
    if (!held.empty())
        others.erase(held);
    loadbalancer::LoadBalancerDecision result =
        loadbalancer::reconcile(key, service ? *service : Json(), held, others, m_pool);

    // The ledger changes now, before the request goes, so that the next Service in the queue
    // cannot be given the same address while this one's status write is on its way.
    if (result.holds != held) {
        release(key);
        if (!result.holds.empty())
            m_holders[result.holds] = key;
    }
    if (result.warning && service)
        m_events.record(m_component, builtinResource("", "services"), *service, *result.warning);
    const std::string holds = result.holds;
    carryOut(
        key, std::move(result.decision), std::move(finished),
        [this, key, holds](const ActionRunner::Outcome &outcome) {
            // The status write failed: give the address back; the retry allocates again.
            if (!outcome.ok && !holds.empty() && heldBy(key) == holds)
                m_holders.erase(holds);
        },
        result.worthRecording);
}

} // namespace flowlab::kube
