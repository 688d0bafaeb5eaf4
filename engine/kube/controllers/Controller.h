#pragma once

// What every controller of flowlab-controller-manager is made of: informers (shared, in
// the InformerSet) whose handlers put object keys on a WorkQueue, and a sync(key) that
// reads the informers, asks a pure reconcile function for a Decision, records it as
// evidence and carries it out. Subclasses add their handlers in their constructor and
// implement sync().

#include "engine/kube/client/EvidenceLog.h"
#include "engine/kube/client/KubeClient.h"
#include "engine/kube/controllers/ActionRunner.h"
#include "engine/kube/controllers/Decision.h"
#include "engine/kube/controllers/InformerSet.h"
#include "engine/kube/controllers/WorkQueue.h"

#include <QObject>
#include <functional>

namespace flowlab::kube {

// What the controller-manager gives each controller.
struct ControllerContext
{
    KubeClient &client;
    InformerSet &informers;
    EvidenceLog &evidence;
    ActionRunner &runner;
    std::function<TimePoint()> now = [] { return std::chrono::system_clock::now(); };
};

class Controller : public QObject
{
    Q_OBJECT

public:
    Controller(ControllerContext &context, std::string component, int workers = 4,
               QObject *parent = nullptr);

    const std::string &component() const { return m_component; }
    // Called once every informer has synced: work begins.
    virtual void start() { m_queue.start(); }

protected:
    virtual void sync(const std::string &key, WorkQueue::Finished finished) = 0;

    // Records `decision` (unless told not to), runs its actions, and then: on failure, tries
    // the key again after its backoff; on success, forgets the backoff and comes back after
    // decision.requeueAfter if it asks to. Then `after` sees the outcome.
    void carryOut(const std::string &key, Decision decision, WorkQueue::Finished finished,
                  std::function<void(const ActionRunner::Outcome &)> after = {},
                  bool recordEvidence = true);

    ControllerContext &m_context;
    std::string m_component;
    WorkQueue m_queue;
};

// "namespace/name" -> {namespace, name}; a key without '/' is a cluster-scoped name.
std::pair<std::string, std::string> splitKey(const std::string &key);

} // namespace flowlab::kube
