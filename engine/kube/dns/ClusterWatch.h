#pragma once

// Keeps a ServiceDirectory current from the apiserver: one informer on Services and one on
// discovery.k8s.io/v1 EndpointSlices, across all namespaces (list, then watch), as CoreDNS's
// kubernetes plugin watches them. The directory counts as synced once both have listed.

#include "engine/kube/client/KubeClient.h"
#include "engine/kube/dns/ServiceDirectory.h"

#include <QObject>
#include <memory>

namespace flowlab::kube::dns {

class ClusterWatch : public QObject
{
    Q_OBJECT

public:
    ClusterWatch(KubeClient &client, ServiceDirectory &directory, QObject *parent = nullptr);
    ~ClusterWatch() override;

    void start();

signals:
    // Once, when both informers have listed.
    void synced();
    // After every change the directory took, with what changed ("Service default/web
    // updated"), for the log.
    void changed(const std::string &what);

private:
    void checkSynced();

    ServiceDirectory &m_directory;
    std::unique_ptr<Informer> m_services;
    std::unique_ptr<Informer> m_slices;
};

} // namespace flowlab::kube::dns
