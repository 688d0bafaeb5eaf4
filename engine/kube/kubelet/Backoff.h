#pragma once

// Crash-loop back-off, as the kubelet's (client-go flowcontrol.Backoff): each key (a pod's
// container, or its image pull) has a window that starts at 10 s and doubles with every
// restart, up to 5 minutes. A container that finished inside its window waits
// (CrashLoopBackOff); one that finished after it is restarted at once, and the window
// doubles. A key left alone for twice the maximum starts over at 10 s. Thread-safe: pod
// workers of different pods share one.

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace flowlab::kube::kubelet {

using TimePoint = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

class Backoff
{
public:
    explicit Backoff(Millis initial = std::chrono::seconds(10),
                     Millis maximum = std::chrono::minutes(5));

    // Is `eventTime` (when the container finished) still inside the key's window at `now`?
    bool isInBackOffSince(const std::string &key, TimePoint eventTime, TimePoint now) const;
    // Is the key's window, counted from its last restart (or failed pull), still open?
    bool inBackOff(const std::string &key, TimePoint now) const;
    // A restart happens now: the window starts at `initial`, or doubles.
    void next(const std::string &key, TimePoint now);
    // The key's window; zero when it has none.
    Millis current(const std::string &key) const;
    void reset(const std::string &key);
    // Forgets every key that starts with `prefix` (a deleted pod's "UID/").
    void forgetPrefix(const std::string &prefix);

private:
    struct Entry
    {
        Millis window{0};
        TimePoint lastUpdate;
    };

    mutable std::mutex m_mutex;
    Millis m_initial;
    Millis m_maximum;
    std::map<std::string, Entry> m_entries;
};

} // namespace flowlab::kube::kubelet
