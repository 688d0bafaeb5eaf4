#pragma once

// flowlab-scheduler's loop, kube-scheduler's in small: informers keep copies of the pods and
// nodes; pods without a node that name this scheduler wait in the SchedulingQueue; one at a
// time, each goes through a scheduling cycle (SchedulingCycle.h) against the nodes as they
// are now; then
//   a node was chosen:  POST pods/NAME/binding, and a Normal "Scheduled" event;
//   none fitted:        PodScheduled=False (reason Unschedulable) on the pod's status, a
//                       Warning "FailedScheduling" event, and the pod parked until the cluster
//                       changes.
// Every cycle is one "schedule" evidence event holding the whole filter and score table.

#include "engine/kube/client/EvidenceLog.h"
#include "engine/kube/client/KubeClient.h"
#include "engine/kube/scheduler/SchedulingCycle.h"
#include "engine/kube/scheduler/SchedulingQueue.h"

#include <QObject>
#include <QTimer>
#include <map>
#include <memory>
#include <random>
#include <string>

namespace flowlab::kube::scheduling {

struct SchedulerOptions
{
    // Pods whose spec.schedulerName is this are ours; it also signs our events.
    std::string schedulerName = "default-scheduler";
    // Where we run, for the events' reportingInstance ("default-scheduler-flowlab-cp").
    std::string nodeName = "flowlab-cp";
};

class Scheduler : public QObject
{
    Q_OBJECT

public:
    Scheduler(KubeClient &client, EvidenceLog &evidence, SchedulerOptions options,
              QObject *parent = nullptr);
    ~Scheduler() override;

    // Waits for the apiserver (saying so every few seconds while it cannot be reached), then
    // starts the informers and schedules from then on.
    void start();

private:
    void probeApiserver();
    // A request found no apiserver at all (code 0): say so, and probe until it is back.
    void noticeFailure(const ClientResult &result);
    void startInformers();
    void onPodAdded(const Json &pod);
    void onPodUpdated(const Json &old, const Json &now);
    void onPodDeleted(const Json &pod);
    void onNodeChanged(const Json *old, const Json &now);

    bool isOurPendingPod(const Json &pod) const;
    void enqueue(const Json &pod);
    void clusterChanged();
    void scheduleSoon();
    void scheduleReadyPods();
    void scheduleOne(const std::string &key);
    std::vector<NodeInfo> snapshot() const;

    void bind(const PodInfo &pod, CycleResult result);
    void onUnschedulable(const PodInfo &pod, const CycleResult &result);
    void markUnschedulable(const Json &pod, const std::string &message);
    void recordEvent(const Json &pod, const std::string &type, const std::string &reason,
                     const std::string &action, const std::string &message);
    void recordEvidence(const PodInfo &pod, const CycleResult &result, const Json &binding);

    KubeClient &m_client;
    EvidenceLog &m_evidence;
    SchedulerOptions m_options;
    std::unique_ptr<Informer> m_pods;
    std::unique_ptr<Informer> m_nodes;
    SchedulingQueue m_queue;
    // Pods whose binding is on its way: their node counts them already, so the next pod does
    // not take the same room (the real scheduler's "assumed" pods).
    std::map<std::string, std::string> m_assumed; // pod key -> node
    // The last FailedScheduling message per pod: the same message is not posted again.
    std::map<std::string, std::string> m_lastFailure;
    QTimer m_wakeUp;
    QTimer m_probe;
    bool m_reachable = true;
    bool m_started = false;
    std::mt19937_64 m_random;
};

} // namespace flowlab::kube::scheduling
