#pragma once

// DNS messages on the wire (RFC 1035 4, EDNS0 of RFC 6891), read and written with ldns, NLnet
// Labs' DNS library (Debian's libldns-dev): see README.md for why a library and why this one.
// This file is the only one that includes ldns; the rest of the server deals in DnsRecord's
// plain structs.

#include "engine/kube/dns/DnsRecord.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowlab::kube::dns {

// What a query asked, or why it cannot be answered normally.
struct DecodedQuery
{
    // Whether to answer at all: not for fewer than 12 bytes (no ID to echo) nor for a
    // message with QR set (a response: answering responses invites loops).
    bool answerable = false;
    // NoError when `question` is valid; else the error to answer with: FORMERR (unparsable, or
    // not exactly one question), NOTIMP (an opcode other than QUERY), BADVERS (EDNS version
    // above 0). `problem` says what was wrong, for the evidence.
    Rcode rcode = Rcode::NoError;
    std::string problem;

    std::uint16_t id = 0;
    std::uint8_t opcode = 0;
    bool recursionDesired = false;
    bool checkingDisabled = false;
    Question question;
    bool hasQuestion = false;
    bool edns = false;             // the query carried an OPT record
    std::uint16_t ednsUdpSize = 0; // the requestor's UDP payload size
    std::uint8_t ednsVersion = 0;
};

DecodedQuery decodeQuery(std::string_view packet);

// The largest UDP answer for a query: 512 bytes without EDNS0 (RFC 1035), else what the client
// advertised, kept within 512..4096.
std::size_t udpPayloadLimit(const DecodedQuery &query);

// The UDP payload size this server advertises in its own OPT record: 1232 bytes, the DNS
// flag day 2020 figure, which fits an IPv6 minimum MTU without fragments.
inline constexpr std::uint16_t kAdvertisedUdpSize = 1232;

struct EncodedResponse
{
    std::string bytes;      // empty if encoding failed (`error` says why)
    bool truncated = false; // TC set: the full answer did not fit `maxSize`
    std::string error;
};

// The response to `query`: its ID, opcode, RD and CD echoed, QR and (per the answer) AA set,
// RA clear (this server does not recurse), the question copied, the answer's sections, and an
// OPT record when the query had one. When the result exceeds `maxSize` (a UDP limit), it is
// sent with TC set and the record sections emptied: the client retries over TCP.
EncodedResponse encodeResponse(const DecodedQuery &query, const Answer &answer,
                               std::size_t maxSize = 65535);

} // namespace flowlab::kube::dns
