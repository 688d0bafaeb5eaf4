#pragma once

// What SqliteStore's watch() stands on. SQLite has no watch of its own, so the store tells
// the fanout about every change it commits, and the fanout calls the watchers whose prefix
// matches, on the committing thread, before the write returns. It also remembers the latest
// changes (a bounded window, like etcd's history before compaction) so that a watch can
// start from a revision a client listed at a moment ago.

#include "engine/kube/store/Store.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace flowlab::kube {

class WatchFanout : public std::enable_shared_from_this<WatchFanout>
{
public:
    struct Limits
    {
        std::size_t events = 4096;     // changes remembered for watches that start in the past
        std::size_t bytes = 32u << 20; // and what their keys and values may add up to
    };

    // `revision`: the store's revision when it opened; nothing before it can be replayed.
    WatchFanout(std::int64_t revision, Limits limits);

    // Records a committed change and calls every watcher it concerns. Callbacks may write to
    // the store again (that change is delivered after this one, to everyone) or destroy any
    // watch handle, their own included.
    void publish(WatchEvent event);

    // Watches `prefix` after `afterRevision`. Remembered changes in (afterRevision,
    // currentRevision] are delivered as one batch before this returns. Fails with "too old
    // resource version" when that range reaches back past what is remembered.
    Result<std::unique_ptr<Store::WatchHandle>> add(std::string prefix, std::int64_t afterRevision,
                                                    std::int64_t currentRevision,
                                                    Store::WatchCallback onEvents);

private:
    struct Watcher;
    class Handle;
    using SharedEvent = std::shared_ptr<const WatchEvent>;

    void remember(const SharedEvent &event);
    void deliver(const WatchEvent &event);
    void forget(const Watcher *watcher);

    Limits m_limits;
    std::vector<std::shared_ptr<Watcher>> m_watchers; // in the order they were added
    std::deque<SharedEvent> m_history;                // oldest first
    std::size_t m_historyBytes = 0;
    std::int64_t m_forgottenUpTo = 0; // changes at or before it are not in m_history
    std::int64_t m_lastPublished = 0;
    std::deque<SharedEvent> m_pending; // published from inside a callback, delivered next
    bool m_delivering = false;
};

} // namespace flowlab::kube
