#pragma once

// A controller's queue of object keys ("default/web"), as client-go's workqueue:
//   - coalescing: a key added ten times before it is worked on is worked on once, with
//     whatever the informers hold by then (controllers read state, not event payloads);
//   - one at a time per key: a key added while it is being worked on waits until that
//     work is done, then goes again;
//   - rate-limited retries: a key whose work failed comes back after 5 ms, 10 ms, 20 ms...
//     (client-go's exponential backoff, capped here at 30 s so that a lab recovers quickly),
//     until it succeeds and is forgotten.
// Work is asynchronous (API calls answer on the event loop): the worker calls `finished`.

#include <QObject>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>

namespace flowlab::kube {

class WorkQueue : public QObject
{
    Q_OBJECT

public:
    using Finished = std::function<void()>;
    using Worker = std::function<void(const std::string &key, Finished finished)>;

    // `workers`: how many different keys may be worked on at once.
    WorkQueue(Worker worker, int workers = 4, QObject *parent = nullptr);

    void add(const std::string &key);
    void addAfter(const std::string &key, std::chrono::milliseconds delay);
    // Again after this key's backoff, which doubles with each call until forget().
    void addRateLimited(const std::string &key);
    void forget(const std::string &key);
    std::chrono::milliseconds backoff(const std::string &key) const;

    // Nothing is worked on before start(): controllers wait until their informers have
    // listed everything, so that a decision never rests on a half-filled cache.
    void start();
    bool idle() const { return m_queue.empty() && m_active.empty(); }

private:
    void pump();

    Worker m_worker;
    int m_workers;
    bool m_started = false;
    std::deque<std::string> m_queue; // waiting, in order
    std::set<std::string> m_dirty;   // waiting or to go again (no duplicates)
    std::set<std::string> m_active;  // being worked on
    std::map<std::string, int> m_failures;
};

} // namespace flowlab::kube
