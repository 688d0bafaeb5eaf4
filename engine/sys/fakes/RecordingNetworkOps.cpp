#include "engine/sys/fakes/RecordingNetworkOps.h"

#include <algorithm>
#include <cerrno>

namespace flowlab {

Status RecordingNetworkOps::record(const std::string &line)
{
    m_calls.push_back(line);
    for (auto it = m_failures.begin(); it != m_failures.end(); ++it) {
        if (line.rfind(it->first, 0) == 0) {
            Error error(line + ": " + it->second);
            m_failures.erase(it);
            return error;
        }
    }
    return success();
}

void RecordingNetworkOps::failNext(const std::string &prefix, const std::string &message)
{
    m_failures.emplace_back(prefix, message);
}

RecordingNetworkOps::Link *RecordingNetworkOps::find(const std::string &netns,
                                                     const std::string &link)
{
    auto ns = m_namespaces.find(netns);
    if (ns == m_namespaces.end())
        return nullptr;
    auto it = ns->second.find(link);
    return it == ns->second.end() ? nullptr : &it->second;
}

Status RecordingNetworkOps::addNamespace(const std::string &netns)
{
    if (auto s = record("addNamespace " + netns); !s)
        return s;
    if (m_namespaces.count(netns))
        return Error("ip netns add " + netns, EEXIST);
    m_namespaces[netns]["lo"] = Link{};
    return success();
}

Status RecordingNetworkOps::deleteNamespace(const std::string &netns)
{
    if (auto s = record("deleteNamespace " + netns); !s)
        return s;
    auto it = m_namespaces.find(netns);
    if (it == m_namespaces.end())
        return Error("ip netns delete " + netns, ENOENT);
    // As in the kernel: a veth dies with its namespace, and takes its peer with it.
    for (const auto &[name, link] : it->second)
        if (!link.peer.netns.empty() && link.peer.netns != netns)
            if (auto peerNs = m_namespaces.find(link.peer.netns); peerNs != m_namespaces.end())
                peerNs->second.erase(link.peer.name);
    m_namespaces.erase(it);
    m_routes.erase(netns);
    return success();
}

Result<std::vector<std::string>> RecordingNetworkOps::listNamespaces()
{
    std::vector<std::string> names;
    for (const auto &[name, links] : m_namespaces)
        names.push_back(name);
    return names;
}

Status RecordingNetworkOps::addBridge(const std::string &netns, const std::string &name)
{
    if (auto s = record("addBridge " + netns + "/" + name); !s)
        return s;
    if (!m_namespaces.count(netns))
        return Error("ip -n " + netns + " link add " + name, ENOENT);
    if (find(netns, name))
        return Error("ip -n " + netns + " link add " + name, EEXIST);
    m_namespaces[netns][name] = Link{.bridge = true};
    return success();
}

Status RecordingNetworkOps::addVethPair(const LinkEnd &a, const LinkEnd &b)
{
    if (auto s = record("addVethPair " + a.netns + "/" + a.name + " " + b.netns + "/" + b.name); !s)
        return s;
    if (!m_namespaces.count(a.netns) || !m_namespaces.count(b.netns))
        return Error("ip link add " + a.name, ENOENT);
    if (find(a.netns, a.name) || find(b.netns, b.name))
        return Error("ip link add " + a.name, EEXIST);
    m_namespaces[a.netns][a.name] = Link{.peer = b};
    m_namespaces[b.netns][b.name] = Link{.peer = a};
    return success();
}

Status RecordingNetworkOps::setMaster(const std::string &netns, const std::string &link,
                                      const std::string &bridge)
{
    if (auto s = record("setMaster " + netns + "/" + link + " " + bridge); !s)
        return s;
    Link *l = find(netns, link);
    Link *b = find(netns, bridge);
    if (!l || !b || !b->bridge)
        return Error("ip link set " + link + " master " + bridge, ENODEV);
    l->master = bridge;
    return success();
}

Status RecordingNetworkOps::addAddress(const std::string &netns, const std::string &link,
                                       const std::string &cidr)
{
    if (auto s = record("addAddress " + netns + "/" + link + " " + cidr); !s)
        return s;
    Link *l = find(netns, link);
    if (!l)
        return Error("ip addr add " + cidr + " dev " + link, ENODEV);
    if (!l->addresses.insert(cidr).second)
        return Error("ip addr add " + cidr + " dev " + link, EEXIST);
    return success();
}

Status RecordingNetworkOps::setUp(const std::string &netns, const std::string &link)
{
    if (auto s = record("setUp " + netns + "/" + link); !s)
        return s;
    Link *l = find(netns, link);
    if (!l)
        return Error("ip link set " + link + " up", ENODEV);
    l->up = true;
    return success();
}

Result<std::vector<std::string>> RecordingNetworkOps::listLinks(const std::string &netns)
{
    auto ns = m_namespaces.find(netns);
    if (ns == m_namespaces.end())
        return Error("ip -n " + netns + " link show", ENOENT);
    std::vector<std::string> names;
    for (const auto &[name, link] : ns->second)
        names.push_back(name);
    return names;
}

Result<bool> RecordingNetworkOps::hasAddress(const std::string &netns, const std::string &link,
                                             const std::string &cidr)
{
    Link *l = find(netns, link);
    if (!l)
        return Error("ip addr show dev " + link, ENODEV);
    return l->addresses.count(cidr) > 0;
}

std::set<std::string> RecordingNetworkOps::namespaces() const
{
    std::set<std::string> names;
    for (const auto &[name, links] : m_namespaces)
        names.insert(name);
    return names;
}

std::set<std::string> RecordingNetworkOps::links(const std::string &netns) const
{
    std::set<std::string> names;
    if (auto ns = m_namespaces.find(netns); ns != m_namespaces.end())
        for (const auto &[name, link] : ns->second)
            names.insert(name);
    return names;
}

std::string RecordingNetworkOps::masterOf(const std::string &netns, const std::string &link) const
{
    auto ns = m_namespaces.find(netns);
    if (ns == m_namespaces.end() || !ns->second.count(link))
        return {};
    return ns->second.at(link).master;
}

std::set<std::string> RecordingNetworkOps::addresses(const std::string &netns,
                                                     const std::string &link) const
{
    auto ns = m_namespaces.find(netns);
    if (ns == m_namespaces.end() || !ns->second.count(link))
        return {};
    return ns->second.at(link).addresses;
}

Status RecordingNetworkOps::replaceRoute(const std::string &netns, const std::string &destination,
                                         const std::string &via, const std::string &device)
{
    const std::string target = via.empty() ? "dev " + device : "via " + via;
    if (auto s = record("replaceRoute " + netns + " " + destination + " " + target); !s)
        return s;
    if (!m_namespaces.count(netns))
        return Error("ip route replace " + destination, ENOENT);
    if (via.empty()) {
        if (!find(netns, device))
            return Error("ip route replace " + destination + " dev " + device, ENODEV);
    } else {
        // As the kernel: a gateway must be reachable on a link that is up and addressed.
        const bool reachable = std::any_of(
            m_namespaces[netns].begin(), m_namespaces[netns].end(),
            [](const auto &entry) { return entry.second.up && !entry.second.addresses.empty(); });
        if (!reachable)
            return Error("ip route replace " + destination + " via " + via +
                             ": Nexthop has invalid gateway",
                         ENETUNREACH);
    }
    m_routes[netns][destination] = target;
    return success();
}

std::map<std::string, std::string> RecordingNetworkOps::routes(const std::string &netns) const
{
    auto it = m_routes.find(netns);
    return it == m_routes.end() ? std::map<std::string, std::string>{} : it->second;
}

bool RecordingNetworkOps::isUp(const std::string &netns, const std::string &link) const
{
    auto ns = m_namespaces.find(netns);
    return ns != m_namespaces.end() && ns->second.count(link) && ns->second.at(link).up;
}

} // namespace flowlab
