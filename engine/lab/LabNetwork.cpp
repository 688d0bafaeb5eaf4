#include "engine/lab/LabNetwork.h"

#include <algorithm>

namespace flowlab {

namespace {

bool contains(const std::vector<std::string> &names, const std::string &name)
{
    return std::find(names.begin(), names.end(), name) != names.end();
}

} // namespace

Status LabNetwork::ensureNamespace(const std::string &netns, LabState &state,
                                   const std::function<Status()> &saveState,
                                   const ProgressFn &progress)
{
    auto existing = m_ops.listNamespaces();
    if (!existing)
        return existing.error();
    if (contains(*existing, netns))
        return success();
    state.addNamespace(netns);
    if (auto saved = saveState(); !saved)
        return saved;
    progress("creating network namespace " + netns);
    if (auto s = m_ops.addNamespace(netns); !s)
        return s;
    return m_ops.setUp(netns, "lo");
}

Status LabNetwork::ensureHostLink(const LabHost &host, const ProgressFn &progress)
{
    auto switchLinks = m_ops.listLinks(m_topology.switchNetns);
    if (!switchLinks)
        return switchLinks.error();
    if (!contains(*switchLinks, host.switchPort)) {
        progress("wiring " + host.netns + " to " + m_topology.bridge + " (" + host.switchPort +
                 " <-> " + host.interface + ")");
        if (auto s = m_ops.addVethPair({m_topology.switchNetns, host.switchPort},
                                       {host.netns, host.interface});
            !s)
            return s;
    }
    if (auto s = m_ops.setMaster(m_topology.switchNetns, host.switchPort, m_topology.bridge); !s)
        return s;
    if (auto s = m_ops.setUp(m_topology.switchNetns, host.switchPort); !s)
        return s;
    auto has = m_ops.hasAddress(host.netns, host.interface, host.address);
    if (!has)
        return has.error();
    if (!*has) {
        progress("addressing " + host.netns + " " + host.interface + " " + host.address);
        if (auto s = m_ops.addAddress(host.netns, host.interface, host.address); !s)
            return s;
    }
    if (auto s = m_ops.setUp(host.netns, host.interface); !s)
        return s;
    for (const LabRoute &route : host.routes) {
        progress("routing " + route.destination + " " +
                 (route.via.empty() ? "out of " + host.interface : "via " + route.via) + " in " +
                 host.netns);
        if (auto s = m_ops.replaceRoute(host.netns, route.destination, route.via, host.interface);
            !s)
            return s;
    }
    return success();
}

Status LabNetwork::build(LabState &state, const std::function<Status()> &saveState,
                         const ProgressFn &progressOrNone)
{
    const ProgressFn progress = progressOrNone ? progressOrNone : [](const std::string &) {};
    for (const auto &netns : m_topology.namespaces())
        if (auto s = ensureNamespace(netns, state, saveState, progress); !s)
            return std::move(s).context("creating network namespace " + netns);

    auto switchLinks = m_ops.listLinks(m_topology.switchNetns);
    if (!switchLinks)
        return switchLinks.error();
    if (!contains(*switchLinks, m_topology.bridge)) {
        progress("creating bridge " + m_topology.bridge + " in " + m_topology.switchNetns);
        if (auto s = m_ops.addBridge(m_topology.switchNetns, m_topology.bridge); !s)
            return std::move(s).context("creating bridge " + m_topology.bridge);
    }
    if (auto s = m_ops.setUp(m_topology.switchNetns, m_topology.bridge); !s)
        return s;

    for (const auto &host : m_topology.hosts)
        if (auto s = ensureHostLink(host, progress); !s)
            return std::move(s).context("connecting " + host.netns);
    return success();
}

} // namespace flowlab
