#pragma once

// The lab's cloud for LoadBalancer Services (see LoadBalancerReconcile.h): it keeps the ledger
// of which Service holds which pool address, so that two Services created in the same instant
// never get the same one, and runs one Service at a time for the same reason. The ledger is
// rebuilt from the Services' status when the controller starts.

#include "engine/kube/controllers/Controller.h"
#include "engine/kube/controllers/EventRecorder.h"
#include "engine/kube/controllers/LoadBalancerReconcile.h"

#include <map>

namespace flowlab::kube {

class LoadBalancerController : public Controller
{
    Q_OBJECT

public:
    LoadBalancerController(ControllerContext &context, EventRecorder &events,
                           loadbalancer::AddressPool pool, QObject *parent = nullptr);
    void start() override;

protected:
    void sync(const std::string &key, WorkQueue::Finished finished) override;

private:
    void release(const std::string &key);
    std::string heldBy(const std::string &key) const;

    Informer &m_services;
    EventRecorder &m_events;
    loadbalancer::AddressPool m_pool;
    std::map<std::string, std::string> m_holders; // address -> "namespace/name"
};

} // namespace flowlab::kube
