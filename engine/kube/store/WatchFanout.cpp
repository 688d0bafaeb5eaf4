#include "engine/kube/store/WatchFanout.h"

#include "engine/kube/store/KeyRange.h"

#include <algorithm>

namespace flowlab::kube {

struct WatchFanout::Watcher
{
    std::string prefix;
    Store::WatchCallback onEvents;
    // The latest revision this watcher has seen: what keeps a change from reaching it twice
    // when a watch is added from inside a callback, or a replay overlaps a publish.
    std::int64_t deliveredUpTo = 0;
    bool active = true;
};

class WatchFanout::Handle final : public Store::WatchHandle
{
public:
    Handle(std::weak_ptr<WatchFanout> fanout, std::shared_ptr<Watcher> watcher)
        : m_fanout(std::move(fanout))
        , m_watcher(std::move(watcher))
    {}
    ~Handle() override
    {
        // Cleared first, so that a delivery running right now (this handle may be destroyed
        // by a callback) skips this watcher for the rest of its loop.
        m_watcher->active = false;
        if (auto fanout = m_fanout.lock())
            fanout->forget(m_watcher.get());
    }

private:
    std::weak_ptr<WatchFanout> m_fanout; // the store may go first
    std::shared_ptr<Watcher> m_watcher;
};

namespace {

std::size_t footprint(const WatchEvent &event)
{
    std::size_t bytes = sizeof(WatchEvent) + event.kv.key.size() + event.kv.value.size();
    if (event.prev)
        bytes += event.prev->key.size() + event.prev->value.size();
    return bytes;
}

// Clears a flag when the scope ends, even if a callback throws.
class FlagScope
{
public:
    explicit FlagScope(bool &flag)
        : m_flag(flag)
    {
        m_flag = true;
    }
    ~FlagScope() { m_flag = false; }
    FlagScope(const FlagScope &) = delete;
    FlagScope &operator=(const FlagScope &) = delete;

private:
    bool &m_flag;
};

} // namespace

WatchFanout::WatchFanout(std::int64_t revision, Limits limits)
    : m_limits(limits)
    , m_forgottenUpTo(revision)
    , m_lastPublished(revision)
{}

void WatchFanout::publish(WatchEvent event)
{
    m_lastPublished = event.kv.modRevision;
    if (m_watchers.empty() && m_limits.events == 0) {
        m_forgottenUpTo = m_lastPublished;
        return;
    }
    auto shared = std::make_shared<const WatchEvent>(std::move(event));
    remember(shared);
    m_pending.push_back(std::move(shared));
    if (m_delivering)
        return; // a callback wrote: the delivery below us goes on with this change, in order

    {
        FlagScope delivering(m_delivering);
        while (!m_pending.empty()) {
            const SharedEvent next = std::move(m_pending.front());
            m_pending.pop_front();
            deliver(*next);
        }
    }
    std::erase_if(m_watchers, [](const auto &watcher) { return !watcher->active; });
}

void WatchFanout::remember(const SharedEvent &event)
{
    if (m_limits.events == 0) {
        m_forgottenUpTo = event->kv.modRevision;
        return;
    }
    m_history.push_back(event);
    m_historyBytes += footprint(*event);
    while (m_history.size() > m_limits.events ||
           (m_historyBytes > m_limits.bytes && m_history.size() > 1)) {
        m_forgottenUpTo = m_history.front()->kv.modRevision;
        m_historyBytes -= footprint(*m_history.front());
        m_history.pop_front();
    }
}

void WatchFanout::deliver(const WatchEvent &event)
{
    const std::int64_t revision = event.kv.modRevision;
    // By index, re-reading the size: a callback may add a watcher (which push_back can move)
    // or mark one inactive. Erasing waits until no delivery runs.
    for (std::size_t i = 0; i < m_watchers.size(); ++i) {
        const std::shared_ptr<Watcher> watcher = m_watchers[i]; // alive through its callback
        if (!watcher->active || revision <= watcher->deliveredUpTo ||
            !hasPrefix(event.kv.key, watcher->prefix))
            continue;
        watcher->deliveredUpTo = revision;
        watcher->onEvents(std::vector<WatchEvent>{event});
    }
}

void WatchFanout::forget(const Watcher *watcher)
{
    if (m_delivering)
        return; // publish() erases inactive watchers once the delivery is over
    std::erase_if(m_watchers, [watcher](const auto &w) { return w.get() == watcher; });
}

Result<std::unique_ptr<Store::WatchHandle>> WatchFanout::add(std::string prefix,
                                                             std::int64_t afterRevision,
                                                             std::int64_t currentRevision,
                                                             Store::WatchCallback onEvents)
{
    if (afterRevision < currentRevision && afterRevision < m_forgottenUpTo)
        return Error(tooOldRevisionMessage(afterRevision, m_forgottenUpTo));

    auto watcher = std::make_shared<Watcher>();
    watcher->prefix = std::move(prefix);
    watcher->onEvents = std::move(onEvents);
    watcher->deliveredUpTo = std::max(afterRevision, m_lastPublished);
    m_watchers.push_back(watcher);
    auto handle = std::make_unique<Handle>(weak_from_this(), watcher);

    if (afterRevision < m_lastPublished) {
        std::vector<WatchEvent> replay;
        for (const SharedEvent &event : m_history) {
            if (event->kv.modRevision > afterRevision && hasPrefix(event->kv.key, watcher->prefix))
                replay.push_back(*event);
        }
        if (!replay.empty())
            watcher->onEvents(std::move(replay));
    }
    return std::unique_ptr<Store::WatchHandle>(std::move(handle));
}

} // namespace flowlab::kube
