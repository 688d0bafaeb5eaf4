#include "tracer/model/EventLog.h"

#include <fstream>

namespace flowlab {

namespace {

void writeLines(std::FILE *file, const std::vector<const Event *> &events)
{
    std::string lines;
    for (const Event *event : events) {
        // error_handler::replace: captured bodies may hold bytes that are not UTF-8.
        lines +=
            nlohmann::json(*event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        lines += '\n';
    }
    std::fwrite(lines.data(), 1, lines.size(), file);
    std::fflush(file);
}

} // namespace

EventLog::~EventLog()
{
    closeFile();
}

Status EventLog::openFile(const std::string &path)
{
    std::FILE *file = std::fopen(path.c_str(), "a");
    if (!file)
        return Error::fromErrno("fopen " + path);
    std::unique_lock lock(m_mutex);
    stopWriter(lock);
    m_file = file;
    m_firstUnwritten = 0; // what was logged before the file is written first
    m_writtenThrough = 0;
    m_stopWriter = false;
    m_writer = std::thread([this] { writeLoop(); });
    return success();
}

void EventLog::closeFile()
{
    std::unique_lock lock(m_mutex);
    stopWriter(lock);
}

void EventLog::stopWriter(std::unique_lock<std::mutex> &lock)
{
    if (!m_writer.joinable())
        return;
    m_stopWriter = true;
    m_wakeWriter.notify_one();
    std::thread writer = std::move(m_writer);
    lock.unlock();
    writer.join(); // it writes what is pending before it returns
    lock.lock();
    std::fclose(m_file);
    m_file = nullptr;
}

void EventLog::flush()
{
    std::unique_lock lock(m_mutex);
    if (!m_writer.joinable())
        return;
    const std::uint64_t target = m_nextSeq - 1;
    m_flushRequested = true;
    m_wakeWriter.notify_one();
    m_written.wait(lock, [&] { return m_writtenThrough >= target || !m_writer.joinable(); });
}

void EventLog::writeLoop()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wakeWriter.wait_for(lock, kFileFlushInterval,
                              [&] { return m_stopWriter || m_flushRequested; });
        m_flushRequested = false;
        // Pointers, not copies: a deque's elements stay where they are as it grows, and an
        // appended event is never changed, so they are read here without the lock.
        std::vector<const Event *> batch;
        for (std::size_t k = m_firstUnwritten; k < m_events.size(); ++k)
            batch.push_back(&m_events[k]);
        m_firstUnwritten = m_events.size();
        const bool stopping = m_stopWriter;
        if (!batch.empty()) {
            lock.unlock();
            writeLines(m_file, batch);
            lock.lock();
            m_writtenThrough = batch.back()->seq;
        }
        m_written.notify_all();
        if (stopping && m_firstUnwritten == m_events.size())
            return;
    }
}

std::uint64_t EventLog::append(Event event)
{
    std::vector<Listener> listeners;
    std::uint64_t seq = 0;
    {
        std::lock_guard lock(m_mutex);
        seq = m_nextSeq++;
        event.seq = seq;
        if (event.monotonicNs == 0)
            event.monotonicNs = monotonicNowNs();
        listeners = m_listeners;
        if (listeners.empty())
            m_events.push_back(std::move(event));
        else
            m_events.push_back(event);
    }
    for (const auto &listener : listeners)
        listener(event);
    return seq;
}

std::vector<Event> EventLog::snapshot() const
{
    std::lock_guard lock(m_mutex);
    return {m_events.begin(), m_events.end()};
}

std::size_t EventLog::size() const
{
    std::lock_guard lock(m_mutex);
    return m_events.size();
}

void EventLog::addListener(Listener listener)
{
    std::lock_guard lock(m_mutex);
    m_listeners.push_back(std::move(listener));
}

Result<std::vector<Event>> EventLog::readFile(const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        return Error::fromErrno("opening event log " + path);
    std::vector<Event> events;
    std::string line;
    int lineNumber = 0;
    while (std::getline(in, line)) {
        ++lineNumber;
        if (line.empty())
            continue;
        try {
            events.push_back(nlohmann::json::parse(line).get<Event>());
        } catch (const std::exception &e) {
            return Error(path + ":" + std::to_string(lineNumber) + ": " + e.what());
        }
    }
    return events;
}

} // namespace flowlab
