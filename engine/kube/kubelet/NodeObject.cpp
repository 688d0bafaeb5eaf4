#include "engine/kube/kubelet/NodeObject.h"

#include "engine/kube/api/JsonFields.h"
#include "engine/kube/controllers/Time.h"

#include <fstream>
#include <sstream>
#include <sys/utsname.h>
#include <unistd.h>

namespace flowlab::kube::kubelet {

using namespace fields;

namespace {

struct ConditionSpec
{
    const char *type;
    const char *status;
    const char *reason;
    const char *message;
};

constexpr ConditionSpec kConditions[] = {
    {"MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
    {"DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
    {"PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
    {"Ready", "True", "KubeletReady", "kubelet is posting ready status"},
};

Json conditions(const Json &current, const std::string &now)
{
    Json out = Json::array();
    for (const ConditionSpec &spec : kConditions) {
        std::string since = now;
        for (const Json &old : items(get(current, {"status", "conditions"})))
            if (string(get(old, "type")) == spec.type && string(get(old, "status")) == spec.status)
                since = string(get(old, "lastTransitionTime"));
        out.push_back({{"type", spec.type},
                       {"status", spec.status},
                       {"reason", spec.reason},
                       {"message", spec.message},
                       {"lastHeartbeatTime", now},
                       {"lastTransitionTime", since.empty() ? now : since}});
    }
    return out;
}

Json resources(const NodeFacts &facts)
{
    return {{"cpu", std::to_string(facts.cpus)},
            {"memory", std::to_string(facts.memoryKi) + "Ki"},
            {"pods", std::to_string(facts.maxPods)},
            {"ephemeral-storage", "10Gi"}};
}

Json statusFields(const NodeFacts &facts, const Json &current, const std::string &now)
{
    return {{"capacity", resources(facts)},
            {"allocatable", resources(facts)},
            {"addresses", Json::array({{{"type", "InternalIP"}, {"address", facts.internalIp}},
                                       {{"type", "Hostname"}, {"address", facts.name}}})},
            {"conditions", conditions(current, now)},
            {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", facts.kubeletPort}}}}},
            {"nodeInfo",
             {{"machineID", facts.machineId},
              {"systemUUID", facts.machineId},
              {"bootID", ""},
              {"kernelVersion", facts.kernelVersion},
              {"osImage", facts.osImage},
              {"containerRuntimeVersion", facts.runtimeVersion},
              {"kubeletVersion", facts.kubeletVersion},
              {"kubeProxyVersion", facts.kubeletVersion},
              {"operatingSystem", "linux"},
              {"architecture", facts.architecture}}}};
}

std::string firstLine(const std::string &path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

} // namespace

NodeFacts NodeFacts::ofThisMachine()
{
    NodeFacts facts;
    facts.cpus = int(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    long long value = 0;
    while (meminfo >> key >> value) {
        if (key == "MemTotal:") {
            facts.memoryKi = value;
            break;
        }
        meminfo.ignore(256, '\n');
    }
    utsname uts{};
    if (::uname(&uts) == 0)
        facts.kernelVersion = uts.release;
    std::ifstream osRelease("/etc/os-release");
    std::string line;
    while (std::getline(osRelease, line))
        if (line.starts_with("PRETTY_NAME=")) {
            facts.osImage = line.substr(12);
            if (facts.osImage.size() >= 2 && facts.osImage.front() == '"')
                facts.osImage = facts.osImage.substr(1, facts.osImage.size() - 2);
        }
    facts.machineId = firstLine("/etc/machine-id");
    return facts;
}

Json nodeObject(const NodeFacts &facts, TimePoint now)
{
    const std::string stamp = toRfc3339(now);
    Json node = {{"apiVersion", "v1"},
                 {"kind", "Node"},
                 {"metadata",
                  {{"name", facts.name},
                   {"labels",
                    {{"kubernetes.io/hostname", facts.name},
                     {"kubernetes.io/os", "linux"},
                     {"kubernetes.io/arch", facts.architecture},
                     {"beta.kubernetes.io/os", "linux"},
                     {"beta.kubernetes.io/arch", facts.architecture}}}}},
                 {"spec", Json::object()},
                 {"status", statusFields(facts, Json(), stamp)}};
    if (!facts.podCidr.empty()) {
        node["spec"]["podCIDR"] = facts.podCidr;
        node["spec"]["podCIDRs"] = Json::array({facts.podCidr});
    }
    return node;
}

Json nodeStatusPatch(const NodeFacts &facts, const Json &current, TimePoint now)
{
    return {{"status", statusFields(facts, current, toRfc3339(now))}};
}

Json leaseObject(const NodeFacts &facts, TimePoint now, int durationSeconds)
{
    return {{"apiVersion", "coordination.k8s.io/v1"},
            {"kind", "Lease"},
            {"metadata", {{"name", facts.name}, {"namespace", "kube-node-lease"}}},
            {"spec",
             {{"holderIdentity", facts.name},
              {"leaseDurationSeconds", durationSeconds},
              {"renewTime", toRfc3339Micro(now)}}}};
}

} // namespace flowlab::kube::kubelet
