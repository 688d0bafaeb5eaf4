#include "engine/kube/controllers/InformerSet.h"

#include "engine/kube/controllers/ObjectMeta.h"

namespace flowlab::kube {

InformerSet::InformerSet(KubeClient &client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{}

InformerSet::~InformerSet() = default;

Informer &InformerSet::of(const ResourceInfo &resource)
{
    auto &slot = m_informers[&resource];
    if (!slot) {
        slot = std::make_unique<Informer>(m_client, resource);
        connect(slot.get(), &Informer::hasSynced, this, &InformerSet::checkSynced);
    }
    return *slot;
}

Informer &InformerSet::of(std::string_view group, std::string_view plural)
{
    return of(builtinResource(group, plural));
}

void InformerSet::start()
{
    for (auto &[resource, informer] : m_informers)
        informer->start();
}

bool InformerSet::synced() const
{
    for (const auto &[resource, informer] : m_informers)
        if (!informer->synced())
            return false;
    return true;
}

void InformerSet::checkSynced()
{
    if (!m_announced && synced()) {
        m_announced = true;
        emit allSynced();
    }
}

} // namespace flowlab::kube
