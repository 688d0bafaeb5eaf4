#pragma once

// One DNS exchange, from the bytes of a query to the bytes of the response and the evidence
// that records both: decode (DnsWire), resolve (ClusterResolver), encode, and describe. It has
// no sockets, so a test hands it packets; DnsServer gives it what arrives over UDP and TCP.

#include "engine/kube/dns/ClusterResolver.h"
#include "engine/kube/dns/DnsWire.h"
#include "tracer/model/Event.h"

#include <string>
#include <string_view>

namespace flowlab::kube::dns {

enum class Transport { Udp, Tcp };

struct Exchange
{
    bool answered = false; // false: the packet is dropped (see DecodedQuery::answerable)
    std::string response;  // the bytes to send back (without TCP's length prefix)
    // A "dns" event: the client, the question, the rcode, the answers and how it was sent.
    Event evidence;
};

class DnsResponder
{
public:
    explicit DnsResponder(const ClusterResolver &resolver);

    // `client` is "address:port", as the evidence shows it.
    Exchange respond(std::string_view packet, Transport transport, const std::string &client) const;

private:
    const ClusterResolver &m_resolver;
};

} // namespace flowlab::kube::dns
