#include "tracer/model/EventLog.h"

#include <fstream>

namespace flowlab {

EventLog::~EventLog()
{
    closeFile();
}

Status EventLog::openFile(const std::string &path)
{
    std::lock_guard lock(m_mutex);
    std::FILE *file = std::fopen(path.c_str(), "a");
    if (!file)
        return Error::fromErrno("fopen " + path);
    if (m_file)
        std::fclose(m_file);
    m_file = file;
    for (const Event &event : m_events) {
        const std::string line = nlohmann::json(event).dump() + "\n";
        std::fwrite(line.data(), 1, line.size(), m_file);
    }
    std::fflush(m_file);
    return success();
}

void EventLog::closeFile()
{
    std::lock_guard lock(m_mutex);
    if (m_file) {
        std::fclose(m_file);
        m_file = nullptr;
    }
}

std::uint64_t EventLog::append(Event event)
{
    std::vector<Listener> listeners;
    {
        std::lock_guard lock(m_mutex);
        event.seq = m_nextSeq++;
        if (event.monotonicNs == 0)
            event.monotonicNs = monotonicNowNs();
        if (m_file) {
            // error_handler::replace: captured bodies may hold bytes that are not UTF-8.
            const std::string line = nlohmann::json(event).dump(
                                         -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                                     "\n";
            std::fwrite(line.data(), 1, line.size(), m_file);
            std::fflush(m_file);
        }
        m_events.push_back(event);
        listeners = m_listeners;
    }
    for (const auto &listener : listeners)
        listener(event);
    return event.seq;
}

std::vector<Event> EventLog::snapshot() const
{
    std::lock_guard lock(m_mutex);
    return m_events;
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
