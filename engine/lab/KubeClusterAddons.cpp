#include "engine/lab/KubeClusterAddons.h"

#include "engine/lab/KubeControlPlane.h"
#include "engine/net/HttpClient.h"
#include "engine/sys/NetnsThread.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace flowlab {

namespace {

using Json = nlohmann::json;

constexpr int kDnsPort = 53;

Json dnsPorts(bool forSlice)
{
    Json ports = Json::array();
    for (const char *protocol : {"UDP", "TCP"}) {
        Json port = {{"name", std::string(protocol) == "UDP" ? "dns" : "dns-tcp"},
                     {"protocol", protocol},
                     {"port", kDnsPort}};
        if (!forSlice)
            port["targetPort"] = kDnsPort;
        ports.push_back(port);
    }
    return ports;
}

} // namespace

std::vector<std::string> kubeEvidenceComponents(const LabTopology &topology)
{
    std::vector<std::string> components = {"controller-manager", "scheduler", "cluster-dns",
                                           "ingress-controller"};
    for (const LabHost *node : topology.kubeNodes())
        for (const char *agent : {"kubelet-", "kube-proxy-", "cni-"})
            components.push_back(agent + node->netns);
    return components;
}

Result<std::string> KubeClusterAddons::adminToken() const
{
    std::ifstream in(m_paths.kubeLibDir() + "/admin.token");
    std::string token;
    std::getline(in, token);
    if (token.empty())
        return Error("no admin token in " + m_paths.kubeLibDir() + " (is the control plane up?)");
    return token;
}

Status KubeClusterAddons::publishClusterDns() const
{
    auto token = adminToken();
    if (!token)
        return token.error();
    const std::string server = std::string("http://") + KubeControlPlane::kApiserverAddress;
    const Json labels = {{"k8s-app", "kube-dns"}, {"kubernetes.io/name", "CoreDNS"}};
    const Json service = {
        {"apiVersion", "v1"},
        {"kind", "Service"},
        {"metadata", {{"name", "kube-dns"}, {"namespace", "kube-system"}, {"labels", labels}}},
        {"spec", {{"clusterIP", kClusterDnsIp}, {"ports", dnsPorts(false)}}}};
    const Json endpoints = {
        {"apiVersion", "v1"},
        {"kind", "Endpoints"},
        {"metadata", {{"name", "kube-dns"}, {"namespace", "kube-system"}, {"labels", labels}}},
        {"subsets", {{{"addresses", {{{"ip", kControlPlaneIp}}}}, {"ports", dnsPorts(true)}}}}};
    const Json slice = {
        {"apiVersion", "discovery.k8s.io/v1"},
        {"kind", "EndpointSlice"},
        {"metadata",
         {{"name", "kube-dns-lab"},
          {"namespace", "kube-system"},
          {"labels",
           {{"kubernetes.io/service-name", "kube-dns"},
            {"endpointslice.kubernetes.io/managed-by", "flowlab-lab"}}}}},
        {"addressType", "IPv4"},
        {"endpoints", {{{"addresses", {kControlPlaneIp}}, {"conditions", {{"ready", true}}}}}},
        {"ports", dnsPorts(true)}};
    const std::vector<std::pair<std::string, const Json *>> objects = {
        {"/api/v1/namespaces/kube-system/services", &service},
        {"/api/v1/namespaces/kube-system/endpoints", &endpoints},
        {"/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices", &slice}};

    Status result = success();
    (void)runInNetns(kControlPlaneNetns, [&] {
        for (const auto &[path, object] : objects) {
            auto response = httpRequest({.method = "POST",
                                         .url = server + path,
                                         .headers = {{"Authorization", "Bearer " + *token},
                                                     {"Content-Type", "application/json"}},
                                         .body = object->dump(),
                                         .timeoutMs = 5000});
            if (!response) {
                result = response.error();
                return;
            }
            // 409: it is there from an earlier `lab up`.
            if (response->status != 201 && response->status != 409) {
                result = Error("creating " + (*object)["kind"].get<std::string>() +
                               " kube-system/kube-dns: HTTP " + std::to_string(response->status) +
                               ": " + response->body);
                return;
            }
        }
    });
    return result;
}

Result<std::vector<ServiceSpec>> KubeClusterAddons::services() const
{
    const std::string server = std::string("http://") + KubeControlPlane::kApiserverAddress;
    const std::string tokens = m_paths.kubeLibDir();
    std::vector<ServiceSpec> specs;

    ServiceSpec dns;
    dns.name = "cluster-dns";
    dns.launch.argv = {siblingProgram("flowlab-dns"),
                       "--server",
                       server,
                       "--token-file",
                       tokens + "/kube-dns.token",
                       "--listen",
                       kControlPlaneIp + ":53",
                       "--evidence-log",
                       m_paths.kubeEvidenceLog("cluster-dns"),
                       "--node-name",
                       kControlPlaneNetns};
    dns.launch.netns = kControlPlaneNetns;
    dns.launch.logPath = m_paths.logDir() + "/cluster-dns.log";
    dns.isReady = [] { return true; }; // it answers SERVFAIL until its watches have listed
    specs.push_back(std::move(dns));

    const auto nodes = m_topology.kubeNodes();
    if (nodes.empty())
        return Error("the lab topology has no Kubernetes node for the ingress controller");
    const LabHost &ingressNode = *nodes.front();
    ServiceSpec ingress;
    ingress.name = "ingress-controller";
    ingress.launch.argv = {siblingProgram("flowlab-ingress-controller"),
                           "--server",
                           server,
                           "--token-file",
                           tokens + "/ingress-controller.token",
                           "--listen",
                           ingressNode.ip(),
                           "--port",
                           std::to_string(kIngressPort),
                           "--resolver",
                           kClusterDnsIp,
                           "--state-dir",
                           ingressStateDir(),
                           "--status-address",
                           ingressNode.ip(),
                           "--evidence-log",
                           m_paths.kubeEvidenceLog("ingress-controller"),
                           "--node-name",
                           ingressNode.netns};
    ingress.launch.netns = ingressNode.netns;
    ingress.launch.logPath = m_paths.logDir() + "/ingress-controller.log";
    ingress.isReady = [] { return true; };
    specs.push_back(std::move(ingress));

    for (const auto &spec : specs)
        if (spec.launch.argv[0].find('/') == std::string::npos)
            return Error("cannot find " + spec.name +
                         "'s program; build it (cmake --build BUILD) so that it is beside "
                         "flowlabd");
    return specs;
}

} // namespace flowlab
