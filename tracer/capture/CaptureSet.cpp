#include "tracer/capture/CaptureSet.h"

#include "tracer/capture/NetnsLinks.h"
#include "tracer/kernel/Netns.h"

#include <array>
#include <cstdio>
#include <map>
#include <spdlog/spdlog.h>
#include <time.h>
#include <utility>

namespace flowlab {

namespace {

constexpr std::array<std::pair<CaptureState, std::string_view>, 3> kStateNames{{
    {CaptureState::Idle, "idle"},
    {CaptureState::Running, "running"},
    {CaptureState::Stopped, "stopped"},
}};

// Idle → Stopped lets a session that never ran be closed.
constexpr std::array<std::pair<CaptureState, CaptureState>, 3> kTransitions{{
    {CaptureState::Idle, CaptureState::Running},
    {CaptureState::Running, CaptureState::Stopped},
    {CaptureState::Idle, CaptureState::Stopped},
}};

std::int64_t clockNs(clockid_t clock)
{
    timespec now{};
    clock_gettime(clock, &now);
    return std::int64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// The kernel stamps packets with the wall clock; events are ordered on CLOCK_MONOTONIC.
std::int64_t wallToMonotonic(std::int64_t wallNs)
{
    const std::int64_t monotonic = wallNs - (clockNs(CLOCK_REALTIME) - clockNs(CLOCK_MONOTONIC));
    return monotonic > 0 ? monotonic : 0;
}

nlohmann::json statsAttributes(const CaptureStats &stats)
{
    nlohmann::json j{
        {"interface", stats.interface},
        {"packets", stats.packets},
        {"drops", stats.drops()},
        {"kernel_received", stats.kernelReceived},
        {"kernel_dropped", stats.kernelDropped},
        {"interface_dropped", stats.interfaceDropped},
        {"store_dropped", stats.storeDropped},
    };
    if (!stats.statsError.empty())
        j["stats_error"] = stats.statsError;
    if (!stats.endError.empty())
        j["end_error"] = stats.endError;
    return j;
}

} // namespace

std::string_view toString(CaptureState state)
{
    for (const auto &[value, name] : kStateNames)
        if (value == state)
            return name;
    return "unknown";
}

bool canTransition(CaptureState from, CaptureState to)
{
    for (const auto &[a, b] : kTransitions)
        if (a == from && b == to)
            return true;
    return false;
}

CaptureSet::CaptureSet(EventLog &log, CaptureSetOptions options)
    : m_log(log)
    , m_options(std::move(options))
    , m_store(m_options.store)
{}

CaptureSet::~CaptureSet()
{
    if (state() == CaptureState::Running)
        (void)stop();
}

CaptureState CaptureSet::state() const
{
    std::lock_guard lock(m_mutex);
    return m_state;
}

// Called with m_changeMutex held; logs the transition outside m_mutex.
Status CaptureSet::transition(CaptureState to)
{
    CaptureState from;
    {
        std::lock_guard lock(m_mutex);
        from = m_state;
        if (!canTransition(from, to))
            return Error("capture session: cannot go from " + std::string(toString(from)) + " to " +
                         std::string(toString(to)));
        m_state = to;
    }
    logLine({}, "capture session " + std::string(toString(to)),
            {{"from", toString(from)}, {"to", toString(to)}});
    return success();
}

Status CaptureSet::start()
{
    std::lock_guard change(m_changeMutex);
    return transition(CaptureState::Running);
}

Result<std::uint32_t> CaptureSet::addInterface(const std::string &netns, const std::string &iface,
                                               const std::string &description)
{
    CaptureTarget target;
    target.netns = netns;
    target.iface = iface;
    target.description = description;
    return addInterface(std::move(target));
}

Result<std::uint32_t> CaptureSet::addInterface(CaptureTarget target)
{
    std::lock_guard change(m_changeMutex);
    const std::string name = target.displayName();
    if (const CaptureState current = state(); current != CaptureState::Running)
        return Error("capturing on " + name + ": the capture session is " +
                     std::string(toString(current)) + ", not running");
    for (const CaptureInterfaceInfo &existing : interfaces())
        if (existing.target.displayName() == name)
            return Error("capturing on " + name + ": already captured as interface " +
                         std::to_string(existing.id));
    if (target.filter.empty())
        target.filter = m_options.defaultFilter;

    const auto id = std::uint32_t(interfaces().size());
    auto capture = std::make_unique<PacketCapture>(
        target, m_options.capture,
        [this, target, id](const CapturedFrame &frame) { return keepPacket(target, id, frame); });
    Status started = capture->start();
    if (!started)
        return started.error();

    CaptureInterfaceInfo info{id, capture->target(), capture->linkType(), capture->snapLength()};
    for (const std::string &warning : capture->warnings()) {
        spdlog::warn("capturing on {}: {}", name, warning);
        logLine(target.netns, "capturing on " + name + ": " + warning,
                {{"interface", name}, {"warning", warning}});
    }
    nlohmann::json attributes{{"interface", name},
                              {"interface_id", id},
                              {"netns", target.netns},
                              {"iface", target.iface},
                              {"link_type", toString(info.linkType)}};
    if (!target.description.empty())
        attributes["description"] = target.description;
    if (!target.filter.empty())
        attributes["filter"] = target.filter;
    {
        std::lock_guard lock(m_mutex);
        m_captures.push_back({std::move(info), std::move(capture)});
    }
    logLine(target.netns, "capturing on " + name, attributes);
    return id;
}

Result<std::vector<std::uint32_t>> CaptureSet::addAllInterfaces(const std::string &netns,
                                                                LinkSelection selection)
{
    if (state() != CaptureState::Running)
        return Error("capturing on all links of " + netns + ": the capture session is " +
                     std::string(toString(state())) + ", not running");
    Result<std::vector<NetnsLink>> links = listLinks(netnsPath(netns));
    if (!links)
        return links.error().withContext("capturing on all links of " + netns);
    std::map<int, std::string> names;
    for (const NetnsLink &link : *links)
        names[link.index] = link.name;

    std::vector<std::uint32_t> ids;
    for (const NetnsLink &link : *links) {
        const std::string name = netns + "/" + link.name;
        std::string skipped;
        if (link.loopback && !selection.includeLoopback)
            skipped = "loopback";
        else if (link.kind == "bridge" && selection.skipBridges)
            skipped = "a bridge: its ports are captured instead";
        else if (!link.up)
            skipped = "down";
        if (!skipped.empty()) {
            logLine(netns, "not capturing on " + name + ": " + skipped,
                    {{"interface", name}, {"skipped", skipped}});
            continue;
        }
        bool captured = false;
        for (const CaptureInterfaceInfo &info : interfaces())
            captured = captured || info.target.displayName() == name;
        if (captured)
            continue;
        CaptureTarget target;
        target.netns = netns;
        target.iface = link.name;
        target.description = link.kind.empty() ? "" : link.kind;
        if (link.masterIndex != 0 && names.count(link.masterIndex))
            target.description += " on bridge " + names[link.masterIndex];
        Result<std::uint32_t> id = addInterface(std::move(target));
        if (id) {
            ids.push_back(*id);
        } else {
            // A link can vanish between the listing and the capture; say so and go on.
            spdlog::warn("{}", id.error().message());
            logLine(netns, id.error().message(),
                    {{"interface", name}, {"error", id.error().message()}});
        }
    }
    return ids;
}

Result<std::vector<CaptureStats>> CaptureSet::stop()
{
    std::lock_guard change(m_changeMutex);
    if (const CaptureState current = state(); !canTransition(current, CaptureState::Stopped))
        return Error("stopping captures: the capture session is " + std::string(toString(current)));
    // Captures are only added under m_changeMutex, and never removed: the pointers stay valid,
    // and m_mutex is not held while capture threads drain (their events reach listeners).
    std::vector<std::pair<std::string, PacketCapture *>> captures;
    {
        std::lock_guard lock(m_mutex);
        for (Capture &capture : m_captures)
            captures.emplace_back(capture.info.target.netns, capture.capture.get());
    }
    std::vector<CaptureStats> all;
    for (const auto &[netns, capture] : captures) {
        CaptureStats stats = capture->stop();
        if (stats.drops() > 0 || !stats.statsError.empty() || !stats.endError.empty())
            spdlog::warn("capture {}", stats.toString());
        logLine(netns, "capture " + stats.toString(), statsAttributes(stats));
        all.push_back(std::move(stats));
    }
    {
        std::lock_guard lock(m_mutex);
        m_stats = all;
    }
    Status stopped = transition(CaptureState::Stopped);
    if (!stopped)
        return stopped.error();
    return all;
}

std::vector<CaptureInterfaceInfo> CaptureSet::interfaces() const
{
    std::lock_guard lock(m_mutex);
    std::vector<CaptureInterfaceInfo> infos;
    for (const Capture &capture : m_captures)
        infos.push_back(capture.info);
    return infos;
}

std::vector<CaptureStats> CaptureSet::stats() const
{
    std::lock_guard lock(m_mutex);
    return m_stats;
}

// On a capture thread, for every packet.
bool CaptureSet::keepPacket(const CaptureTarget &target, std::uint32_t id,
                            const CapturedFrame &frame)
{
    std::optional<std::uint64_t> index = m_store.add(
        {id, frame.timestampNs, frame.originalLength, {frame.data.begin(), frame.data.end()}});
    if (!index)
        return false;
    const DecodedPacket decoded = decodePacket(frame.linkType, frame.data);
    Event event;
    event.kind = EventKind::Packet;
    event.monotonicNs = wallToMonotonic(frame.timestampNs);
    event.source = {m_options.component, target.netns, 0, target.netns};
    event.summary = decoded.summary();
    nlohmann::json attributes{
        {"index", *index},
        {"frame", *index + 1}, // Wireshark's frame number
        {"interface", target.displayName()},
        {"interface_id", id},
        {"netns", target.netns},
        {"iface", target.iface},
        {"ts_ns", frame.timestampNs},
        {"len", frame.originalLength},
        {"caplen", frame.data.size()},
    };
    attributes.update(decoded.attributes());
    event.attributes = std::move(attributes);
    m_log.append(std::move(event));
    return true;
}

void CaptureSet::logLine(const std::string &netns, const std::string &summary,
                         nlohmann::json attributes)
{
    Event event;
    event.kind = EventKind::Log;
    event.source = {m_options.component, netns, 0, netns};
    event.summary = summary;
    event.attributes = std::move(attributes);
    m_log.append(std::move(event));
}

Status CaptureSet::writePcapng(const std::string &path, const CommentFn &comment,
                               const std::vector<NameRecord> &names) const
{
    // Size first: every packet below it came from an interface that interfaces() then lists.
    const std::size_t count = m_store.size();
    const std::vector<CaptureInterfaceInfo> infos = interfaces();
    const std::string temporary = path + ".partial";
    PcapngWriter writer;
    Status status = writer.open(temporary);
    for (const NameRecord &record : names)
        if (status)
            status = writer.addNameRecord(record.address, record.name);
    for (const CaptureInterfaceInfo &info : infos)
        writer.addInterface({info.target.displayName(), info.target.description, info.linkType,
                             info.snapLength, info.target.filter});
    for (std::uint64_t index = 0; status && index < count; ++index) {
        // A copy per packet: the comment function may look at the store itself.
        const std::optional<CapturedPacket> packet = m_store.at(index);
        if (!packet)
            break;
        const std::string text = comment ? comment(index, *packet) : std::string();
        status = writer.addPacket(packet->interfaceId, packet->timestampNs, packet->data,
                                  packet->originalLength, text);
    }
    Status closed = writer.close();
    if (status && !closed)
        status = closed;
    if (status && std::rename(temporary.c_str(), path.c_str()) != 0)
        status = Error::fromErrno("rename " + temporary + " to " + path);
    if (!status)
        std::remove(temporary.c_str());
    return std::move(status).context("writing " + path);
}

} // namespace flowlab
