#include "tracer/capture/PacketStore.h"

#include <algorithm>

namespace flowlab {

PacketStore::PacketStore(Limits limits)
    : m_limits(limits)
{}

std::optional<std::uint64_t> PacketStore::add(CapturedPacket packet)
{
    std::lock_guard lock(m_mutex);
    if (m_packets.size() >= m_limits.maxPackets ||
        packet.data.size() > m_limits.maxBytes - std::min(m_bytes, m_limits.maxBytes)) {
        ++m_dropped;
        return std::nullopt;
    }
    m_bytes += packet.data.size();
    m_packets.push_back(std::move(packet));
    return m_packets.size() - 1;
}

std::size_t PacketStore::size() const
{
    std::lock_guard lock(m_mutex);
    return m_packets.size();
}

std::size_t PacketStore::bytes() const
{
    std::lock_guard lock(m_mutex);
    return m_bytes;
}

std::uint64_t PacketStore::dropped() const
{
    std::lock_guard lock(m_mutex);
    return m_dropped;
}

std::optional<CapturedPacket> PacketStore::at(std::uint64_t index) const
{
    std::lock_guard lock(m_mutex);
    if (index >= m_packets.size())
        return std::nullopt;
    return m_packets[index];
}

void PacketStore::forEach(
    const std::function<void(std::uint64_t, const CapturedPacket &)> &visit) const
{
    std::lock_guard lock(m_mutex);
    for (std::size_t i = 0; i < m_packets.size(); ++i)
        visit(i, m_packets[i]);
}

} // namespace flowlab
