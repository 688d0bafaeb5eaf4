#include "engine/lesson/LabEvidenceSession.h"

#include "tracer/capture/CaptureSet.h"
#include "tracer/capture/NetnsLinks.h"
#include "tracer/kernel/ConntrackFlow.h"
#include "tracer/kernel/ConntrackMonitor.h"
#include "tracer/kernel/NatPairer.h"
#include "tracer/kernel/NetlinkMonitor.h"
#include "tracer/kernel/Netns.h"
#include "tracer/kernel/RuleMonitor.h"

#include <algorithm>
#include <filesystem>
#include <spdlog/spdlog.h>

namespace flowlab {

namespace {

// "veth*" takes every link whose name starts with "veth".
bool matchesPattern(const std::string &name, const std::string &pattern)
{
    if (!pattern.empty() && pattern.back() == '*')
        return name.rfind(pattern.substr(0, pattern.size() - 1), 0) == 0;
    return name == pattern;
}

} // namespace

LabEvidenceSession::LabEvidenceSession(EventLog &log, LabPaths paths)
    : m_log(log)
    , m_paths(std::move(paths))
{}

LabEvidenceSession::~LabEvidenceSession()
{
    if (m_captures || m_netlink)
        (void)stop();
}

Status LabEvidenceSession::start(const Lesson &lesson)
{
    m_firstSeq = m_log.size() + 1;
    CaptureSetOptions options;
    options.defaultFilter = lesson.capture.filter;
    if (lesson.capture.snapLength)
        options.capture.snapLength = lesson.capture.snapLength;
    // Image pulls arrive in bursts of 64 KiB segments; give the kernel room to queue them.
    options.capture.bufferBytes = 32 << 20;
    m_captures = std::make_unique<CaptureSet>(m_log, options);
    if (auto s = m_captures->start(); !s)
        return s;

    std::set<std::string> namespaces;
    for (const auto &spec : lesson.capture.interfaces) {
        namespaces.insert(spec.netns);
        if (spec.interface.find('*') != std::string::npos) {
            m_patterns.push_back(spec);
            continue;
        }
        auto id = m_captures->addInterface(spec.netns, spec.interface, spec.description);
        if (!id)
            return id.error();
        m_captured.insert(spec.netns + "/" + spec.interface);
    }
    addPatternInterfaces();
    m_namespaces.assign(namespaces.begin(), namespaces.end());

    m_netlink = std::make_unique<NetlinkMonitor>(m_log);
    m_rules = std::make_unique<RuleMonitor>(m_log);
    m_conntrack = std::make_unique<ConntrackMonitor>(m_log);
    for (const auto &netns : m_namespaces) {
        if (auto s = m_netlink->addNamespace(netnsPath(netns), netns); !s)
            return s;
        if (auto s = m_rules->addNamespace(netnsPath(netns), netns); !s)
            return s;
        if (auto s = m_conntrack->addNamespace(netnsPath(netns), netns); !s)
            return s;
    }
    // Each container's network namespace, bind-mounted by dockerd under its exec-root.
    const std::string containerNetns = m_paths.dockerExecRoot() + "/netns";
    std::error_code ec;
    if (std::filesystem::is_directory(containerNetns, ec))
        if (auto s = m_netlink->watchDirectory(containerNetns, "container "); !s)
            return s;
    for (auto *start : {+[](LabEvidenceSession *s) { return s->m_netlink->start(); },
                        +[](LabEvidenceSession *s) { return s->m_rules->start(); },
                        +[](LabEvidenceSession *s) { return s->m_conntrack->start(); }})
        if (auto s = start(this); !s)
            return s;
    // The rules as they were before the traffic, so the NAT rule is named by its counters.
    (void)m_rules->pollNow();
    for (const auto &netns : m_namespaces)
        m_rulesBefore[netns] = m_rules->latest(netns);
    return success();
}

void LabEvidenceSession::addPatternInterfaces()
{
    for (const auto &spec : m_patterns) {
        auto links = listLinks(netnsPath(spec.netns));
        if (!links) {
            spdlog::warn("listing links of {}: {}", spec.netns, links.error().message());
            continue;
        }
        for (const auto &link : *links) {
            const std::string key = spec.netns + "/" + link.name;
            // Bridges are never captured: see DESIGN.md, "Capture".
            if (!link.up || link.loopback || link.kind == "bridge" ||
                !matchesPattern(link.name, spec.interface) || m_captured.count(key))
                continue;
            auto id = m_captures->addInterface(spec.netns, link.name, spec.description);
            if (id)
                m_captured.insert(key);
            else
                spdlog::warn("{}", id.error().message());
        }
    }
}

void LabEvidenceSession::refresh()
{
    if (m_captures && m_captures->canAddInterface())
        addPatternInterfaces();
    if (m_rules)
        (void)m_rules->pollNow();
}

Status LabEvidenceSession::stop()
{
    if (!m_captures)
        return success();
    if (m_rules)
        (void)m_rules->pollNow();
    auto captureStats = m_captures->stop();
    if (m_netlink)
        m_netlink->stop();
    if (m_conntrack)
        m_conntrack->stop();
    if (m_rules)
        m_rules->stop();

    nlohmann::json interfaces = nlohmann::json::array();
    std::uint64_t packets = 0, dropped = 0;
    if (captureStats)
        for (const auto &stat : *captureStats) {
            interfaces.push_back(stat.toString());
            packets += stat.packets;
            dropped += stat.drops();
        }
    m_stats = {{"interfaces", interfaces}, {"packets", packets}, {"dropped", dropped}};
    appendNatPairs();
    m_netlink.reset();
    m_conntrack.reset();
    if (!captureStats)
        return captureStats.error();
    return success();
}

void LabEvidenceSession::appendNatPairs()
{
    NatPairer pairer;
    std::map<std::uint64_t, std::int64_t> packetTimes;
    for (const auto &event : m_log.snapshot()) {
        if (event.seq < m_firstSeq)
            continue;
        if (event.kind == EventKind::Conntrack) {
            pairer.addEvent(event);
            continue;
        }
        if (event.kind != EventKind::Packet || !event.attributes.contains("sport"))
            continue;
        const auto &a = event.attributes;
        PacketKey key;
        key.seq = event.seq;
        key.interface = a.value("interface", "");
        key.tuple = {a.value("proto", ""), a.value("src", ""), a.value("dst", ""),
                     std::uint16_t(a.value("sport", 0)), std::uint16_t(a.value("dport", 0))};
        if (a.contains("ip_id"))
            key.fingerprint = a["ip_id"].get<std::uint64_t>();
        packetTimes[event.seq] = event.monotonicNs;
        pairer.addPacket(key);
    }
    for (const auto &netns : m_namespaces)
        if (auto after = m_rules ? m_rules->latest(netns) : std::nullopt)
            pairer.setRuleSnapshots(netns, m_rulesBefore[netns], *after);

    int count = 0;
    for (const NatPair &pair : pairer.pairs()) {
        Event event;
        event.kind = EventKind::Conntrack;
        event.source = {"kernel", "", 0, ""};
        // Stamped with the packet it explains, so it falls in that action's window.
        event.monotonicNs = packetTimes[pair.beforePacketSeq];
        std::string changes;
        for (const auto &change : pair.changed)
            changes += (changes.empty() ? "" : ", ") + change.field + " " + change.before + " → " +
                       change.after;
        const std::string nat = pair.rules.empty() ? "nat" : pair.rules.front().target;
        event.summary = std::string(toString(pair.direction)) + " " + pair.beforeInterface + " → " +
                        pair.afterInterface + ": " + changes +
                        (pair.rules.empty() ? "" : " (" + pair.ruleText() + ")");
        nlohmann::json attrs = pair;
        attrs["nat_pair"] = true;
        attrs["nat"] = nat == "DNAT" ? "dnat" : nat == "SNAT" || nat == "MASQUERADE" ? "snat" : nat;
        event.attributes = attrs;
        event.links = {pair.conntrackSeq, pair.beforePacketSeq, pair.afterPacketSeq};
        m_log.append(std::move(event));
        ++count;
    }
    m_stats["nat_pairs"] = count;
}

nlohmann::json LabEvidenceSession::stats() const
{
    return m_stats;
}

Status LabEvidenceSession::writePcapng(const std::string &path,
                                       const std::map<std::uint64_t, std::string> &comments) const
{
    if (!m_captures)
        return Error("no capture was made");
    // Comments are keyed by event seq; the store is indexed by attrs.index.
    std::map<std::uint64_t, std::string> byIndex;
    for (const auto &event : m_log.snapshot())
        if (event.kind == EventKind::Packet)
            if (auto it = comments.find(event.seq); it != comments.end())
                byIndex[event.attributes.value("index", std::uint64_t(0))] = it->second;
    const std::vector<NameRecord> names = {
        {"192.168.56.2", "flowlab-client"},
        {"192.168.56.5", "flowlab-registry"},
        {"192.168.56.10", "flowlab-docker"},
        {"172.17.0.1", "docker0.flowlab-docker"},
    };
    return m_captures->writePcapng(
        path,
        [&byIndex](std::uint64_t index, const CapturedPacket &) {
            auto it = byIndex.find(index);
            return it == byIndex.end() ? std::string() : it->second;
        },
        names);
}

} // namespace flowlab
