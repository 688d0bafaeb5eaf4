#include "engine/kube/controllers/GarbageCollector.h"

#include <memory>

namespace flowlab::kube {

namespace {

// The real pod GC's gcCheckPeriod.
constexpr auto kPodSweepPeriod = std::chrono::seconds(20);

std::vector<std::string> ownerUids(const Json &object)
{
    std::vector<std::string> uids;
    const Json &refs = at(object, {"metadata", "ownerReferences"});
    if (refs.is_array())
        for (const Json &ref : refs)
            uids.push_back(stringAt(ref, {"uid"}));
    return uids;
}

bool deletingWith(const Json &object, const char *finalizer)
{
    return isBeingDeleted(object) && hasFinalizer(object, finalizer);
}

gc::OwnerState stateOf(const Json &owner)
{
    return deletingWith(owner, "foregroundDeletion") ? gc::OwnerState::WaitingForDependents
                                                     : gc::OwnerState::Present;
}

} // namespace

bool GarbageCollector::collects(const ResourceInfo &resource)
{
    return resource.stored() && resource.hasVerb("list") && resource.hasVerb("watch") &&
           resource.hasVerb("delete") && resource.kind != "Event";
}

GarbageCollector::GarbageCollector(ControllerContext &context, QObject *parent)
    : Controller(context, gc::kComponent, 4, parent)
{
    for (const ResourceInfo &resource : ResourceRegistry::builtin().all()) {
        if (!collects(resource))
            continue;
        m_resources[resource.qualifiedResource()] = &resource;
        const ResourceInfo *r = &resource;
        context.informers.of(resource).addHandlers(
            {[this, r](const Json &now) { observe(*r, nullptr, &now); },
             [this, r](const Json &old, const Json &now) { observe(*r, &old, &now); },
             [this, r](const Json &old) { observe(*r, &old, nullptr); }});
    }
}

void GarbageCollector::enqueue(const char *role, const ResourceInfo &resource,
                               const std::string &objectKey)
{
    m_queue.add(std::string(role) + "|" + resource.qualifiedResource() + "|" + objectKey);
}

const Json *GarbageCollector::objectAt(const Location &location) const
{
    return m_context.informers.of(*location.resource).find(location.key);
}

// Keeps the graph current, and queues what may need the collector: an object whose owner is
// not (or no longer) known, an owner deleted in the foreground or with orphaning, the
// dependents of an object that went, and an owner waiting for a dependent that went.
void GarbageCollector::observe(const ResourceInfo &resource, const Json *old, const Json *now)
{
    if (old)
        for (const std::string &owner : ownerUids(*old))
            if (auto found = m_dependents.find(owner); found != m_dependents.end()) {
                found->second.erase(uidOf(*old));
                if (found->second.empty())
                    m_dependents.erase(found);
            }
    if (!now) {
        const std::string uid = uidOf(*old);
        m_byUid.erase(uid);
        if (auto found = m_dependents.find(uid); found != m_dependents.end())
            for (const std::string &dependent : found->second)
                if (auto at = m_byUid.find(dependent); at != m_byUid.end())
                    enqueue("dependent", *at->second.resource, at->second.key);
        for (const std::string &owner : ownerUids(*old))
            if (auto at = m_byUid.find(owner); at != m_byUid.end())
                if (const Json *object = objectAt(at->second); object && isBeingDeleted(*object))
                    enqueue("owner", *at->second.resource, at->second.key);
        return;
    }
    const std::string uid = uidOf(*now);
    const std::string key = Informer::keyOf(*now);
    m_byUid[uid] = {&resource, key};
    bool suspicious = false;
    for (const std::string &owner : ownerUids(*now)) {
        m_dependents[owner].insert(uid);
        const auto at = m_byUid.find(owner);
        const Json *object = at == m_byUid.end() ? nullptr : objectAt(at->second);
        suspicious = suspicious || !object || deletingWith(*object, "foregroundDeletion");
    }
    if (suspicious)
        enqueue("dependent", resource, key);
    if (deletingWith(*now, "foregroundDeletion") || deletingWith(*now, "orphan")) {
        enqueue("owner", resource, key);
        // Its dependents now have an owner that waits for them.
        if (auto found = m_dependents.find(uid); found != m_dependents.end())
            for (const std::string &dependent : found->second)
                if (auto at = m_byUid.find(dependent); at != m_byUid.end())
                    enqueue("dependent", *at->second.resource, at->second.key);
    }
}

std::optional<gc::OwnerState> GarbageCollector::cachedOwnerState(const Json &ref,
                                                                 const std::string &ns) const
{
    const auto at = m_byUid.find(stringAt(ref, {"uid"}));
    if (at == m_byUid.end())
        return std::nullopt;
    const Json *owner = objectAt(at->second);
    // A namespaced dependent's owner lives in its namespace (or is cluster-scoped).
    if (!owner || (at->second.resource->namespaced && namespaceOf(*owner) != ns))
        return std::nullopt;
    return stateOf(*owner);
}

void GarbageCollector::sync(const std::string &key, WorkQueue::Finished finished)
{
    const auto first = key.find('|'), second = key.find('|', first + 1);
    const std::string role = key.substr(0, first);
    const auto resource = m_resources.find(key.substr(first + 1, second - first - 1));
    if (first == std::string::npos || second == std::string::npos ||
        resource == m_resources.end()) {
        finished();
        return;
    }
    const std::string objectKey = key.substr(second + 1);
    if (role == "owner")
        syncOwner(key, *resource->second, objectKey, std::move(finished));
    else
        syncDependent(key, *resource->second, objectKey, std::move(finished));
}

void GarbageCollector::syncDependent(const std::string &queueKey, const ResourceInfo &resource,
                                     const std::string &objectKey, WorkQueue::Finished finished)
{
    const Json *found = m_context.informers.of(resource).find(objectKey);
    if (!found || ownerUids(*found).empty()) {
        finished();
        return;
    }
    struct Lookup
    {
        Json dependent;
        std::vector<gc::Owner> owners;
        int pending = 0;
        std::string error;
    };
    auto lookup = std::make_shared<Lookup>();
    lookup->dependent = *found;
    const std::string ns = namespaceOf(*found);
    bool allPresent = true;
    for (const Json &ref : at(*found, {"metadata", "ownerReferences"})) {
        gc::Owner owner{ref, gc::OwnerState::Present};
        if (auto cached = cachedOwnerState(ref, ns))
            owner.state = *cached;
        else
            owner.state = gc::OwnerState::Absent; // until the apiserver says otherwise
        allPresent = allPresent && owner.state == gc::OwnerState::Present;
        lookup->owners.push_back(owner);
    }
    if (allPresent) {
        finished();
        return;
    }
    auto decide = [this, queueKey, &resource, lookup, finished]() {
        if (!lookup->error.empty()) {
            m_queue.addRateLimited(queueKey);
            finished();
            return;
        }
        const bool hasDependents = m_dependents.contains(uidOf(lookup->dependent));
        carryOut(queueKey,
                 gc::decideDependent(resource, lookup->dependent, lookup->owners, hasDependents),
                 finished);
    };
    // Ask the apiserver about each owner the cache does not have.
    for (gc::Owner &owner : lookup->owners) {
        if (owner.state != gc::OwnerState::Absent)
            continue;
        const ResourceInfo *kind = ResourceRegistry::builtin().findKind(
            stringAt(owner.ref, {"apiVersion"}), stringAt(owner.ref, {"kind"}));
        if (!kind) { // a kind we do not serve: never delete on a guess
            owner.state = gc::OwnerState::Present;
            continue;
        }
        ++lookup->pending;
        gc::Owner *slot = &owner;
        m_context.client.get(*kind, kind->namespaced ? ns : "", stringAt(owner.ref, {"name"}),
                             [lookup, slot, decide](const ClientResult &result) {
                                 if (result.ok() &&
                                     uidOf(result.body) == stringAt(slot->ref, {"uid"}))
                                     slot->state = stateOf(result.body);
                                 else if (!result.ok() && result.code != 404)
                                     lookup->error = result.message();
                                 if (--lookup->pending == 0)
                                     decide();
                             });
    }
    if (lookup->pending == 0)
        decide();
}

void GarbageCollector::syncOwner(const std::string &queueKey, const ResourceInfo &resource,
                                 const std::string &objectKey, WorkQueue::Finished finished)
{
    const Json *owner = m_context.informers.of(resource).find(objectKey);
    if (!owner || !(deletingWith(*owner, "foregroundDeletion") || deletingWith(*owner, "orphan"))) {
        finished();
        return;
    }
    std::vector<gc::Dependent> dependents;
    if (auto found = m_dependents.find(uidOf(*owner)); found != m_dependents.end())
        for (const std::string &uid : found->second)
            if (auto at = m_byUid.find(uid); at != m_byUid.end())
                if (const Json *object = objectAt(at->second))
                    dependents.push_back(
                        {at->second.resource, *object, m_dependents.contains(uid)});
    carryOut(queueKey, gc::decideOwner(resource, *owner, dependents, m_context.now()),
             std::move(finished));
}

PodGarbageCollector::PodGarbageCollector(ControllerContext &context, QObject *parent)
    : Controller(context, gc::kPodGcComponent, 2, parent)
    , m_pods(context.informers.of("", "pods"))
    , m_nodes(context.informers.of("", "nodes"))
{
    m_pods.addHandlers({[this](const Json &pod) { enqueueIfOrphaned(pod); },
                        [this](const Json &, const Json &now) { enqueueIfOrphaned(now); },
                        nullptr});
    m_nodes.addHandlers({nullptr, nullptr, [this](const Json &node) {
                             for (const auto &[key, pod] : m_pods.items())
                                 if (stringAt(pod, {"spec", "nodeName"}) == nameOf(node))
                                     m_queue.add(key);
                         }});
    m_sweep.setInterval(std::chrono::duration_cast<std::chrono::milliseconds>(kPodSweepPeriod));
    connect(&m_sweep, &QTimer::timeout, this, [this] {
        for (const auto &[key, pod] : m_pods.items())
            enqueueIfOrphaned(pod);
    });
}

void PodGarbageCollector::start()
{
    Controller::start();
    m_sweep.start();
}

void PodGarbageCollector::enqueueIfOrphaned(const Json &pod)
{
    const std::string node = stringAt(pod, {"spec", "nodeName"});
    if (!node.empty() && !m_nodes.find(node))
        m_queue.add(Informer::keyOf(pod));
}

void PodGarbageCollector::sync(const std::string &key, WorkQueue::Finished finished)
{
    const Json *pod = m_pods.find(key);
    const std::string node = pod ? stringAt(*pod, {"spec", "nodeName"}) : std::string();
    if (!pod || node.empty() || m_nodes.find(node)) {
        finished();
        return;
    }
    // The node informer may just be behind: ask the apiserver.
    const Json podCopy = *pod;
    m_context.client.get(
        builtinResource("", "nodes"), "", node,
        [this, key, podCopy, finished](const ClientResult &result) {
            if (!result.ok() && result.code != 404) {
                m_queue.addRateLimited(key);
                finished();
                return;
            }
            carryOut(key, gc::decideOrphanedPod(podCopy, result.ok(), m_context.now()), finished);
        });
}

} // namespace flowlab::kube
