#pragma once

// NetlinkMonitor: watches links, IPv4 addresses and IPv4 routes in several network namespaces and
// appends `netlink` events (see NetlinkEventBuilder for the summaries). Each netns gets an
// rtnetlink socket made on a thread inside it (RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
// RTMGRP_IPV4_ROUTE); one thread polls them all. Namespaces can be added while it runs, by hand or
// by watching a directory where a runtime pins them (a Docker exec-root's netns/).

#include "tracer/kernel/NetlinkEventBuilder.h"
#include "tracer/kernel/Netns.h"
#include "tracer/kernel/NetnsDirectoryWatcher.h"
#include "tracer/kernel/PollThread.h"
#include "tracer/kernel/RtnlMessage.h"
#include "tracer/kernel/WatchedNamespaces.h"
#include "tracer/model/EventLog.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace flowlab {

// The kernel side of one netns's rtnetlink subscription.
class RtnlSubscription
{
public:
    struct Batch
    {
        std::vector<RtnlMessage> messages;
        bool overrun = false; // ENOBUFS: notifications were lost; the monitor re-dumps
    };

    virtual ~RtnlSubscription() = default;
    virtual int fd() const = 0;
    // Notifications ready now, without blocking.
    virtual Result<Batch> receive() = 0;
    // The current links, then IPv4 addresses (RTM_GETLINK, RTM_GETADDR dumps).
    virtual Result<std::vector<RtnlMessage>> dump() = 0;
    // The id this netns gives the netns open at `otherNetnsFd` (RTM_GETNSID), nullopt if none.
    virtual Result<std::optional<int>> nsidOf(int otherNetnsFd) = 0;
    // A handle on this netns for the others' nsidOf(). It must not be the watched path itself:
    // an open file on a bind mount would make a runtime's plain umount of it fail as busy.
    virtual int netnsFd() const = 0;
};

class RtnlConnector
{
public:
    virtual ~RtnlConnector() = default;
    // `netnsFd` is open on netns.path, and only valid during the call.
    virtual Result<std::unique_ptr<RtnlSubscription>> subscribe(const WatchedNetns &netns,
                                                                int netnsFd) = 0;
};

std::unique_ptr<RtnlConnector> makeLinuxRtnlConnector();

struct NetlinkMonitorOptions
{
    bool allRouteTables = false; // also table local (one route per address, broadcasts)
};

class NetlinkMonitor
{
public:
    explicit NetlinkMonitor(EventLog &log, NetlinkMonitorOptions options = {},
                            std::unique_ptr<RtnlConnector> connector = nullptr);
    ~NetlinkMonitor();
    NetlinkMonitor(const NetlinkMonitor &) = delete;
    NetlinkMonitor &operator=(const NetlinkMonitor &) = delete;

    // Subscribes now, so the error names the netns and the failing call. The netns's current
    // links and addresses are learnt silently, or reported as "present" when `reportExisting`
    // (for a netns that showed up mid-trace). Callable while running; safe from an EventLog
    // listener. The poll thread takes the netns over shortly after and logs a `log` event
    // "watching links in netns <label> (<path>)". An empty label means the path's file name.
    Status addNamespace(const std::string &path, const std::string &label = {},
                        bool reportExisting = false);
    void removeNamespace(const std::string &label);

    // Adds every netns that appears in `dir` (and those already there), labelled
    // `labelPrefix` + the first 12 characters of the file name, and drops the ones removed.
    // New ones have their existing links and addresses reported. The directory must exist.
    Status watchDirectory(const std::string &dir, const std::string &labelPrefix = "container ");

    Status start();
    void stop();

private:
    struct Watched
    {
        WatchedNetns netns;
        NetnsIdentity identity;
        std::unique_ptr<RtnlSubscription> subscription;
        bool reportExisting = false;
    };

    Result<Watched> open(const WatchedNetns &netns, bool reportExisting);
    void adoptPending();
    void adopt(Watched watched);
    void learn(Watched &watched, NetlinkEventBuilder::Origin origin);
    void onReadable(int fd);
    void tick();
    void checkPaths();
    void drop(const std::string &label, const std::string &why);
    std::optional<std::string> resolveNsid(const std::string &viewer, int nsid);
    void logNote(const std::string &netns, const std::string &text, const std::string &level);

    EventLog &m_log;
    NetlinkMonitorOptions m_options;
    std::unique_ptr<RtnlConnector> m_connector;
    NetnsDirectoryWatcher m_directories;
    WatchedNamespaces<Watched> m_namespaces;

    // The poll thread's own (the caller's while stopped).
    NetlinkEventBuilder m_builder;
    std::map<std::pair<std::string, std::string>, int> m_nsids; // (viewer, other) → nsid
    PollThread m_thread;
};

} // namespace flowlab
