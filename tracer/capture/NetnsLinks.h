#pragma once

// The network-namespace side of capture: joining a namespace from one thread, and listing the
// links a namespace holds.

#include "tracer/base/Result.h"

#include <string>
#include <vector>

namespace flowlab {

struct NetnsLink
{
    int index = 0;
    std::string name;
    std::string kind; // IFLA_INFO_KIND: "veth", "bridge", ...; empty for loopback and physical
    bool up = false;
    bool loopback = false;
    int masterIndex = 0; // the bridge a port is attached to, 0 if none
};

// The nsfs path for a netns name: "/run/netns/<name>"; a name that already is a path
// ("/proc/123/ns/net") is returned as it is.
std::string netnsPath(const std::string &netns);

// Moves the calling thread, and only it, into the network namespace at `path` (any nsfs path).
Status enterNetns(const std::string &path);

// The links of the namespace at `path` (empty: the caller's own), over rtnetlink. Not from
// /sys/class/net: sysfs shows the namespace it was mounted in, whatever the thread joined.
Result<std::vector<NetnsLink>> listLinks(const std::string &path);

} // namespace flowlab
