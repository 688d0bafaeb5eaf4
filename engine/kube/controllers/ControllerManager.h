#pragma once

// flowlab-controller-manager's controllers, put together: one InformerSet they share, one
// EventRecorder and ActionRunner, and the controllers themselves. Like kube-controller-
// manager, it starts every informer first and lets the controllers work only once all of
// them have listed what exists.

#include "engine/kube/client/EvidenceLog.h"
#include "engine/kube/client/KubeClient.h"
#include "engine/kube/controllers/ActionRunner.h"
#include "engine/kube/controllers/Controller.h"
#include "engine/kube/controllers/EventRecorder.h"
#include "engine/kube/controllers/InformerSet.h"

#include <QObject>
#include <chrono>
#include <memory>
#include <vector>

namespace flowlab::kube {

struct ControllerManagerOptions
{
    // How long a node may be silent before it is NotReady (--node-monitor-grace-period).
    std::chrono::seconds nodeMonitorGracePeriod{40};
    // How often every node's heartbeat is checked (--node-monitor-period).
    std::chrono::seconds nodeMonitorPeriod{5};
    // The addresses LoadBalancer Services get (--load-balancer-pool); checked by the caller
    // with loadbalancer::AddressPool::parse.
    std::string loadBalancerPool = "192.168.56.200-192.168.56.250";
    // Where provisioned PersistentVolumes' directories go (--volume-dir).
    std::string volumeDir = "/var/lib/flowlab/volumes";
};

class ControllerManager : public QObject
{
    Q_OBJECT

public:
    ControllerManager(KubeClient &client, EvidenceLog &evidence, ControllerManagerOptions options,
                      QObject *parent = nullptr);
    ~ControllerManager() override;

    // The controllers' names, as their events' source ("deployment-controller", ...).
    std::vector<std::string> controllerNames() const;
    void start();

signals:
    // Every informer has listed its resource, and the controllers are at work.
    void running();

private:
    InformerSet m_informers;
    EventRecorder m_events;
    ActionRunner m_runner;
    ControllerContext m_context;
    std::vector<std::unique_ptr<Controller>> m_controllers;
};

} // namespace flowlab::kube
