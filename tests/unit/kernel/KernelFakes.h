#pragma once

// Recording fakes for the kernel side of NetlinkMonitor and ConntrackMonitor: they record which
// namespaces were subscribed, can be told to fail the next N subscriptions, and deliver what a
// test pushes through an eventfd, so the monitors' poll threads run as they would on a kernel.
// Paths must still name a netns file: /proc/self/ns/net opens without privileges.

#include "tracer/kernel/ConntrackMonitor.h"
#include "tracer/kernel/NetlinkMonitor.h"

#include <cerrno>
#include <map>
#include <mutex>
#include <sys/eventfd.h>
#include <unistd.h>

namespace flowlab::test {

inline const std::string kOwnNetns = "/proc/self/ns/net";

// Readable while something is queued.
class EventfdQueue
{
public:
    EventfdQueue()
        : m_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
    {}
    int fd() const { return m_fd.get(); }
    void signal()
    {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(m_fd.get(), &one, sizeof one);
    }
    void drain()
    {
        std::uint64_t count;
        [[maybe_unused]] auto n = ::read(m_fd.get(), &count, sizeof count);
    }

private:
    UniqueFd m_fd;
};

class FakeRtnlSubscription : public RtnlSubscription
{
public:
    FakeRtnlSubscription(std::string label, int handle,
                         std::function<std::optional<int>(int)> nsidOf)
        : m_label(std::move(label))
        , m_handle(handle)
        , m_nsidOf(std::move(nsidOf))
    {}

    std::vector<std::string> calls; // "dump", "nsidOf <handle>"

    // What dump() answers from now on.
    void setDump(std::vector<RtnlMessage> messages)
    {
        std::lock_guard lock(m_mutex);
        m_dumped = std::move(messages);
    }

    void push(std::vector<RtnlMessage> messages, bool overrun = false)
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back({std::move(messages), overrun});
        m_ready.signal();
    }

    int fd() const override { return m_ready.fd(); }
    int netnsFd() const override { return m_handle; }
    Result<Batch> receive() override
    {
        std::lock_guard lock(m_mutex);
        m_ready.drain();
        Batch all;
        for (auto &batch : m_queue) {
            all.overrun = all.overrun || batch.overrun;
            for (auto &m : batch.messages)
                all.messages.push_back(std::move(m));
        }
        m_queue.clear();
        return all;
    }
    Result<std::vector<RtnlMessage>> dump() override
    {
        std::lock_guard lock(m_mutex);
        calls.push_back("dump");
        return m_dumped;
    }
    Result<std::optional<int>> nsidOf(int otherNetnsFd) override
    {
        {
            std::lock_guard lock(m_mutex);
            calls.push_back("nsidOf " + std::to_string(otherNetnsFd));
        }
        return m_nsidOf(otherNetnsFd); // takes the connector's lock: not under ours
    }

private:
    std::string m_label;
    int m_handle;
    std::function<std::optional<int>(int)> m_nsidOf;
    std::mutex m_mutex;
    EventfdQueue m_ready;
    std::vector<Batch> m_queue;
    std::vector<RtnlMessage> m_dumped;
};

class FakeRtnlConnector : public RtnlConnector
{
public:
    struct Shared
    {
        std::mutex mutex;
        std::vector<std::string> subscribed; // labels, in order
        int failNext = 0;
        std::map<std::string, std::vector<RtnlMessage>> dumps;
        std::map<std::pair<std::string, std::string>, int> nsids; // (viewer, other) → id
        std::map<std::string, FakeRtnlSubscription *> live;       // owned by the monitor
        std::map<int, std::string> handles;                       // netnsFd() → label
    };

    explicit FakeRtnlConnector(std::shared_ptr<Shared> shared)
        : m_shared(std::move(shared))
    {}

    Result<std::unique_ptr<RtnlSubscription>> subscribe(const WatchedNetns &netns, int) override
    {
        std::lock_guard lock(m_shared->mutex);
        m_shared->subscribed.push_back(netns.label);
        if (m_shared->failNext > 0) {
            --m_shared->failNext;
            return Error("mnl_socket_open2(NETLINK_ROUTE)", EMFILE)
                .withContext("subscribing to link events in netns " + netns.label);
        }
        const int handle = 1000 + int(m_shared->handles.size());
        m_shared->handles[handle] = netns.label;
        auto shared = m_shared;
        const std::string viewer = netns.label;
        auto subscription = std::make_unique<FakeRtnlSubscription>(
            netns.label, handle, [shared, viewer](int other) -> std::optional<int> {
                std::lock_guard lock(shared->mutex);
                auto it = shared->nsids.find({viewer, shared->handles[other]});
                if (it == shared->nsids.end())
                    return std::nullopt;
                return it->second;
            });
        subscription->setDump(m_shared->dumps[netns.label]);
        m_shared->live[netns.label] = subscription.get();
        return std::unique_ptr<RtnlSubscription>(std::move(subscription));
    }

private:
    std::shared_ptr<Shared> m_shared;
};

class FakeConntrackSubscription : public ConntrackSubscription
{
public:
    void push(std::vector<ConntrackFlowEvent> flows, bool overrun = false)
    {
        std::lock_guard lock(m_mutex);
        for (auto &f : flows)
            m_batch.flows.push_back(std::move(f));
        m_batch.overrun = m_batch.overrun || overrun;
        m_ready.signal();
    }
    int fd() const override { return m_ready.fd(); }
    Result<Batch> receive() override
    {
        std::lock_guard lock(m_mutex);
        m_ready.drain();
        return std::exchange(m_batch, {});
    }

private:
    std::mutex m_mutex;
    EventfdQueue m_ready;
    Batch m_batch;
};

class FakeConntrackConnector : public ConntrackConnector
{
public:
    struct Shared
    {
        std::mutex mutex;
        std::vector<std::string> subscribed;
        int failNext = 0;
        std::map<std::string, FakeConntrackSubscription *> live;
    };

    explicit FakeConntrackConnector(std::shared_ptr<Shared> shared)
        : m_shared(std::move(shared))
    {}

    Result<std::unique_ptr<ConntrackSubscription>> subscribe(const WatchedNetns &netns) override
    {
        std::lock_guard lock(m_shared->mutex);
        m_shared->subscribed.push_back(netns.label);
        if (m_shared->failNext > 0) {
            --m_shared->failNext;
            return Error("nfct_open(CONNTRACK, NEW|UPDATE|DESTROY)", EPERM)
                .withContext("subscribing to conntrack events in netns " + netns.label);
        }
        auto subscription = std::make_unique<FakeConntrackSubscription>();
        m_shared->live[netns.label] = subscription.get();
        return std::unique_ptr<ConntrackSubscription>(std::move(subscription));
    }

private:
    std::shared_ptr<Shared> m_shared;
};

} // namespace flowlab::test
