#include "tracer/capture/BpfFilter.h"

#include "tracer/capture/PcapSupport.h"

#include <memory>
#include <mutex>

namespace flowlab {

namespace pcap_support {

Status compileFilter(pcap_t *handle, const std::string &filter, bpf_program &program)
{
    static std::mutex compilerMutex;
    std::lock_guard lock(compilerMutex);
    if (pcap_compile(handle, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
        return Error("capture filter \"" + filter + "\": " + pcap_geterr(handle));
    return success();
}

} // namespace pcap_support

namespace {

// LINKTYPE_* to the DLT_* that pcap_open_dead takes; they differ only for raw IP.
int dltFor(LinkType linkType)
{
    return linkType == LinkType::Raw ? DLT_RAW : int(linkType);
}

} // namespace

Status validateBpfFilter(const std::string &filter, LinkType linkType)
{
    std::unique_ptr<pcap_t, decltype(&pcap_close)> handle(pcap_open_dead(dltFor(linkType), 262144),
                                                          &pcap_close);
    if (!handle)
        return Error("capture filter \"" + filter + "\": pcap_open_dead failed");
    bpf_program program{};
    Status status = pcap_support::compileFilter(handle.get(), filter, program);
    if (status)
        pcap_freecode(&program);
    return status;
}

} // namespace flowlab
