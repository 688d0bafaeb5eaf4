#pragma once

// What the cluster DNS server deals in, without any wire format: a question, the records that
// answer it and the response code, as RFC 1035 names them. The resolver produces these; the
// wire code (DnsWire) turns them into packets with ldns; the evidence shows them as zone-file
// lines ("nginx.default.svc.cluster.local. 5 IN A 10.43.0.17"), the form `dig` prints.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::kube::dns {

// The types the server answers with, by their IANA numbers; any other question type gets an
// empty NOERROR answer (NODATA) when the name exists.
enum class RecordType : std::uint16_t {
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    ANY = 255,
};

// "A", "SRV"..., or "TYPE65" (RFC 3597) for a number without a name here.
std::string typeName(std::uint16_t type);
inline std::string typeName(RecordType type)
{
    return typeName(std::uint16_t(type));
}

// The response codes this server sends (RFC 1035 4.1.1, RFC 6891 for BADVERS).
enum class Rcode : std::uint16_t {
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NXDomain = 3,
    NotImp = 4,
    Refused = 5,
    BadVers = 16,
};

std::string rcodeName(Rcode rcode); // "NOERROR", "NXDOMAIN"...

struct Question
{
    std::string name; // absolute, with the trailing dot, as asked (case kept)
    std::uint16_t type = 1;
    std::uint16_t qclass = 1; // IN
};

// One resource record. `data` is the RDATA in presentation form ("10.43.0.17",
// "0 100 80 web.default.svc.cluster.local."), which ldns parses into wire form.
struct ResourceRecord
{
    std::string name; // absolute, lower case
    RecordType type = RecordType::A;
    std::uint32_t ttl = 0;
    std::string data;

    // "name. TTL IN TYPE data", as in a zone file and in dig's output.
    std::string presentation() const;
    // "A 10.43.0.17", the short form the packet decoder's dns_answers use.
    std::string brief() const;
    bool operator==(const ResourceRecord &) const = default;
};

// The resolver's verdict on one question.
struct Answer
{
    Rcode rcode = Rcode::NoError;
    bool authoritative = false; // AA: the name is in a zone this server is the source of
    std::vector<ResourceRecord> answers;
    std::vector<ResourceRecord> authority;  // the zone's SOA on NXDOMAIN and NODATA
    std::vector<ResourceRecord> additional; // the A records an SRV answer points at
    std::string note; // why, for the evidence: "headless Service: 3 ready endpoints"
};

// Lower-cases ASCII letters only: DNS names compare case-insensitively (RFC 4343), and the
// Kubernetes names they hold are lower-case already.
std::string lowerCase(std::string_view name);

} // namespace flowlab::kube::dns
