#include "engine/kube/controllers/EndpointsController.h"

#include "engine/kube/api/Selectors.h"
#include "engine/kube/controllers/EndpointsReconcile.h"
#include "engine/kube/controllers/PodState.h"

#include <algorithm>

namespace flowlab::kube {

namespace {

// What of a pod the Endpoints depend on: a change elsewhere (an annotation, a container's
// restart count) is no reason to look again.
Json endpointView(const Json &pod)
{
    return {{"labels", at(pod, {"metadata", "labels"})},
            {"deleting", isBeingDeleted(pod)},
            {"ip", at(pod, {"status", "podIP"})},
            {"ips", at(pod, {"status", "podIPs"})},
            {"ready", isPodReady(pod)},
            {"phase", at(pod, {"status", "phase"})},
            {"node", at(pod, {"spec", "nodeName"})},
            {"hostname", at(pod, {"spec", "hostname"})},
            {"ports", at(pod, {"spec", "containers"})}};
}

void watchServicesAndPods(Informer &services, Informer &pods, WorkQueue &queue)
{
    auto enqueue = [&queue](const Json &object) { queue.add(Informer::keyOf(object)); };
    services.addHandlers(
        {enqueue, [enqueue](const Json &, const Json &now) { enqueue(now); }, enqueue});
    pods.addHandlers({[&](const Json &pod) { enqueueServicesOf(services, queue, Json(), pod); },
                      [&](const Json &old, const Json &now) {
                          if (endpointView(old) != endpointView(now))
                              enqueueServicesOf(services, queue, old, now);
                      },
                      [&](const Json &pod) { enqueueServicesOf(services, queue, pod, Json()); }});
}

std::vector<Json> copies(const std::vector<const Json *> &items)
{
    std::vector<Json> out;
    for (const Json *item : items)
        out.push_back(*item);
    return out;
}

} // namespace

void enqueueServicesOf(const Informer &services, WorkQueue &queue, const Json &old, const Json &now)
{
    const std::string ns = namespaceOf(now.is_null() ? old : now);
    for (const Json *service : services.inNamespace(ns)) {
        if (!endpoints::managesEndpoints(*service))
            continue;
        const LabelSelector selector = LabelSelector::fromMap(at(*service, {"spec", "selector"}));
        if ((!old.is_null() && selector.matches(at(old, {"metadata", "labels"}))) ||
            (!now.is_null() && selector.matches(at(now, {"metadata", "labels"}))))
            queue.add(Informer::keyOf(*service));
    }
}

EndpointsController::EndpointsController(ControllerContext &context, QObject *parent)
    : Controller(context, endpoints::kEndpointsComponent, 4, parent)
    , m_services(context.informers.of("", "services"))
    , m_pods(context.informers.of("", "pods"))
    , m_endpoints(context.informers.of("", "endpoints"))
{
    watchServicesAndPods(m_services, m_pods, m_queue);
    // Endpoints someone else changed or deleted are put back.
    auto enqueue = [this](const Json &object) {
        if (m_services.find(Informer::keyOf(object)))
            m_queue.add(Informer::keyOf(object));
    };
    m_endpoints.addHandlers(
        {nullptr, [enqueue](const Json &, const Json &now) { enqueue(now); }, enqueue});
}

void EndpointsController::sync(const std::string &key, WorkQueue::Finished finished)
{
    const Json *service = m_services.find(key);
    const Json *current = m_endpoints.find(key);
    if ((!service && !current) || key == "default/kubernetes") {
        finished();
        return;
    }
    const auto [ns, name] = splitKey(key);
    const Decision decision =
        endpoints::reconcileEndpoints(ns, name, service ? *service : Json(),
                                      copies(m_pods.inNamespace(ns)), current ? *current : Json());
    carryOut(key, decision, std::move(finished));
}

EndpointSliceController::EndpointSliceController(ControllerContext &context, QObject *parent)
    : Controller(context, endpoints::kSliceComponent, 4, parent)
    , m_services(context.informers.of("", "services"))
    , m_pods(context.informers.of("", "pods"))
    , m_slices(context.informers.of("discovery.k8s.io", "endpointslices"))
{
    watchServicesAndPods(m_services, m_pods, m_queue);
    auto serviceKey = [](const Json &slice) {
        if (stringAt(slice, {"metadata", "labels", endpoints::kManagedByLabel}) !=
            endpoints::kManagedBy)
            return std::string();
        return namespaceOf(slice) + "/" +
               stringAt(slice, {"metadata", "labels", endpoints::kServiceNameLabel});
    };
    auto enqueue = [this, serviceKey](const Json &slice) {
        if (const std::string key = serviceKey(slice); !key.empty())
            m_queue.add(key);
    };
    m_slices.addHandlers({[this, serviceKey, enqueue](const Json &slice) {
                              if (auto pending = m_pendingCreates.find(serviceKey(slice));
                                  pending != m_pendingCreates.end() && --pending->second.first <= 0)
                                  m_pendingCreates.erase(pending);
                              enqueue(slice);
                          },
                          [enqueue](const Json &, const Json &now) { enqueue(now); }, enqueue});
}

void EndpointSliceController::sync(const std::string &key, WorkQueue::Finished finished)
{
    const Json *service = m_services.find(key);
    if (!service) { // its slices are owned by it: the garbage collector removes them
        finished();
        return;
    }
    if (auto pending = m_pendingCreates.find(key); pending != m_pendingCreates.end()) {
        if (m_context.now() - pending->second.second < std::chrono::seconds(30)) {
            finished(); // the new slices' ADDED events will queue the Service again
            return;
        }
        m_pendingCreates.erase(pending);
    }
    const auto [ns, name] = splitKey(key);
    std::vector<Json> current;
    for (const Json *slice : m_slices.inNamespace(ns))
        if (stringAt(*slice, {"metadata", "labels", endpoints::kServiceNameLabel}) == name &&
            stringAt(*slice, {"metadata", "labels", endpoints::kManagedByLabel}) ==
                endpoints::kManagedBy &&
            !isBeingDeleted(*slice))
            current.push_back(*slice);
    Decision decision =
        endpoints::reconcileEndpointSlices(*service, copies(m_pods.inNamespace(ns)), current);
    // Expected before the requests go: the watch may well deliver a new slice before the
    // answer to its POST arrives.
    std::vector<bool> isCreate;
    for (const Action &action : decision.actions)
        isCreate.push_back(action.verb == Action::Verb::Create);
    const auto creates = std::count(isCreate.begin(), isCreate.end(), true);
    if (creates > 0)
        m_pendingCreates[key] = {int(creates), m_context.now()};
    carryOut(key, std::move(decision), std::move(finished),
             [this, key, isCreate](const ActionRunner::Outcome &outcome) {
                 auto pending = m_pendingCreates.find(key);
                 if (pending == m_pendingCreates.end())
                     return;
                 for (std::size_t i = outcome.results.size(); i < isCreate.size(); ++i)
                     pending->second.first -= isCreate[i] ? 1 : 0;
                 if (pending->second.first <= 0)
                     m_pendingCreates.erase(pending);
             });
}

} // namespace flowlab::kube
