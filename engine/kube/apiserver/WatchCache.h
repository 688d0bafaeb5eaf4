#pragma once

// Every change to the store, decoded once and fanned out to the watches clients hold open, as
// the real apiserver's watch cache does. It follows one store watch over /registry/ and keeps
// the most recent events, so that a client resuming from a resourceVersion (client-go's
// reflectors, kubectl get -w) gets what it missed; one that asks for a revision older than the
// cache holds gets 410 Expired and relists.
//
// Events are delivered on the cache's thread (the apiserver's event loop), whatever thread the
// store reports them on.

#include "engine/kube/api/Resources.h"
#include "engine/kube/apiserver/ApiResult.h"
#include "engine/kube/store/Store.h"

#include <QObject>
#include <deque>
#include <functional>
#include <map>
#include <memory>

namespace flowlab::kube {

struct ObjectEvent
{
    enum class Type { Added, Modified, Deleted };
    Type type = Type::Added;
    const ResourceInfo *resource = nullptr;
    std::string ns;
    std::string name;
    std::int64_t revision = 0;
    Json object;   // as it is now; for Deleted, as it was, stamped with the delete's revision
    Json previous; // as it was before this event; null for Added
};
using ObjectEventPtr = std::shared_ptr<const ObjectEvent>;

const char *toString(ObjectEvent::Type type); // "ADDED", "MODIFIED", "DELETED"

class WatchCache : public QObject
{
    Q_OBJECT

public:
    WatchCache(Store &store, std::size_t capacity, QObject *parent = nullptr);
    ~WatchCache() override;

    // Starts following the store from its current revision.
    Status start();

    // The events of `resource` after `revision`, or 410 Expired when the cache no longer
    // holds them all.
    ApiResult<std::vector<ObjectEventPtr>> since(std::int64_t revision,
                                                 const ResourceInfo &resource) const;
    std::int64_t latestRevision() const { return m_latest; }

    using Listener = std::function<void(const ObjectEventPtr &)>;
    std::uint64_t subscribe(Listener listener);
    void unsubscribe(std::uint64_t id);
    std::size_t subscriberCount() const { return m_listeners.size(); }

private:
    void deliver(std::vector<WatchEvent> events);

    Store &m_store;
    std::size_t m_capacity;
    std::unique_ptr<Store::WatchHandle> m_watch;
    std::deque<ObjectEventPtr> m_events;
    std::int64_t m_startRevision = 0; // events after this one are (or were) in the cache
    std::int64_t m_latest = 0;
    std::map<std::string, const ResourceInfo *> m_byPlural;
    std::map<std::uint64_t, Listener> m_listeners;
    std::uint64_t m_nextId = 1;
};

} // namespace flowlab::kube
