#include "engine/kube/dns/ResolvConf.h"

#include <algorithm>

namespace flowlab::kube::dns {

namespace {

constexpr std::size_t kMaxNameservers = 3; // glibc's MAXNS
constexpr std::size_t kMaxSearches = 32;   // the kubelet's limit

std::string stringAt(const nlohmann::json &object, const char *key)
{
    if (!object.is_object())
        return {};
    const auto found = object.find(key);
    return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

void appendUnique(std::vector<std::string> &into, const std::string &value)
{
    if (!value.empty() && std::find(into.begin(), into.end(), value) == into.end())
        into.push_back(value);
}

std::string optionName(const std::string &option)
{
    return option.substr(0, option.find(':'));
}

// dnsConfig.options: [{name, value}], each replacing an option of the same name.
void mergeOptions(std::vector<std::string> &options, const nlohmann::json &extra)
{
    if (!extra.is_array())
        return;
    for (const auto &option : extra) {
        const std::string name = stringAt(option, "name");
        if (name.empty())
            continue;
        const std::string value = stringAt(option, "value");
        const std::string text = value.empty() ? name : name + ":" + value;
        auto same = std::find_if(options.begin(), options.end(),
                                 [&](const std::string &o) { return optionName(o) == name; });
        if (same != options.end())
            *same = text;
        else
            options.push_back(text);
    }
}

} // namespace

PodDnsConfig clusterFirstDnsConfig(const std::string &podNamespace,
                                   const ClusterDnsSettings &settings)
{
    PodDnsConfig config;
    config.nameservers = settings.nameservers;
    const std::string &domain = settings.clusterDomain;
    config.searches = {podNamespace + ".svc." + domain, "svc." + domain, domain};
    config.options = {"ndots:5"};
    return config;
}

PodDnsConfig podDnsConfig(const nlohmann::json &pod, const ClusterDnsSettings &settings)
{
    const nlohmann::json empty = nlohmann::json::object();
    const nlohmann::json &spec = pod.is_object() && pod.contains("spec") ? pod["spec"] : empty;
    const nlohmann::json &metadata =
        pod.is_object() && pod.contains("metadata") ? pod["metadata"] : empty;
    std::string policy = stringAt(spec, "dnsPolicy");
    if (policy.empty())
        policy = "ClusterFirst";
    const bool hostNetwork = spec.value("hostNetwork", false);
    // ClusterFirst on the host's network falls back to the node's resolver: the pod shares
    // the node's resolv.conf then, unless it asks for ClusterFirstWithHostNet.
    if (policy == "ClusterFirst" && hostNetwork)
        policy = "Default";

    PodDnsConfig config;
    if (policy == "ClusterFirst" || policy == "ClusterFirstWithHostNet") {
        std::string ns = stringAt(metadata, "namespace");
        config = clusterFirstDnsConfig(ns.empty() ? "default" : ns, settings);
    } else if (policy == "Default") {
        config.nameservers = settings.nodeNameservers;
        config.searches = settings.nodeSearches;
    } // "None": only what dnsConfig says

    const nlohmann::json &extra = spec.contains("dnsConfig") ? spec["dnsConfig"] : empty;
    if (extra.is_object()) {
        for (const char *key : {"nameservers", "searches"}) {
            const auto found = extra.find(key);
            if (found == extra.end() || !found->is_array())
                continue;
            auto &into = std::string(key) == "nameservers" ? config.nameservers : config.searches;
            for (const auto &value : *found)
                if (value.is_string())
                    appendUnique(into, value.get<std::string>());
        }
        if (extra.contains("options"))
            mergeOptions(config.options, extra["options"]);
    }
    if (config.nameservers.size() > kMaxNameservers)
        config.nameservers.resize(kMaxNameservers);
    if (config.searches.size() > kMaxSearches)
        config.searches.resize(kMaxSearches);
    return config;
}

std::string renderResolvConf(const PodDnsConfig &config)
{
    std::string text;
    auto line = [&text](const char *keyword, const std::vector<std::string> &values) {
        if (values.empty())
            return;
        text += keyword;
        for (const std::string &value : values)
            text += " " + value;
        text += "\n";
    };
    line("search", config.searches);
    for (const std::string &server : config.nameservers)
        text += "nameserver " + server + "\n";
    line("options", config.options);
    return text;
}

} // namespace flowlab::kube::dns
