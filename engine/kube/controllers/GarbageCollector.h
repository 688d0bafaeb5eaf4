#pragma once

// The garbage collector: it watches every resource that can own or be owned (all stored
// ones but Events, which the real one ignores too) and keeps a graph of ownerReferences:
// for every uid, the objects that name it as their owner. The decisions are gc::'s.
//
// An owner missing from the informers is not proof that it is gone: the informer of its
// kind may simply be behind (a ReplicaSet's pods can be seen before the ReplicaSet). So, as
// the real collector does, it asks the apiserver before deleting anything.
//
// The pod garbage collector deletes pods bound to nodes that no longer exist.

#include "engine/kube/controllers/Controller.h"
#include "engine/kube/controllers/GarbageCollectorReconcile.h"

#include <QTimer>
#include <map>
#include <set>

namespace flowlab::kube {

class GarbageCollector : public Controller
{
    Q_OBJECT

public:
    explicit GarbageCollector(ControllerContext &context, QObject *parent = nullptr);

    // The resources it watches.
    static bool collects(const ResourceInfo &resource);

protected:
    void sync(const std::string &key, WorkQueue::Finished finished) override;

private:
    struct Location
    {
        const ResourceInfo *resource = nullptr;
        std::string key; // "namespace/name" or "name"
    };

    void observe(const ResourceInfo &resource, const Json *old, const Json *now);
    void enqueue(const char *role, const ResourceInfo &resource, const std::string &objectKey);
    const Json *objectAt(const Location &location) const;
    // From the cache only; nothing when it does not hold the owner (or holds another uid).
    std::optional<gc::OwnerState> cachedOwnerState(const Json &ref, const std::string &ns) const;
    void syncDependent(const std::string &queueKey, const ResourceInfo &resource,
                       const std::string &objectKey, WorkQueue::Finished finished);
    void syncOwner(const std::string &queueKey, const ResourceInfo &resource,
                   const std::string &objectKey, WorkQueue::Finished finished);

    std::map<std::string, const ResourceInfo *> m_resources; // by qualifiedResource()
    std::map<std::string, Location> m_byUid;
    std::map<std::string, std::set<std::string>> m_dependents; // owner uid -> dependent uids
};

class PodGarbageCollector : public Controller
{
    Q_OBJECT

public:
    explicit PodGarbageCollector(ControllerContext &context, QObject *parent = nullptr);
    void start() override;

protected:
    void sync(const std::string &key, WorkQueue::Finished finished) override;

private:
    void enqueueIfOrphaned(const Json &pod);

    Informer &m_pods;
    Informer &m_nodes;
    QTimer m_sweep;
};

} // namespace flowlab::kube
