#pragma once

// One call of a CNI plugin, as flowlab-cni-tap saw it: containerd (libcni) runs a plugin with
// the operation in its environment (CNI_COMMAND=ADD, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME)
// and the network's configuration on stdin, and reads the result (the addresses, routes and
// interfaces it made) from the plugin's stdout. That exchange is the CNI protocol; the
// syscall tracer sees only the exec. Plain data and functions: tested without root.

#include "tracer/model/Event.h"

#include <map>
#include <string>

namespace flowlab::kube::cni {

struct CniInvocation
{
    std::string plugin;                         // "bridge"
    std::string node;                           // "flowlab-node1"
    std::map<std::string, std::string> cniEnv;  // the CNI_* variables it was given
    std::string config;                         // what it read on stdin
    std::string result;                         // what it wrote on stdout
    int exitCode = 0;
    std::int64_t startNs = 0; // CLOCK_MONOTONIC, as every evidence event
    std::int64_t endNs = 0;
};

// A "process" event (component "cni") naming the operation, the container and what came
// of it: "CNI ADD bridge for 5f2c…(eth0): 10.42.0.7/24 via 10.42.0.1".
Event cniEvidence(const CniInvocation &call);

} // namespace flowlab::kube::cni
