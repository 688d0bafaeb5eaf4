#pragma once

// An append-only, thread-safe log of evidence events. It numbers events, stamps them,
// keeps them in memory and, when given a path, appends each as one JSON line to a file
// (the stand-in for the trace bundle until the tracer writes bundles).

#include "tracer/base/Result.h"
#include "tracer/model/Event.h"

#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace flowlab {

class EventLog
{
public:
    EventLog() = default;
    ~EventLog();
    EventLog(const EventLog &) = delete;
    EventLog &operator=(const EventLog &) = delete;

    // Appends to `path` from now on (creating it). Events already logged are written first.
    Status openFile(const std::string &path);
    void closeFile();

    // Records `event`, filling in seq and timestamp; returns the seq it was given.
    std::uint64_t append(Event event);

    std::vector<Event> snapshot() const;
    std::size_t size() const;

    using Listener = std::function<void(const Event &)>;
    // Called, under no lock of the log's, for every event appended after this call.
    void addListener(Listener listener);

    // Reads a JSON-lines log. A truncated last line (a writer killed mid-line) is reported,
    // not skipped silently.
    static Result<std::vector<Event>> readFile(const std::string &path);

private:
    mutable std::mutex m_mutex;
    std::vector<Event> m_events;
    std::vector<Listener> m_listeners;
    std::FILE *m_file = nullptr;
    std::uint64_t m_nextSeq = 1;
};

} // namespace flowlab
