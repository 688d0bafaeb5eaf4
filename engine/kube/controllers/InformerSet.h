#pragma once

// One informer per resource, shared by every controller that reads it (client-go's
// SharedInformerFactory): the Deployment, ReplicaSet and Endpoints controllers and the
// garbage collector all read pods, through one list and one watch.

#include "engine/kube/client/KubeClient.h"

#include <QObject>
#include <map>
#include <memory>

namespace flowlab::kube {

class InformerSet : public QObject
{
    Q_OBJECT

public:
    explicit InformerSet(KubeClient &client, QObject *parent = nullptr);
    ~InformerSet() override;

    // The informer of a resource across all namespaces, made on first use. Controllers ask
    // for theirs and add their handlers before start().
    Informer &of(const ResourceInfo &resource);
    Informer &of(std::string_view group, std::string_view plural);

    void start();
    bool synced() const;

signals:
    // Once, when every informer has listed its resource.
    void allSynced();

private:
    void checkSynced();

    KubeClient &m_client;
    std::map<const ResourceInfo *, std::unique_ptr<Informer>> m_informers;
    bool m_announced = false;
};

} // namespace flowlab::kube
