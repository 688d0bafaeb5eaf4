#pragma once

// Follows a file that another process appends JSON lines to (the apiserver's audit log, a
// controller's evidence log) and hands each complete line to a callback as it arrives, as
// `tail -F` would: a file that is truncated or replaced is read again from its start, and one
// that does not exist yet is waited for. It polls, which is simple and cheap at 10 Hz.

#include <QObject>
#include <QTimer>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/types.h>

namespace flowlab {

class JsonLinesFollower : public QObject
{
    Q_OBJECT

public:
    using LineHandler = std::function<void(nlohmann::json &&line)>;

    // `fromStart`: read what the file already holds too (false: only what is appended later).
    JsonLinesFollower(std::string path, LineHandler handler, bool fromStart = true,
                      QObject *parent = nullptr);

    void start(int intervalMs = 100);
    void stop();
    // Reads whatever has been appended, now (also called by the timer).
    void poll();
    const std::string &path() const { return m_path; }
    std::uint64_t linesRead() const { return m_lines; }
    std::uint64_t badLines() const { return m_bad; } // not JSON: counted, never fatal

private:
    std::string m_path;
    LineHandler m_handler;
    bool m_fromStart;
    QTimer m_timer;
    off_t m_offset = -1; // -1: not opened yet
    ino_t m_inode = 0;
    std::string m_partial;
    std::uint64_t m_lines = 0;
    std::uint64_t m_bad = 0;
};

} // namespace flowlab
