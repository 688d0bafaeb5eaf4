#include "tracer/kernel/RuleMonitor.h"

#include "tracer/kernel/WatchedNamespaces.h"

#include <system_error>

namespace flowlab {

LinuxIptablesSaver::LinuxIptablesSaver(std::string program, int timeoutMs)
    : m_program(std::move(program))
    , m_timeoutMs(timeoutMs)
{}

Result<std::string> LinuxIptablesSaver::save(const WatchedNetns &netns)
{
    return outputOfProgramInNetns(netns.path, {m_program, "-c"}, {}, m_timeoutMs);
}

RuleMonitor::RuleMonitor(EventLog &log, RuleMonitorOptions options,
                         std::unique_ptr<IptablesSaver> saver)
    : m_log(log)
    , m_options(std::move(options))
    , m_saver(saver ? std::move(saver) : std::make_unique<LinuxIptablesSaver>())
{}

RuleMonitor::~RuleMonitor()
{
    stop();
}

Result<RuleSnapshot> RuleMonitor::take(const WatchedNetns &netns)
{
    auto text = m_saver->save(netns);
    if (!text.ok())
        return text.error();
    auto snapshot = RuleSnapshot::parse(*text);
    if (!snapshot.ok())
        return snapshot.error().withContext("parsing iptables-save -c of netns " + netns.label);
    snapshot->netns = netns.label;
    snapshot->takenNs = monotonicNowNs();
    return snapshot;
}

Status RuleMonitor::addNamespace(const std::string &path, const std::string &label)
{
    WatchedNetns netns{path, label.empty() ? defaultNetnsLabel(path) : label};
    auto baseline = take(netns);
    if (!baseline.ok())
        return baseline.error().withContext("watching rules of netns " + netns.label);
    std::lock_guard lock(m_pollMutex);
    Watched &watched = m_watched[netns.label];
    watched = Watched{netns, {}, std::move(baseline.value()), {}};
    if (auto identity = netnsIdentity(path); identity.ok())
        watched.identity = *identity;
    return success();
}

void RuleMonitor::removeNamespace(const std::string &label)
{
    std::lock_guard lock(m_pollMutex);
    m_watched.erase(label);
}

Status RuleMonitor::pollOne(Watched &watched)
{
    if (auto identity = netnsIdentity(watched.netns.path); identity.ok()) {
        if (watched.identity && !(*watched.identity == *identity))
            watched.latest.reset(); // another netns now: its first snapshot is a new baseline
        watched.identity = *identity;
    }
    auto snapshot = take(watched.netns);
    if (!snapshot.ok()) {
        const Error error =
            snapshot.error().withContext("polling rules of netns " + watched.netns.label);
        if (error.message() != watched.lastError) {
            watched.lastError = error.message();
            m_log.append(netnsNote("iptables", watched.netns.label, error.message(), "error"));
        }
        return error;
    }
    watched.lastError.clear();
    if (watched.latest) {
        for (const RuleChange &change :
             diffRuleSnapshots(*watched.latest, *snapshot, {m_options.hitTables}))
            m_log.append(ruleChangeEvent(change, watched.netns.label));
    }
    watched.latest = std::move(snapshot.value());
    return success();
}

Status RuleMonitor::pollNow()
{
    std::lock_guard lock(m_pollMutex);
    Status first;
    for (auto &[label, watched] : m_watched) {
        Status polled = pollOne(watched);
        if (!polled.ok() && first.ok())
            first = polled;
    }
    return first;
}

std::optional<RuleSnapshot> RuleMonitor::latest(const std::string &netns) const
{
    std::lock_guard lock(m_pollMutex);
    auto it = m_watched.find(netns);
    if (it == m_watched.end())
        return std::nullopt;
    return it->second.latest;
}

Status RuleMonitor::start()
{
    if (m_thread.joinable())
        return Error("RuleMonitor::start: already running");
    {
        std::lock_guard lock(m_wakeMutex);
        m_stopping = false;
    }
    try {
        m_thread = std::thread([this] { run(); });
    } catch (const std::system_error &e) {
        return Error("std::thread for RuleMonitor", e.code().value());
    }
    return success();
}

void RuleMonitor::stop()
{
    {
        std::lock_guard lock(m_wakeMutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void RuleMonitor::run()
{
    std::unique_lock lock(m_wakeMutex);
    while (!m_stopping) {
        m_wake.wait_for(lock, std::chrono::milliseconds(m_options.intervalMs),
                        [this] { return m_stopping; });
        if (m_stopping)
            break;
        lock.unlock();
        // Errors are logged once per netns inside pollOne; the loop keeps going.
        (void)pollNow();
        lock.lock();
    }
}

} // namespace flowlab
