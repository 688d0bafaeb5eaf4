#pragma once

// Network namespaces and links: the one kernel area the lab topology is built from.
// LinuxNetworkOps drives iproute2; RecordingNetworkOps (tests) records intent and keeps a
// model of what exists, so lab bookkeeping can be tested without root.

#include "tracer/base/Result.h"

#include <string>
#include <vector>

namespace flowlab {

// One end of a veth pair: its name inside a namespace.
struct LinkEnd
{
    std::string netns;
    std::string name;
};

class NetworkOps
{
public:
    virtual ~NetworkOps() = default;

    virtual Status addNamespace(const std::string &netns) = 0;
    virtual Status deleteNamespace(const std::string &netns) = 0;
    virtual Result<std::vector<std::string>> listNamespaces() = 0;

    // Links are created directly inside their namespaces, so the host's root namespace
    // never sees them, not even for a moment.
    virtual Status addBridge(const std::string &netns, const std::string &name) = 0;
    virtual Status addVethPair(const LinkEnd &a, const LinkEnd &b) = 0;
    virtual Status setMaster(const std::string &netns, const std::string &link,
                             const std::string &bridge) = 0;
    virtual Status addAddress(const std::string &netns, const std::string &link,
                              const std::string &cidr) = 0;
    virtual Status setUp(const std::string &netns, const std::string &link) = 0;
    virtual Result<std::vector<std::string>> listLinks(const std::string &netns) = 0;
    // Whether `netns` already has `cidr` on `link` (for idempotent lab up).
    virtual Result<bool> hasAddress(const std::string &netns, const std::string &link,
                                    const std::string &cidr) = 0;
    // Routes `destination` (a CIDR) through gateway `via`, or straight out of `device` when
    // `via` is empty, replacing any route to it (`ip route replace`: idempotent).
    virtual Status replaceRoute(const std::string &netns, const std::string &destination,
                                const std::string &via, const std::string &device) = 0;
};

class LinuxNetworkOps final : public NetworkOps
{
public:
    Status addNamespace(const std::string &netns) override;
    Status deleteNamespace(const std::string &netns) override;
    Result<std::vector<std::string>> listNamespaces() override;
    Status addBridge(const std::string &netns, const std::string &name) override;
    Status addVethPair(const LinkEnd &a, const LinkEnd &b) override;
    Status setMaster(const std::string &netns, const std::string &link,
                     const std::string &bridge) override;
    Status addAddress(const std::string &netns, const std::string &link,
                      const std::string &cidr) override;
    Status setUp(const std::string &netns, const std::string &link) override;
    Result<std::vector<std::string>> listLinks(const std::string &netns) override;
    Result<bool> hasAddress(const std::string &netns, const std::string &link,
                            const std::string &cidr) override;
    Status replaceRoute(const std::string &netns, const std::string &destination,
                        const std::string &via, const std::string &device) override;
};

} // namespace flowlab
