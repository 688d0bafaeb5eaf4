#pragma once

// Runs statefulset::reconcile for each StatefulSet when it, one of its pods, or a claim in
// its namespace changes (StatefulSetReconcile.h).

#include "engine/kube/controllers/Controller.h"

#include <map>
#include <vector>

namespace flowlab::kube {

class StatefulSetController : public Controller
{
    Q_OBJECT

public:
    explicit StatefulSetController(ControllerContext &context, QObject *parent = nullptr);

protected:
    void sync(const std::string &key, WorkQueue::Finished finished) override;

private:
    void enqueueOwner(const Json &pod);
    void enqueueNamespace(const Json &claim);

    Informer &m_sets;
    Informer &m_pods;
    Informer &m_claims;
    // Pods and claims created by the last pass, by set, until the informers show them: a
    // pass before then would create them again (409 AlreadyExists).
    std::map<std::string, std::pair<std::vector<std::string>, TimePoint>> m_expected;
};

} // namespace flowlab::kube
