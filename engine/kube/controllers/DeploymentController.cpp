#include "engine/kube/controllers/DeploymentController.h"

#include "engine/kube/controllers/DeploymentReconcile.h"

#include <set>

namespace flowlab::kube {

DeploymentController::DeploymentController(ControllerContext &context, QObject *parent)
    : Controller(context, deployment::kComponent, 4, parent)
    , m_deployments(context.informers.of("apps", "deployments"))
    , m_replicaSets(context.informers.of("apps", "replicasets"))
    , m_pods(context.informers.of("", "pods"))
{
    auto enqueue = [this](const Json &object) { m_queue.add(Informer::keyOf(object)); };
    m_deployments.addHandlers(
        {enqueue, [enqueue](const Json &, const Json &now) { enqueue(now); }, enqueue});
    auto owner = [this](const Json &rs) { enqueueOwnerOf(rs); };
    m_replicaSets.addHandlers({owner,
                               [owner](const Json &old, const Json &now) {
                                   owner(now);
                                   if (controllerRefOf(old) && controllerRefOf(now) &&
                                       *controllerRefOf(old) != *controllerRefOf(now))
                                       owner(old);
                               },
                               owner});
    m_pods.addHandlers({nullptr, nullptr, [this](const Json &pod) {
                            const Json *ref = controllerRefOf(pod);
                            if (!ref || stringAt(*ref, {"kind"}) != "ReplicaSet")
                                return;
                            if (const Json *rs =
                                    m_replicaSets.find(namespaceOf(pod), stringAt(*ref, {"name"})))
                                enqueueOwnerOf(*rs);
                        }});
}

void DeploymentController::enqueueOwnerOf(const Json &replicaSet)
{
    const Json *ref = controllerRefOf(replicaSet);
    if (ref && stringAt(*ref, {"kind"}) == "Deployment")
        m_queue.add(namespaceOf(replicaSet) + "/" + stringAt(*ref, {"name"}));
}

void DeploymentController::sync(const std::string &key, WorkQueue::Finished finished)
{
    const Json *found = m_deployments.find(key);
    if (!found) { // deleted: the garbage collector removes its ReplicaSets
        finished();
        return;
    }
    deployment::Inputs inputs;
    inputs.deployment = *found;
    inputs.now = m_context.now();
    const std::string ns = namespaceOf(*found);
    const std::string uid = uidOf(*found);
    std::set<std::string> ownedUids;
    for (const Json *rs : m_replicaSets.inNamespace(ns)) {
        inputs.replicaSets.push_back(*rs);
        if (isControlledBy(*rs, uid))
            ownedUids.insert(uidOf(*rs));
    }
    for (const Json *pod : m_pods.inNamespace(ns))
        if (const Json *ref = controllerRefOf(*pod);
            ref && ownedUids.contains(stringAt(*ref, {"uid"})))
            inputs.pods.push_back(*pod);
    carryOut(key, deployment::reconcile(inputs), std::move(finished));
}

} // namespace flowlab::kube
