#include "engine/kube/scheduler/SchedulingQueue.h"

#include <algorithm>

namespace flowlab::kube::scheduling {

std::chrono::milliseconds SchedulingQueue::backoffFor(int attempts)
{
    std::chrono::milliseconds backoff = kInitialBackoff;
    for (int i = 1; i < attempts && backoff < kMaxBackoff; ++i)
        backoff *= 2;
    return std::min(backoff, kMaxBackoff);
}

void SchedulingQueue::add(const std::string &key, std::int64_t priority, Clock::time_point now)
{
    auto found = m_pods.find(key);
    if (found != m_pods.end()) {
        // The pod changed: if it was parked, the change may be what lets it fit now.
        found->second.priority = priority;
        found->second.parked = false;
        return;
    }
    Entry entry;
    entry.priority = priority;
    entry.enqueued = now;
    entry.readyAt = now;
    m_pods.emplace(key, entry);
}

void SchedulingQueue::remove(const std::string &key)
{
    m_pods.erase(key);
    m_attempts.erase(key);
}

bool SchedulingQueue::ready(const Entry &entry, Clock::time_point now) const
{
    return !entry.parked && entry.readyAt <= now;
}

std::optional<std::string> SchedulingQueue::pop(Clock::time_point now)
{
    // Pods parked too long are tried again anyway, in case a change went unnoticed.
    for (auto &[key, entry] : m_pods)
        if (entry.parked && now - entry.parkedSince >= kMaxUnschedulableTime)
            entry.parked = false;

    auto best = m_pods.end();
    for (auto it = m_pods.begin(); it != m_pods.end(); ++it) {
        if (!ready(it->second, now))
            continue;
        if (best == m_pods.end() || it->second.priority > best->second.priority ||
            (it->second.priority == best->second.priority &&
             it->second.enqueued < best->second.enqueued))
            best = it;
    }
    if (best == m_pods.end())
        return std::nullopt;
    std::string key = best->first;
    m_pods.erase(best);
    return key;
}

void SchedulingQueue::addUnschedulable(const std::string &key, std::int64_t priority,
                                       Clock::time_point now)
{
    addBackoff(key, priority, now);
    Entry &entry = m_pods[key];
    entry.parked = true;
    entry.parkedSince = now;
}

void SchedulingQueue::addBackoff(const std::string &key, std::int64_t priority,
                                 Clock::time_point now)
{
    const int attempts = ++m_attempts[key];
    Entry entry;
    entry.priority = priority;
    entry.enqueued = now;
    entry.readyAt = now + backoffFor(attempts);
    m_pods[key] = entry;
}

void SchedulingQueue::moveAllToActive()
{
    // Each keeps its backoff: a pod that just failed still waits out its second or two.
    for (auto &[key, entry] : m_pods)
        entry.parked = false;
}

std::optional<SchedulingQueue::Clock::time_point>
SchedulingQueue::nextReadyTime(Clock::time_point now) const
{
    std::optional<Clock::time_point> next;
    for (const auto &[key, entry] : m_pods) {
        const Clock::time_point at =
            entry.parked ? entry.parkedSince + kMaxUnschedulableTime : std::max(entry.readyAt, now);
        if (!next || at < *next)
            next = at;
    }
    return next;
}

} // namespace flowlab::kube::scheduling
