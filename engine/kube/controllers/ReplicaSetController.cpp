#include "engine/kube/controllers/ReplicaSetController.h"

#include "engine/kube/controllers/ReplicaSetReconcile.h"

namespace flowlab::kube {

namespace {

constexpr auto kExpectationsTimeout = std::chrono::minutes(5);

} // namespace

bool ReplicaSetController::Expectations::satisfied(TimePoint now) const
{
    return (adds <= 0 && deletes.empty()) || now - since > kExpectationsTimeout;
}

ReplicaSetController::ReplicaSetController(ControllerContext &context, QObject *parent)
    : Controller(context, replicaset::kComponent, 4, parent)
    , m_replicaSets(context.informers.of("apps", "replicasets"))
    , m_pods(context.informers.of("", "pods"))
{
    auto enqueue = [this](const Json &object) { m_queue.add(Informer::keyOf(object)); };
    m_replicaSets.addHandlers({enqueue, [enqueue](const Json &, const Json &now) { enqueue(now); },
                               [this](const Json &rs) {
                                   m_expectations.erase(Informer::keyOf(rs));
                                   m_manageErrors.erase(Informer::keyOf(rs));
                               }});
    m_pods.addHandlers({[this](const Json &pod) { onPodAdded(pod); },
                        [this](const Json &old, const Json &now) { onPodUpdated(old, now); },
                        [this](const Json &pod) { onPodDeleted(pod); }});
}

std::string ReplicaSetController::ownerKey(const Json &pod) const
{
    const Json *ref = controllerRefOf(pod);
    if (!ref || stringAt(*ref, {"kind"}) != "ReplicaSet")
        return {};
    return namespaceOf(pod) + "/" + stringAt(*ref, {"name"});
}

void ReplicaSetController::onPodAdded(const Json &pod)
{
    const std::string key = ownerKey(pod);
    if (key.empty())
        return;
    if (auto found = m_expectations.find(key); found != m_expectations.end())
        --found->second.adds;
    if (isBeingDeleted(pod)) // restarted after a deletion began: it is on its way out
        onPodDeleted(pod);
    else
        m_queue.add(key);
}

void ReplicaSetController::onPodUpdated(const Json &old, const Json &now)
{
    if (!isBeingDeleted(old) && isBeingDeleted(now)) {
        // Graceful deletion starts with an update: that is when the deletion counts as seen.
        onPodDeleted(now);
        return;
    }
    const std::string before = ownerKey(old), after = ownerKey(now);
    if (!before.empty() && before != after)
        m_queue.add(before);
    if (!after.empty())
        m_queue.add(after);
}

void ReplicaSetController::onPodDeleted(const Json &pod)
{
    const std::string key = ownerKey(pod);
    if (key.empty())
        return;
    if (auto found = m_expectations.find(key); found != m_expectations.end())
        found->second.deletes.erase(uidOf(pod));
    m_queue.add(key);
}

void ReplicaSetController::sync(const std::string &key, WorkQueue::Finished finished)
{
    const Json *found = m_replicaSets.find(key);
    if (!found) {
        finished();
        return;
    }
    replicaset::Inputs inputs;
    inputs.replicaSet = *found;
    inputs.now = m_context.now();
    const std::string uid = uidOf(*found);
    for (const Json *pod : m_pods.inNamespace(namespaceOf(*found)))
        if (isControlledBy(*pod, uid))
            inputs.pods.push_back(*pod);
    const auto expected = m_expectations.find(key);
    inputs.expectationsSatisfied =
        expected == m_expectations.end() || expected->second.satisfied(inputs.now);
    if (auto error = m_manageErrors.find(key); error != m_manageErrors.end())
        inputs.lastManageError = error->second;

    Decision decision = replicaset::reconcile(inputs);
    // What this pass will create and delete is what the next one must wait to see.
    Expectations expect;
    expect.since = inputs.now;
    std::vector<bool> isCreate, isPodAction;
    for (const Action &action : decision.actions) {
        const bool podAction = action.resource && action.resource->kind == "Pod";
        isPodAction.push_back(podAction);
        isCreate.push_back(podAction && action.verb == Action::Verb::Create);
        if (podAction && action.verb == Action::Verb::Create)
            ++expect.adds;
        if (podAction && action.verb == Action::Verb::Delete)
            for (const Json &pod : inputs.pods)
                if (nameOf(pod) == action.name)
                    expect.deletes.insert(uidOf(pod));
    }
    const bool manages = expect.adds > 0 || !expect.deletes.empty();
    if (manages)
        m_expectations[key] = expect;

    carryOut(key, std::move(decision), std::move(finished),
             [this, key, isCreate, isPodAction, manages](const ActionRunner::Outcome &outcome) {
                 auto found = manages ? m_expectations.find(key) : m_expectations.end();
                 // Creations and deletions that did not happen will never be seen.
                 if (found != m_expectations.end())
                     for (std::size_t i = outcome.results.size(); i < isCreate.size(); ++i)
                         if (isCreate[i])
                             --found->second.adds;
                 if (outcome.ok) {
                     m_manageErrors.erase(key);
                 } else if (isPodAction[outcome.results.size()]) {
                     // Only a failed create or delete is a ReplicaFailure; a conflict on the
                     // status is just a stale cache.
                     m_manageErrors[key] = outcome.error;
                     if (found != m_expectations.end())
                         found->second.deletes.clear();
                 }
             });
}

} // namespace flowlab::kube
