#include "engine/kube/client/EvidenceLog.h"

#include <fcntl.h>
#include <unistd.h>

namespace flowlab::kube {

EvidenceLog::~EvidenceLog()
{
    if (m_file)
        std::fclose(m_file);
}

Status EvidenceLog::open(const std::string &path, std::string component, std::string node)
{
    m_component = std::move(component);
    m_node = std::move(node);
    if (path.empty())
        return success();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return Error::fromErrno("opening the evidence log " + path);
    m_file = ::fdopen(fd, "a");
    if (!m_file) {
        ::close(fd);
        return Error::fromErrno("opening the evidence log " + path);
    }
    return success();
}

void EvidenceLog::record(Event event)
{
    if (!m_file)
        return;
    if (event.monotonicNs == 0)
        event.monotonicNs = monotonicNowNs();
    if (event.source.component.empty())
        event.source.component = m_component;
    if (event.source.node.empty())
        event.source.node = m_node;
    if (event.source.pid == 0)
        event.source.pid = int(::getpid());
    // Whole lines, flushed at once: flowlabd reads this file while it grows.
    const std::string line =
        nlohmann::json(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(line.data(), 1, line.size(), m_file);
    std::fflush(m_file);
}

} // namespace flowlab::kube
