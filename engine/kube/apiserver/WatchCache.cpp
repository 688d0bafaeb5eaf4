#include "engine/kube/apiserver/WatchCache.h"

#include "engine/kube/apiserver/ObjectStorage.h"

namespace flowlab::kube {

const char *toString(ObjectEvent::Type type)
{
    switch (type) {
    case ObjectEvent::Type::Added:
        return "ADDED";
    case ObjectEvent::Type::Modified:
        return "MODIFIED";
    case ObjectEvent::Type::Deleted:
        return "DELETED";
    }
    return "MODIFIED";
}

WatchCache::WatchCache(Store &store, std::size_t capacity, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_capacity(capacity)
{
    for (const ResourceInfo &resource : ResourceRegistry::builtin().all())
        m_byPlural[resource.plural] = &resource;
}

WatchCache::~WatchCache() = default;

Status WatchCache::start()
{
    auto revision = m_store.currentRevision();
    if (!revision)
        return revision.error().withContext("starting the watch cache");
    m_startRevision = m_latest = *revision;
    auto watch =
        m_store.watch("/registry/", m_startRevision, [this](std::vector<WatchEvent> events) {
            // The store may call from its own thread: hop onto ours, in order.
            QMetaObject::invokeMethod(
                this, [this, events = std::move(events)]() mutable { deliver(std::move(events)); },
                Qt::QueuedConnection);
        });
    if (!watch)
        return watch.error().withContext("starting the watch cache");
    m_watch = std::move(*watch);
    return success();
}

void WatchCache::deliver(std::vector<WatchEvent> events)
{
    for (WatchEvent &change : events) {
        // /registry/<plural>/<namespace>/<name> or /registry/<plural>/<name>
        const std::string &key = change.kv.key;
        const auto pluralEnd = key.find('/', 10);
        if (pluralEnd == std::string::npos)
            continue;
        const auto found = m_byPlural.find(key.substr(10, pluralEnd - 10));
        if (found == m_byPlural.end())
            continue;
        auto event = std::make_shared<ObjectEvent>();
        event->resource = found->second;
        const std::string rest = key.substr(pluralEnd + 1);
        if (event->resource->namespaced) {
            const auto slash = rest.find('/');
            event->ns = rest.substr(0, slash);
            event->name = slash == std::string::npos ? std::string() : rest.substr(slash + 1);
        } else {
            event->name = rest;
        }
        event->revision = change.kv.modRevision;
        if (change.prev)
            event->previous = ObjectStorage::decode(*change.prev);
        if (change.type == WatchEvent::Type::Delete) {
            event->type = ObjectEvent::Type::Deleted;
            event->object = event->previous.is_null() ? Json::object() : event->previous;
            event->object["metadata"]["resourceVersion"] = std::to_string(event->revision);
        } else {
            event->type = change.prev ? ObjectEvent::Type::Modified : ObjectEvent::Type::Added;
            event->object = ObjectStorage::decode(change.kv);
        }
        if (event->revision <= m_latest)
            continue; // already seen: a store may repeat the start of its history
        m_latest = event->revision;
        m_events.push_back(event);
        while (m_events.size() > m_capacity) {
            m_startRevision = m_events.front()->revision;
            m_events.pop_front();
        }
        // A listener may unsubscribe (itself or another) while we deliver.
        const auto listeners = m_listeners;
        for (const auto &[id, listener] : listeners)
            if (m_listeners.contains(id))
                listener(event);
    }
}

ApiResult<std::vector<ObjectEventPtr>> WatchCache::since(std::int64_t revision,
                                                         const ResourceInfo &resource) const
{
    if (revision < m_startRevision)
        return ApiError::gone("too old resource version: " + std::to_string(revision) + " (" +
                              std::to_string(m_startRevision + 1) + ")");
    std::vector<ObjectEventPtr> out;
    for (const auto &event : m_events)
        if (event->revision > revision && event->resource == &resource)
            out.push_back(event);
    return out;
}

std::uint64_t WatchCache::subscribe(Listener listener)
{
    const std::uint64_t id = m_nextId++;
    m_listeners.emplace(id, std::move(listener));
    return id;
}

void WatchCache::unsubscribe(std::uint64_t id)
{
    m_listeners.erase(id);
}

} // namespace flowlab::kube
