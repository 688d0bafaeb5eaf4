#pragma once

// Node health: every --node-monitor-period, and whenever a node or its Lease changes, each
// node's last heartbeat is checked against --node-monitor-grace-period. The decisions are
// nodelifecycle::reconcile's.
//
// Evidence: heartbeats come every few seconds from every node, and each would otherwise
// record "still healthy". A pass is recorded when it acts or when its verdict (the Ready
// status and taints it wants) differs from the last one recorded for that node.

#include "engine/kube/controllers/Controller.h"

#include <QTimer>
#include <map>

namespace flowlab::kube {

class NodeLifecycleController : public Controller
{
    Q_OBJECT

public:
    NodeLifecycleController(ControllerContext &context, std::chrono::seconds gracePeriod,
                            std::chrono::seconds monitorPeriod, QObject *parent = nullptr);
    void start() override;

protected:
    void sync(const std::string &key, WorkQueue::Finished finished) override;

private:
    Informer &m_nodes;
    Informer &m_leases;
    Informer &m_pods;
    std::chrono::seconds m_gracePeriod;
    QTimer m_monitor;
    std::map<std::string, std::string> m_lastVerdict;
};

} // namespace flowlab::kube
