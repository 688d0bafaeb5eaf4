#include "engine/kube/dns/ClusterWatch.h"

namespace flowlab::kube::dns {

namespace {

const ResourceInfo &resource(std::string_view group, std::string_view plural)
{
    const ResourceInfo *found = ResourceRegistry::builtin().find(group, "v1", plural);
    // Both are built in (api/Resources.cpp); a missing one is a programming error.
    if (!found)
        throw std::logic_error("no built-in resource " + std::string(plural));
    return *found;
}

std::string describe(const char *kind, const Json &object, const char *what)
{
    return std::string(kind) + " " + Informer::keyOf(object) + " " + what;
}

} // namespace

ClusterWatch::ClusterWatch(KubeClient &client, ServiceDirectory &directory, QObject *parent)
    : QObject(parent)
    , m_directory(directory)
    , m_services(std::make_unique<Informer>(client, resource("", "services")))
    , m_slices(std::make_unique<Informer>(client, resource("discovery.k8s.io", "endpointslices")))
{
    m_services->addHandlers({
        [this](const Json &service) {
            m_directory.applyService(service);
            emit changed(describe("Service", service, "added"));
        },
        [this](const Json &, const Json &service) {
            m_directory.applyService(service);
            emit changed(describe("Service", service, "updated"));
        },
        [this](const Json &service) {
            m_directory.removeService(service);
            emit changed(describe("Service", service, "deleted"));
        },
    });
    m_slices->addHandlers({
        [this](const Json &slice) {
            m_directory.applyEndpointSlice(slice);
            emit changed(describe("EndpointSlice", slice, "added"));
        },
        [this](const Json &, const Json &slice) {
            m_directory.applyEndpointSlice(slice);
            emit changed(describe("EndpointSlice", slice, "updated"));
        },
        [this](const Json &slice) {
            m_directory.removeEndpointSlice(slice);
            emit changed(describe("EndpointSlice", slice, "deleted"));
        },
    });
    connect(m_services.get(), &Informer::hasSynced, this, &ClusterWatch::checkSynced);
    connect(m_slices.get(), &Informer::hasSynced, this, &ClusterWatch::checkSynced);
}

ClusterWatch::~ClusterWatch() = default;

void ClusterWatch::start()
{
    m_services->start();
    m_slices->start();
}

void ClusterWatch::checkSynced()
{
    if (m_directory.synced() || !m_services->synced() || !m_slices->synced())
        return;
    m_directory.setSynced(true);
    emit synced();
}

} // namespace flowlab::kube::dns
