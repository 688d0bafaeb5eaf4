#pragma once

// Internal to tracer/capture: libpcap is linked privately, so only .cpp files include this.

#include "tracer/base/Result.h"

#include <pcap/pcap.h>
#include <string>

namespace flowlab::pcap_support {

// pcap_compile, serialised: libpcap's filter compiler has not always been reentrant.
// The error quotes the filter and carries libpcap's message.
Status compileFilter(pcap_t *handle, const std::string &filter, bpf_program &program);

} // namespace flowlab::pcap_support
