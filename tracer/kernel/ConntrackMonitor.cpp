#include "tracer/kernel/ConntrackMonitor.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace flowlab {

namespace {

struct ProtoName
{
    std::uint8_t number;
    const char *name;
    bool ports;
};

constexpr ProtoName kProtocols[] = {
    {IPPROTO_TCP, "tcp", true},         {IPPROTO_UDP, "udp", true},
    {IPPROTO_ICMP, "icmp", false},      {IPPROTO_ICMPV6, "ipv6-icmp", false},
    {IPPROTO_SCTP, "sctp", true},       {IPPROTO_DCCP, "dccp", true},
    {IPPROTO_UDPLITE, "udplite", true}, {IPPROTO_GRE, "gre", false},
};

// Indexed by TCP_CONNTRACK_*, named as `conntrack -E` prints them.
constexpr const char *kTcpStates[] = {"NONE",     "SYN_SENT",   "SYN_RECV", "ESTABLISHED",
                                      "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT",
                                      "CLOSE",    "SYN_SENT2"};

std::string tcpStateName(std::uint8_t state)
{
    if (state < std::size(kTcpStates))
        return kTcpStates[state];
    char text[48];
    std::snprintf(text, sizeof text, "0x%x /* TCP_CONNTRACK_??? */", state);
    return text;
}

std::string ipString(const nf_conntrack *ct, std::uint8_t family, nf_conntrack_attr v4,
                     nf_conntrack_attr v6)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (family == AF_INET && nfct_attr_is_set(ct, v4) > 0)
        ::inet_ntop(AF_INET, nfct_get_attr(ct, v4), text, sizeof text);
    else if (family == AF_INET6 && nfct_attr_is_set(ct, v6) > 0)
        ::inet_ntop(AF_INET6, nfct_get_attr(ct, v6), text, sizeof text);
    return text;
}

std::uint16_t port(const nf_conntrack *ct, nf_conntrack_attr attr)
{
    return nfct_attr_is_set(ct, attr) > 0 ? ntohs(nfct_get_attr_u16(ct, attr)) : 0;
}

ConntrackFlowEvent flowFrom(const nf_conntrack *ct, ConntrackEventType type)
{
    ConntrackFlowEvent flow;
    flow.type = type;
    const std::uint8_t family = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);
    const std::uint8_t l4 = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
    std::string proto = std::to_string(l4);
    bool ports = false;
    for (const auto &p : kProtocols) {
        if (p.number == l4) {
            proto = p.name;
            ports = p.ports;
        }
    }
    flow.orig.proto = flow.reply.proto = proto;
    flow.orig.src = ipString(ct, family, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC);
    flow.orig.dst = ipString(ct, family, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST);
    flow.reply.src = ipString(ct, family, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC);
    flow.reply.dst = ipString(ct, family, ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_DST);
    if (ports) {
        flow.orig.sport = port(ct, ATTR_ORIG_PORT_SRC);
        flow.orig.dport = port(ct, ATTR_ORIG_PORT_DST);
        flow.reply.sport = port(ct, ATTR_REPL_PORT_SRC);
        flow.reply.dport = port(ct, ATTR_REPL_PORT_DST);
    }
    if (l4 == IPPROTO_TCP && nfct_attr_is_set(ct, ATTR_TCP_STATE) > 0)
        flow.state = tcpStateName(nfct_get_attr_u8(ct, ATTR_TCP_STATE));
    if (nfct_attr_is_set(ct, ATTR_ID) > 0)
        flow.id = nfct_get_attr_u32(ct, ATTR_ID);
    if (nfct_attr_is_set(ct, ATTR_MARK) > 0)
        flow.mark = nfct_get_attr_u32(ct, ATTR_MARK);
    return flow;
}

struct HandleCloser
{
    void operator()(nfct_handle *h) const { nfct_close(h); }
};

class LinuxConntrackSubscription : public ConntrackSubscription
{
public:
    LinuxConntrackSubscription(std::unique_ptr<nfct_handle, HandleCloser> handle, std::string label)
        : m_handle(std::move(handle))
        , m_label(std::move(label))
    {}

    int fd() const override { return nfct_fd(m_handle.get()); }

    Result<Batch> receive() override
    {
        Batch batch;
        auto overrun =
            receiveAvailable(fd(), "recv ctnetlink",
                             [&](const char *data, std::size_t n) { decode(data, n, batch); });
        if (!overrun.ok())
            return overrun.error().withContext("conntrack events in netns " + m_label);
        batch.overrun = *overrun;
        return batch;
    }

private:
    void decode(const char *data, std::size_t length, Batch &batch)
    {
        int left = int(length);
        for (auto *nlh = reinterpret_cast<const nlmsghdr *>(data); mnl_nlmsg_ok(nlh, left);
             nlh = mnl_nlmsg_next(nlh, &left)) {
            if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_CTNETLINK)
                continue;
            const int message = nlh->nlmsg_type & 0xff;
            ConntrackEventType type;
            if (message == IPCTNL_MSG_CT_DELETE)
                type = ConntrackEventType::Destroy;
            else if (message != IPCTNL_MSG_CT_NEW)
                continue;
            else if (nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL))
                type = ConntrackEventType::New; // the kernel flags the event for a new entry
            else
                type = ConntrackEventType::Update;
            nf_conntrack *ct = nfct_new();
            if (!ct)
                continue;
            if (nfct_nlmsg_parse(nlh, ct) >= 0)
                batch.flows.push_back(flowFrom(ct, type));
            nfct_destroy(ct);
        }
    }

    std::unique_ptr<nfct_handle, HandleCloser> m_handle;
    std::string m_label;
};

class LinuxConntrackConnector : public ConntrackConnector
{
public:
    explicit LinuxConntrackConnector(int rcvbufBytes)
        : m_rcvbufBytes(rcvbufBytes)
    {}

    Result<std::unique_ptr<ConntrackSubscription>> subscribe(const WatchedNetns &netns) override
    {
        const std::string what = "subscribing to conntrack events in netns " + netns.label;
        auto nsFd = openNetns(netns.path);
        if (!nsFd.ok())
            return nsFd.error().withContext(what);
        nfct_handle *handle = nullptr;
        int openErrno = 0;
        Status joined = runOnThreadInNetns(nsFd->get(), netns.label, [&] {
            handle = nfct_open(CONNTRACK, NF_NETLINK_CONNTRACK_NEW | NF_NETLINK_CONNTRACK_UPDATE |
                                              NF_NETLINK_CONNTRACK_DESTROY);
            openErrno = errno;
        });
        if (!joined.ok())
            return joined.error().withContext(what);
        if (!handle)
            return Error("nfct_open(CONNTRACK, NEW|UPDATE|DESTROY)", openErrno).withContext(what);
        std::unique_ptr<nfct_handle, HandleCloser> owned(handle);
        const int fd = nfct_fd(handle);
        if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
            return Error::fromErrno("fcntl O_NONBLOCK on ctnetlink").withContext(what);
        setReceiveBuffer(fd, m_rcvbufBytes);
        return std::unique_ptr<ConntrackSubscription>(
            std::make_unique<LinuxConntrackSubscription>(std::move(owned), netns.label));
    }

private:
    int m_rcvbufBytes;
};

} // namespace

std::unique_ptr<ConntrackConnector> makeLinuxConntrackConnector(int rcvbufBytes)
{
    return std::make_unique<LinuxConntrackConnector>(rcvbufBytes);
}

ConntrackMonitor::ConntrackMonitor(EventLog &log, ConntrackMonitorOptions options,
                                   std::unique_ptr<ConntrackConnector> connector)
    : m_log(log)
    , m_options(options)
    , m_connector(connector ? std::move(connector) : makeLinuxConntrackConnector())
{}

ConntrackMonitor::~ConntrackMonitor()
{
    stop();
}

Status ConntrackMonitor::addNamespace(const std::string &path, const std::string &label)
{
    WatchedNetns netns{path, label.empty() ? defaultNetnsLabel(path) : label};
    auto identity = netnsIdentity(path);
    if (!identity.ok())
        return identity.error().withContext("subscribing to conntrack events in netns " +
                                            netns.label);
    auto subscription = m_connector->subscribe(netns);
    if (!subscription.ok())
        return subscription.error();
    m_namespaces.queueAdd({netns, *identity, std::move(subscription.value())});
    m_thread.wake();
    return success();
}

void ConntrackMonitor::removeNamespace(const std::string &label)
{
    m_namespaces.queueRemove(label);
    m_thread.wake();
}

Status ConntrackMonitor::start()
{
    if (m_thread.running())
        return Error("ConntrackMonitor::start: already running");
    adoptPending();
    PollThread::Hooks hooks;
    hooks.fds = [this] { return m_namespaces.fds(); };
    hooks.readable = [this](int fd) { onReadable(fd); };
    hooks.tick = [this] {
        adoptPending();
        checkPaths();
    };
    return m_thread.start(std::move(hooks));
}

void ConntrackMonitor::stop()
{
    m_thread.stop();
}

void ConntrackMonitor::adoptPending()
{
    auto queued = m_namespaces.takeQueued();
    for (auto &w : queued.added) {
        m_namespaces.erase(w.netns.label);
        m_namespaces.active().push_back(std::move(w));
    }
    for (const auto &label : queued.removed)
        m_namespaces.erase(label);
}

void ConntrackMonitor::logNote(const WatchedNetns &netns, const std::string &text,
                               const std::string &level)
{
    m_log.append(netnsNote("conntrack", netns.label, text, level));
}

void ConntrackMonitor::onReadable(int fd)
{
    Watched *watched = m_namespaces.findByFd(fd);
    if (!watched)
        return;
    const WatchedNetns netns = watched->netns;
    auto batch = watched->subscription->receive();
    if (!batch.ok()) {
        logNote(netns, batch.error().message() + "; no longer watching it", "error");
        m_namespaces.erase(netns.label);
        return;
    }
    if (batch->overrun)
        logNote(netns, "conntrack events lost in netns " + netns.label + " (socket buffer overrun)",
                "warning");
    for (ConntrackFlowEvent &flow : batch->flows) {
        if (m_options.natOnly && flow.nat() == NatKind::None)
            continue;
        if (!m_options.includeUpdates && flow.type == ConntrackEventType::Update)
            continue;
        flow.netns = netns.label;
        m_log.append(conntrackEvent(flow));
    }
}

// Our sockets keep a netns alive after `ip netns del`; let go once the path names another netns
// or nothing, so a lab teardown really frees it.
void ConntrackMonitor::checkPaths()
{
    for (const std::string &label : m_namespaces.stale()) {
        const WatchedNetns &netns = m_namespaces.find(label)->netns;
        logNote(netns,
                "stopped watching conntrack in netns " + label + ": " + netns.path +
                    " no longer names it",
                "info");
        m_namespaces.erase(label);
    }
}

} // namespace flowlab
