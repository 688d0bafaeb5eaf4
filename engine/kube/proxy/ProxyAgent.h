#pragma once

// flowlab-kube-proxy's watches: Services and EndpointSlices (or core/v1 Endpoints) are kept
// current by informers; any change schedules one full sync (ProxySyncer: render everything,
// one iptables-restore), debounced so that a burst of changes (a Deployment scaled to 60) makes
// one sync rather than sixty, and never closer together than the minimum sync period, as
// kube-proxy's --min-sync-period does. A failed sync is tried again, sooner at first.

#include "engine/kube/client/EvidenceLog.h"
#include "engine/kube/client/KubeClient.h"
#include "engine/kube/proxy/ProxySyncer.h"

#include <QObject>
#include <QTimer>
#include <chrono>
#include <memory>

namespace flowlab::kube::proxy {

struct ProxyAgentOptions
{
    EndpointSource source = EndpointSource::EndpointSlices;
    // How long to wait after a change for more changes to come.
    std::chrono::milliseconds debounce{100};
    // Syncs start at least this far apart (kube-proxy's --min-sync-period, default 1 s).
    std::chrono::milliseconds minSyncPeriod{1000};
    // Where each applied restore input is written (kept as evidence), empty for nowhere.
    std::string rulesFile;
};

class ProxyAgent : public QObject
{
    Q_OBJECT

public:
    ProxyAgent(KubeClient &client, ProxySyncer &syncer, EvidenceLog &evidence,
               ProxyAgentOptions options, QObject *parent = nullptr);
    ~ProxyAgent() override;

    void start();

signals:
    // After every sync attempt.
    void synced(bool ok);

private:
    void changed(const std::string &why);
    void schedule(std::chrono::milliseconds delay);
    void syncNow();

    ProxySyncer &m_syncer;
    EvidenceLog &m_evidence;
    ProxyAgentOptions m_options;
    std::unique_ptr<Informer> m_services;
    std::unique_ptr<Informer> m_endpoints;
    QTimer m_timer;
    std::string m_pendingReason;
    std::chrono::steady_clock::time_point m_lastSync{};
    int m_failures = 0;
};

} // namespace flowlab::kube::proxy
