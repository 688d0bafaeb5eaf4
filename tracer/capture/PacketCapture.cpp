#include "tracer/capture/PacketCapture.h"

#include "tracer/capture/PcapSupport.h"
#include "tracer/kernel/Netns.h"

#include <algorithm>
#include <cerrno>
#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

namespace flowlab {

namespace {

std::int64_t monotonicNs()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return std::int64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// pcap_activate's result as text: the status name, then libpcap's own detail when it adds some.
std::string activateText(pcap_t *handle, int status)
{
    const std::string detail = pcap_geterr(handle);
    if (status == PCAP_ERROR || status == PCAP_WARNING)
        return detail.empty() ? pcap_statustostr(status) : detail;
    std::string text = pcap_statustostr(status);
    if (!detail.empty() && detail != text)
        text += " (" + detail + ")";
    return text;
}

} // namespace

std::string CaptureStats::toString() const
{
    std::string text =
        interface + ": " + std::to_string(packets) + " packets, " + std::to_string(drops()) +
        " dropped (kernel " + std::to_string(kernelDropped) + ", interface " +
        std::to_string(interfaceDropped) + ", store " + std::to_string(storeDropped) + ")";
    if (!statsError.empty())
        text += "; kernel counts unknown: " + statsError;
    if (!endError.empty())
        text += "; ended early: " + endError;
    return text;
}

PacketCapture::PacketCapture(CaptureTarget target, CaptureOptions options, Sink sink)
    : m_target(std::move(target))
    , m_options(options)
    , m_sink(std::move(sink))
{
    if (m_target.netnsPath.empty())
        m_target.netnsPath = netnsPath(m_target.netns);
    m_stats.interface = m_target.displayName();
}

PacketCapture::~PacketCapture()
{
    stop();
}

Status PacketCapture::start()
{
    if (m_thread.joinable() || m_stopped)
        return Error("capturing on " + m_target.displayName() + ": already started");
    m_stopFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_stopFd < 0)
        return Error::fromErrno("eventfd").withContext("capturing on " + m_target.displayName());
    std::promise<Status> started;
    std::future<Status> result = started.get_future();
    m_thread = std::thread([this, promise = std::move(started)]() mutable { run(promise); });
    Status status = result.get();
    if (!status) {
        m_thread.join();
        ::close(m_stopFd);
        m_stopFd = -1;
        m_stopped = true;
    }
    return status;
}

CaptureStats PacketCapture::stop()
{
    if (m_stopped || !m_thread.joinable())
        return m_stats;
    m_stopRequested = true;
    const std::uint64_t one = 1;
    if (::write(m_stopFd, &one, sizeof one) < 0) {
        // The flag alone still stops the loop within one poll timeout.
    }
    m_thread.join();
    ::close(m_stopFd);
    m_stopFd = -1;
    m_stopped = true;
    m_stats.packets = m_packets;
    m_stats.storeDropped = m_storeDropped;
    return m_stats;
}

void PacketCapture::run(std::promise<Status> &started)
{
    pcap_t *handle = nullptr;
    Status opened = open(handle);
    if (!opened) {
        if (handle)
            pcap_close(handle);
        started.set_value(opened.error().withContext("capturing on " + m_target.displayName()));
        return;
    }
    started.set_value(success());
    capture(handle);
    pcap_stat counts{};
    if (pcap_stats(handle, &counts) == 0) {
        m_stats.kernelReceived = counts.ps_recv;
        m_stats.kernelDropped = counts.ps_drop;
        m_stats.interfaceDropped = counts.ps_ifdrop;
    } else {
        m_stats.statsError = std::string("pcap_stats: ") + pcap_geterr(handle);
    }
    pcap_close(handle);
}

// Runs on the capture thread, which joins the namespace first: libpcap's socket and ioctls
// then all happen inside it.
Status PacketCapture::open(pcap_t *&handle)
{
    if (!m_target.netnsPath.empty()) {
        Status joined = enterNetns(m_target.netnsPath);
        if (!joined)
            return joined;
    }
    char errorBuffer[PCAP_ERRBUF_SIZE] = "";
    handle = pcap_create(m_target.iface.c_str(), errorBuffer);
    if (!handle)
        return Error(std::string("pcap_create: ") + errorBuffer);
    pcap_set_snaplen(handle, int(m_options.snapLength));
    pcap_set_promisc(handle, m_options.promiscuous ? 1 : 0);
    pcap_set_immediate_mode(handle, m_options.immediate ? 1 : 0);
    pcap_set_timeout(handle, m_options.timeoutMs);
    pcap_set_buffer_size(handle, m_options.bufferBytes);
    pcap_set_tstamp_precision(handle, PCAP_TSTAMP_PRECISION_NANO);
    const int status = pcap_activate(handle);
    if (status < 0)
        return Error(activateText(handle, status));
    if (status > 0)
        m_warnings.push_back("pcap_activate: " + activateText(handle, status));
    if (pcap_get_tstamp_precision(handle) != PCAP_TSTAMP_PRECISION_NANO) {
        m_timestampUnitNs = 1000;
        m_warnings.push_back("nanosecond timestamps are not available; using microseconds");
    }
    const int dlt = pcap_datalink(handle);
    // Most DLT_* values equal their LINKTYPE_*; the decoder says so if it cannot read one.
    m_linkType = linkTypeFromDlt(dlt).value_or(LinkType(dlt));
    if (!m_target.filter.empty()) {
        bpf_program program{};
        Status compiled = pcap_support::compileFilter(handle, m_target.filter, program);
        if (!compiled)
            return compiled;
        const int set = pcap_setfilter(handle, &program);
        pcap_freecode(&program);
        if (set != 0)
            return Error("pcap_setfilter \"" + m_target.filter + "\": " + pcap_geterr(handle));
    }
    if (pcap_setnonblock(handle, 1, errorBuffer) != 0)
        return Error(std::string("pcap_setnonblock: ") + errorBuffer);
    if (pcap_get_selectable_fd(handle) < 0)
        return Error("pcap_get_selectable_fd: no descriptor to poll");
    return success();
}

void PacketCapture::capture(pcap_t *handle)
{
    pollfd fds[2] = {{pcap_get_selectable_fd(handle), POLLIN, 0}, {m_stopFd, POLLIN, 0}};
    while (!m_stopRequested) {
        const int ready = ::poll(fds, 2, m_options.pollTimeoutMs);
        if (ready < 0 && errno != EINTR) {
            m_stats.endError = Error::fromErrno("poll").message();
            return;
        }
        if (!dispatchAvailable(handle, 0))
            return;
        if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
            // dispatch found nothing, yet the descriptor reports an error: the link is gone.
            m_stats.endError = "the capture descriptor reported an error (the link went away?)";
            return;
        }
    }
    // Stop was asked for: take what is still arriving until the interface is quiet.
    const std::int64_t deadline =
        monotonicNs() + std::int64_t(m_options.stopDrainMaxMs) * 1'000'000;
    const int quietMs = std::max(m_options.stopQuietMs, 2 * m_options.timeoutMs + 10);
    while (monotonicNs() < deadline) {
        pollfd pcapFd{fds[0].fd, POLLIN, 0};
        if (::poll(&pcapFd, 1, quietMs) <= 0)
            return;
        if (!dispatchAvailable(handle, deadline) || (pcapFd.revents & ~POLLIN) != 0)
            return;
    }
}

// Dispatches until libpcap has nothing more; false when the capture failed. Returns early
// when stop is asked for (deadline 0) or when the deadline passes, so a flood cannot hold the
// thread.
bool PacketCapture::dispatchAvailable(pcap_t *handle, std::int64_t deadlineNs)
{
    while (true) {
        const int count = pcap_dispatch(handle, -1, &PacketCapture::onPacket,
                                        reinterpret_cast<unsigned char *>(this));
        if (count == 0 || count == PCAP_ERROR_BREAK)
            return true;
        if (count < 0) {
            m_stats.endError = std::string("pcap_dispatch: ") + pcap_geterr(handle);
            return false;
        }
        if (deadlineNs == 0 ? m_stopRequested.load() : monotonicNs() >= deadlineNs)
            return true;
    }
}

void PacketCapture::onPacket(unsigned char *user, const pcap_pkthdr *header,
                             const unsigned char *bytes)
{
    auto *self = reinterpret_cast<PacketCapture *>(user);
    // With nanosecond precision, tv_usec holds nanoseconds.
    const std::int64_t timestampNs = std::int64_t(header->ts.tv_sec) * 1'000'000'000 +
                                     std::int64_t(header->ts.tv_usec) * self->m_timestampUnitNs;
    ++self->m_packets;
    const CapturedFrame frame{self->m_linkType, timestampNs,
                              std::span<const std::uint8_t>(bytes, header->caplen), header->len};
    if (!self->m_sink(frame))
        ++self->m_storeDropped;
}

} // namespace flowlab
