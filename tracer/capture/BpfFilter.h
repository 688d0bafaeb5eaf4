#pragma once

// Capture filters: checked without root, so `flowlab-cli lesson check` can lint a lesson's
// filters on any machine.

#include "tracer/base/Result.h"
#include "tracer/capture/PacketDecoder.h"

#include <string>

namespace flowlab {

// Compiles `filter` with libpcap for a dead handle of `linkType` (pcap_open_dead, no root).
// The error quotes the filter: `capture filter "tcp prot 80": syntax error`.
// An empty filter is valid and captures everything.
Status validateBpfFilter(const std::string &filter, LinkType linkType = LinkType::Ethernet);

} // namespace flowlab
