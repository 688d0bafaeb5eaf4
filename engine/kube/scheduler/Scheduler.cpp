#include "engine/kube/scheduler/Scheduler.h"

#include "engine/kube/api/JsonFields.h"

#include <QDateTime>
#include <chrono>
#include <cstdio>
#include <spdlog/spdlog.h>

namespace flowlab::kube::scheduling {

using fields::get;
using fields::string;

namespace {

constexpr auto kProbeWhileDownMs = 2000;

const ResourceInfo &podsResource()
{
    return *ResourceRegistry::builtin().find("", "v1", "pods");
}

const ResourceInfo &nodesResource()
{
    return *ResourceRegistry::builtin().find("", "v1", "nodes");
}

const ResourceInfo &eventsResource()
{
    return *ResourceRegistry::builtin().find("", "v1", "events");
}

std::string rfc3339Now()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
}

std::int64_t priorityOf(const Json &pod)
{
    return fields::integer(get(pod, {"spec", "priority"}));
}

bool isTerminal(const Json &pod)
{
    const std::string phase = string(get(pod, {"status", "phase"}));
    return phase == "Succeeded" || phase == "Failed";
}

// Whether a pending pod changed in a way that could change where it fits. Status changes
// (our own PodScheduled=False among them) do not count, or a pod would retry forever.
bool schedulingInputsChanged(const Json &old, const Json &now)
{
    return get(old, "spec") != get(now, "spec") ||
           get(old, {"metadata", "labels"}) != get(now, {"metadata", "labels"});
}

// Whether a node changed in a way that could let a parked pod fit: not its heartbeats.
bool nodeChangedForScheduling(const Json &old, const Json &now)
{
    return get(old, "spec") != get(now, "spec") ||
           get(old, {"metadata", "labels"}) != get(now, {"metadata", "labels"}) ||
           get(old, {"status", "allocatable"}) != get(now, {"status", "allocatable"});
}

// "node1 372, node2 381; node3: node(s) had untolerated taint {...}"
std::string scoresSummary(const CycleResult &result)
{
    std::string scored;
    std::string filtered;
    for (const NodeVerdict &node : result.nodes) {
        if (node.feasible && !node.scores.empty()) {
            scored +=
                (scored.empty() ? "" : ", ") + node.node + " " + std::to_string(node.weighted);
        } else if (const FilterResult *rejection = node.rejection()) {
            std::string reasons;
            for (const std::string &reason : rejection->reasons)
                reasons += (reasons.empty() ? "" : ", ") + reason;
            filtered += (filtered.empty() ? "" : "; ") + node.node + ": " + reasons;
        }
    }
    if (scored.empty())
        return filtered;
    return "scores " + scored + (filtered.empty() ? "" : "; " + filtered);
}

} // namespace

Scheduler::Scheduler(KubeClient &client, EvidenceLog &evidence, SchedulerOptions options,
                     QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_evidence(evidence)
    , m_options(std::move(options))
    , m_random(std::random_device{}())
{
    m_wakeUp.setSingleShot(true);
    connect(&m_wakeUp, &QTimer::timeout, this, &Scheduler::scheduleReadyPods);
    m_probe.setSingleShot(true);
    connect(&m_probe, &QTimer::timeout, this, &Scheduler::probeApiserver);
}

Scheduler::~Scheduler() = default;

void Scheduler::start()
{
    probeApiserver();
}

// Probing runs only while the apiserver is (thought to be) away: once it answers, the
// informers' watches carry everything, and a learner's trace stays free of polling.
void Scheduler::probeApiserver()
{
    // A one-item list of nodes: cheap, and it proves both the connection and our token.
    m_client.list(nodesResource(), "", "limit=1", [this](const ClientResult &result) {
        const std::string server = m_client.config().server;
        if (result.ok()) {
            if (!m_reachable)
                spdlog::info("reached the apiserver at {} again", server);
            m_reachable = true;
            if (!m_started)
                startInformers();
            return;
        }
        m_reachable = false;
        if (result.code == 0)
            spdlog::warn("cannot reach the apiserver at {}: {}; retrying every {} s", server,
                         result.message(), kProbeWhileDownMs / 1000);
        else
            spdlog::warn("the apiserver at {} refused to list nodes: HTTP {}: {} (is the token in "
                         "--token-file right?); retrying every {} s",
                         server, result.code, result.message(), kProbeWhileDownMs / 1000);
        m_probe.start(kProbeWhileDownMs);
    });
}

void Scheduler::noticeFailure(const ClientResult &result)
{
    // The informers retry on their own; this only says so, and watches for the way back.
    if (result.code != 0 || !m_reachable)
        return;
    m_reachable = false;
    spdlog::warn("lost the apiserver at {}: {}; retrying every {} s", m_client.config().server,
                 result.message(), kProbeWhileDownMs / 1000);
    m_probe.start(kProbeWhileDownMs);
}

void Scheduler::startInformers()
{
    m_started = true;
    m_pods = std::make_unique<Informer>(m_client, podsResource());
    m_nodes = std::make_unique<Informer>(m_client, nodesResource());
    m_pods->addHandlers({[this](const Json &pod) { onPodAdded(pod); },
                         [this](const Json &old, const Json &now) { onPodUpdated(old, now); },
                         [this](const Json &pod) { onPodDeleted(pod); }});
    m_nodes->addHandlers({[this](const Json &node) { onNodeChanged(nullptr, node); },
                          [this](const Json &old, const Json &now) { onNodeChanged(&old, now); },
                          nullptr});
    // Nothing is scheduled before both copies are complete: a half-listed cluster would
    // send every pod to the first nodes listed.
    for (Informer *informer : {m_pods.get(), m_nodes.get()})
        connect(informer, &Informer::hasSynced, this, &Scheduler::scheduleSoon);
    m_pods->start();
    m_nodes->start();
    spdlog::info("scheduling pods with spec.schedulerName {} on {}", m_options.schedulerName,
                 m_client.config().server);
}

bool Scheduler::isOurPendingPod(const Json &pod) const
{
    std::string schedulerName = string(get(pod, {"spec", "schedulerName"}));
    if (schedulerName.empty())
        schedulerName = "default-scheduler";
    return string(get(pod, {"spec", "nodeName"})).empty() &&
           schedulerName == m_options.schedulerName &&
           !get(pod, "metadata").contains("deletionTimestamp") && !isTerminal(pod) &&
           // Pods with schedulingGates wait until their gates are removed.
           fields::size(get(pod, {"spec", "schedulingGates"})) == 0;
}

void Scheduler::enqueue(const Json &pod)
{
    m_queue.add(Informer::keyOf(pod), priorityOf(pod), SchedulingQueue::Clock::now());
    scheduleSoon();
}

void Scheduler::clusterChanged()
{
    m_queue.moveAllToActive();
    scheduleSoon();
}

void Scheduler::onPodAdded(const Json &pod)
{
    if (isOurPendingPod(pod) && !m_assumed.contains(Informer::keyOf(pod)))
        enqueue(pod);
}

void Scheduler::onPodUpdated(const Json &old, const Json &now)
{
    const std::string key = Informer::keyOf(now);
    if (isOurPendingPod(now)) {
        if (m_assumed.contains(key))
            return; // its binding is on its way
        if (!m_queue.contains(key) || schedulingInputsChanged(old, now))
            enqueue(now);
        return;
    }
    // Bound (by us or anyone), being deleted, finished, or gated: not ours to place now.
    m_queue.remove(key);
    m_lastFailure.erase(key);
    if (!string(get(now, {"spec", "nodeName"})).empty())
        m_assumed.erase(key);
    // A pod that finished gives its node's room back.
    if (!isTerminal(old) && isTerminal(now) && !string(get(now, {"spec", "nodeName"})).empty())
        clusterChanged();
}

void Scheduler::onPodDeleted(const Json &pod)
{
    const std::string key = Informer::keyOf(pod);
    m_queue.remove(key);
    m_lastFailure.erase(key);
    m_assumed.erase(key);
    if (!string(get(pod, {"spec", "nodeName"})).empty())
        clusterChanged(); // its room on the node is free
}

void Scheduler::onNodeChanged(const Json *old, const Json &now)
{
    if (!old || nodeChangedForScheduling(*old, now))
        clusterChanged();
}

void Scheduler::scheduleSoon()
{
    m_wakeUp.start(0);
}

void Scheduler::scheduleReadyPods()
{
    if (!m_pods || !m_nodes || !m_pods->synced() || !m_nodes->synced())
        return;
    const auto now = SchedulingQueue::Clock::now();
    while (const auto key = m_queue.pop(now))
        scheduleOne(*key);
    // Sleep until the next backoff ends (or a parked pod's time is up).
    if (const auto next = m_queue.nextReadyTime(SchedulingQueue::Clock::now())) {
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
            *next - SchedulingQueue::Clock::now());
        m_wakeUp.start(int(std::max<std::int64_t>(wait.count(), 0)) + 1);
    }
}

std::vector<NodeInfo> Scheduler::snapshot() const
{
    std::vector<NodeInfo> nodes;
    std::map<std::string, std::size_t> byName;
    for (const auto &[name, node] : m_nodes->items()) { // in name order
        byName[name] = nodes.size();
        nodes.emplace_back(node);
    }
    for (const auto &[key, pod] : m_pods->items()) {
        if (isTerminal(pod))
            continue;
        std::string node = string(get(pod, {"spec", "nodeName"}));
        if (node.empty()) {
            const auto assumed = m_assumed.find(key);
            if (assumed == m_assumed.end())
                continue;
            node = assumed->second;
        }
        if (const auto found = byName.find(node); found != byName.end())
            nodes[found->second].addPod(PodInfo(pod));
    }
    return nodes;
}

void Scheduler::scheduleOne(const std::string &key)
{
    const Json *current = m_pods->find(key);
    if (!current || !isOurPendingPod(*current)) {
        m_queue.remove(key); // gone or placed meanwhile: forget its failed tries too
        return;
    }
    PodInfo pod(*current);
    CycleResult result = runSchedulingCycle(pod, snapshot(), [this](std::size_t count) {
        return std::uniform_int_distribution<std::size_t>(0, count - 1)(m_random);
    });
    if (result.chosen)
        bind(pod, std::move(result));
    else
        onUnschedulable(pod, result);
}

void Scheduler::bind(const PodInfo &pod, CycleResult result)
{
    const std::string key = pod.key();
    const std::string node = *result.chosen;
    const std::string ns = string(get(pod.pod, {"metadata", "namespace"}));
    const std::string name = string(get(pod.pod, {"metadata", "name"}));
    m_assumed[key] = node;
    const Json binding = {{"apiVersion", "v1"},
                          {"kind", "Binding"},
                          {"metadata", {{"name", name}, {"namespace", ns}}},
                          {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
    m_client.post(KubeClient::path(podsResource(), ns, name, "binding"), binding,
                  [this, pod, result = std::move(result), key, node](const ClientResult &answer) {
                      Json outcome = {{"node", node}, {"code", answer.code}};
                      if (answer.ok()) {
                          spdlog::info("bound {} to {}", key, node);
                          m_queue.remove(key);
                          recordEvent(pod.pod, "Normal", "Scheduled", "Binding",
                                      "Successfully assigned " + key + " to " + node);
                      } else {
                          // Someone bound it first (409), it is gone (404), or the apiserver
                          // is away: forget the assumption, and retry after a backoff.
                          outcome["error"] = answer.message();
                          spdlog::warn("binding {} to {} failed: {}", key, node, answer.message());
                          noticeFailure(answer);
                          m_assumed.erase(key);
                          m_queue.addBackoff(key, priorityOf(pod.pod),
                                             SchedulingQueue::Clock::now());
                          clusterChanged(); // the room it held is free again
                      }
                      recordEvidence(pod, result, outcome);
                  });
}

void Scheduler::onUnschedulable(const PodInfo &pod, const CycleResult &result)
{
    const std::string key = pod.key();
    spdlog::info("{} does not fit: {}", key, result.reason);
    m_queue.addUnschedulable(key, priorityOf(pod.pod), SchedulingQueue::Clock::now());
    recordEvidence(pod, result, nullptr);
    markUnschedulable(pod.pod, result.reason);
    // The real scheduler's events are a series with a count; one per distinct message keeps
    // `kubectl describe pod` readable without that machinery.
    if (m_lastFailure[key] != result.reason) {
        m_lastFailure[key] = result.reason;
        recordEvent(pod.pod, "Warning", "FailedScheduling", "Scheduling", result.reason);
    }
}

void Scheduler::markUnschedulable(const Json &pod, const std::string &message)
{
    // Written only when it changes; lastTransitionTime moves only when the status does.
    std::string since = rfc3339Now();
    for (const Json &condition : fields::items(get(pod, {"status", "conditions"}))) {
        if (string(get(condition, "type")) != "PodScheduled")
            continue;
        if (string(get(condition, "status")) == "False") {
            if (string(get(condition, "reason")) == "Unschedulable" &&
                string(get(condition, "message")) == message)
                return;
            since = string(get(condition, "lastTransitionTime"));
        }
    }
    // A strategic merge patch: conditions merge by type, so the others stay as they are.
    const Json patch = {{"status",
                         {{"conditions",
                           {{{"type", "PodScheduled"},
                             {"status", "False"},
                             {"reason", "Unschedulable"},
                             {"message", message},
                             {"lastProbeTime", nullptr},
                             {"lastTransitionTime", since}}}}}}};
    const std::string key = Informer::keyOf(pod);
    m_client.patch(
        podsResource(), string(get(pod, {"metadata", "namespace"})),
        string(get(pod, {"metadata", "name"})), patch, "application/strategic-merge-patch+json",
        [this, key](const ClientResult &answer) {
            if (answer.ok())
                return;
            spdlog::warn("setting PodScheduled=False on {}: {}", key, answer.message());
            noticeFailure(answer);
        },
        "status");
}

void Scheduler::recordEvent(const Json &pod, const std::string &type, const std::string &reason,
                            const std::string &action, const std::string &message)
{
    const Json &metadata = get(pod, "metadata");
    const std::string ns = string(get(metadata, "namespace"));
    const std::string now = rfc3339Now();
    // Named as client-go names events: the object's name and the time in hex nanoseconds.
    const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".%llx",
                  static_cast<unsigned long long>(nanoseconds.count()));
    const Json event = {
        {"apiVersion", "v1"},
        {"kind", "Event"},
        {"metadata", {{"name", string(get(metadata, "name")) + suffix}, {"namespace", ns}}},
        {"involvedObject",
         {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"namespace", ns},
          {"name", get(metadata, "name")},
          {"uid", get(metadata, "uid")},
          {"resourceVersion", get(metadata, "resourceVersion")}}},
        {"type", type},
        {"reason", reason},
        {"action", action},
        {"message", message},
        {"source", {{"component", m_options.schedulerName}}},
        {"reportingComponent", m_options.schedulerName},
        {"reportingInstance", m_options.schedulerName + "-" + m_options.nodeName},
        {"firstTimestamp", now},
        {"lastTimestamp", now},
        {"count", 1},
    };
    m_client.create(eventsResource(), ns, event, [this, reason](const ClientResult &answer) {
        if (answer.ok())
            return;
        spdlog::warn("recording the {} event: {}", reason, answer.message());
        noticeFailure(answer);
    });
}

void Scheduler::recordEvidence(const PodInfo &pod, const CycleResult &result, const Json &binding)
{
    const Json &metadata = get(pod.pod, "metadata");
    Event event;
    event.kind = EventKind::Schedule;
    event.attributes = cycleToJson(result);
    event.attributes["pod"] = {{"namespace", get(metadata, "namespace")},
                               {"name", get(metadata, "name")},
                               {"uid", get(metadata, "uid")}};
    event.attributes["schedulerName"] = m_options.schedulerName;
    if (!binding.is_null())
        event.attributes["binding"] = binding;

    const std::string key = pod.key();
    const std::string scores = scoresSummary(result);
    if (!result.chosen)
        event.summary = key + " unschedulable: " + result.reason;
    else if (binding.contains("error"))
        event.summary = key + " → " + *result.chosen +
                        " failed to bind: " + binding["error"].get<std::string>();
    else if (result.reason == "highest score")
        event.summary = key + " → " + *result.chosen + " (" + scores + ")";
    else
        event.summary = key + " → " + *result.chosen + " (" + result.reason +
                        (scores.empty() ? "" : "; " + scores) + ")";
    spdlog::debug("{}", event.summary);
    m_evidence.record(std::move(event));
}

} // namespace flowlab::kube::scheduling
