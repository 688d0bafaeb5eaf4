#include "engine/kube/proxy/ProxyAgent.h"

#include <algorithm>
#include <fstream>
#include <spdlog/spdlog.h>

namespace flowlab::kube::proxy {

namespace {

const ResourceInfo &resource(const char *group, const char *version, const char *plural)
{
    return *ResourceRegistry::builtin().find(group, version, plural);
}

std::string keyOf(const Json &object)
{
    return Informer::keyOf(object);
}

std::vector<Json> copies(const Informer &informer)
{
    std::vector<Json> out;
    out.reserve(informer.items().size());
    for (const auto &[key, object] : informer.items())
        out.push_back(object);
    return out;
}

} // namespace

ProxyAgent::ProxyAgent(KubeClient &client, ProxySyncer &syncer, EvidenceLog &evidence,
                       ProxyAgentOptions options, QObject *parent)
    : QObject(parent)
    , m_syncer(syncer)
    , m_evidence(evidence)
    , m_options(std::move(options))
{
    m_services = std::make_unique<Informer>(client, resource("", "v1", "services"));
    m_endpoints = std::make_unique<Informer>(
        client, m_options.source == EndpointSource::EndpointSlices
                    ? resource("discovery.k8s.io", "v1", "endpointslices")
                    : resource("", "v1", "endpoints"));
    for (Informer *informer : {m_services.get(), m_endpoints.get()}) {
        const std::string kind = informer->resource().kind;
        informer->addHandlers(
            {[this, kind](const Json &o) { changed(kind + " " + keyOf(o) + " added"); },
             [this, kind](const Json &old, const Json &now) {
                 // A resync or a status write that changed nothing we render (an annotation,
                 // the resourceVersion alone) still costs a sync: kube-proxy compares its
                 // own view of the object instead; a render is cheap enough not to bother.
                 if (old != now)
                     changed(kind + " " + keyOf(now) + " changed");
             },
             [this, kind](const Json &o) { changed(kind + " " + keyOf(o) + " deleted"); }});
        connect(informer, &Informer::hasSynced, this, [this] {
            if (m_services->synced() && m_endpoints->synced())
                changed("initial sync");
        });
    }
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ProxyAgent::syncNow);
}

ProxyAgent::~ProxyAgent() = default;

void ProxyAgent::start()
{
    m_services->start();
    m_endpoints->start();
}

void ProxyAgent::changed(const std::string &why)
{
    // Before both caches are full, a sync would remove the rules of Services not yet listed.
    if (!m_services->synced() || !m_endpoints->synced())
        return;
    if (m_pendingReason.empty())
        m_pendingReason = why;
    else if (m_pendingReason.find(" and more") == std::string::npos)
        m_pendingReason += " and more";
    if (m_failures == 0)
        schedule(m_options.debounce);
}

void ProxyAgent::schedule(std::chrono::milliseconds delay)
{
    const auto now = std::chrono::steady_clock::now();
    const auto earliest = m_lastSync + m_options.minSyncPeriod;
    const auto wait = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(std::max(
                                   earliest - now, std::chrono::steady_clock::duration(0))),
                               delay);
    if (m_timer.isActive() && m_timer.remainingTimeAsDuration() <= wait)
        return;
    m_timer.start(wait);
}

void ProxyAgent::syncNow()
{
    const std::string reason = std::exchange(m_pendingReason, {});
    const auto ports =
        servicePortsFrom(copies(*m_services), copies(*m_endpoints), m_options.source);
    const SyncReport report = m_syncer.sync(ports, reason.empty() ? "retry" : reason);
    m_lastSync = std::chrono::steady_clock::now();
    m_evidence.record(report.toEvidence(m_syncer.options(), m_syncer.lastInput()));
    if (report.ok) {
        spdlog::info("{}", report.summary(m_syncer.options().node));
        m_failures = 0;
        if (!m_options.rulesFile.empty()) {
            std::ofstream file(m_options.rulesFile, std::ios::trunc);
            file << m_syncer.lastInput();
            if (!file)
                spdlog::warn("cannot write the rules to {}", m_options.rulesFile);
        }
        if (!m_pendingReason.empty())
            schedule(m_options.debounce);
    } else {
        // 1 s, 2 s, 4 s ... up to 30 s: a missing iptables-restore or a refused ruleset will
        // not fix itself quickly, but a namespace being set up will.
        const auto backoff = std::chrono::milliseconds(1000 << std::min(m_failures, 5));
        ++m_failures;
        spdlog::warn("{}; retrying in {} ms", report.summary(m_syncer.options().node),
                     std::min<long>(backoff.count(), 30000));
        m_pendingReason = m_pendingReason.empty() ? "retry after a failed sync" : m_pendingReason;
        m_timer.start(std::min(backoff, std::chrono::milliseconds(30000)));
    }
    emit synced(report.ok);
}

} // namespace flowlab::kube::proxy
