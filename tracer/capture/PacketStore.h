#pragma once

// The raw bytes of every captured packet, in arrival order, shared by all captures of a set.
// A packet's index here is its index in the exported pcapng, and packet events carry it.
// Bounded: when full, packets are counted as dropped, never silently lost.

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace flowlab {

struct CapturedPacket
{
    std::uint32_t interfaceId = 0; // the capture it came from, and its pcapng interface id
    std::int64_t timestampNs = 0;  // from the Unix epoch, as the kernel stamped it
    std::uint32_t originalLength = 0;
    std::vector<std::uint8_t> data; // what was captured, at most the snap length
};

class PacketStore
{
public:
    struct Limits
    {
        std::size_t maxPackets = 1'000'000;
        std::size_t maxBytes = std::size_t(256) << 20;
    };

    explicit PacketStore(Limits limits);
    PacketStore()
        : PacketStore(Limits{})
    {}

    // Returns the packet's index, or nullopt when the store is full (the drop is counted).
    std::optional<std::uint64_t> add(CapturedPacket packet);

    std::size_t size() const;
    std::size_t bytes() const;
    std::uint64_t dropped() const;
    std::optional<CapturedPacket> at(std::uint64_t index) const;
    // Visits packets in index order, under the store's lock: keep `visit` short of waiting.
    void forEach(const std::function<void(std::uint64_t, const CapturedPacket &)> &visit) const;

private:
    const Limits m_limits;
    mutable std::mutex m_mutex;
    std::deque<CapturedPacket> m_packets;
    std::size_t m_bytes = 0;
    std::uint64_t m_dropped = 0;
};

} // namespace flowlab
