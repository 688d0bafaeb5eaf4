#pragma once

// The pods waiting for a node, kept as kube-scheduler's PriorityQueue keeps them, in three
// places:
//   active         ready to be tried, highest spec.priority first, then oldest first;
//   backing off    tried and failed, waiting 1 s, 2 s, 4 s ... up to 10 s before the next try;
//   unschedulable  no node fitted: parked until something in the cluster changes (a node
//                  added or updated, a pod removed) or, at the latest, for 5 minutes.
// Time is passed in, so that tests can step it.

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace flowlab::kube::scheduling {

class SchedulingQueue
{
public:
    using Clock = std::chrono::steady_clock;

    static constexpr std::chrono::milliseconds kInitialBackoff{1000};
    static constexpr std::chrono::milliseconds kMaxBackoff{10000};
    static constexpr std::chrono::minutes kMaxUnschedulableTime{5};

    // A new pending pod, or a pending pod whose spec changed: it may be tried (again) once
    // any backoff it earned has passed.
    void add(const std::string &key, std::int64_t priority, Clock::time_point now);
    // The pod was bound, deleted, or given a node by someone else.
    void remove(const std::string &key);
    bool contains(const std::string &key) const { return m_pods.contains(key); }

    // The next pod to try, taken out of the queue; none while everything waits.
    std::optional<std::string> pop(Clock::time_point now);
    // The pod did not fit anywhere: park it until the cluster changes.
    void addUnschedulable(const std::string &key, std::int64_t priority, Clock::time_point now);
    // The try failed for another reason (the binding was refused): back off, then retry.
    void addBackoff(const std::string &key, std::int64_t priority, Clock::time_point now);
    // Something that could let parked pods fit has happened: they go back to be tried once
    // their backoff has passed.
    void moveAllToActive();

    // When the next pod becomes ready (now, if one is), or none if the queue waits for a
    // cluster change.
    std::optional<Clock::time_point> nextReadyTime(Clock::time_point now) const;
    std::size_t size() const { return m_pods.size(); }

    // How long a pod waits after its n-th failed try: 1 s doubling, at most 10 s.
    static std::chrono::milliseconds backoffFor(int attempts);

private:
    struct Entry
    {
        std::int64_t priority = 0;
        Clock::time_point enqueued;    // for first-come first-served among equal priorities
        Clock::time_point readyAt;     // end of the backoff
        Clock::time_point parkedSince; // when it was found unschedulable
        bool parked = false;           // unschedulable, waiting for a cluster change
    };

    bool ready(const Entry &entry, Clock::time_point now) const;

    std::map<std::string, Entry> m_pods;
    // Failed tries survive the pod leaving the queue for a try; forgotten on remove().
    std::map<std::string, int> m_attempts;
};

} // namespace flowlab::kube::scheduling
