#include "tracer/taps/JsonLinesFollower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace flowlab {

JsonLinesFollower::JsonLinesFollower(std::string path, LineHandler handler, bool fromStart,
                                     QObject *parent)
    : QObject(parent)
    , m_path(std::move(path))
    , m_handler(std::move(handler))
    , m_fromStart(fromStart)
{
    connect(&m_timer, &QTimer::timeout, this, &JsonLinesFollower::poll);
}

void JsonLinesFollower::start(int intervalMs)
{
    poll();
    m_timer.start(intervalMs);
}

void JsonLinesFollower::stop()
{
    m_timer.stop();
    poll(); // what was written before we stop is evidence too
}

void JsonLinesFollower::poll()
{
    struct stat info
    {
    };
    if (::stat(m_path.c_str(), &info) != 0)
        return; // not there yet, or gone until it is made again
    if (m_offset < 0) {
        m_offset = m_fromStart ? 0 : info.st_size;
        m_inode = info.st_ino;
    } else if (info.st_ino != m_inode || info.st_size < m_offset) {
        m_offset = 0; // replaced or truncated: a new file
        m_inode = info.st_ino;
        m_partial.clear();
    }
    if (info.st_size == m_offset)
        return;
    const int fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    std::string chunk(std::size_t(info.st_size - m_offset), '\0');
    const ssize_t got = ::pread(fd, chunk.data(), chunk.size(), m_offset);
    ::close(fd);
    if (got <= 0)
        return;
    chunk.resize(std::size_t(got));
    m_offset += got;
    m_partial += chunk;
    std::size_t start = 0;
    for (auto end = m_partial.find('\n'); end != std::string::npos;
         end = m_partial.find('\n', start)) {
        auto parsed = nlohmann::json::parse(m_partial.begin() + long(start),
                                            m_partial.begin() + long(end), nullptr, false);
        start = end + 1;
        if (parsed.is_discarded()) {
            ++m_bad;
            continue;
        }
        ++m_lines;
        m_handler(std::move(parsed));
    }
    m_partial.erase(0, start);
}

} // namespace flowlab
