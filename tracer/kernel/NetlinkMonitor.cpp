#include "tracer/kernel/NetlinkMonitor.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>

namespace flowlab {

namespace {

constexpr unsigned kGroups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE;

struct SocketCloser
{
    void operator()(mnl_socket *socket) const { mnl_socket_close(socket); }
};
using MnlSocket = std::unique_ptr<mnl_socket, SocketCloser>;

class LinuxRtnlSubscription : public RtnlSubscription
{
public:
    LinuxRtnlSubscription(MnlSocket events, MnlSocket requests, UniqueFd netns, std::string label)
        : m_events(std::move(events))
        , m_requests(std::move(requests))
        , m_netns(std::move(netns))
        , m_label(std::move(label))
    {}

    int fd() const override { return mnl_socket_get_fd(m_events.get()); }
    int netnsFd() const override { return m_netns.get(); }

    Result<Batch> receive() override
    {
        Batch batch;
        auto overrun =
            receiveAvailable(fd(), "recv rtnetlink", [&](const char *data, std::size_t n) {
                auto messages = decodeRtnetlink(data, n);
                std::move(messages.begin(), messages.end(), std::back_inserter(batch.messages));
            });
        if (!overrun.ok())
            return overrun.error().withContext("link events in netns " + m_label);
        batch.overrun = *overrun;
        return batch;
    }

    Result<std::vector<RtnlMessage>> dump() override
    {
        auto links = request(RTM_GETLINK, AF_UNSPEC, sizeof(ifinfomsg), "RTM_GETLINK dump");
        if (!links.ok())
            return links.error();
        auto addresses = request(RTM_GETADDR, AF_INET, sizeof(ifaddrmsg), "RTM_GETADDR dump");
        if (!addresses.ok())
            return addresses.error();
        std::vector<RtnlMessage> all;
        for (auto &buffer : *links)
            for (auto &m : decodeRtnetlink(buffer.data(), buffer.size()))
                all.push_back(std::move(m));
        for (auto &buffer : *addresses)
            for (auto &m : decodeRtnetlink(buffer.data(), buffer.size()))
                all.push_back(std::move(m));
        return all;
    }

    Result<std::optional<int>> nsidOf(int otherNetnsFd) override
    {
        alignas(nlmsghdr) char buffer[MNL_SOCKET_BUFFER_SIZE];
        nlmsghdr *nlh = mnl_nlmsg_put_header(buffer);
        nlh->nlmsg_type = RTM_GETNSID;
        nlh->nlmsg_flags = NLM_F_REQUEST;
        nlh->nlmsg_seq = ++m_seq;
        auto *gen = static_cast<rtgenmsg *>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtgenmsg)));
        gen->rtgen_family = AF_UNSPEC;
        mnl_attr_put_u32(nlh, NETNSA_FD, std::uint32_t(otherNetnsFd));
        auto replies = exchange(nlh, "RTM_GETNSID");
        if (!replies.ok())
            return replies.error();
        for (auto &reply : *replies) {
            int left = int(reply.size());
            for (auto *m = reinterpret_cast<const nlmsghdr *>(reply.data()); mnl_nlmsg_ok(m, left);
                 m = mnl_nlmsg_next(m, &left)) {
                if (m->nlmsg_type != RTM_NEWNSID)
                    continue;
                std::optional<int> nsid;
                mnl_attr_parse(
                    m, sizeof(rtgenmsg),
                    [](const nlattr *attr, void *data) {
                        if (mnl_attr_get_type(attr) == NETNSA_NSID &&
                            mnl_attr_get_payload_len(attr) >= 4)
                            *static_cast<std::optional<int> *>(data) = int(mnl_attr_get_u32(attr));
                        return int(MNL_CB_OK);
                    },
                    &nsid);
                if (nsid && *nsid >= 0)
                    return std::optional<int>(*nsid);
                return std::optional<int>();
            }
        }
        return std::optional<int>();
    }

private:
    Result<std::vector<std::vector<char>>> request(std::uint16_t type, std::uint8_t family,
                                                   std::size_t headerSize, const char *what)
    {
        // A dump that raced with a change is flagged NLM_F_DUMP_INTR: take it again.
        for (int attempt = 0;; ++attempt) {
            alignas(nlmsghdr) char buffer[MNL_SOCKET_BUFFER_SIZE];
            nlmsghdr *nlh = mnl_nlmsg_put_header(buffer);
            nlh->nlmsg_type = type;
            nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
            nlh->nlmsg_seq = ++m_seq;
            // ifinfomsg and ifaddrmsg both start with their family byte.
            auto *header = static_cast<std::uint8_t *>(mnl_nlmsg_put_extra_header(nlh, headerSize));
            header[0] = family;
            bool interrupted = false;
            auto replies = exchange(nlh, what, &interrupted);
            if (!replies.ok() || !interrupted || attempt == 2)
                return replies;
        }
    }

    // Sends one request and reads replies until NLMSG_DONE, an error, or (not a dump) the reply.
    Result<std::vector<std::vector<char>>> exchange(nlmsghdr *request, const char *what,
                                                    bool *interrupted = nullptr)
    {
        const std::string context = std::string(what) + " in netns " + m_label;
        if (mnl_socket_sendto(m_requests.get(), request, request->nlmsg_len) < 0)
            return Error::fromErrno("mnl_socket_sendto").withContext(context);
        const bool isDump = request->nlmsg_flags & NLM_F_DUMP;
        const unsigned portid = mnl_socket_get_portid(m_requests.get());
        std::vector<std::vector<char>> replies;
        for (;;) {
            std::vector<char> buffer(32768); // the kernel's dump chunk fits
            const ssize_t n = mnl_socket_recvfrom(m_requests.get(), buffer.data(), buffer.size());
            if (n < 0)
                return Error::fromErrno("mnl_socket_recvfrom").withContext(context);
            buffer.resize(std::size_t(n));
            bool done = !isDump;
            int left = int(n);
            for (auto *m = reinterpret_cast<const nlmsghdr *>(buffer.data()); mnl_nlmsg_ok(m, left);
                 m = mnl_nlmsg_next(m, &left)) {
                if (m->nlmsg_seq != request->nlmsg_seq || m->nlmsg_pid != portid)
                    continue;
                if (m->nlmsg_flags & NLM_F_DUMP_INTR && interrupted)
                    *interrupted = true;
                if (m->nlmsg_type == NLMSG_DONE)
                    done = true;
                if (m->nlmsg_type == NLMSG_ERROR) {
                    const auto *err = static_cast<const nlmsgerr *>(mnl_nlmsg_get_payload(m));
                    if (err->error != 0)
                        return Error(what, -err->error).withContext("netns " + m_label);
                    done = true;
                }
            }
            replies.push_back(std::move(buffer));
            if (done)
                return replies;
        }
    }

    MnlSocket m_events;
    MnlSocket m_requests;
    UniqueFd m_netns;
    std::string m_label;
    unsigned m_seq = 0;
};

class LinuxRtnlConnector : public RtnlConnector
{
public:
    Result<std::unique_ptr<RtnlSubscription>> subscribe(const WatchedNetns &netns,
                                                        int netnsFd) override
    {
        MnlSocket events, requests;
        UniqueFd handle;
        std::optional<Error> failure;
        // The sockets belong to the netns of the thread that creates them.
        Status joined = runOnThreadInNetns(netnsFd, netns.label, [&] {
            // A handle on the netns that does not hold the path's mount busy.
            handle.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
            if (!handle.valid()) {
                failure = Error::fromErrno("open /proc/thread-self/ns/net");
                return;
            }
            events.reset(mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK));
            if (!events) {
                failure = Error::fromErrno("mnl_socket_open2(NETLINK_ROUTE)");
                return;
            }
            if (mnl_socket_bind(events.get(), kGroups, MNL_SOCKET_AUTOPID) < 0) {
                failure = Error::fromErrno(
                    "mnl_socket_bind(RTMGRP_LINK|RTMGRP_IPV4_IFADDR|RTMGRP_IPV4_ROUTE)");
                return;
            }
            requests.reset(mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC));
            if (!requests || mnl_socket_bind(requests.get(), 0, MNL_SOCKET_AUTOPID) < 0)
                failure = Error::fromErrno("mnl_socket_open2(NETLINK_ROUTE) for requests");
        });
        const std::string what = "subscribing to link events in netns " + netns.label;
        if (!joined.ok())
            return joined.error().withContext(what);
        if (failure)
            return failure->withContext(what);
        setReceiveBuffer(mnl_socket_get_fd(events.get()), 4 << 20);
        // A request must never hang the monitor thread.
        const timeval timeout{2, 0};
        ::setsockopt(mnl_socket_get_fd(requests.get()), SOL_SOCKET, SO_RCVTIMEO, &timeout,
                     sizeof timeout);
        return std::unique_ptr<RtnlSubscription>(std::make_unique<LinuxRtnlSubscription>(
            std::move(events), std::move(requests), std::move(handle), netns.label));
    }
};

} // namespace

std::unique_ptr<RtnlConnector> makeLinuxRtnlConnector()
{
    return std::make_unique<LinuxRtnlConnector>();
}

NetlinkMonitor::NetlinkMonitor(EventLog &log, NetlinkMonitorOptions options,
                               std::unique_ptr<RtnlConnector> connector)
    : m_log(log)
    , m_options(options)
    , m_connector(connector ? std::move(connector) : makeLinuxRtnlConnector())
    , m_builder([this](Event event) { return m_log.append(std::move(event)); },
                [this](const std::string &viewer, int nsid) { return resolveNsid(viewer, nsid); },
                NetlinkEventBuilder::Options{options.allRouteTables})
{}

NetlinkMonitor::~NetlinkMonitor()
{
    stop();
}

Result<NetlinkMonitor::Watched> NetlinkMonitor::open(const WatchedNetns &netns, bool reportExisting)
{
    const std::string what = "watching links of netns " + netns.label;
    auto pathFd = openNetns(netns.path);
    if (!pathFd.ok())
        return pathFd.error().withContext(what);
    auto identity = netnsIdentity(pathFd->get());
    if (!identity.ok())
        return identity.error().withContext(what);
    auto subscription = m_connector->subscribe(netns, pathFd->get());
    if (!subscription.ok())
        return subscription.error();
    return Watched{netns, *identity, std::move(subscription.value()), reportExisting};
}

Status NetlinkMonitor::addNamespace(const std::string &path, const std::string &label,
                                    bool reportExisting)
{
    auto watched = open({path, label.empty() ? defaultNetnsLabel(path) : label}, reportExisting);
    if (!watched.ok())
        return watched.error();
    m_namespaces.queueAdd(std::move(watched.value()));
    m_thread.wake();
    return success();
}

void NetlinkMonitor::removeNamespace(const std::string &label)
{
    m_namespaces.queueRemove(label);
    m_thread.wake();
}

Status NetlinkMonitor::watchDirectory(const std::string &dir, const std::string &labelPrefix)
{
    Status watching = m_directories.watch(dir, labelPrefix);
    m_thread.wake();
    return watching;
}

Status NetlinkMonitor::start()
{
    if (m_thread.running())
        return Error("NetlinkMonitor::start: already running");
    adoptPending();
    PollThread::Hooks hooks;
    hooks.fds = [this] {
        std::vector<int> fds = m_namespaces.fds();
        if (const int dirFd = m_directories.fd(); dirFd >= 0)
            fds.push_back(dirFd);
        return fds;
    };
    hooks.readable = [this](int fd) {
        if (fd == m_directories.fd())
            m_directories.onReadable();
        else
            onReadable(fd);
    };
    hooks.tick = [this] { tick(); };
    hooks.timeoutMs = [this] {
        const int retry = m_directories.retryInMs();
        return retry < 0 ? 1000 : retry;
    };
    return m_thread.start(std::move(hooks));
}

void NetlinkMonitor::stop()
{
    m_thread.stop();
}

void NetlinkMonitor::learn(Watched &watched, NetlinkEventBuilder::Origin origin)
{
    auto dumped = watched.subscription->dump();
    if (!dumped.ok()) {
        logNote(watched.netns.label, dumped.error().message(), "error");
        return;
    }
    for (const RtnlMessage &message : *dumped)
        m_builder.apply(watched.netns.label, message, origin);
}

void NetlinkMonitor::adopt(Watched watched)
{
    // Active before the dump, so that a link that moved in can be matched with its move.
    Watched &added = m_namespaces.active().emplace_back(std::move(watched));
    learn(added, added.reportExisting ? NetlinkEventBuilder::Origin::DumpReported
                                      : NetlinkEventBuilder::Origin::Dump);
    logNote(added.netns.label,
            "watching links in netns " + added.netns.label + " (" + added.netns.path + ")", "info");
}

void NetlinkMonitor::adoptPending()
{
    auto queued = m_namespaces.takeQueued();
    for (const auto &label : queued.removed)
        drop(label, "removed by the caller");
    for (auto &w : queued.added) {
        const std::string label = w.netns.label;
        if (m_namespaces.find(label))
            drop(label, "replaced by " + w.netns.path);
        adopt(std::move(w));
    }
}

void NetlinkMonitor::onReadable(int fd)
{
    Watched *watched = m_namespaces.findByFd(fd);
    if (!watched)
        return;
    const std::string label = watched->netns.label;
    auto batch = watched->subscription->receive();
    if (!batch.ok()) {
        drop(label, batch.error().message());
        return;
    }
    for (const RtnlMessage &message : batch->messages)
        m_builder.apply(label, message, NetlinkEventBuilder::Origin::Live);
    if (batch->overrun) {
        logNote(label,
                "link events lost in netns " + label +
                    " (socket buffer overrun); re-reading its links and addresses",
                "warning");
        // Read as live: whatever appeared during the gap is still reported.
        learn(*watched, NetlinkEventBuilder::Origin::Live);
    }
}

void NetlinkMonitor::tick()
{
    adoptPending();
    for (const std::string &label : m_directories.takeGone())
        drop(label, "its file was removed");
    for (auto &found : m_directories.takeReady()) {
        if (m_namespaces.find(found.netns.label))
            continue;
        // A netns that appears mid-trace may already hold what happened to it: report that.
        auto watched = open(found.netns, !found.existedBefore);
        if (!watched.ok()) {
            logNote(found.netns.label, watched.error().message(), "error");
            continue;
        }
        adopt(std::move(watched.value()));
    }
    checkPaths();
}

// Our sockets keep a netns alive after `ip netns del`; let go once the path names another netns
// or nothing, so a lab teardown really frees it.
void NetlinkMonitor::checkPaths()
{
    for (const auto &label : m_namespaces.stale())
        drop(label, "its path no longer names it");
}

void NetlinkMonitor::drop(const std::string &label, const std::string &why)
{
    if (!m_namespaces.erase(label))
        return;
    m_builder.forget(label);
    std::erase_if(m_nsids, [&](const auto &entry) {
        return entry.first.first == label || entry.first.second == label;
    });
    logNote(label, "stopped watching links in netns " + label + ": " + why, "info");
}

std::optional<std::string> NetlinkMonitor::resolveNsid(const std::string &viewer, int nsid)
{
    Watched *self = m_namespaces.find(viewer);
    if (!self)
        return std::nullopt;
    for (const Watched &other : m_namespaces.active()) {
        if (other.netns.label == viewer)
            continue;
        const auto key = std::make_pair(viewer, other.netns.label);
        auto cached = m_nsids.find(key);
        if (cached == m_nsids.end()) {
            // Ids are assigned lazily by the kernel and never change once given; cache hits only.
            auto asked = self->subscription->nsidOf(other.subscription->netnsFd());
            if (!asked.ok() || !asked->has_value())
                continue;
            cached = m_nsids.emplace(key, **asked).first;
        }
        if (cached->second == nsid)
            return other.netns.label;
    }
    return std::nullopt;
}

void NetlinkMonitor::logNote(const std::string &netns, const std::string &text,
                             const std::string &level)
{
    m_log.append(netnsNote("rtnetlink", netns, text, level));
}

} // namespace flowlab
