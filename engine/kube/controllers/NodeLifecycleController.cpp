#include "engine/kube/controllers/NodeLifecycleController.h"

#include "engine/kube/controllers/NodeLifecycleReconcile.h"

namespace flowlab::kube {

NodeLifecycleController::NodeLifecycleController(ControllerContext &context,
                                                 std::chrono::seconds gracePeriod,
                                                 std::chrono::seconds monitorPeriod,
                                                 QObject *parent)
    : Controller(context, nodelifecycle::kComponent, 2, parent)
    , m_nodes(context.informers.of("", "nodes"))
    , m_leases(context.informers.of("coordination.k8s.io", "leases"))
    , m_pods(context.informers.of("", "pods"))
    , m_gracePeriod(gracePeriod)
{
    auto enqueue = [this](const Json &node) { m_queue.add(nameOf(node)); };
    m_nodes.addHandlers({enqueue, [enqueue](const Json &, const Json &now) { enqueue(now); },
                         [this](const Json &node) { m_lastVerdict.erase(nameOf(node)); }});
    auto leaseChanged = [this](const Json &lease) {
        if (namespaceOf(lease) == "kube-node-lease")
            m_queue.add(nameOf(lease));
    };
    m_leases.addHandlers({leaseChanged,
                          [leaseChanged](const Json &, const Json &now) { leaseChanged(now); },
                          nullptr});
    m_monitor.setInterval(std::chrono::duration_cast<std::chrono::milliseconds>(monitorPeriod));
    connect(&m_monitor, &QTimer::timeout, this, [this] {
        for (const auto &[name, node] : m_nodes.items())
            m_queue.add(name);
    });
}

void NodeLifecycleController::start()
{
    Controller::start();
    m_monitor.start();
}

void NodeLifecycleController::sync(const std::string &key, WorkQueue::Finished finished)
{
    const Json *node = m_nodes.find(key);
    if (!node) {
        finished();
        return;
    }
    nodelifecycle::Inputs inputs;
    inputs.node = *node;
    if (const Json *lease = m_leases.find("kube-node-lease", key))
        inputs.lease = *lease;
    for (const auto &[podKey, pod] : m_pods.items())
        if (stringAt(pod, {"spec", "nodeName"}) == key)
            inputs.pods.push_back(pod);
    inputs.now = m_context.now();
    inputs.gracePeriod = m_gracePeriod;
    Decision decision = nodelifecycle::reconcile(inputs);
    const std::string verdict = decision.desiredText; // no timestamps in it
    const bool record = !decision.actions.empty() || m_lastVerdict[key] != verdict;
    m_lastVerdict[key] = verdict;
    carryOut(key, std::move(decision), std::move(finished), {}, record);
}

} // namespace flowlab::kube
