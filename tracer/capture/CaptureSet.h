#pragma once

// A capture session: one PacketCapture per (netns, interface), all feeding one PacketStore and
// one EventLog. Every packet becomes a `packet` event whose attrs.index is its place in the
// store and in the exported pcapng. Interfaces can be added while running, e.g. a container's
// veth that appears mid-lesson.
//
//     CaptureSet captures(log);
//     captures.start();
//     captures.addInterface("flowlab-client", "eth0", "client side, before DNAT");
//     captures.addAllInterfaces("flowlab-docker"); // veths and eth0; not docker0, not lo
//     ... run the lesson ...
//     captures.stop();                             // stats and drops, also as log events
//     captures.writePcapng("capture.pcapng", commentForPacket, labNames);

#include "tracer/base/Result.h"
#include "tracer/capture/PacketCapture.h"
#include "tracer/capture/PacketStore.h"
#include "tracer/capture/PcapngWriter.h"
#include "tracer/model/EventLog.h"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab {

// Idle → Running → Stopped; a stopped session is not restarted (make a new one).
enum class CaptureState { Idle, Running, Stopped };

std::string_view toString(CaptureState state);
bool canTransition(CaptureState from, CaptureState to);

struct CaptureSetOptions
{
    CaptureOptions capture;
    PacketStore::Limits store;
    std::string defaultFilter;         // for interfaces added without a filter of their own
    std::string component = "network"; // the events' source.component
};

// Which links addAllInterfaces takes.
struct LinkSelection
{
    bool includeLoopback = false;
    // A bridge shows a packet after br_netfilter has NATed it, and duplicates traffic when
    // promiscuous (DESIGN.md, "Capture"); its ports are captured instead.
    bool skipBridges = true;
};

// One capture of the set, as exported: its pcapng interface id is its index.
struct CaptureInterfaceInfo
{
    std::uint32_t id = 0;
    CaptureTarget target;
    LinkType linkType = LinkType::Ethernet;
    std::uint32_t snapLength = 0;
};

class CaptureSet
{
public:
    explicit CaptureSet(EventLog &log, CaptureSetOptions options = {});
    ~CaptureSet(); // stops
    CaptureSet(const CaptureSet &) = delete;
    CaptureSet &operator=(const CaptureSet &) = delete;

    CaptureState state() const;
    bool canAddInterface() const { return state() == CaptureState::Running; }

    // Idle → Running.
    Status start();
    // Running: starts a capture and returns its interface id once it is active. A missing
    // interface fails with "capturing on flowlab-client/eth9: No such device exists".
    Result<std::uint32_t> addInterface(CaptureTarget target);
    Result<std::uint32_t> addInterface(const std::string &netns, const std::string &iface,
                                       const std::string &description = {});
    // Running: captures every link of `netns` that is up, as `selection` says; links already
    // captured are left alone. Returns the ids of the captures it started.
    Result<std::vector<std::uint32_t>> addAllInterfaces(const std::string &netns,
                                                        LinkSelection selection = {});
    // Running → Stopped: drains and stops every capture; returns the counts and logs them.
    Result<std::vector<CaptureStats>> stop();

    std::vector<CaptureInterfaceInfo> interfaces() const;
    std::vector<CaptureStats> stats() const; // filled by stop()
    const PacketStore &store() const { return m_store; }

    // The comment for the packet at `index`, e.g. "step 10: request, before DNAT (pair 3)";
    // empty for none.
    using CommentFn = std::function<std::string(std::uint64_t index, const CapturedPacket &)>;
    // Everything captured so far, one interface block per capture, packets in index order.
    Status writePcapng(const std::string &path, const CommentFn &comment = {},
                       const std::vector<NameRecord> &names = {}) const;

private:
    bool keepPacket(const CaptureTarget &target, std::uint32_t id, const CapturedFrame &frame);
    void logLine(const std::string &netns, const std::string &summary, nlohmann::json attributes);
    Status transition(CaptureState to);

    struct Capture
    {
        CaptureInterfaceInfo info;
        std::unique_ptr<PacketCapture> capture;
    };

    EventLog &m_log;
    const CaptureSetOptions m_options;
    PacketStore m_store;
    // Serialises start, addInterface and stop. Event listeners must not call those: stop() waits
    // for the capture threads that call the listeners.
    std::mutex m_changeMutex;
    // Guards the fields below, held briefly and never while logging; packets never take it.
    mutable std::mutex m_mutex;
    CaptureState m_state = CaptureState::Idle;
    std::vector<Capture> m_captures;
    std::vector<CaptureStats> m_stats;
};

} // namespace flowlab
