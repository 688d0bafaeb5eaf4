#pragma once

// Reads pcapng back: the interfaces, packets with their comments, and name records. It checks
// the block structure as it goes (lengths, padding, option end markers), so tests can verify
// what PcapngWriter wrote without Wireshark, and decoder tests can load checked-in captures.
// One section, in host byte order; simple packet blocks and unknown blocks are skipped.

#include "tracer/base/Result.h"
#include "tracer/capture/PcapngWriter.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace flowlab {

struct PcapngPacket
{
    std::uint32_t interfaceId = 0;
    std::int64_t timestampNs = 0; // from the Unix epoch
    std::uint32_t originalLength = 0;
    std::vector<std::uint8_t> data;
    std::vector<std::string> comments;
};

struct PcapngFile
{
    std::string application; // shb_userappl
    std::vector<PcapngInterface> interfaces;
    std::vector<PcapngPacket> packets;
    std::vector<NameRecord> names;
    std::vector<std::uint32_t> blockTypes; // in file order, for structure checks
};

// Errors name the byte offset of the block at fault, e.g.
// "pcapng block at offset 96: total length 30 is not a multiple of 4".
Result<PcapngFile> readPcapng(std::span<const std::uint8_t> bytes);
Result<PcapngFile> readPcapngFile(const std::string &path);

} // namespace flowlab
