// libFuzzer target for the packet decoder and the pcapng reader. The first byte picks what the
// rest is: a frame of one of the four link types, or a pcapng file whose packets are decoded.
// Besides memory safety, it checks that the attributes always serialise as valid JSON (strict
// UTF-8) and that the summary is one non-empty line.

#include "tracer/capture/PacketDecoder.h"
#include "tracer/capture/PcapngReader.h"

#include <array>
#include <cstdlib>

using namespace flowlab;

namespace {

void exercise(LinkType linkType, std::span<const std::uint8_t> frame)
{
    const DecodedPacket decoded = decodePacket(linkType, frame);
    const std::string summary = decoded.summary();
    if (summary.empty() || summary.find('\n') != std::string::npos)
        std::abort();
    (void)decoded.attributes().dump(); // throws, and so aborts, on invalid UTF-8
    if (const auto key = decoded.flowKey())
        (void)key->reversed().toString();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    static constexpr std::array<LinkType, 4> kLinkTypes{LinkType::Ethernet, LinkType::Raw,
                                                        LinkType::LinuxSll, LinkType::LinuxSll2};
    const std::span<const std::uint8_t> rest(data + 1, size - 1);
    const std::size_t selector = data[0] % (kLinkTypes.size() + 1);
    if (selector < kLinkTypes.size()) {
        exercise(kLinkTypes[selector], rest);
        return 0;
    }
    const Result<PcapngFile> file = readPcapng(rest);
    if (file)
        for (const PcapngPacket &packet : file->packets)
            exercise(file->interfaces.at(packet.interfaceId).linkType, packet.data);
    return 0;
}
