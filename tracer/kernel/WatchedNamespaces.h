#pragma once

// What the socket monitors (NetlinkMonitor, ConntrackMonitor) share: the namespaces they watch,
// one subscription socket each. Callers on any thread queue namespaces to add or remove; the one
// poll thread (PollThread) takes them over, reads their sockets, and lets go of a namespace once
// its path names another netns or nothing: our socket would otherwise keep it alive after
// `ip netns del`.

#include "tracer/base/Result.h"
#include "tracer/kernel/Netns.h"
#include "tracer/model/Event.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace flowlab {

// `Watched` is a monitor's record of one namespace. It has at least `WatchedNetns netns`,
// `NetnsIdentity identity` (what netns.path named when it was opened) and `subscription`, a
// pointer to something with `int fd() const`.
template <typename Watched> class WatchedNamespaces
{
public:
    struct Queued
    {
        std::vector<Watched> added;
        std::vector<std::string> removed;
    };

    // Any thread; then wake the poll thread, which sees them in takeQueued().
    void queueAdd(Watched watched)
    {
        std::lock_guard lock(m_mutex);
        m_queued.added.push_back(std::move(watched));
    }
    void queueRemove(const std::string &label)
    {
        std::lock_guard lock(m_mutex);
        m_queued.removed.push_back(label);
    }

    // The rest belongs to the poll thread (or to the caller while it is stopped).
    Queued takeQueued()
    {
        std::lock_guard lock(m_mutex);
        return std::exchange(m_queued, {});
    }

    std::vector<Watched> &active() { return m_active; }

    std::vector<int> fds() const
    {
        std::vector<int> fds;
        for (const Watched &w : m_active)
            fds.push_back(w.subscription->fd());
        return fds;
    }

    // The namespace whose subscription reads `fd`; nullptr if none does any more.
    Watched *findByFd(int fd)
    {
        const auto it = std::find_if(m_active.begin(), m_active.end(),
                                     [fd](const Watched &w) { return w.subscription->fd() == fd; });
        return it == m_active.end() ? nullptr : &*it;
    }

    Watched *find(const std::string &label)
    {
        const auto it = std::find_if(m_active.begin(), m_active.end(),
                                     [&](const Watched &w) { return w.netns.label == label; });
        return it == m_active.end() ? nullptr : &*it;
    }

    // True if `label` was watched.
    bool erase(const std::string &label)
    {
        return std::erase_if(m_active, [&](const Watched &w) { return w.netns.label == label; });
    }

    // The labels whose path no longer names the netns they opened. Looks at most once a second
    // (each look is a stat of every path); in between, returns nothing.
    std::vector<std::string> stale()
    {
        std::vector<std::string> labels;
        const std::int64_t now = monotonicNowNs();
        if (now - m_lastCheckNs < 1'000'000'000)
            return labels;
        m_lastCheckNs = now;
        for (const Watched &w : m_active) {
            auto identity = netnsIdentity(w.netns.path);
            if (!identity.ok() || !(*identity == w.identity))
                labels.push_back(w.netns.label);
        }
        return labels;
    }

private:
    std::mutex m_mutex; // guards m_queued, handed over to the poll thread
    Queued m_queued;
    std::vector<Watched> m_active;
    std::int64_t m_lastCheckNs = 0;
};

// A `log` event from a monitor (`component`: "rtnetlink", "conntrack", "iptables") about the
// netns labelled `netns`; `level` is info, warning or error.
Event netnsNote(const std::string &component, const std::string &netns, const std::string &text,
                const std::string &level);

// Reads every datagram the non-blocking netlink socket `fd` holds now and hands each to `chunk`.
// Returns whether the kernel dropped messages for want of buffer space (ENOBUFS): the trace has a
// gap the caller must report. `call` names the read in an error ("recv rtnetlink").
Result<bool> receiveAvailable(int fd, const char *call,
                              const std::function<void(const char *, std::size_t)> &chunk);

// A large receive buffer, so that a burst of events does not overrun it: SO_RCVBUFFORCE (needs
// CAP_NET_ADMIN, which a monitor has), else SO_RCVBUF up to the system's limit.
void setReceiveBuffer(int fd, int bytes);

} // namespace flowlab
