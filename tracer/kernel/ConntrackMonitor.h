#pragma once

// ConntrackMonitor: listens to conntrack events (new, update, destroy) in each watched netns and
// appends them as `conntrack` events whose tuples show the NAT (see ConntrackFlow.h). One
// ctnetlink socket per netns, made on a thread inside it; one thread polls them all.

#include "tracer/kernel/ConntrackFlow.h"
#include "tracer/kernel/Netns.h"
#include "tracer/kernel/PollThread.h"
#include "tracer/kernel/WatchedNamespaces.h"
#include "tracer/model/EventLog.h"

#include <memory>
#include <string>
#include <vector>

namespace flowlab {

// The kernel side of one netns's conntrack event subscription.
class ConntrackSubscription
{
public:
    struct Batch
    {
        std::vector<ConntrackFlowEvent> flows;
        bool overrun = false; // the kernel dropped events (ENOBUFS): the trace has a gap
    };

    virtual ~ConntrackSubscription() = default;
    virtual int fd() const = 0;
    // Everything ready now, without blocking.
    virtual Result<Batch> receive() = 0;
};

class ConntrackConnector
{
public:
    virtual ~ConntrackConnector() = default;
    virtual Result<std::unique_ptr<ConntrackSubscription>> subscribe(const WatchedNetns &netns) = 0;
};

// nfct_open(CONNTRACK, NEW|UPDATE|DESTROY) on a thread inside the netns. The socket buffer is
// large so that a burst of connections does not overrun it.
std::unique_ptr<ConntrackConnector> makeLinuxConntrackConnector(int rcvbufBytes = 4 << 20);

struct ConntrackMonitorOptions
{
    bool natOnly = false;       // drop flows without NAT (DNS to the host, the API socket...)
    bool includeUpdates = true; // TCP state changes; off leaves new and destroy
};

class ConntrackMonitor
{
public:
    explicit ConntrackMonitor(EventLog &log, ConntrackMonitorOptions options = {},
                              std::unique_ptr<ConntrackConnector> connector = nullptr);
    ~ConntrackMonitor();
    ConntrackMonitor(const ConntrackMonitor &) = delete;
    ConntrackMonitor &operator=(const ConntrackMonitor &) = delete;

    // Subscribes now (so the error names the netns and the failing call); callable while
    // running. An empty label means the path's file name.
    Status addNamespace(const std::string &path, const std::string &label = {});
    void removeNamespace(const std::string &label);

    Status start();
    void stop();

    const ConntrackMonitorOptions &options() const { return m_options; }

private:
    struct Watched
    {
        WatchedNetns netns;
        NetnsIdentity identity;
        std::unique_ptr<ConntrackSubscription> subscription;
    };

    void adoptPending();
    void onReadable(int fd);
    void checkPaths();
    void logNote(const WatchedNetns &netns, const std::string &text, const std::string &level);

    EventLog &m_log;
    ConntrackMonitorOptions m_options;
    std::unique_ptr<ConntrackConnector> m_connector;
    WatchedNamespaces<Watched> m_namespaces;
    PollThread m_thread;
};

} // namespace flowlab
