#include "engine/kube/controllers/ControllerManager.h"

#include "engine/kube/controllers/DeploymentController.h"
#include "engine/kube/controllers/EndpointsController.h"
#include "engine/kube/controllers/GarbageCollector.h"
#include "engine/kube/controllers/LoadBalancerController.h"
#include "engine/kube/controllers/NamespaceController.h"
#include "engine/kube/controllers/NodeLifecycleController.h"
#include "engine/kube/controllers/ReplicaSetController.h"
#include "engine/kube/controllers/StatefulSetController.h"
#include "engine/kube/controllers/VolumeBinderController.h"

namespace flowlab::kube {

ControllerManager::ControllerManager(KubeClient &client, EvidenceLog &evidence,
                                     ControllerManagerOptions options, QObject *parent)
    : QObject(parent)
    , m_informers(client)
    , m_events(client)
    , m_runner(client, m_events)
    , m_context{client, m_informers, evidence, m_runner}
{
    m_controllers.push_back(std::make_unique<DeploymentController>(m_context));
    m_controllers.push_back(std::make_unique<ReplicaSetController>(m_context));
    m_controllers.push_back(std::make_unique<StatefulSetController>(m_context));
    m_controllers.push_back(std::make_unique<VolumeBinderController>(m_context, options.volumeDir));
    m_controllers.push_back(std::make_unique<EndpointsController>(m_context));
    m_controllers.push_back(std::make_unique<EndpointSliceController>(m_context));
    m_controllers.push_back(std::make_unique<NamespaceController>(m_context));
    m_controllers.push_back(std::make_unique<ServiceAccountController>(m_context));
    m_controllers.push_back(std::make_unique<GarbageCollector>(m_context));
    m_controllers.push_back(std::make_unique<PodGarbageCollector>(m_context));
    m_controllers.push_back(std::make_unique<NodeLifecycleController>(
        m_context, options.nodeMonitorGracePeriod, options.nodeMonitorPeriod));
    if (auto pool = loadbalancer::AddressPool::parse(options.loadBalancerPool))
        m_controllers.push_back(
            std::make_unique<LoadBalancerController>(m_context, m_events, *pool));
    connect(&m_informers, &InformerSet::allSynced, this, [this] {
        for (auto &controller : m_controllers)
            controller->start();
        emit running();
    });
}

ControllerManager::~ControllerManager() = default;

std::vector<std::string> ControllerManager::controllerNames() const
{
    std::vector<std::string> names;
    for (const auto &controller : m_controllers)
        names.push_back(controller->component());
    return names;
}

void ControllerManager::start()
{
    m_informers.start();
}

} // namespace flowlab::kube
