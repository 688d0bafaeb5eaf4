#pragma once

// Name -> records, as "Kubernetes DNS-Based Service Discovery" (schema 1.1.0) specifies, over
// what a ServiceDirectory holds. Pure: no sockets, no wire format, so tests ask it questions
// directly. The server it backs is authoritative for the cluster zone and for the reverse
// zones of the lab's Service and pod ranges, and for nothing else:
//
//   <svc>.<ns>.svc.<zone>                 A     the ClusterIP; a headless Service's ready
//                                               endpoints; ExternalName: CNAME
//   <host>.<svc>.<ns>.svc.<zone>          A     one endpoint of a headless Service
//   _<port>._<proto>.<svc>.<ns>.svc.<zone> SRV  each named port (per endpoint when headless)
//   <a-b-c-d>.<ns>.pod.<zone>             A     a.b.c.d (kube-dns's pod records, unverified)
//   <d>.<c>.<b>.<a>.in-addr.arpa          PTR   a ClusterIP or a headless endpoint
//   dns-version.<zone>                    TXT   "1.1.0"
//   <zone>                                SOA, NS
//
// An unknown name inside those zones is NXDOMAIN with the zone's SOA in the authority section
// (RFC 2308 negative caching); a name that exists without records of the asked type is an
// empty NOERROR answer ("NODATA"), which matters because stub resolvers ask A and AAAA
// together. Anything outside is REFUSED: there is no upstream to forward to, so no query ever
// leaves the lab.

#include "engine/kube/dns/DnsRecord.h"
#include "engine/kube/dns/ServiceDirectory.h"

#include <cstdint>
#include <string>
#include <vector>

namespace flowlab::kube::dns {

inline constexpr const char *kSchemaVersion = "1.1.0";

struct ResolverOptions
{
    std::string zone = "cluster.local";
    // 5 s, CoreDNS's default for the kubernetes plugin: a pod that stops being Ready leaves a
    // headless answer within 5 s, which a lesson can show, while a burst of requests from one
    // client still resolves once.
    std::uint32_t ttl = 5;
    // The reverse zones answered for (PTR): the lab's pod range 10.42.0.0/16 and Service range
    // 10.43.0.0/16. Other in-addr.arpa names are outside the lab: REFUSED.
    std::vector<std::string> reverseZones = {"42.10.in-addr.arpa", "43.10.in-addr.arpa"};
};

class ClusterResolver
{
public:
    ClusterResolver(const ServiceDirectory &directory, ResolverOptions options = {});

    Answer resolve(const Question &question) const;
    const ResolverOptions &options() const { return m_options; }

private:
    struct Lookup; // one question on its way through the zone

    Answer resolveInZone(const Question &question, const std::string &zone,
                         const std::vector<std::string> &labels) const;
    Answer resolveCluster(Lookup &lookup) const;
    Answer resolveService(Lookup &lookup) const;
    Answer resolveServiceName(Lookup &lookup, const ServiceEntry &service) const;
    Answer resolveEndpointName(Lookup &lookup, const ServiceEntry &service) const;
    Answer resolveSrv(Lookup &lookup, const ServiceEntry &service) const;
    Answer resolvePod(Lookup &lookup) const;
    Answer resolveReverse(Lookup &lookup) const;

    Answer noData(const Lookup &lookup, std::string note) const;
    Answer nxDomain(const Lookup &lookup, std::string note) const;
    ResourceRecord soa(const std::string &zone) const;
    ResourceRecord record(const std::string &name, RecordType type, std::string data) const;
    // A records for the IPv4 addresses and AAAA for the IPv6 ones, those that `asked` wants.
    void addAddressRecords(std::vector<ResourceRecord> &into, std::uint16_t asked,
                           const std::string &owner,
                           const std::vector<std::string> &addresses) const;

    const ServiceDirectory &m_directory;
    ResolverOptions m_options;
    std::string m_zone; // lower case, absolute: "cluster.local."
};

// Whether `ip` is a dotted IPv4 address / an IPv6 address (for A versus AAAA).
bool isIPv4(const std::string &ip);
bool isIPv6(const std::string &ip);

} // namespace flowlab::kube::dns
