#include "engine/kube/dns/DnsWire.h"

#include <algorithm>
#include <cstdlib>
#include <ldns/ldns.h>
#include <memory>

namespace flowlab::kube::dns {

namespace {

struct PacketFree
{
    void operator()(ldns_pkt *packet) const { ldns_pkt_free(packet); }
};
using Packet = std::unique_ptr<ldns_pkt, PacketFree>;

constexpr std::size_t kHeaderSize = 12;
constexpr std::uint8_t kOpcodeQuery = 0;

std::string rdfText(const ldns_rdf *rdf)
{
    char *text = ldns_rdf2str(rdf);
    std::string out = text ? text : "";
    std::free(text);
    return out;
}

// An RR from its zone-file line; ldns does the RDATA encoding of every type we answer with.
ldns_rr *recordFromText(const ResourceRecord &record, std::string *error)
{
    ldns_rr *rr = nullptr;
    const std::string line = record.presentation();
    const ldns_status status = ldns_rr_new_frm_str(&rr, line.c_str(), record.ttl, nullptr, nullptr);
    if (status != LDNS_STATUS_OK) {
        *error = "encoding the record \"" + line + "\": " + ldns_get_errorstr_by_id(status);
        return nullptr;
    }
    return rr;
}

ldns_rr *questionRecord(const Question &question, std::string *error)
{
    ldns_rdf *owner = ldns_dname_new_frm_str(question.name.c_str());
    if (!owner) {
        *error = "encoding the question name \"" + question.name + "\"";
        return nullptr;
    }
    ldns_rr *rr = ldns_rr_new();
    ldns_rr_set_owner(rr, owner);
    ldns_rr_set_type(rr, ldns_rr_type(question.type));
    ldns_rr_set_class(rr, ldns_rr_class(question.qclass));
    ldns_rr_set_question(rr, true);
    return rr;
}

bool pushRecords(ldns_pkt *packet, ldns_pkt_section section,
                 const std::vector<ResourceRecord> &records, std::string *error)
{
    for (const ResourceRecord &record : records) {
        ldns_rr *rr = recordFromText(record, error);
        if (!rr)
            return false;
        ldns_pkt_push_rr(packet, section, rr);
    }
    return true;
}

Packet responsePacket(const DecodedQuery &query, const Answer &answer, bool withRecords,
                      std::string *error)
{
    Packet packet(ldns_pkt_new());
    ldns_pkt_set_id(packet.get(), query.id);
    ldns_pkt_set_qr(packet.get(), true);
    ldns_pkt_set_opcode(packet.get(), ldns_pkt_opcode(query.opcode));
    ldns_pkt_set_aa(packet.get(), answer.authoritative);
    ldns_pkt_set_rd(packet.get(), query.recursionDesired);
    ldns_pkt_set_cd(packet.get(), query.checkingDisabled);
    ldns_pkt_set_ra(packet.get(), false);
    ldns_pkt_set_tc(packet.get(), !withRecords);
    // Response codes above 15 keep their upper 8 bits in the OPT record (RFC 6891 6.1.3).
    const unsigned rcode = unsigned(answer.rcode);
    ldns_pkt_set_rcode(packet.get(), std::uint8_t(rcode & 0xF));
    if (query.edns) {
        ldns_pkt_set_edns_udp_size(packet.get(), kAdvertisedUdpSize);
        ldns_pkt_set_edns_version(packet.get(), 0);
        ldns_pkt_set_edns_extended_rcode(packet.get(), std::uint8_t(rcode >> 4));
    }
    if (query.hasQuestion) {
        ldns_rr *question = questionRecord(query.question, error);
        if (!question)
            return nullptr;
        ldns_pkt_push_rr(packet.get(), LDNS_SECTION_QUESTION, question);
    }
    if (withRecords &&
        (!pushRecords(packet.get(), LDNS_SECTION_ANSWER, answer.answers, error) ||
         !pushRecords(packet.get(), LDNS_SECTION_AUTHORITY, answer.authority, error) ||
         !pushRecords(packet.get(), LDNS_SECTION_ADDITIONAL, answer.additional, error)))
        return nullptr;
    return packet;
}

std::string wireOf(const ldns_pkt *packet, std::string *error)
{
    std::uint8_t *wire = nullptr;
    std::size_t size = 0;
    const ldns_status status = ldns_pkt2wire(&wire, packet, &size);
    if (status != LDNS_STATUS_OK) {
        *error = std::string("encoding the response: ") + ldns_get_errorstr_by_id(status);
        std::free(wire);
        return {};
    }
    std::string bytes(reinterpret_cast<const char *>(wire), size);
    std::free(wire);
    return bytes;
}

} // namespace

DecodedQuery decodeQuery(std::string_view bytes)
{
    DecodedQuery query;
    if (bytes.size() < kHeaderSize) {
        query.problem = "shorter than a DNS header (" + std::to_string(bytes.size()) + " bytes)";
        return query;
    }
    const auto *raw = reinterpret_cast<const std::uint8_t *>(bytes.data());
    query.id = std::uint16_t(raw[0] << 8 | raw[1]);
    if (raw[2] & 0x80) {
        query.problem = "a response (QR set), not a query";
        return query;
    }
    query.answerable = true;
    query.opcode = (raw[2] >> 3) & 0xF;
    query.recursionDesired = raw[2] & 0x01;
    query.checkingDisabled = raw[3] & 0x10;
    if (query.opcode != kOpcodeQuery) {
        query.rcode = Rcode::NotImp;
        query.problem = "opcode " + std::to_string(query.opcode) + ": only QUERY (0) is served";
        return query;
    }

    ldns_pkt *parsed = nullptr;
    const ldns_status status = ldns_wire2pkt(&parsed, raw, bytes.size());
    Packet packet(parsed);
    if (status != LDNS_STATUS_OK || !packet) {
        query.rcode = Rcode::FormErr;
        query.problem = std::string("malformed: ") + ldns_get_errorstr_by_id(status);
        return query;
    }
    if (ldns_pkt_edns(packet.get())) {
        query.edns = true;
        query.ednsUdpSize = ldns_pkt_edns_udp_size(packet.get());
        query.ednsVersion = ldns_pkt_edns_version(packet.get());
    }
    if (ldns_pkt_qdcount(packet.get()) != 1) {
        query.rcode = Rcode::FormErr;
        query.problem =
            std::to_string(ldns_pkt_qdcount(packet.get())) + " questions: a query asks exactly one";
        return query;
    }
    const ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(packet.get()), 0);
    query.question.name = rdfText(ldns_rr_owner(question));
    query.question.type = std::uint16_t(ldns_rr_get_type(question));
    query.question.qclass = std::uint16_t(ldns_rr_get_class(question));
    query.hasQuestion = true;
    if (query.edns && query.ednsVersion > 0) {
        query.rcode = Rcode::BadVers;
        query.problem = "EDNS version " + std::to_string(query.ednsVersion) + ": only 0 is served";
    }
    return query;
}

std::size_t udpPayloadLimit(const DecodedQuery &query)
{
    if (!query.edns)
        return 512;
    return std::clamp<std::size_t>(query.ednsUdpSize, 512, 4096);
}

EncodedResponse encodeResponse(const DecodedQuery &query, const Answer &answer, std::size_t maxSize)
{
    EncodedResponse response;
    Packet full = responsePacket(query, answer, true, &response.error);
    if (!full)
        return response;
    response.bytes = wireOf(full.get(), &response.error);
    if (response.bytes.size() <= maxSize)
        return response;
    Packet truncated = responsePacket(query, answer, false, &response.error);
    if (!truncated)
        return response;
    response.bytes = wireOf(truncated.get(), &response.error);
    response.truncated = true;
    return response;
}

} // namespace flowlab::kube::dns
