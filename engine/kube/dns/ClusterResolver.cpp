#include "engine/kube/dns/ClusterResolver.h"

#include <arpa/inet.h>
#include <cstdlib>

namespace flowlab::kube::dns {

namespace {

// The server's own name, as CoreDNS calls it: what NS and SOA records point at.
std::string serverName(const std::string &zone)
{
    return "ns.dns." + zone;
}

std::string absolute(std::string name)
{
    if (name.empty() || name.back() != '.')
        name += '.';
    return name;
}

// "a.b.c." inside "c." -> {"a", "b"}; nullopt when `name` is not in `zone`.
std::optional<std::vector<std::string>> labelsUnder(const std::string &name,
                                                    const std::string &zone)
{
    if (name == zone)
        return std::vector<std::string>{};
    if (name.size() <= zone.size() || !name.ends_with(zone) ||
        name[name.size() - zone.size() - 1] != '.')
        return std::nullopt;
    std::vector<std::string> labels;
    const std::string prefix = name.substr(0, name.size() - zone.size() - 1);
    std::size_t start = 0;
    while (start <= prefix.size()) {
        const std::size_t dot = prefix.find('.', start);
        const std::size_t end = dot == std::string::npos ? prefix.size() : dot;
        labels.push_back(prefix.substr(start, end - start));
        start = end + 1;
    }
    return labels;
}

bool asks(std::uint16_t asked, RecordType type)
{
    return asked == std::uint16_t(type) || asked == std::uint16_t(RecordType::ANY);
}

// "10-42-0-5" -> "10.42.0.5"; empty unless it is four numbers of 0..255.
std::string addressFromDashes(const std::string &label)
{
    std::string ip;
    int parts = 0;
    std::size_t start = 0;
    while (start <= label.size()) {
        const std::size_t dash = label.find('-', start);
        const std::size_t end = dash == std::string::npos ? label.size() : dash;
        const std::string part = label.substr(start, end - start);
        if (part.empty() || part.size() > 3 ||
            part.find_first_not_of("0123456789") != std::string::npos ||
            std::atoi(part.c_str()) > 255)
            return {};
        ip += (parts++ ? "." : "") + std::to_string(std::atoi(part.c_str()));
        start = end + 1;
    }
    return parts == 4 ? ip : std::string();
}

} // namespace

bool isIPv4(const std::string &ip)
{
    in_addr parsed{};
    return ::inet_pton(AF_INET, ip.c_str(), &parsed) == 1;
}

bool isIPv6(const std::string &ip)
{
    in6_addr parsed{};
    return ::inet_pton(AF_INET6, ip.c_str(), &parsed) == 1;
}

struct ClusterResolver::Lookup
{
    std::string owner;               // the name as asked, absolute: answers at it keep its spelling
    std::string zone;                // the zone it falls in, lower case, absolute
    std::vector<std::string> labels; // lower case, left of the zone
    std::uint16_t type = 1;
    int chased = 0; // CNAMEs followed inside the zone
};

ClusterResolver::ClusterResolver(const ServiceDirectory &directory, ResolverOptions options)
    : m_directory(directory)
    , m_options(std::move(options))
    , m_zone(absolute(lowerCase(m_options.zone)))
{}

Answer ClusterResolver::resolve(const Question &question) const
{
    const std::string name = absolute(lowerCase(question.name));
    Answer answer;
    if (question.qclass != 1 && question.qclass != 255) {
        answer.rcode = Rcode::Refused;
        answer.note = "class " + std::to_string(question.qclass) + ": this server serves IN only";
        return answer;
    }
    std::vector<std::string> zones{m_zone};
    for (const std::string &reverse : m_options.reverseZones)
        zones.push_back(absolute(lowerCase(reverse)));
    for (const std::string &zone : zones)
        if (auto labels = labelsUnder(name, zone))
            return resolveInZone(question, zone, *labels);
    answer.rcode = Rcode::Refused;
    answer.note = "outside " + m_zone +
                  ": this server has no upstream, so names outside the cluster are refused and "
                  "no query leaves the lab";
    return answer;
}

Answer ClusterResolver::resolveInZone(const Question &question, const std::string &zone,
                                      const std::vector<std::string> &labels) const
{
    if (!m_directory.synced()) {
        Answer answer;
        answer.rcode = Rcode::ServFail;
        answer.note = "the Services and EndpointSlices have not been listed yet";
        return answer;
    }
    Lookup lookup{absolute(question.name), zone, labels, question.type};
    Answer answer = zone == m_zone ? resolveCluster(lookup) : resolveReverse(lookup);
    answer.authoritative = true;
    return answer;
}

ResourceRecord ClusterResolver::record(const std::string &name, RecordType type,
                                       std::string data) const
{
    return {name, type, m_options.ttl, std::move(data)};
}

ResourceRecord ClusterResolver::soa(const std::string &zone) const
{
    // Refresh, retry and expire matter to secondaries, which the lab has none of; the last
    // field is how long resolvers cache an NXDOMAIN (RFC 2308): the same short TTL.
    return record(zone, RecordType::SOA,
                  serverName(m_zone) + " hostmaster." + m_zone + " " +
                      std::to_string(m_directory.generation()) + " 7200 1800 86400 " +
                      std::to_string(m_options.ttl));
}

Answer ClusterResolver::noData(const Lookup &lookup, std::string note) const
{
    Answer answer;
    answer.authority.push_back(soa(lookup.zone));
    answer.note = std::move(note);
    return answer;
}

Answer ClusterResolver::nxDomain(const Lookup &lookup, std::string note) const
{
    Answer answer;
    answer.rcode = Rcode::NXDomain;
    answer.authority.push_back(soa(lookup.zone));
    answer.note = std::move(note);
    return answer;
}

void ClusterResolver::addAddressRecords(std::vector<ResourceRecord> &into, std::uint16_t asked,
                                        const std::string &owner,
                                        const std::vector<std::string> &addresses) const
{
    for (const std::string &ip : addresses) {
        if (isIPv4(ip) && asks(asked, RecordType::A))
            into.push_back(record(owner, RecordType::A, ip));
        else if (isIPv6(ip) && asks(asked, RecordType::AAAA))
            into.push_back(record(owner, RecordType::AAAA, ip));
    }
}

Answer ClusterResolver::resolveCluster(Lookup &lookup) const
{
    const auto &labels = lookup.labels;
    if (labels.empty()) {
        Answer answer;
        if (asks(lookup.type, RecordType::SOA))
            answer.answers.push_back(soa(m_zone));
        if (asks(lookup.type, RecordType::NS))
            answer.answers.push_back(record(m_zone, RecordType::NS, serverName(m_zone)));
        if (answer.answers.empty())
            return noData(lookup, "the zone apex has SOA and NS records only");
        answer.note = "the zone apex";
        return answer;
    }
    const std::string &last = labels.back();
    if (last == "svc")
        return resolveService(lookup);
    if (last == "pod")
        return resolvePod(lookup);
    if (labels.size() == 1 && last == "dns-version") {
        Answer answer;
        if (asks(lookup.type, RecordType::TXT))
            answer.answers.push_back(
                record(lookup.owner, RecordType::TXT, std::string("\"") + kSchemaVersion + "\""));
        answer.note = std::string("the DNS schema version, ") + kSchemaVersion;
        if (answer.answers.empty())
            answer.authority.push_back(soa(m_zone));
        return answer;
    }
    if (last == "dns") {
        // ns.dns.<zone>: this server, at the kube-dns Service's ClusterIP.
        const ServiceEntry *self = m_directory.service("kube-system", "kube-dns");
        if (!self || labels.size() > 2 || (labels.size() == 2 && labels[0] != "ns"))
            return nxDomain(lookup, "no such name in " + m_zone);
        if (labels.size() == 1)
            return noData(lookup, "an empty non-terminal above ns.dns." + m_zone);
        Answer answer;
        addAddressRecords(answer.answers, lookup.type, lookup.owner, self->clusterIPs);
        answer.note = "this server: the kube-dns Service kube-system/kube-dns";
        if (answer.answers.empty())
            answer.authority.push_back(soa(m_zone));
        return answer;
    }
    return nxDomain(lookup, "no such name in " + m_zone + " (Service names end in .svc." + m_zone +
                                ", pod names in .pod." + m_zone + ")");
}

Answer ClusterResolver::resolveService(Lookup &lookup) const
{
    const auto &labels = lookup.labels;
    const std::size_t n = labels.size();
    if (n == 1)
        return noData(lookup, "svc." + m_zone + " holds the Services, one namespace below");
    const std::string &ns = labels[n - 2];
    if (n == 2)
        return m_directory.hasNamespace(ns)
                   ? noData(lookup, "namespace " + ns + " has Services, one label below")
                   : nxDomain(lookup, "no Service in namespace " + ns);
    const std::string &name = labels[n - 3];
    const ServiceEntry *service = m_directory.service(ns, name);
    if (!service)
        return nxDomain(lookup, "no Service " + ns + "/" + name);
    if (n == 3)
        return resolveServiceName(lookup, *service);
    if (n == 4 && labels[0].starts_with("_")) {
        for (const NamedPort &port : service->ports)
            if (!port.name.empty() && "_" + port.protocol == labels[0])
                return noData(lookup, "SRV records are one label below, per named port");
        return nxDomain(lookup, "Service " + ns + "/" + name + " has no named " +
                                    labels[0].substr(1) + " port");
    }
    if (n == 4)
        return resolveEndpointName(lookup, *service);
    if (n == 5 && labels[0].starts_with("_") && labels[1].starts_with("_"))
        return resolveSrv(lookup, *service);
    return nxDomain(lookup, "no such name under Service " + ns + "/" + name);
}

Answer ClusterResolver::resolveServiceName(Lookup &lookup, const ServiceEntry &service) const
{
    const std::string key = service.ns + "/" + service.name;
    Answer answer;
    switch (service.kind) {
    case ServiceKind::ExternalName: {
        const std::string target = absolute(service.externalName);
        answer.answers.push_back(record(lookup.owner, RecordType::CNAME, target));
        answer.note = "ExternalName Service " + key + ": CNAME to " + target;
        if (lookup.type == std::uint16_t(RecordType::CNAME))
            return answer;
        // Followed only inside the cluster zone, once: a name outside it is not ours to
        // resolve, and the client's resolver will ask for it (and be refused, in the lab).
        if (lookup.chased == 0 && labelsUnder(target, m_zone)) {
            Lookup next{target, m_zone, *labelsUnder(target, m_zone), lookup.type, 1};
            Answer followed = resolveCluster(next);
            if (followed.rcode == Rcode::NoError)
                for (ResourceRecord &rr : followed.answers)
                    answer.answers.push_back(std::move(rr));
        } else {
            answer.note += " (not followed: outside the cluster zone)";
        }
        return answer;
    }
    case ServiceKind::ClusterIP:
        addAddressRecords(answer.answers, lookup.type, lookup.owner, service.clusterIPs);
        answer.note = "Service " + key + ": its ClusterIP";
        break;
    case ServiceKind::Headless: {
        const std::vector<EndpointEntry> ready = m_directory.endpoints(service, true);
        if (ready.empty())
            return nxDomain(lookup, "headless Service " + key + " has no ready endpoints");
        std::vector<std::string> addresses;
        for (const EndpointEntry &endpoint : ready)
            addresses.push_back(endpoint.ip);
        addAddressRecords(answer.answers, lookup.type, lookup.owner, addresses);
        answer.note = "headless Service " + key + ": " + std::to_string(ready.size()) +
                      " ready endpoint" + (ready.size() == 1 ? "" : "s");
        break;
    }
    }
    if (answer.answers.empty())
        answer.authority.push_back(soa(m_zone));
    return answer;
}

Answer ClusterResolver::resolveEndpointName(Lookup &lookup, const ServiceEntry &service) const
{
    const std::string &host = lookup.labels[0];
    const std::string key = service.ns + "/" + service.name;
    if (service.kind != ServiceKind::Headless)
        return nxDomain(lookup, "Service " + key + " is not headless: its endpoints have no names");
    std::vector<std::string> addresses;
    for (const EndpointEntry &endpoint : m_directory.endpoints(service, true))
        if (endpoint.hostname == host)
            addresses.push_back(endpoint.ip);
    if (addresses.empty())
        return nxDomain(lookup, "headless Service " + key + " has no ready endpoint " + host);
    Answer answer;
    addAddressRecords(answer.answers, lookup.type, lookup.owner, addresses);
    answer.note = "endpoint " + host + " of headless Service " + key;
    if (answer.answers.empty())
        answer.authority.push_back(soa(m_zone));
    return answer;
}

Answer ClusterResolver::resolveSrv(Lookup &lookup, const ServiceEntry &service) const
{
    const std::string portName = lookup.labels[0].substr(1);
    const std::string protocol = lookup.labels[1].substr(1);
    const std::string key = service.ns + "/" + service.name;
    const std::string serviceName = service.name + "." + service.ns + ".svc." + m_zone;
    const NamedPort *port = nullptr;
    for (const NamedPort &candidate : service.ports)
        if (!candidate.name.empty() && candidate.name == portName && candidate.protocol == protocol)
            port = &candidate;
    if (!port)
        return nxDomain(lookup, "Service " + key + " has no " + protocol + " port named " +
                                    portName + " (unnamed ports get no SRV record)");
    if (!asks(lookup.type, RecordType::SRV))
        return noData(lookup, "an SRV name: it has SRV records only");

    Answer answer;
    // Priority 0 and equal weights for all targets (RFC 2782): clients spread their choice
    // evenly, as over the A records of a headless Service.
    if (service.kind != ServiceKind::Headless) {
        const std::string target = service.kind == ServiceKind::ExternalName
                                       ? absolute(service.externalName)
                                       : serviceName;
        answer.answers.push_back(record(lookup.owner, RecordType::SRV,
                                        "0 100 " + std::to_string(port->port) + " " + target));
        if (service.kind == ServiceKind::ClusterIP) {
            // "The Additional section of the response may include the Service A record."
            addAddressRecords(answer.additional, std::uint16_t(RecordType::ANY), target,
                              service.clusterIPs);
        }
        answer.note = "port " + portName + "/" + protocol + " of Service " + key;
        return answer;
    }
    const std::vector<EndpointEntry> ready = m_directory.endpoints(service, true);
    if (ready.empty())
        return nxDomain(lookup, "headless Service " + key + " has no ready endpoints");
    const std::string weight = std::to_string(std::max<std::size_t>(1, 100 / ready.size()));
    for (const EndpointEntry &endpoint : ready) {
        // A headless Service has no proxy: the port to dial is the one the endpoint listens
        // on (its slice's port of that name, the resolved targetPort), else the Service's.
        int number = port->port;
        for (const NamedPort &listening : endpoint.ports)
            if (listening.name == port->name && listening.protocol == port->protocol)
                number = listening.port;
        const std::string target = endpoint.hostname + "." + serviceName;
        answer.answers.push_back(
            record(lookup.owner, RecordType::SRV,
                   "0 " + weight + " " + std::to_string(number) + " " + target));
        answer.additional.push_back(
            record(target, isIPv4(endpoint.ip) ? RecordType::A : RecordType::AAAA, endpoint.ip));
    }
    answer.note = "port " + portName + "/" + protocol + " of headless Service " + key + ": " +
                  std::to_string(ready.size()) + " ready endpoint" + (ready.size() == 1 ? "" : "s");
    return answer;
}

Answer ClusterResolver::resolvePod(Lookup &lookup) const
{
    const auto &labels = lookup.labels;
    if (labels.size() == 1)
        return noData(lookup, "pod." + m_zone + " holds pod names, one namespace below");
    if (labels.size() == 2)
        return noData(lookup, "pod names in namespace " + labels[0] + " are one label below");
    const std::string ip = labels.size() == 3 ? addressFromDashes(labels[0]) : std::string();
    if (ip.empty())
        return nxDomain(lookup, "a pod name is its IPv4 address with dashes, e.g. 10-42-0-5");
    Answer answer;
    if (asks(lookup.type, RecordType::A))
        answer.answers.push_back(record(lookup.owner, RecordType::A, ip));
    else
        answer.authority.push_back(soa(m_zone));
    // As kube-dns and CoreDNS's "pods insecure": the address is read from the name, and no
    // pod with it need exist.
    answer.note = "a pod name: the address it spells, not checked against the pods";
    return answer;
}

Answer ClusterResolver::resolveReverse(Lookup &lookup) const
{
    // The full address: the labels left of the zone, then the zone's own octets, reversed.
    std::vector<std::string> octets = lookup.labels;
    auto zoneLabels = labelsUnder(lookup.zone, "in-addr.arpa.");
    if (zoneLabels)
        octets.insert(octets.end(), zoneLabels->begin(), zoneLabels->end());
    if (lookup.labels.empty()) {
        Answer answer;
        if (asks(lookup.type, RecordType::SOA))
            answer.answers.push_back(soa(lookup.zone));
        if (asks(lookup.type, RecordType::NS))
            answer.answers.push_back(record(lookup.zone, RecordType::NS, serverName(m_zone)));
        if (answer.answers.empty())
            answer.authority.push_back(soa(lookup.zone));
        answer.note = "a reverse zone apex";
        return answer;
    }
    if (octets.size() < 4)
        return noData(lookup, "a reverse name needs all four octets");
    std::string ip;
    for (auto it = octets.rbegin(); it != octets.rend(); ++it)
        ip += (ip.empty() ? "" : ".") + *it;
    if (octets.size() != 4 || !isIPv4(ip))
        return nxDomain(lookup, "not an IPv4 reverse name");
    EndpointEntry endpoint;
    const ServiceEntry *service = m_directory.findByAddress(ip, &endpoint);
    if (!service)
        return nxDomain(lookup, "no Service or headless endpoint has address " + ip);
    std::string target = service->name + "." + service->ns + ".svc." + m_zone;
    if (!endpoint.ip.empty())
        target = endpoint.hostname + "." + target;
    Answer answer;
    if (asks(lookup.type, RecordType::PTR))
        answer.answers.push_back(record(lookup.owner, RecordType::PTR, target));
    else
        answer.authority.push_back(soa(lookup.zone));
    answer.note = ip + " is " + (endpoint.ip.empty() ? "the ClusterIP of " : "an endpoint of ") +
                  service->ns + "/" + service->name;
    return answer;
}

} // namespace flowlab::kube::dns
