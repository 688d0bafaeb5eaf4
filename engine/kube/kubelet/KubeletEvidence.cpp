#include "engine/kube/kubelet/KubeletEvidence.h"

namespace flowlab::kube::kubelet {

namespace {

thread_local std::string t_podKey;
thread_local bool t_recorded = true;

Json parsedOrText(const std::string &json)
{
    Json parsed = Json::parse(json, nullptr, false);
    return parsed.is_discarded() ? Json(json) : parsed;
}

// A few words on what came back, for the one-line summary.
std::string outcome(const cri::CriCall &call)
{
    if (call.code != 0)
        return cri::criCodeName(call.code) + ": " + call.errorMessage;
    if (!call.response)
        return "OK";
    const Json response = parsedOrText(cri::messageToJson(*call.response));
    for (const char *key : {"pod_sandbox_id", "container_id", "image_ref"})
        if (response.contains(key))
            return std::string(key) + " " + response[key].get<std::string>().substr(0, 24);
    if (call.method == "PodSandboxStatus" && response.contains("status")) {
        const Json &status = response["status"];
        const std::string ip = status.value("network", Json::object()).value("ip", "");
        return status.value("state", "SANDBOX_READY") + (ip.empty() ? "" : " ip " + ip);
    }
    return "OK";
}

} // namespace

CriCallScope::CriCallScope(std::string podKey, bool recorded)
    : m_previousKey(std::exchange(t_podKey, std::move(podKey)))
    , m_previousRecorded(std::exchange(t_recorded, recorded))
{}

CriCallScope::~CriCallScope()
{
    t_podKey = std::move(m_previousKey);
    t_recorded = m_previousRecorded;
}

const std::string &CriCallScope::podKey()
{
    return t_podKey;
}

bool CriCallScope::recorded()
{
    return t_recorded;
}

KubeletEvidence::KubeletEvidence(EvidenceLog &log)
    : m_log(log)
{}

Event KubeletEvidence::criEvent(const cri::CriCall &call, const std::string &podKey)
{
    Event event;
    event.kind = EventKind::Grpc;
    event.summary = "kubelet → CRI " + call.method + (podKey.empty() ? "" : " (" + podKey + ")") +
                    ": " + outcome(call);
    event.attributes = {
        {"phase", "complete"},
        {"caller", "kubelet"},
        {"path", call.path()},
        {"service", call.service},
        {"method", call.method},
        {"status_code", call.code},
        {"status_name", cri::criCodeName(call.code)},
        {"request", call.request ? parsedOrText(cri::messageToJson(*call.request)) : Json()},
        {"response", call.response ? parsedOrText(cri::messageToJson(*call.response)) : Json()},
        {"duration_ms", double(call.durationNs) / 1e6},
    };
    if (call.code != 0)
        event.attributes["grpc_message"] = call.errorMessage;
    if (!podKey.empty())
        event.attributes["pod"] = podKey;
    return event;
}

void KubeletEvidence::criCall(const cri::CriCall &call)
{
    if (!m_log.enabled() || !CriCallScope::recorded())
        return;
    m_log.record(criEvent(call, CriCallScope::podKey()));
}

void KubeletEvidence::apiCall(const std::string &method, const std::string &path,
                              const Json &body, int httpStatus, const std::string &podKey,
                              const std::string &summary, double durationMs)
{
    if (!m_log.enabled())
        return;
    Event event;
    event.kind = EventKind::Api;
    event.summary = summary;
    event.attributes = {{"phase", "complete"},
                        {"method", method},
                        {"endpoint", path},
                        {"body", body},
                        {"status", httpStatus},
                        {"pod", podKey},
                        {"durationMs", durationMs}};
    m_log.record(std::move(event));
}

void KubeletEvidence::volumeWrite(const std::string &podKey, const VolumeWrite &write)
{
    if (!m_log.enabled())
        return;
    std::string files;
    for (const std::string &file : write.files)
        files += (files.empty() ? "" : ", ") + file;
    Event event;
    event.kind = EventKind::Log;
    event.summary = "kubelet wrote " + write.kind + " " + write.source + " into volume " +
                    write.volume + " of " + podKey + ": " + files;
    event.attributes = {{"event", "volume"},
                        {"pod", podKey},
                        {"volume", write.volume},
                        {"volume_kind", write.kind},
                        {"source", write.source},
                        {"directory", write.directory},
                        {"files", write.files}};
    m_log.record(std::move(event));
}

} // namespace flowlab::kube::kubelet
