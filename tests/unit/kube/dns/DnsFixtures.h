#pragma once

// Services and EndpointSlices as the apiserver serves them, for the DNS tests: a ClusterIP
// Service "web" with named and unnamed ports, a headless "db" with three endpoints (one not
// ready, one with a hostname), an ExternalName "search" and one pointing inside the cluster.

#include "engine/kube/dns/ServiceDirectory.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace flowlab::kube::dns::test {

using Json = nlohmann::json;

inline Json service(const std::string &ns, const std::string &name, Json spec)
{
    return {{"apiVersion", "v1"},
            {"kind", "Service"},
            {"metadata", {{"namespace", ns}, {"name", name}}},
            {"spec", std::move(spec)}};
}

struct FixtureEndpoint
{
    std::string ip;
    bool ready = true;
    std::string hostname;
};

inline Json endpointSlice(const std::string &ns, const std::string &name,
                          const std::string &serviceName,
                          const std::vector<FixtureEndpoint> &endpoints, Json ports)
{
    Json list = Json::array();
    for (const FixtureEndpoint &endpoint : endpoints) {
        Json item = {{"addresses", {endpoint.ip}}, {"conditions", {{"ready", endpoint.ready}}}};
        if (!endpoint.hostname.empty())
            item["hostname"] = endpoint.hostname;
        list.push_back(item);
    }
    return {{"apiVersion", "discovery.k8s.io/v1"},
            {"kind", "EndpointSlice"},
            {"metadata",
             {{"namespace", ns},
              {"name", name},
              {"labels", {{"kubernetes.io/service-name", serviceName}}}}},
            {"addressType", "IPv4"},
            {"endpoints", list},
            {"ports", std::move(ports)}};
}

inline Json webService()
{
    return service("default", "web",
                   {{"type", "ClusterIP"},
                    {"clusterIP", "10.43.0.17"},
                    {"clusterIPs", {"10.43.0.17"}},
                    {"ports",
                     {{{"name", "http"}, {"protocol", "TCP"}, {"port", 80}, {"targetPort", 8080}},
                      {{"name", "dns"}, {"protocol", "UDP"}, {"port", 53}},
                      {{"protocol", "TCP"}, {"port", 9000}}}}});
}

inline Json dbService()
{
    return service("shop", "db",
                   {{"clusterIP", "None"},
                    {"ports", {{{"name", "pg"}, {"protocol", "TCP"}, {"port", 5432}}}}});
}

inline Json dbSlice()
{
    return endpointSlice(
        "shop", "db-abcde", "db",
        {{"10.42.1.7", true, ""}, {"10.42.0.5", true, "primary"}, {"10.42.2.9", false, ""}},
        {{{"name", "pg"}, {"protocol", "TCP"}, {"port", 15432}}});
}

inline Json externalService()
{
    return service("default", "search",
                   {{"type", "ExternalName"}, {"externalName", "www.example.com"}});
}

inline Json aliasService()
{
    return service("default", "alias",
                   {{"type", "ExternalName"}, {"externalName", "web.default.svc.cluster.local."}});
}

inline Json kubeDnsService()
{
    return service("kube-system", "kube-dns",
                   {{"clusterIP", "10.43.0.10"},
                    {"ports", {{{"name", "dns"}, {"protocol", "UDP"}, {"port", 53}}}}});
}

inline void fillDirectory(ServiceDirectory &directory)
{
    directory.applyService(webService());
    directory.applyService(dbService());
    directory.applyEndpointSlice(dbSlice());
    directory.applyService(externalService());
    directory.applyService(aliasService());
    directory.applyService(kubeDnsService());
    directory.setSynced(true);
}

} // namespace flowlab::kube::dns::test
