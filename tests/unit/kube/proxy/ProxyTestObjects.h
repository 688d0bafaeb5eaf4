#pragma once

// Services and their endpoints as the apiserver returns them, for the kube-proxy tests.

#include "engine/kube/proxy/ServicePorts.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace flowlab::kube::proxy::test {

using Json = nlohmann::json;

inline Json serviceObject(const std::string &name, const std::string &clusterIP,
                          const std::string &type = "ClusterIP", int nodePort = 0,
                          const std::string &portName = "http")
{
    Json port = {{"name", portName}, {"port", 80}, {"protocol", "TCP"}, {"targetPort", 8080}};
    if (nodePort > 0)
        port["nodePort"] = nodePort;
    return {{"apiVersion", "v1"},
            {"kind", "Service"},
            {"metadata", {{"name", name}, {"namespace", "default"}}},
            {"spec",
             {{"type", type},
              {"clusterIP", clusterIP},
              {"clusterIPs", Json::array({clusterIP})},
              {"selector", {{"app", name}}},
              {"ports", Json::array({port})}}},
            {"status", Json::object()}};
}

inline Json withLoadBalancerIp(Json service, const std::string &ip)
{
    service["status"]["loadBalancer"]["ingress"] = Json::array({{{"ip", ip}}});
    return service;
}

// An EndpointSlice of `service` with `ready` and `notReady` pod IPs, port 8080 named "http".
inline Json sliceObject(const std::string &service, const std::vector<std::string> &ready,
                        const std::vector<std::string> &notReady = {},
                        const std::string &portName = "http")
{
    Json endpoints = Json::array();
    for (const auto &ip : ready)
        endpoints.push_back({{"addresses", Json::array({ip})},
                             {"conditions", {{"ready", true}, {"serving", true}}},
                             {"nodeName", "flowlab-node1"}});
    for (const auto &ip : notReady)
        endpoints.push_back({{"addresses", Json::array({ip})},
                             {"conditions", {{"ready", false}, {"serving", false}}},
                             {"nodeName", "flowlab-node2"}});
    return {{"apiVersion", "discovery.k8s.io/v1"},
            {"kind", "EndpointSlice"},
            {"metadata",
             {{"name", service + "-abcde"},
              {"namespace", "default"},
              {"labels", {{"kubernetes.io/service-name", service}}}}},
            {"addressType", "IPv4"},
            {"endpoints", endpoints},
            {"ports", Json::array({{{"name", portName}, {"port", 8080}, {"protocol", "TCP"}}})}};
}

inline std::vector<ServicePort> portsOf(const std::vector<Json> &services,
                                        const std::vector<Json> &slices)
{
    return servicePortsFrom(services, slices, EndpointSource::EndpointSlices);
}

} // namespace flowlab::kube::proxy::test
