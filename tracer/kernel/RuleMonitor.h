#pragma once

// RuleMonitor: polls `iptables-save -c` in each watched netns (every 200 ms by default, and on
// demand), diffs each snapshot against the previous one and appends the changes as `rule` events.
// The first snapshot of a netns is its baseline and is not reported. The latest snapshot per netns
// stays available so NatPairer can compute counter deltas.

#include "tracer/kernel/Netns.h"
#include "tracer/kernel/RuleSnapshot.h"
#include "tracer/model/EventLog.h"

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace flowlab {

// The kernel-touching part: prints a netns's ruleset in iptables-save -c format.
class IptablesSaver
{
public:
    virtual ~IptablesSaver() = default;
    virtual Result<std::string> save(const WatchedNetns &netns) = 0;
};

// Runs `iptables-save -c` in the netns: a child that setns'es its network namespace only (the
// nf_tables backend needs nothing else), so /sys and the mounts stay as they are.
class LinuxIptablesSaver : public IptablesSaver
{
public:
    explicit LinuxIptablesSaver(std::string program = "iptables-save", int timeoutMs = 10'000);
    Result<std::string> save(const WatchedNetns &netns) override;

private:
    std::string m_program;
    int m_timeoutMs;
};

struct RuleMonitorOptions
{
    int intervalMs = 200;
    // See RuleDiffOptions::hitTables: nat rules fire once per connection, a readable event.
    std::vector<std::string> hitTables = {"nat"};
};

class RuleMonitor
{
public:
    explicit RuleMonitor(EventLog &log, RuleMonitorOptions options = {},
                         std::unique_ptr<IptablesSaver> saver = nullptr);
    ~RuleMonitor();
    RuleMonitor(const RuleMonitor &) = delete;
    RuleMonitor &operator=(const RuleMonitor &) = delete;

    // Takes the netns's baseline snapshot now; fails (naming the netns) if that fails. Callable
    // while running. An empty label means the path's file name.
    Status addNamespace(const std::string &path, const std::string &label = {});
    void removeNamespace(const std::string &label);

    Status start();
    void stop();

    // Polls every watched netns now, on the caller's thread, and returns once the diffs are in
    // the log. The first failing netns's error is returned; the others are still polled. Do not
    // call it from an EventLog listener: the log is appended to while a poll is in progress.
    Status pollNow();

    std::optional<RuleSnapshot> latest(const std::string &netns) const;

private:
    struct Watched
    {
        WatchedNetns netns;
        std::optional<NetnsIdentity> identity; // a path re-used by a new netns gets a new baseline
        std::optional<RuleSnapshot> latest;
        std::string lastError; // reported once, not every interval
    };

    Result<RuleSnapshot> take(const WatchedNetns &netns);
    Status pollOne(Watched &watched);
    void run();

    EventLog &m_log;
    RuleMonitorOptions m_options;
    std::unique_ptr<IptablesSaver> m_saver;

    mutable std::mutex m_pollMutex; // serialises polls, guards m_watched
    std::map<std::string, Watched> m_watched;

    std::mutex m_wakeMutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace flowlab
