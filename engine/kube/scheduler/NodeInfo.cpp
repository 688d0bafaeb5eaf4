#include "engine/kube/scheduler/NodeInfo.h"

#include "engine/kube/api/JsonFields.h"
#include "engine/kube/scheduler/Quantity.h"

#include <algorithm>

namespace flowlab::kube::scheduling {

using fields::get;
using fields::items;
using fields::string;

namespace {

void add(ResourceAmounts &into, const ResourceAmounts &amounts)
{
    for (const auto &[name, value] : amounts)
        into[name] += value;
}

void keepLarger(ResourceAmounts &into, const ResourceAmounts &amounts)
{
    for (const auto &[name, value] : amounts)
        into[name] = std::max(amount(into, name), value);
}

ResourceAmounts containerRequests(const Json &container, bool nonZero)
{
    const Json &requests = get(container, {"resources", "requests"});
    ResourceAmounts amounts = resourceAmounts(requests);
    // Only a missing request gets the default: "cpu: 0" says the container needs none.
    if (nonZero && !requests.contains("cpu"))
        amounts["cpu"] = kDefaultMilliCpuRequest;
    if (nonZero && !requests.contains("memory"))
        amounts["memory"] = kDefaultMemoryRequest;
    return amounts;
}

} // namespace

ResourceAmounts resourceAmounts(const Json &resourceList)
{
    ResourceAmounts amounts;
    if (!resourceList.is_object())
        return amounts;
    for (const auto &[name, value] : resourceList.items()) {
        std::string text;
        if (value.is_string())
            text = value.get<std::string>();
        else if (value.is_number())
            text = value.dump(); // a hand-written manifest may say `pods: 110`
        auto quantity = Quantity::parse(text);
        if (quantity)
            amounts[name] = schedulingAmount(name, *quantity);
    }
    return amounts;
}

ResourceAmounts podRequests(const Json &pod, bool nonZero)
{
    const Json &spec = get(pod, "spec");
    ResourceAmounts total;
    for (const Json &container : items(get(spec, "containers")))
        add(total, containerRequests(container, nonZero));

    // Init container i needs its own requests plus every sidecar started before it.
    ResourceAmounts sidecars;
    ResourceAmounts largestInit;
    for (const Json &container : items(get(spec, "initContainers"))) {
        ResourceAmounts requests = containerRequests(container, nonZero);
        if (string(get(container, "restartPolicy")) == "Always") {
            add(total, requests); // a sidecar keeps running beside the containers
            add(sidecars, requests);
            requests = sidecars;
        } else {
            add(requests, sidecars);
        }
        keepLarger(largestInit, requests);
    }
    keepLarger(total, largestInit);
    add(total, resourceAmounts(get(spec, "overhead")));
    return total;
}

bool HostPort::conflictsWith(const HostPort &other) const
{
    if (port != other.port || protocol != other.protocol)
        return false;
    // 0.0.0.0 takes the port on every address, so it clashes with any address.
    return ip == other.ip || ip == "0.0.0.0" || other.ip == "0.0.0.0";
}

std::vector<HostPort> hostPorts(const Json &pod)
{
    std::vector<HostPort> ports;
    for (const Json &container : items(get(pod, {"spec", "containers"}))) {
        for (const Json &port : items(get(container, "ports"))) {
            const std::int64_t number = fields::integer(get(port, "hostPort"));
            if (number <= 0)
                continue;
            HostPort hostPort;
            hostPort.port = int(number);
            if (const std::string ip = string(get(port, "hostIP")); !ip.empty())
                hostPort.ip = ip;
            if (const std::string protocol = string(get(port, "protocol")); !protocol.empty())
                hostPort.protocol = protocol;
            ports.push_back(std::move(hostPort));
        }
    }
    return ports;
}

PodInfo::PodInfo(Json object)
    : pod(std::move(object))
    , requests(podRequests(pod))
    , nonZeroRequests(podRequests(pod, true))
    , ports(hostPorts(pod))
{}

std::string PodInfo::key() const
{
    return string(get(pod, {"metadata", "namespace"})) + "/" +
           string(get(pod, {"metadata", "name"}));
}

NodeInfo::NodeInfo(Json object)
    : node(std::move(object))
    , name(string(get(node, {"metadata", "name"})))
    , allocatable(resourceAmounts(get(node, {"status", "allocatable"})))
{}

void NodeInfo::addPod(const PodInfo &pod)
{
    add(requested, pod.requests);
    add(nonZeroRequested, pod.nonZeroRequests);
    usedPorts.insert(usedPorts.end(), pod.ports.begin(), pod.ports.end());
    ++podCount;
}

std::int64_t NodeInfo::allowedPodCount() const
{
    return amount(allocatable, "pods");
}

} // namespace flowlab::kube::scheduling
