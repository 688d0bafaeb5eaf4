#pragma once

// One live capture: one interface in one network namespace, on its own thread. The thread joins
// the namespace first (a network namespace is per thread), then opens the interface with libpcap.
// Capture on veths or inside namespaces, not on a bridge (DESIGN.md, "Capture").

#include "tracer/base/Result.h"
#include "tracer/capture/PacketDecoder.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

struct pcap;
struct pcap_pkthdr;
using pcap_t = struct pcap;

namespace flowlab {

// What to capture on.
struct CaptureTarget
{
    std::string netns;       // "flowlab-client"; empty: the caller's own namespace
    std::string netnsPath;   // the nsfs file to join; empty: netnsPath(netns)
    std::string iface;       // "eth0"
    std::string description; // "client side, before DNAT"
    std::string filter;      // a BPF filter; empty captures everything

    // "flowlab-client/eth0", the pcapng if_name.
    std::string displayName() const { return netns.empty() ? iface : netns + "/" + iface; }
};

struct CaptureOptions
{
    std::uint32_t snapLength = 262144;
    int bufferBytes = 8 << 20; // room for a burst while the thread is busy
    // Off: a promiscuous port of a bridge sees, and duplicates, traffic for others.
    bool promiscuous = false;
    // Off by default, for bursts. In immediate mode libpcap uses TPACKET_V2, whose ring slots are
    // sized for the largest frame (64 KiB on a veth with offloads), so 8 MiB holds ~128 packets and
    // a burst of 5,000 datagrams lost 3,504 in tst_packet_capture. Without it, TPACKET_V3 packs
    // packets into blocks: the same buffer holds tens of thousands, and a packet waits at most
    // `timeoutMs` before it is delivered.
    bool immediate = false;
    int timeoutMs = 20; // pcap_set_timeout: how long a partly filled block waits
    int pollTimeoutMs = 100;
    // After stop is asked for, packets still arriving are taken until the interface has been
    // quiet this long (at least twice timeoutMs), for at most stopDrainMaxMs: a veth delivers in
    // softirq, after send returns, and a partly filled block is handed over only on its timeout.
    int stopQuietMs = 50;
    int stopDrainMaxMs = 1000;
};

// What a capture saw and lost. Drops are never hidden: every count is reported.
struct CaptureStats
{
    std::string interface;            // "flowlab-client/eth0"
    std::uint64_t packets = 0;        // delivered by libpcap
    std::uint64_t kernelReceived = 0; // pcap_stats ps_recv
    std::uint64_t kernelDropped = 0;  // ps_drop: the capture buffer was full
    // ps_ifdrop: libpcap counts it only in promiscuous mode, from sysfs, which shows the links of
    // the namespace it was mounted in: inside a lab netns, take it with caution.
    std::uint64_t interfaceDropped = 0;
    std::uint64_t storeDropped = 0; // the PacketStore was full
    std::string statsError;         // set when pcap_stats failed: the kernel counts are unknown
    std::string endError; // set when the capture ended before stop(), e.g. the link went away

    std::uint64_t drops() const { return kernelDropped + interfaceDropped + storeDropped; }
    // "flowlab-client/eth0: 12 packets, 0 dropped (kernel 0, interface 0, store 0)"
    std::string toString() const;
};

// A packet as libpcap hands it over; `data` is valid only during the sink call.
struct CapturedFrame
{
    LinkType linkType = LinkType::Ethernet;
    std::int64_t timestampNs = 0; // from the Unix epoch
    std::span<const std::uint8_t> data;
    std::uint32_t originalLength = 0;
};

class PacketCapture
{
public:
    // Called on the capture thread for every packet; returns false when the packet could not be
    // kept (counted as a store drop).
    using Sink = std::function<bool(const CapturedFrame &frame)>;

    PacketCapture(CaptureTarget target, CaptureOptions options, Sink sink);
    ~PacketCapture(); // stops
    PacketCapture(const PacketCapture &) = delete;
    PacketCapture &operator=(const PacketCapture &) = delete;

    // Starts the thread and returns once the handle is active and filtered, or failed:
    // "capturing on flowlab-client/eth9: No such device exists".
    Status start();
    // Takes what the kernel still holds, stops the thread and returns the counts.
    CaptureStats stop();

    const CaptureTarget &target() const { return m_target; }
    // Known once start() succeeded.
    LinkType linkType() const { return m_linkType; }
    std::uint32_t snapLength() const { return m_options.snapLength; }
    // pcap_activate's warnings (a positive result) and similar, for the log.
    const std::vector<std::string> &warnings() const { return m_warnings; }

private:
    void run(std::promise<Status> &started);
    Status open(pcap_t *&handle);
    void capture(pcap_t *handle);
    bool dispatchAvailable(pcap_t *handle, std::int64_t deadlineNs);
    static void onPacket(unsigned char *user, const pcap_pkthdr *header,
                         const unsigned char *bytes);

    CaptureTarget m_target;
    CaptureOptions m_options;
    Sink m_sink;
    LinkType m_linkType = LinkType::Ethernet;
    std::int64_t m_timestampUnitNs = 1; // what one unit of pcap_pkthdr's tv_usec is worth
    std::vector<std::string> m_warnings;
    std::thread m_thread;
    int m_stopFd = -1;
    std::atomic<bool> m_stopRequested{false};
    std::atomic<std::uint64_t> m_packets{0};
    std::atomic<std::uint64_t> m_storeDropped{0};
    CaptureStats m_stats;
    bool m_stopped = false;
};

} // namespace flowlab
