#pragma once

// A NetworkOps for tests: keeps a model of namespaces, links and addresses, records every
// call as a line ("addVethPair flowlab-lab/veth-client flowlab-client/eth0"), refuses what
// the kernel would refuse (duplicates, missing namespaces), and can be told to fail.

#include "engine/sys/NetworkOps.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace flowlab {

class RecordingNetworkOps final : public NetworkOps
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

    // The next call whose recorded line starts with `prefix` fails with `message`.
    void failNext(const std::string &prefix, const std::string &message);

    const std::vector<std::string> &calls() const { return m_calls; }
    void clearCalls() { m_calls.clear(); }
    std::set<std::string> namespaces() const;
    std::set<std::string> links(const std::string &netns) const;
    std::string masterOf(const std::string &netns, const std::string &link) const;
    std::set<std::string> addresses(const std::string &netns, const std::string &link) const;
    bool isUp(const std::string &netns, const std::string &link) const;
    // destination → gateway ("dev IFACE" for a route straight out of a link)
    std::map<std::string, std::string> routes(const std::string &netns) const;

private:
    struct Link
    {
        std::string master;
        std::set<std::string> addresses;
        bool up = false;
        bool bridge = false;
        LinkEnd peer;
    };
    Status record(const std::string &line);
    Link *find(const std::string &netns, const std::string &link);

    std::vector<std::string> m_calls;
    std::map<std::string, std::map<std::string, Link>> m_namespaces;
    std::map<std::string, std::map<std::string, std::string>> m_routes;
    std::vector<std::pair<std::string, std::string>> m_failures;
};

} // namespace flowlab
