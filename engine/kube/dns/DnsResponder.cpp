#include "engine/kube/dns/DnsResponder.h"

namespace flowlab::kube::dns {

namespace {

nlohmann::json presentations(const std::vector<ResourceRecord> &records)
{
    nlohmann::json lines = nlohmann::json::array();
    for (const ResourceRecord &record : records)
        lines.push_back(record.presentation());
    return lines;
}

// The question's name as the packet decoder's dns_name shows it: without the trailing dot.
std::string displayName(const std::string &name)
{
    if (name.size() > 1 && name.back() == '.')
        return name.substr(0, name.size() - 1);
    return name;
}

} // namespace

DnsResponder::DnsResponder(const ClusterResolver &resolver)
    : m_resolver(resolver)
{}

Exchange DnsResponder::respond(std::string_view packet, Transport transport,
                               const std::string &client) const
{
    Exchange exchange;
    Event &event = exchange.evidence;
    event.kind = EventKind::Dns;
    auto &attributes = event.attributes;
    attributes["client"] = client;
    attributes["transport"] = transport == Transport::Udp ? "udp" : "tcp";
    attributes["query_bytes"] = packet.size();

    const DecodedQuery query = decodeQuery(packet);
    if (!query.answerable) {
        attributes["dropped"] = query.problem;
        event.summary = "dropped " + std::to_string(packet.size()) + " bytes from " + client +
                        ": " + query.problem;
        return exchange;
    }
    attributes["dns_id"] = query.id;
    attributes["dns_qr"] = "response";

    Answer answer;
    if (query.rcode != Rcode::NoError) {
        answer.rcode = query.rcode;
        answer.note = query.problem;
        attributes["problem"] = query.problem;
    } else {
        answer = m_resolver.resolve(query.question);
    }
    const std::size_t limit = transport == Transport::Udp ? udpPayloadLimit(query) : 65535;
    EncodedResponse encoded = encodeResponse(query, answer, limit);
    if (encoded.bytes.empty()) {
        // A record the resolver made that ldns would not encode: a bug of ours, so say so
        // and tell the client we failed rather than leave it waiting.
        Answer failure;
        failure.rcode = Rcode::ServFail;
        failure.note = encoded.error;
        answer = failure;
        encoded = encodeResponse(query, answer, limit);
    }
    exchange.answered = !encoded.bytes.empty();
    exchange.response = std::move(encoded.bytes);

    const std::string name = query.hasQuestion ? displayName(query.question.name) : "";
    const std::string type = query.hasQuestion ? typeName(query.question.type) : "";
    if (query.hasQuestion) {
        attributes["dns_name"] = name;
        attributes["dns_type"] = type;
    }
    attributes["dns_rcode"] = rcodeName(answer.rcode);
    nlohmann::json brief = nlohmann::json::array();
    for (const ResourceRecord &record : answer.answers)
        brief.push_back(record.brief());
    attributes["dns_answers"] = brief;
    attributes["answer"] = presentations(answer.answers);
    attributes["authority"] = presentations(answer.authority);
    attributes["additional"] = presentations(answer.additional);
    attributes["authoritative"] = answer.authoritative;
    attributes["truncated"] = encoded.truncated;
    attributes["edns"] = query.edns;
    if (query.edns)
        attributes["edns_udp_size"] = query.ednsUdpSize;
    attributes["response_bytes"] = exchange.response.size();
    if (!answer.note.empty())
        attributes["note"] = answer.note;

    std::string summary = query.hasQuestion ? type + " " + name : "query";
    summary += " from " + client + " (" + (transport == Transport::Udp ? "udp" : "tcp") +
               "): " + rcodeName(answer.rcode);
    for (std::size_t i = 0; i < answer.answers.size() && i < 4; ++i)
        summary += (i == 0 ? " " : ", ") + answer.answers[i].brief();
    if (answer.answers.size() > 4)
        summary += ", +" + std::to_string(answer.answers.size() - 4) + " more";
    if (encoded.truncated)
        summary += " (truncated: retry over TCP)";
    event.summary = summary;
    return exchange;
}

} // namespace flowlab::kube::dns
