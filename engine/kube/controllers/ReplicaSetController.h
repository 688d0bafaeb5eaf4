#pragma once

// ReplicaSets -> Pods. Queues a ReplicaSet when it changes and when one of its pods comes,
// changes or goes. The decisions are replicaset::reconcile's.
//
// Expectations (as in the real controller): after creating 3 pods, the pod informer may not
// have seen them yet when the ReplicaSet is looked at again, and counting then would create
// 3 more. So each ReplicaSet remembers how many creations and which deletions it still
// expects to see, and does not create or delete again until it has seen them (or five
// minutes have passed, in case an event was lost).

#include "engine/kube/controllers/Controller.h"

#include <map>
#include <set>

namespace flowlab::kube {

class ReplicaSetController : public Controller
{
    Q_OBJECT

public:
    explicit ReplicaSetController(ControllerContext &context, QObject *parent = nullptr);

protected:
    void sync(const std::string &key, WorkQueue::Finished finished) override;

private:
    struct Expectations
    {
        int adds = 0;
        std::set<std::string> deletes; // pod uids
        TimePoint since;
        bool satisfied(TimePoint now) const;
    };

    // The ReplicaSet key of the pod's controller, if it is a ReplicaSet.
    std::string ownerKey(const Json &pod) const;
    void onPodAdded(const Json &pod);
    void onPodUpdated(const Json &old, const Json &now);
    void onPodDeleted(const Json &pod);

    Informer &m_replicaSets;
    Informer &m_pods;
    std::map<std::string, Expectations> m_expectations;
    std::map<std::string, std::string> m_manageErrors; // why the last creates/deletes failed
};

} // namespace flowlab::kube
