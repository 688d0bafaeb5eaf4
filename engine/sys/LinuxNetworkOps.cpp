#include "engine/sys/Command.h"
#include "engine/sys/NetworkOps.h"

#include <nlohmann/json.hpp>

namespace flowlab {

namespace {

std::vector<std::string> ipIn(const std::string &netns, std::vector<std::string> args)
{
    std::vector<std::string> argv{"ip"};
    if (!netns.empty()) {
        argv.push_back("-n");
        argv.push_back(netns);
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

Status runIp(const std::string &netns, std::vector<std::string> args)
{
    auto result = runChecked(ipIn(netns, std::move(args)));
    if (!result)
        return result.error();
    return success();
}

} // namespace

Status LinuxNetworkOps::addNamespace(const std::string &netns)
{
    return runIp("", {"netns", "add", netns});
}

Status LinuxNetworkOps::deleteNamespace(const std::string &netns)
{
    return runIp("", {"netns", "delete", netns});
}

Result<std::vector<std::string>> LinuxNetworkOps::listNamespaces()
{
    auto result = runChecked({"ip", "-j", "netns", "list"});
    if (!result)
        return result.error();
    std::vector<std::string> names;
    if (result->out.find_first_not_of(" \n") == std::string::npos)
        return names; // iproute2 prints nothing, not [], when there are none
    try {
        for (const auto &entry : nlohmann::json::parse(result->out))
            names.push_back(entry.at("name").get<std::string>());
    } catch (const std::exception &e) {
        return Error(std::string("parsing `ip -j netns list`: ") + e.what());
    }
    return names;
}

Status LinuxNetworkOps::addBridge(const std::string &netns, const std::string &name)
{
    return runIp(netns, {"link", "add", name, "type", "bridge"});
}

Status LinuxNetworkOps::addVethPair(const LinkEnd &a, const LinkEnd &b)
{
    return runIp(a.netns,
                 {"link", "add", a.name, "type", "veth", "peer", "name", b.name, "netns", b.netns});
}

Status LinuxNetworkOps::setMaster(const std::string &netns, const std::string &link,
                                  const std::string &bridge)
{
    return runIp(netns, {"link", "set", link, "master", bridge});
}

Status LinuxNetworkOps::addAddress(const std::string &netns, const std::string &link,
                                   const std::string &cidr)
{
    return runIp(netns, {"addr", "add", cidr, "dev", link});
}

Status LinuxNetworkOps::replaceRoute(const std::string &netns, const std::string &destination,
                                     const std::string &via, const std::string &device)
{
    if (via.empty())
        return runIp(netns, {"route", "replace", destination, "dev", device});
    return runIp(netns, {"route", "replace", destination, "via", via});
}

Status LinuxNetworkOps::setUp(const std::string &netns, const std::string &link)
{
    return runIp(netns, {"link", "set", link, "up"});
}

Result<std::vector<std::string>> LinuxNetworkOps::listLinks(const std::string &netns)
{
    auto result = runChecked(ipIn(netns, {"-j", "link", "show"}));
    if (!result)
        return result.error();
    std::vector<std::string> names;
    try {
        for (const auto &entry : nlohmann::json::parse(result->out))
            names.push_back(entry.at("ifname").get<std::string>());
    } catch (const std::exception &e) {
        return Error(std::string("parsing `ip -j link show`: ") + e.what());
    }
    return names;
}

Result<bool> LinuxNetworkOps::hasAddress(const std::string &netns, const std::string &link,
                                         const std::string &cidr)
{
    auto result = runChecked(ipIn(netns, {"-j", "addr", "show", "dev", link}));
    if (!result)
        return result.error();
    try {
        for (const auto &entry : nlohmann::json::parse(result->out))
            for (const auto &info : entry.value("addr_info", nlohmann::json::array()))
                if (info.value("local", "") + "/" + std::to_string(info.value("prefixlen", 0)) ==
                    cidr)
                    return true;
    } catch (const std::exception &e) {
        return Error(std::string("parsing `ip -j addr show`: ") + e.what());
    }
    return false;
}

} // namespace flowlab
