#include "engine/kube/cni/CniInvocation.h"

namespace flowlab::kube::cni {

namespace {

nlohmann::json parsedOrText(const std::string &text)
{
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded())
        return text;
    return json;
}

std::string valueOr(const std::map<std::string, std::string> &env, const std::string &key)
{
    const auto found = env.find(key);
    return found == env.end() ? std::string() : found->second;
}

// "10.42.0.7/24 via 10.42.0.1", from a CNI 1.0 result's ips.
std::string addresses(const nlohmann::json &result)
{
    if (!result.is_object() || !result.contains("ips") || !result["ips"].is_array())
        return {};
    std::string text;
    for (const auto &ip : result["ips"]) {
        if (!ip.is_object())
            continue;
        text += (text.empty() ? "" : ", ") + ip.value("address", std::string("?"));
        if (ip.contains("gateway") && ip["gateway"].is_string())
            text += " via " + ip["gateway"].get<std::string>();
    }
    return text;
}

} // namespace

Event cniEvidence(const CniInvocation &call)
{
    Event event;
    event.kind = EventKind::Process;
    event.source.component = "cni";
    event.source.node = call.node;
    event.source.netns = call.node;
    event.monotonicNs = call.startNs;
    const std::string command = valueOr(call.cniEnv, "CNI_COMMAND");
    const std::string container = valueOr(call.cniEnv, "CNI_CONTAINERID");
    const std::string ifname = valueOr(call.cniEnv, "CNI_IFNAME");
    const nlohmann::json config = parsedOrText(call.config);
    const nlohmann::json result = parsedOrText(call.result);

    event.summary = "CNI " + (command.empty() ? std::string("?") : command) + " " + call.plugin;
    if (!container.empty())
        event.summary += " for " + container.substr(0, 12) + (ifname.empty() ? "" : " (" + ifname + ")");
    if (call.exitCode != 0) {
        std::string message;
        if (result.is_object())
            message = result.value("msg", std::string());
        event.summary += ": failed (exit " + std::to_string(call.exitCode) + ")" +
                         (message.empty() ? "" : ": " + message);
    } else if (const std::string ips = addresses(result); !ips.empty()) {
        event.summary += ": " + ips;
    }

    nlohmann::json env = nlohmann::json::object();
    for (const auto &[key, value] : call.cniEnv)
        env[key] = value;
    event.attributes = {{"event", "cni"},
                        {"plugin", call.plugin},
                        {"cni_command", command},
                        {"container_id", container},
                        {"ifname", ifname},
                        {"cni_netns", valueOr(call.cniEnv, "CNI_NETNS")},
                        {"env", env},
                        {"config", config},
                        {"result", result},
                        {"exit_code", call.exitCode},
                        {"duration_ms", double(call.endNs - call.startNs) / 1e6}};
    return event;
}

} // namespace flowlab::kube::cni
