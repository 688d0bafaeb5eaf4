#pragma once

// The evidence a lesson run switches on in the lab: packet captures on the lesson's
// interfaces (a pattern such as "veth*" also takes links that appear mid-run), netlink, rule
// and conntrack monitors on those namespaces and on every container namespace Docker makes,
// and, at the end, NAT pairs: the packet before DNAT and the same packet after it, with the
// rule that rewrote it.

#include "engine/base/LabPaths.h"
#include "engine/lesson/EvidenceSession.h"
#include "tracer/kernel/RuleSnapshot.h"
#include "tracer/model/EventLog.h"

#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace flowlab {

class CaptureSet;
class NetlinkMonitor;
class RuleMonitor;
class ConntrackMonitor;

class LabEvidenceSession final : public EvidenceSession
{
public:
    LabEvidenceSession(EventLog &log, LabPaths paths);
    ~LabEvidenceSession() override;

    Status start(const Lesson &lesson) override;
    void refresh() override;
    Status stop() override;
    nlohmann::json stats() const override;
    Status writePcapng(const std::string &path,
                       const std::map<std::uint64_t, std::string> &comments) const override;

private:
    void addPatternInterfaces();
    void appendNatPairs();

    EventLog &m_log;
    LabPaths m_paths;
    std::uint64_t m_firstSeq = 0;
    std::vector<CaptureInterface> m_patterns;
    std::set<std::string> m_captured; // "netns/iface"
    std::vector<std::string> m_namespaces;
    std::map<std::string, std::optional<RuleSnapshot>> m_rulesBefore;
    std::unique_ptr<CaptureSet> m_captures;
    std::unique_ptr<NetlinkMonitor> m_netlink;
    std::unique_ptr<RuleMonitor> m_rules;
    std::unique_ptr<ConntrackMonitor> m_conntrack;
    nlohmann::json m_stats = nlohmann::json::object();
};

} // namespace flowlab
