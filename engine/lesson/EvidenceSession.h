#pragma once

// The live evidence sources a lesson run switches on and off: packet captures on the lesson's
// interfaces, and the kernel monitors (netlink, firewall rules, conntrack) on the lab's
// namespaces. The always-on sources (the Docker API and containerd taps, the syscall tracer)
// record into the event log without a session.

#include "tracer/base/Result.h"
#include "tracer/lesson/Lesson.h"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace flowlab {

class EvidenceSession
{
public:
    virtual ~EvidenceSession() = default;

    virtual Status start(const Lesson &lesson) = 0;
    // Between actions: pick up what appeared (a container's veth, its network namespace).
    virtual void refresh() = 0;
    // Stops the sources and appends the derived evidence (NAT pairs) to the log.
    virtual Status stop() = 0;
    // Interfaces, packet counts and drops, for the bundle's run record.
    virtual nlohmann::json stats() const = 0;
    // Writes capture.pcapng; `comments` maps a packet event's seq to its comment.
    virtual Status writePcapng(const std::string &path,
                               const std::map<std::uint64_t, std::string> &comments) const = 0;
};

} // namespace flowlab
