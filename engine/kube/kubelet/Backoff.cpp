#include "engine/kube/kubelet/Backoff.h"

#include <algorithm>

namespace flowlab::kube::kubelet {

Backoff::Backoff(Millis initial, Millis maximum)
    : m_initial(initial)
    , m_maximum(maximum)
{}

bool Backoff::isInBackOffSince(const std::string &key, TimePoint eventTime, TimePoint now) const
{
    std::lock_guard lock(m_mutex);
    const auto found = m_entries.find(key);
    if (found == m_entries.end())
        return false;
    // A window that has been quiet for twice the maximum no longer holds anything back.
    if (now - found->second.lastUpdate > 2 * m_maximum)
        return false;
    return now - eventTime < found->second.window;
}

bool Backoff::inBackOff(const std::string &key, TimePoint now) const
{
    std::lock_guard lock(m_mutex);
    const auto found = m_entries.find(key);
    return found != m_entries.end() && now - found->second.lastUpdate < found->second.window;
}

void Backoff::next(const std::string &key, TimePoint now)
{
    std::lock_guard lock(m_mutex);
    auto found = m_entries.find(key);
    if (found == m_entries.end() || now - found->second.lastUpdate > 2 * m_maximum) {
        m_entries[key] = {m_initial, now};
        return;
    }
    found->second.window = std::min(found->second.window * 2, m_maximum);
    found->second.lastUpdate = now;
}

Millis Backoff::current(const std::string &key) const
{
    std::lock_guard lock(m_mutex);
    const auto found = m_entries.find(key);
    return found == m_entries.end() ? Millis(0) : found->second.window;
}

void Backoff::reset(const std::string &key)
{
    std::lock_guard lock(m_mutex);
    m_entries.erase(key);
}

void Backoff::forgetPrefix(const std::string &prefix)
{
    std::lock_guard lock(m_mutex);
    for (auto it = m_entries.lower_bound(prefix);
         it != m_entries.end() && it->first.starts_with(prefix);)
        it = m_entries.erase(it);
}

} // namespace flowlab::kube::kubelet
