#include "tracer/kernel/PollThread.h"

#include <cerrno>
#include <cstdint>
#include <poll.h>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

namespace flowlab {

PollThread::~PollThread()
{
    stop();
}

Status PollThread::start(Hooks hooks)
{
    if (m_thread.joinable())
        return Error("PollThread::start: already running");
    m_hooks = std::move(hooks);
    m_wakeFd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!m_wakeFd.valid())
        return Error::fromErrno("eventfd");
    m_stopping = false;
    try {
        m_thread = std::thread([this] { run(); });
    } catch (const std::system_error &e) {
        return Error("std::thread for a monitor", e.code().value());
    }
    return success();
}

void PollThread::wake()
{
    if (!m_wakeFd.valid())
        return;
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(m_wakeFd.get(), &one, sizeof one);
}

void PollThread::stop()
{
    if (!m_thread.joinable())
        return;
    m_stopping = true;
    wake();
    m_thread.join();
}

void PollThread::run()
{
    while (!m_stopping) {
        std::vector<pollfd> fds{{m_wakeFd.get(), POLLIN, 0}};
        for (int fd : m_hooks.fds())
            fds.push_back({fd, POLLIN, 0});
        const int ready = ::poll(fds.data(), fds.size(), m_hooks.timeoutMs());
        if (m_stopping)
            break;
        if (ready < 0 && errno != EINTR)
            break; // only EFAULT/EINVAL/ENOMEM: nothing a retry would fix
        if (ready > 0) {
            if (fds[0].revents & POLLIN) {
                std::uint64_t count;
                [[maybe_unused]] auto n = ::read(m_wakeFd.get(), &count, sizeof count);
            }
            for (std::size_t i = 1; i < fds.size() && !m_stopping; ++i)
                if (fds[i].revents & (POLLIN | POLLERR | POLLHUP))
                    m_hooks.readable(fds[i].fd);
        }
        if (!m_stopping)
            m_hooks.tick();
    }
}

} // namespace flowlab
