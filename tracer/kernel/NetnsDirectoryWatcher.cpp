#include "tracer/kernel/NetnsDirectoryWatcher.h"

#include "tracer/model/Event.h"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace flowlab {

namespace {

constexpr int kRetryMs = 20;

std::string labelFor(const std::string &prefix, const std::string &name)
{
    return prefix + name.substr(0, 12);
}

} // namespace

Status NetnsDirectoryWatcher::watch(const std::string &dir, const std::string &labelPrefix)
{
    std::lock_guard lock(m_mutex);
    if (!m_inotify.valid()) {
        m_inotify.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
        if (!m_inotify.valid())
            return Error::fromErrno("inotify_init1").withContext("watching " + dir);
    }
    const int wd =
        ::inotify_add_watch(m_inotify.get(), dir.c_str(),
                            IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR);
    if (wd < 0)
        return Error::fromErrno("inotify_add_watch " + dir);
    Directory directory{wd, dir, labelPrefix};
    std::erase_if(m_dirs, [wd](const Directory &d) { return d.wd == wd; });
    m_dirs.push_back(directory);

    DIR *listing = ::opendir(dir.c_str());
    if (!listing)
        return Error::fromErrno("opendir " + dir);
    while (const dirent *entry = ::readdir(listing)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..")
            addCandidate(directory, name, true);
    }
    ::closedir(listing);
    return success();
}

int NetnsDirectoryWatcher::fd() const
{
    std::lock_guard lock(m_mutex);
    return m_inotify.get();
}

void NetnsDirectoryWatcher::addCandidate(const Directory &dir, const std::string &name,
                                         bool existedBefore)
{
    const std::string path = dir.path + "/" + name;
    std::erase_if(m_candidates, [&](const Candidate &c) { return c.path == path; });
    m_candidates.push_back(
        {path, labelFor(dir.labelPrefix, name), existedBefore, monotonicNowNs()});
}

void NetnsDirectoryWatcher::onReadable()
{
    std::lock_guard lock(m_mutex);
    alignas(inotify_event) char buffer[8192];
    for (;;) {
        const ssize_t n = ::read(m_inotify.get(), buffer, sizeof buffer);
        if (n <= 0)
            break; // EAGAIN: drained
        for (ssize_t at = 0; at < n;) {
            const auto *event = reinterpret_cast<const inotify_event *>(buffer + at);
            at += ssize_t(sizeof(inotify_event) + event->len);
            auto dir = std::find_if(m_dirs.begin(), m_dirs.end(),
                                    [&](const Directory &d) { return d.wd == event->wd; });
            if (dir == m_dirs.end() || event->len == 0)
                continue;
            const std::string name = event->name;
            if (event->mask & (IN_CREATE | IN_MOVED_TO)) {
                addCandidate(*dir, name, false);
            } else if (event->mask & (IN_DELETE | IN_MOVED_FROM)) {
                const std::string path = dir->path + "/" + name;
                std::erase_if(m_candidates, [&](const Candidate &c) { return c.path == path; });
                m_gone.push_back(labelFor(dir->labelPrefix, name));
            }
        }
    }
}

std::vector<NetnsDirectoryWatcher::Found> NetnsDirectoryWatcher::takeReady()
{
    std::lock_guard lock(m_mutex);
    std::vector<Found> ready;
    const std::int64_t now = monotonicNowNs();
    std::erase_if(m_candidates, [&](const Candidate &c) {
        if (openNetns(c.path).ok()) {
            ready.push_back({{c.path, c.label}, c.existedBefore});
            return true;
        }
        // Not a netns after a few seconds: some other file, or a sandbox that failed.
        return now - c.sinceNs > kGiveUpNs;
    });
    return ready;
}

std::vector<std::string> NetnsDirectoryWatcher::takeGone()
{
    std::lock_guard lock(m_mutex);
    return std::exchange(m_gone, {});
}

int NetnsDirectoryWatcher::retryInMs() const
{
    std::lock_guard lock(m_mutex);
    return m_candidates.empty() && m_gone.empty() ? -1 : kRetryMs;
}

} // namespace flowlab
