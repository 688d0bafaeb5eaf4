#include "tracer/model/EventAttributes.h"

#include <algorithm>

namespace flowlab {

namespace {

constexpr unsigned Text = AttributeShape::Text;
constexpr unsigned Number = AttributeShape::Number;
constexpr unsigned Boolean = AttributeShape::Boolean;
constexpr unsigned List = AttributeShape::List;
constexpr unsigned Object = AttributeShape::Object;
constexpr unsigned Any = AttributeShape::Any;

// Each list names where its attributes are set, so that the next reader can check it again.

// engine/lesson/LessonActions.cpp (docker, kubectl and http actions), engine/daemon/EngineApi.cpp
// (docker and kubectl sessions, flowlab-cli curl).
constexpr EventAttribute kCommand[] = {
    {"argv", List},
    {"action", Text},
    {"exit_code", Number},
    {"stdout", Text},
    {"stderr", Text},
    {"stdin", Text},
    {"attempts", Number},
    {"uid", Number},
    {"url", Text},
    {"from", Text},
    {"host", Text},
    {"status", Number},
    {"local_address", Text},
    {"remote_address", Text},
    {"body", Text},
    {"count", Number},
    {"parallel", Number},
    {"requests", Number},
    {"ok", Number},
    {"failed", Number},
    {"statuses", Object},
    {"load_seconds", Number},
    {"requests_per_s", Number},
    {"first_failure", Text},
};

// tracer/taps/DockerApiEvent.cpp (the Docker API tap), engine/kube/relay/ApiExchangeRecorder.cpp
// (kubectl and the controllers through the apiserver relay), engine/kube/kubelet/
// KubeletEvidence.cpp, and engine/kube/ingress/IngressController.cpp (nginx's access log, whose
// fields NginxConfig.cpp names).
constexpr EventAttribute kApi[] = {
    {"direction", Text},
    {"phase", Text},
    {"connection", Number},
    {"exchange", Number},
    {"method", Text},
    {"path", Text},
    {"endpoint", Text},
    {"apiVersion", Text},
    {"operation", Text},
    {"route", Text},
    {"query", Object},
    {"headers", Object},
    {"contentType", Text},
    {"body", Any}, // parsed JSON, or a note of its length when it is not JSON
    {"bodyLength", Number},
    {"bodyTruncated", Boolean},
    {"upgradeRequested", Text},
    {"complete", Boolean},
    {"status", Number},
    {"reason", Text},
    {"streamed", Boolean},
    {"hijacked", Boolean},
    {"timeToHeadMs", Number},
    {"durationMs", Number},
    {"endReason", Text},
    {"messageCount", Number},
    {"messagesOmitted", Number},
    {"unparsedLines", Number},
    {"error", Text},
    {"errorMessage", Text},
    {"output", Object},
    {"input", Object},
    {"verb", Text},
    {"apiGroup", Text},
    {"resource", Text},
    {"namespace", Text},
    {"name", Text},
    {"subresource", Text},
    {"userAgent", Text},
    {"watchEvent", Object},
    {"pod", Text},
    {"msec", Text},
    {"remote", Text},
    {"host", Text},
    {"uri", Text},
    {"ingress", Text},
    {"backend", Text},
    {"upstream", Text},
    {"upstream_status", Text},
    {"request_time", Text},
};

// tracer/taps/KubeAuditEvents.cpp: one per stage of the apiserver's audit log.
constexpr EventAttribute kAudit[] = {
    {"stage", Text},       {"verb", Text},      {"user", Text},      {"auditID", Text},
    {"requestURI", Text},  {"resource", Text},  {"namespace", Text}, {"name", Text},
    {"subresource", Text}, {"apiGroup", Text},  {"decision", Text},  {"reason", Text},
    {"plugins", Text},     {"mutations", Text}, {"result", Text},    {"code", Number},
    {"audit", Object},
};

// tracer/taps/KubeAuditEvents.cpp: the Storage stage of the audit log. The revision is the
// annotation's text.
constexpr EventAttribute kStore[] = {
    {"key", Text},         {"operation", Text}, {"revision", Text},  {"store", Text},
    {"stage", Text},       {"verb", Text},      {"user", Text},      {"auditID", Text},
    {"requestURI", Text},  {"resource", Text},  {"namespace", Text}, {"name", Text},
    {"subresource", Text}, {"apiGroup", Text},  {"audit", Object},
};

// tracer/taps/GrpcCallEvent.cpp (the containerd tap), engine/kube/kubelet/KubeletEvidence.cpp
// (the kubelet's CRI calls).
constexpr EventAttribute kGrpc[] = {
    {"phase", Text},
    {"caller", Text},
    {"connection", Number},
    {"stream_id", Number},
    {"path", Text},
    {"service", Text},
    {"method", Text},
    {"namespace", Text},
    {"metadata", Object},
    {"content_type", Text},
    {"user_agent", Text},
    {"authority", Text},
    {"grpc_encoding", Text},
    {"timeout", Text},
    {"timeout_ms", Number},
    {"request_headers_truncated", Boolean},
    {"streaming", Boolean},
    {"complete", Boolean},
    {"status_code", Number},
    {"status_name", Text},
    {"status_constant", Text},
    {"grpc_message", Text},
    {"http_status", Text},
    {"request_messages", Number},
    {"response_messages", Number},
    {"request_bytes", Number},
    {"response_bytes", Number},
    {"duration_ms", Number},
    {"request_fields", List},
    {"request_fields_error", Text},
    {"request_fields_complete", Boolean},
    {"response_fields", List},
    {"response_fields_error", Text},
    {"response_fields_complete", Boolean},
    {"trailers", Object},
    {"reset", Object},
    {"end_reason", Text},
    {"request", Any},
    {"response", Any},
    {"pod", Text},
};

// engine/kube/controllers/Decision.cpp, engine/kube/ingress/IngressController.cpp.
constexpr EventAttribute kReconcile[] = {
    {"controller", Text}, {"object", Object}, {"desired", Any},    {"actual", Any},
    {"action", Text},     {"note", Text},     {"servers", Number}, {"locations", Number},
    {"config", Text},     {"skipped", List},
};

// engine/kube/scheduler/Scheduler.cpp and SchedulingCycle.cpp.
constexpr EventAttribute kSchedule[] = {
    {"pod", Object},  {"schedulerName", Text}, {"nodes", List},     {"chosen", Text},
    {"reason", Text}, {"weights", Object},     {"binding", Object},
};

// tracer/syscalls/TraceEvents.cpp; and engine/kube/cni/CniInvocation.cpp (flowlab-cni-tap's
// record of a CNI plugin call: event "cni").
constexpr EventAttribute kProcess[] = {
    {"plugin", Text},
    {"cni_command", Text},
    {"container_id", Text},
    {"ifname", Text},
    {"cni_netns", Text},
    {"env", Object},
    {"config", Object | Text},
    {"result", Object | Text},
    {"duration_ms", Number},
    {"event", Text},
    {"tid", Number},
    {"comm", Text},
    {"exe", Text},
    {"ppid", Number},
    {"child_pid", Number},
    {"thread", Boolean},
    {"argv", List},
    {"previous_component", Text},
    {"former_tid", Number},
    {"exit_code", Number},
    {"signal", Text},
    {"core_dumped", Boolean},
};

// tracer/syscalls/TraceEvents.cpp, and the decoders' extras (*Decoders.cpp, TraceSession.cpp).
constexpr EventAttribute kSyscall[] = {
    {"syscall", Text},
    {"category", Text},
    {"args", Object},
    {"line", Text},
    {"retval", Number},
    {"errno", Text},
    {"tid", Number},
    {"comm", Text},
    {"exe", Text},
    {"ppid", Number},
    {"flags", List | Text},
    {"namespaces", List},
    {"thread", Boolean},
    {"exit_signal", Text},
    {"child_pid", Number},
    {"fd_target", Text},
    {"path", Text},
    {"argv", List},
    {"argv_truncated", Boolean},
    {"name", Text},
    {"hostname", Text},
    {"length", Number},
    {"source", Text},
    {"target", Text},
    {"fstype", Text},
    {"data", Text},
    {"options", Object},
    {"lowerdirs", List},
    {"new_root", Text},
    {"put_old", Text},
    {"cwd", Text},
    {"hierarchy", Text},
    {"cgroup", Text},
    {"file", Text},
    {"value", Text},
    {"value_read_back", Boolean},
    {"read_back_error", Text},
};

// tracer/kernel/NetlinkEventBuilder.cpp: links, addresses and routes.
constexpr EventAttribute kNetlink[] = {
    {"netns", Text},   {"op", Text},      {"change", Text},        {"ifindex", Number},
    {"ifname", Text},  {"kind", Text},    {"operstate", Text},     {"up", Boolean},
    {"mac", Text},     {"master", Text},  {"peerIfindex", Number}, {"peerNetns", Text},
    {"family", Text},  {"address", Text}, {"prefix", Number},      {"dst", Text},
    {"gateway", Text}, {"prefsrc", Text}, {"table", Number},       {"protocol", Text},
};

// tracer/kernel/RuleSnapshot.cpp (rule changes and hits), engine/kube/proxy/ProxySyncer.cpp
// (kube-proxy's syncs).
constexpr EventAttribute kRule[] = {
    {"netns", Text},
    {"change", Text},
    {"op", Text},
    {"table", Text},
    {"chain", Text},
    {"rule", Text},
    {"position", Number},
    {"counters", Object},
    {"delta", Object},
    {"oldPolicy", Text},
    {"policy", Text},
    {"ok", Boolean},
    {"trigger", Text},
    {"node", Text},
    {"services", Number},
    {"service_ports", Number},
    {"endpoints", Number},
    {"render", Object},
    {"diff", Object},
    {"hooks_installed", List},
    {"stale_chains_removed", List},
    {"render_ms", Number},
    {"restore_ms", Number},
    {"total_ms", Number},
    {"iptables_restore", Object},
    {"error", Text},
};

// tracer/capture/CaptureSet.cpp and PacketDescription.cpp.
constexpr EventAttribute kPacket[] = {
    {"index", Number},
    {"frame", Number},
    {"interface", Text},
    {"interface_id", Number},
    {"netns", Text},
    {"iface", Text},
    {"ts_ns", Number},
    {"len", Number},
    {"caplen", Number},
    {"link", Text},
    {"src_mac", Text},
    {"dst_mac", Text},
    {"ethertype", Text},
    {"vlan", Number},
    {"proto", Text},
    {"arp_op", Text},
    {"arp_sender_mac", Text},
    {"arp_target_mac", Text},
    {"ip_version", Number},
    {"src", Text},
    {"dst", Text},
    {"ttl", Number},
    {"ip_id", Number},
    {"fragment", Boolean},
    {"sport", Number},
    {"dport", Number},
    {"flags", Text},
    {"seq", Number},
    {"ack", Number},
    {"payload_len", Number},
    {"http", Text},
    {"dns_id", Number},
    {"dns_qr", Text},
    {"dns_name", Text},
    {"dns_type", Text},
    {"dns_rcode", Text},
    {"dns_answers", List},
    {"icmp_type", Number},
    {"icmp_code", Number},
    {"icmp", Text},
    {"icmp_id", Number},
    {"icmp_seq", Number},
    {"problem", Text},
};

// tracer/kernel/ConntrackFlow.cpp (flows), and the NAT pairs of tracer/kernel/NatPairer.cpp as
// engine/lesson/LabEvidenceSession.cpp records them.
constexpr EventAttribute kConntrack[] = {
    {"netns", Text},
    {"type", Text},
    {"proto", Text},
    {"orig", Object},
    {"reply", Object},
    {"nat", Text},
    {"state", Text},
    {"id", Number},
    {"mark", Number},
    {"nat_pair", Boolean},
    {"direction", Text},
    {"conntrackSeq", Number},
    {"beforePacketSeq", Number},
    {"afterPacketSeq", Number},
    {"beforeInterface", Text},
    {"afterInterface", Text},
    {"changed", List},
    {"rules", List},
    {"ruleText", Text},
    {"ruleMethod", Text},
};

// engine/kube/dns/DnsResponder.cpp: the cluster DNS server's answers.
constexpr EventAttribute kDns[] = {
    {"client", Text},           {"transport", Text},   {"query_bytes", Number},
    {"dropped", Text},          {"dns_id", Number},    {"dns_qr", Text},
    {"problem", Text},          {"dns_name", Text},    {"dns_type", Text},
    {"dns_rcode", Text},        {"dns_answers", List}, {"answer", List},
    {"authority", List},        {"additional", List},  {"authoritative", Boolean},
    {"truncated", Boolean},     {"edns", Boolean},     {"edns_udp_size", Number},
    {"response_bytes", Number}, {"note", Text},
};

} // namespace

std::span<const EventAttribute> eventAttributes(EventKind kind)
{
    switch (kind) {
    case EventKind::Command:
        return kCommand;
    case EventKind::Api:
        return kApi;
    case EventKind::Audit:
        return kAudit;
    case EventKind::Grpc:
        return kGrpc;
    case EventKind::Store:
        return kStore;
    case EventKind::Reconcile:
        return kReconcile;
    case EventKind::Schedule:
        return kSchedule;
    case EventKind::Process:
        return kProcess;
    case EventKind::Syscall:
        return kSyscall;
    case EventKind::Netlink:
        return kNetlink;
    case EventKind::Rule:
        return kRule;
    case EventKind::Packet:
        return kPacket;
    case EventKind::Conntrack:
        return kConntrack;
    case EventKind::Dns:
        return kDns;
    case EventKind::Log:
        return {};
    }
    return {};
}

bool eventAttributesAreOpen(EventKind kind)
{
    return eventAttributes(kind).empty();
}

const EventAttribute *findEventAttribute(EventKind kind, std::string_view name)
{
    const auto attributes = eventAttributes(kind);
    const auto found = std::find_if(attributes.begin(), attributes.end(),
                                    [name](const EventAttribute &a) { return a.name == name; });
    return found == attributes.end() ? nullptr : &*found;
}

std::string describeShapes(unsigned shapes)
{
    static constexpr std::pair<unsigned, const char *> kNames[] = {
        {Text, "a string"}, {Number, "a number"},  {Boolean, "true or false"},
        {List, "a list"},   {Object, "an object"},
    };
    std::string text;
    for (const auto &[shape, name] : kNames)
        if (shapes & shape)
            text += (text.empty() ? "" : " or ") + std::string(name);
    return text;
}

unsigned attributeShapeOf(const nlohmann::json &value)
{
    if (value.is_string())
        return AttributeShape::Text;
    if (value.is_number())
        return AttributeShape::Number;
    if (value.is_boolean())
        return AttributeShape::Boolean;
    if (value.is_array())
        return AttributeShape::List;
    if (value.is_object())
        return AttributeShape::Object;
    return AttributeShape::Any;
}

std::string uncataloguedAttributes(const Event &event)
{
    if (eventAttributesAreOpen(event.kind))
        return {};
    std::string problems;
    for (const auto &[name, value] : event.attributes.items()) {
        const EventAttribute *attribute = findEventAttribute(event.kind, name);
        if (!attribute)
            problems += " \"" + name + "\" is not catalogued;";
        else if (!(attribute->shapes & attributeShapeOf(value)))
            problems += " \"" + name + "\" is " + describeShapes(attributeShapeOf(value)) +
                        ", catalogued as " + describeShapes(attribute->shapes) + ";";
    }
    return problems.empty() ? "" : std::string(toString(event.kind)) + " event" + problems;
}

} // namespace flowlab
