#pragma once

// Watches directories where a runtime pins network namespaces (Docker's <exec-root>/netns/) and
// reports each file once it really is a netns. A runtime creates the file first and bind-mounts
// the namespace onto it a moment later, and inotify sees only the creation, so a new file is
// retried for a few seconds until it opens as a netns.

#include "tracer/base/Result.h"
#include "tracer/kernel/Netns.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace flowlab {

class NetnsDirectoryWatcher
{
public:
    struct Found
    {
        WatchedNetns netns;
        bool existedBefore = false; // already there when the directory was first watched
    };

    // Watches `dir`; files get the label `labelPrefix` + the first 12 characters of their name
    // ("container 3f2a1b4c5d6e"). Files already there are found too. Thread-safe.
    Status watch(const std::string &dir, const std::string &labelPrefix);

    // The inotify fd to poll, or -1 before the first watch(). Thread-safe.
    int fd() const;
    // Reads the pending inotify events; call when fd() is readable.
    void onReadable();
    // Files that now open as a network namespace.
    std::vector<Found> takeReady();
    // Labels of files that were removed or renamed away.
    std::vector<std::string> takeGone();
    // How soon takeReady() should be called again to retry a file not yet bind-mounted, or -1.
    int retryInMs() const;

    static constexpr std::int64_t kGiveUpNs = 5'000'000'000;

private:
    struct Directory
    {
        int wd = -1;
        std::string path;
        std::string labelPrefix;
    };
    struct Candidate
    {
        std::string path;
        std::string label;
        bool existedBefore = false;
        std::int64_t sinceNs = 0;
    };

    void addCandidate(const Directory &dir, const std::string &name, bool existedBefore);

    mutable std::mutex m_mutex;
    UniqueFd m_inotify;
    std::vector<Directory> m_dirs;
    std::vector<Candidate> m_candidates;
    std::vector<std::string> m_gone;
};

} // namespace flowlab
