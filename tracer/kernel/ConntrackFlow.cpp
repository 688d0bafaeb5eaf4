#include "tracer/kernel/ConntrackFlow.h"

namespace flowlab {

namespace {

std::string endpoint(const std::string &address, std::uint16_t port, bool withPort)
{
    if (!withPort)
        return address;
    // IPv6 endpoints are bracketed so the port stays readable.
    const bool v6 = address.find(':') != std::string::npos;
    return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

bool hasPorts(const FlowTuple &t)
{
    return t.sport != 0 || t.dport != 0;
}

nlohmann::json tupleJson(const FlowTuple &t)
{
    return {{"src", t.src}, {"dst", t.dst}, {"sport", t.sport}, {"dport", t.dport}};
}

std::optional<FlowTuple> tupleFrom(const nlohmann::json &j, const std::string &proto)
{
    if (!j.is_object() || !j.contains("src") || !j.contains("dst"))
        return std::nullopt;
    FlowTuple t;
    t.proto = proto;
    t.src = j.at("src").get<std::string>();
    t.dst = j.at("dst").get<std::string>();
    t.sport = j.value("sport", std::uint16_t(0));
    t.dport = j.value("dport", std::uint16_t(0));
    return t;
}

} // namespace

std::string FlowTuple::endpoints() const
{
    const bool ports = hasPorts(*this);
    return endpoint(src, sport, ports) + " → " + endpoint(dst, dport, ports);
}

std::string_view toString(ConntrackEventType type)
{
    switch (type) {
    case ConntrackEventType::New:
        return "new";
    case ConntrackEventType::Update:
        return "update";
    case ConntrackEventType::Destroy:
        return "destroy";
    }
    return "unknown";
}

std::string_view toString(NatKind kind)
{
    switch (kind) {
    case NatKind::None:
        return "none";
    case NatKind::Dnat:
        return "dnat";
    case NatKind::Snat:
        return "snat";
    case NatKind::Both:
        return "both";
    }
    return "none";
}

std::optional<NatKind> natKindFromString(std::string_view name)
{
    for (NatKind kind : {NatKind::None, NatKind::Dnat, NatKind::Snat, NatKind::Both})
        if (toString(kind) == name)
            return kind;
    return std::nullopt;
}

NatKind ConntrackFlowEvent::nat() const
{
    if (dnat() && snat())
        return NatKind::Both;
    if (dnat())
        return NatKind::Dnat;
    if (snat())
        return NatKind::Snat;
    return NatKind::None;
}

std::string summarize(const ConntrackFlowEvent &flow)
{
    const bool ports = hasPorts(flow.orig);
    std::string text = flow.orig.proto + " " + flow.orig.endpoints();
    // The reply's source is where the request really went; its destination is who the server
    // thinks sent it.
    if (flow.dnat())
        text += " DNAT to " + endpoint(flow.reply.src, flow.reply.sport, ports);
    if (flow.snat())
        text += std::string(flow.dnat() ? "," : "") + " SNAT to " +
                endpoint(flow.reply.dst, flow.reply.dport, ports);
    if (flow.type == ConntrackEventType::Update && !flow.state.empty())
        text += " [" + flow.state + "]";
    if (flow.type == ConntrackEventType::Destroy)
        text += " ended";
    return text;
}

Event conntrackEvent(const ConntrackFlowEvent &flow)
{
    Event event;
    event.kind = EventKind::Conntrack;
    event.source = {"conntrack", flow.netns, 0, flow.netns};
    event.summary = summarize(flow);
    event.attributes = {
        {"netns", flow.netns},
        {"type", toString(flow.type)},
        {"proto", flow.orig.proto},
        {"orig", tupleJson(flow.orig)},
        {"reply", tupleJson(flow.reply)},
        {"nat", toString(flow.nat())},
        {"state", flow.state},
        {"id", flow.id},
        {"mark", flow.mark},
    };
    return event;
}

std::optional<ConntrackFlowEvent> conntrackFlowFromEvent(const Event &event)
{
    if (event.kind != EventKind::Conntrack)
        return std::nullopt;
    const auto &a = event.attributes;
    if (!a.is_object() || !a.contains("proto") || !a.contains("orig") || !a.contains("reply"))
        return std::nullopt;
    try {
        const std::string proto = a.at("proto").get<std::string>();
        auto orig = tupleFrom(a.at("orig"), proto);
        auto reply = tupleFrom(a.at("reply"), proto);
        if (!orig || !reply)
            return std::nullopt;
        ConntrackFlowEvent flow;
        flow.orig = *orig;
        flow.reply = *reply;
        const std::string type = a.value("type", std::string("new"));
        flow.type = type == "destroy"  ? ConntrackEventType::Destroy
                    : type == "update" ? ConntrackEventType::Update
                                       : ConntrackEventType::New;
        flow.state = a.value("state", std::string());
        flow.id = a.value("id", std::uint32_t(0));
        flow.mark = a.value("mark", std::uint32_t(0));
        flow.netns = a.value("netns", event.source.netns);
        flow.seq = event.seq;
        return flow;
    } catch (const nlohmann::json::exception &) {
        return std::nullopt; // a field of the wrong type: not an event this code wrote
    }
}

} // namespace flowlab
