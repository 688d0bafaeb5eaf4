#pragma once

// An append-only, thread-safe log of evidence events. It numbers events, stamps them and
// keeps them in memory. Given a path, it also writes each as one JSON line to that file.
//
// The file is written by a thread of its own, so that append() stays cheap: it is called on
// capture threads for every packet, and on the syscall tracer's thread while a tracee is
// stopped. Serializing and writing there made the packet rings overflow under load and
// slowed every traced syscall. The writer catches up at least every `kFileFlushInterval`, and
// flush() and closeFile() wait for it, so a clean stop loses nothing; a kill -9 loses at most
// the last interval's lines (the file is a side record; bundles are written from memory).

#include "tracer/base/Result.h"
#include "tracer/model/Event.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace flowlab {

class EventLog
{
public:
    static constexpr std::chrono::milliseconds kFileFlushInterval{100};

    EventLog() = default;
    ~EventLog(); // closes the file, writing what is still pending
    EventLog(const EventLog &) = delete;
    EventLog &operator=(const EventLog &) = delete;

    // Appends to `path` from now on (creating it). Events already logged are written first.
    Status openFile(const std::string &path);
    // Writes every pending event, then stops writing.
    void closeFile();
    // Returns once every event appended before the call is in the file (when one is open).
    void flush();

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
    void writeLoop();
    void stopWriter(std::unique_lock<std::mutex> &lock);

    mutable std::mutex m_mutex;
    std::deque<Event> m_events;
    std::vector<Listener> m_listeners;
    std::uint64_t m_nextSeq = 1;

    // The file writer; the fields are guarded by m_mutex. Events from m_firstUnwritten on
    // wait for the writer, which takes their addresses and writes them without the lock.
    std::FILE *m_file = nullptr;
    std::size_t m_firstUnwritten = 0;
    std::uint64_t m_writtenThrough = 0; // the last seq in the file
    bool m_stopWriter = false;
    bool m_flushRequested = false; // flush() wakes the writer before its interval is up
    std::condition_variable m_wakeWriter;
    std::condition_variable m_written;
    std::thread m_writer;
};

} // namespace flowlab
