#pragma once

// Deployments -> ReplicaSets. Queues a Deployment when it changes, when one of its
// ReplicaSets changes (their status is how a rollout moves on), and when one of their pods
// is deleted (Recreate waits for that). The decisions are deployment::reconcile's.

#include "engine/kube/controllers/Controller.h"

namespace flowlab::kube {

class DeploymentController : public Controller
{
    Q_OBJECT

public:
    explicit DeploymentController(ControllerContext &context, QObject *parent = nullptr);

protected:
    void sync(const std::string &key, WorkQueue::Finished finished) override;

private:
    void enqueueOwnerOf(const Json &replicaSet);

    Informer &m_deployments;
    Informer &m_replicaSets;
    Informer &m_pods;
};

} // namespace flowlab::kube
