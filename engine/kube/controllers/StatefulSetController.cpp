#include "engine/kube/controllers/StatefulSetController.h"

#include "engine/kube/controllers/StatefulSetReconcile.h"

namespace flowlab::kube {

StatefulSetController::StatefulSetController(ControllerContext &context, QObject *parent)
    : Controller(context, statefulset::kComponent, 2, parent)
    , m_sets(context.informers.of("apps", "statefulsets"))
    , m_pods(context.informers.of("", "pods"))
    , m_claims(context.informers.of("", "persistentvolumeclaims"))
{
    auto enqueue = [this](const Json &set) { m_queue.add(Informer::keyOf(set)); };
    m_sets.addHandlers({enqueue, [enqueue](const Json &, const Json &now) { enqueue(now); }, {}});
    m_pods.addHandlers({[this](const Json &pod) { enqueueOwner(pod); },
                        [this](const Json &, const Json &now) { enqueueOwner(now); },
                        [this](const Json &pod) { enqueueOwner(pod); }});
    m_claims.addHandlers({[this](const Json &claim) { enqueueNamespace(claim); },
                          [this](const Json &, const Json &now) { enqueueNamespace(now); },
                          [this](const Json &claim) { enqueueNamespace(claim); }});
}

void StatefulSetController::enqueueOwner(const Json &pod)
{
    const Json *ref = controllerRefOf(pod);
    if (ref && stringAt(*ref, {"kind"}) == "StatefulSet")
        m_queue.add(namespaceOf(pod) + "/" + stringAt(*ref, {"name"}));
}

void StatefulSetController::enqueueNamespace(const Json &claim)
{
    for (const Json *set : m_sets.inNamespace(namespaceOf(claim)))
        m_queue.add(Informer::keyOf(*set));
}

void StatefulSetController::sync(const std::string &key, WorkQueue::Finished finished)
{
    const Json *found = m_sets.find(key);
    if (!found) {
        finished();
        return;
    }
    if (auto expected = m_expected.find(key); expected != m_expected.end()) {
        const auto &[names, since] = expected->second;
        const std::string ns = namespaceOf(*found);
        bool seen = true;
        for (const std::string &name : names)
            seen = seen && (m_pods.find(ns, name) || m_claims.find(ns, name));
        if (!seen && m_context.now() - since < std::chrono::seconds(30)) {
            finished(); // the informers' add events bring it back
            return;
        }
        m_expected.erase(expected);
    }
    statefulset::Inputs inputs;
    inputs.statefulSet = *found;
    const std::string uid = uidOf(*found);
    for (const Json *pod : m_pods.inNamespace(namespaceOf(*found)))
        if (isControlledBy(*pod, uid))
            inputs.pods.push_back(*pod);
    for (const Json *claim : m_claims.inNamespace(namespaceOf(*found)))
        inputs.claims.push_back(*claim);
    Decision decision = statefulset::reconcile(inputs);
    std::vector<std::string> created;
    for (const Action &action : decision.actions)
        if (action.verb == Action::Verb::Create)
            created.push_back(stringAt(action.body, {"metadata", "name"}));
    if (!created.empty())
        m_expected[key] = {created, m_context.now()};
    // A create that failed will never be seen: waiting for it would stall the set.
    carryOut(key, std::move(decision), std::move(finished),
             [this, key](const ActionRunner::Outcome &outcome) {
                 if (!outcome.ok)
                     m_expected.erase(key);
             });
}

} // namespace flowlab::kube
