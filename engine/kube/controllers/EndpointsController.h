#pragma once

// Services -> Endpoints, and Services -> EndpointSlices: two controllers, as in a real
// controller-manager, that queue a Service when it changes and when a pod it selects (or
// selected) comes, goes, or changes in a way that matters (IP, readiness, labels, node,
// deletion). The decisions are endpoints::reconcileEndpoints and reconcileEndpointSlices.

#include "engine/kube/controllers/Controller.h"

#include <map>

namespace flowlab::kube {

// Queues the Services of a pod's namespace whose selector matches it, before or after.
void enqueueServicesOf(const Informer &services, WorkQueue &queue, const Json &old,
                       const Json &now);

class EndpointsController : public Controller
{
    Q_OBJECT

public:
    explicit EndpointsController(ControllerContext &context, QObject *parent = nullptr);

protected:
    void sync(const std::string &key, WorkQueue::Finished finished) override;

private:
    Informer &m_services;
    Informer &m_pods;
    Informer &m_endpoints;
};

class EndpointSliceController : public Controller
{
    Q_OBJECT

public:
    explicit EndpointSliceController(ControllerContext &context, QObject *parent = nullptr);

protected:
    void sync(const std::string &key, WorkQueue::Finished finished) override;

private:
    Informer &m_services;
    Informer &m_pods;
    Informer &m_slices;
    // Slices are created with generateName: one created but not yet in the informer would be
    // created again. Per Service, how many creations are still to be seen, and since when.
    std::map<std::string, std::pair<int, TimePoint>> m_pendingCreates;
};

} // namespace flowlab::kube
