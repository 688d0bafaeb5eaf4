#pragma once

// The one thread a socket monitor polls from: it waits on a set of fds that may change between
// rounds, plus an eventfd that wakes it to re-read the set or to stop.

#include "tracer/base/Result.h"
#include "tracer/kernel/Netns.h"

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

namespace flowlab {

class PollThread
{
public:
    struct Hooks
    {
        std::function<std::vector<int>()> fds; // read before every poll, on the thread
        std::function<void(int fd)> readable;  // an fd from fds() has data (or an error)
        std::function<void()> tick;            // after every wake-up and timeout
        std::function<int()> timeoutMs = [] { return 1000; };
    };

    PollThread() = default;
    ~PollThread();
    PollThread(const PollThread &) = delete;
    PollThread &operator=(const PollThread &) = delete;

    Status start(Hooks hooks);
    // Makes the thread re-read fds() and run tick() soon. Safe from any thread.
    void wake();
    // Stops and joins; idempotent. Must not be called from the thread itself.
    void stop();
    bool running() const { return m_thread.joinable(); }

private:
    void run();

    Hooks m_hooks;
    UniqueFd m_wakeFd;
    std::atomic<bool> m_stopping{false};
    std::thread m_thread;
};

} // namespace flowlab
