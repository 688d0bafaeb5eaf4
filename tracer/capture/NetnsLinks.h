#pragma once

// The links a network namespace holds, for choosing capture interfaces. Joining a namespace is
// tracer/kernel/Netns's (the one place that calls setns for a thread).

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

// The links of the namespace at `path` (empty: the caller's own), over rtnetlink. Not from
// /sys/class/net: sysfs shows the namespace it was mounted in, whatever the thread joined.
Result<std::vector<NetnsLink>> listLinks(const std::string &path);

} // namespace flowlab
