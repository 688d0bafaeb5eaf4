#pragma once

// flowlab-kubelet's loop, the real kubelet's in small:
//   - registers its Node (capacity, addresses, podCIDR, Ready), renews its Lease in
//     kube-node-lease every 10 s and posts node status every minute;
//   - watches the pods bound to it (AssignedPodWatch);
//   - pod workers: each pod is synced (PodSyncer) on a thread pool, one sync per pod at a
//     time, after every change to the pod, when its back-off ends, and when the PLEG sees
//     one of its containers change state (a relist of the runtime's containers every
//     second);
//   - publishes each new pod status with a PATCH of pods/NAME/status, and Events (Pulling,
//     Created, Started, BackOff, Killing...);
//   - a pod marked for deletion is stopped and removed, then deleted for good
//     (gracePeriodSeconds=0), as the real kubelet finishes a graceful deletion.
// Every CRI call and every status write is evidence (KubeletEvidence).

#include "engine/kube/client/EvidenceLog.h"
#include "engine/kube/client/KubeClient.h"
#include "engine/kube/controllers/EventRecorder.h"
#include "engine/kube/cri/ContainerRuntime.h"
#include "engine/kube/kubelet/AssignedPodWatch.h"
#include "engine/kube/kubelet/Backoff.h"
#include "engine/kube/kubelet/KubeletEvidence.h"
#include "engine/kube/kubelet/NodeObject.h"
#include "engine/kube/kubelet/PodSyncer.h"

#include <QObject>
#include <QThreadPool>
#include <QTimer>
#include <map>
#include <memory>
#include <string>

namespace flowlab::kube::kubelet {

struct KubeletOptions
{
    NodeFacts node;
    PodSyncOptions sync;
    Millis relistPeriod{1000};
    std::chrono::seconds leaseRenewPeriod{10};
    std::chrono::seconds statusReportPeriod{60};
    Millis backoffInitial{std::chrono::seconds(10)};
    Millis backoffMaximum{std::chrono::minutes(5)};
    int workers = 4;
};

class Kubelet : public QObject
{
    Q_OBJECT

public:
    Kubelet(KubeClient &client, cri::ContainerRuntime &runtime, EvidenceLog &evidence,
            KubeletOptions options, QObject *parent = nullptr);
    ~Kubelet() override;

    // Registers the node, then watches pods. Retries (and says so) while the apiserver
    // cannot be reached.
    void start();
    bool isRegistered() const { return m_registered; }
    Backoff &backoff() { return m_backoff; }

signals:
    void registered();
    // A pod's status was written (tests wait on this rather than poll).
    void podStatusPublished(const QString &podKey, const QString &phase);

private:
    struct PodEntry
    {
        Json pod;
        bool gone = false;     // deleted from the API: kill what is left
        bool finished = false; // killed and deleted for good: nothing more to do
        bool syncing = false;
        bool again = false; // changed while a sync ran
        std::unique_ptr<QTimer> retry;
    };
    struct SyncOutcome
    {
        bool killed = false;
        Status killStatus;
        SyncResult result;
    };

    void registerNode();
    void renewLease();
    void reportNodeStatus();
    void startPods();
    void onPodChanged(const Json &pod);
    void onPodDeleted(const Json &pod);
    void onFirstList();
    void requestSync(const std::string &uid);
    VolumeSources volumeSourcesOf(const Json &pod) const;
    // A ConfigMap or Secret changed: the pods whose volumes name it sync again.
    void onVolumeSourceChanged(const Json &object, bool secret);
    void onSyncDone(const std::string &uid, SyncOutcome outcome);
    void publishStatus(const Json &pod, const Json &status);
    void deleteForGood(const Json &pod);
    void relist();
    void onRelisted(std::map<std::string, std::pair<int, std::string>> containers);

    KubeClient &m_client;
    cri::ContainerRuntime &m_runtime;
    KubeletEvidence m_evidence;
    KubeletOptions m_options;
    Backoff m_backoff;
    PodSyncer m_syncer;
    EventRecorder m_events;
    std::unique_ptr<AssignedPodWatch> m_watch;
    // The ConfigMaps and Secrets pods' volumes are made from (PodVolumes.h).
    std::unique_ptr<Informer> m_configMaps;
    std::unique_ptr<Informer> m_secrets;
    std::unique_ptr<Informer> m_claims;  // PersistentVolumeClaims
    std::unique_ptr<Informer> m_volumes; // PersistentVolumes
    std::map<std::string, PodEntry> m_pods; // by UID
    // The last relist: container id → (CRI state, pod UID).
    std::map<std::string, std::pair<int, std::string>> m_lastRelist;
    bool m_relisting = false;
    bool m_registered = false;
    bool m_cleanedOrphans = false;
    Json m_node;
    QTimer m_leaseTimer;
    QTimer m_statusTimer;
    QTimer m_relistTimer;
    QThreadPool m_pool;
};

} // namespace flowlab::kube::kubelet
