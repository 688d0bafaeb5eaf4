#pragma once

// Writes pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html) the way a
// Flowlab trace bundle needs it: one interface block per (netns, interface) named
// "flowlab-client/eth0", a comment on every packet naming its lesson step, and a name
// resolution block so Wireshark shows "flowlab-client" instead of 192.168.56.2.
//
// Blocks come out in the order they are added, with nanosecond timestamps (if_tsresol = 9).
// Name records are gathered into one block, written before the next other block or at the end.

#include "tracer/base/Result.h"
#include "tracer/capture/PacketDecoder.h"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab {

struct PcapngInterface
{
    std::string name;        // if_name, "flowlab-client/eth0"
    std::string description; // if_description, "client side, before DNAT"
    LinkType linkType = LinkType::Ethernet;
    std::uint32_t snapLength = 262144; // 0: no limit
    std::string filter;                // if_filter, the BPF filter the capture used, if any
};

struct NameRecord
{
    std::string address; // IPv4 or IPv6 text
    std::string name;
};

class PcapngWriter
{
public:
    // `application` goes into the section header's shb_userappl.
    explicit PcapngWriter(std::string application = "Flowlab");
    ~PcapngWriter();
    PcapngWriter(const PcapngWriter &) = delete;
    PcapngWriter &operator=(const PcapngWriter &) = delete;

    // Streams to `path` from now on: blocks added so far are written at once, later ones as
    // they are added. Without it, the writer keeps the file in memory until write().
    Status open(const std::string &path);
    // Streaming: writes pending name records and flushes the file, which is then a complete
    // pcapng (readers can open it while more is appended).
    Status flush();
    // Streaming: flushes and closes the file.
    Status close();

    // Returns the interface id that addPacket takes (0, 1, ... in the order added).
    std::uint32_t addInterface(const PcapngInterface &interface);
    // `timestampNs` counts from the Unix epoch. A capture longer than the interface's snap
    // length is cut to it; `originalLength` is the length on the wire.
    Status addPacket(std::uint32_t interfaceId, std::int64_t timestampNs,
                     std::span<const std::uint8_t> data, std::uint32_t originalLength,
                     std::string_view comment = {});
    Status addNameRecord(const std::string &address, const std::string &name);

    // In-memory mode: the whole file so far, pending name records included.
    std::vector<std::uint8_t> bytes();
    // In-memory mode: writes the file to `path` (through a temporary file and a rename).
    Status write(const std::string &path);

    std::size_t packetCount() const { return m_packetCount; }

private:
    void flushNames();
    Status emit(std::vector<std::uint8_t> block);

    std::vector<std::uint8_t> m_buffer; // in memory: the whole file; streaming: unwritten bytes
    std::vector<PcapngInterface> m_interfaces;
    std::vector<std::uint8_t> m_pendingNames; // name records not yet in a block
    std::FILE *m_file = nullptr;
    std::string m_path;
    std::optional<Error> m_streamError; // the first failed write while streaming
    std::size_t m_packetCount = 0;
};

} // namespace flowlab
