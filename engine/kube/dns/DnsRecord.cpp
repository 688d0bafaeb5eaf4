#include "engine/kube/dns/DnsRecord.h"

#include <array>
#include <utility>

namespace flowlab::kube::dns {

namespace {

constexpr std::array<std::pair<std::uint16_t, std::string_view>, 9> kTypeNames{{
    {1, "A"},
    {2, "NS"},
    {5, "CNAME"},
    {6, "SOA"},
    {12, "PTR"},
    {16, "TXT"},
    {28, "AAAA"},
    {33, "SRV"},
    {255, "ANY"},
}};

constexpr std::array<std::pair<Rcode, std::string_view>, 7> kRcodeNames{{
    {Rcode::NoError, "NOERROR"},
    {Rcode::FormErr, "FORMERR"},
    {Rcode::ServFail, "SERVFAIL"},
    {Rcode::NXDomain, "NXDOMAIN"},
    {Rcode::NotImp, "NOTIMP"},
    {Rcode::Refused, "REFUSED"},
    {Rcode::BadVers, "BADVERS"},
}};

} // namespace

std::string typeName(std::uint16_t type)
{
    for (const auto &[number, name] : kTypeNames)
        if (number == type)
            return std::string(name);
    return "TYPE" + std::to_string(type);
}

std::string rcodeName(Rcode rcode)
{
    for (const auto &[code, name] : kRcodeNames)
        if (code == rcode)
            return std::string(name);
    return "RCODE" + std::to_string(unsigned(rcode));
}

std::string ResourceRecord::presentation() const
{
    return name + " " + std::to_string(ttl) + " IN " + typeName(type) + " " + data;
}

std::string ResourceRecord::brief() const
{
    return typeName(type) + " " + data;
}

std::string lowerCase(std::string_view name)
{
    std::string lower(name);
    for (char &c : lower)
        if (c >= 'A' && c <= 'Z')
            c = char(c - 'A' + 'a');
    return lower;
}

} // namespace flowlab::kube::dns
