#include "engine/kube/kubelet/Kubelet.h"

#include "engine/kube/api/JsonFields.h"
#include "engine/kube/controllers/ObjectMeta.h"

#include <QElapsedTimer>
#include <spdlog/spdlog.h>

namespace flowlab::kube::kubelet {

using namespace fields;

namespace {

const ResourceInfo &pods()
{
    return builtinResource("", "pods");
}

std::string uidOf(const Json &pod)
{
    return string(get(pod, {"metadata", "uid"}));
}

bool markedForDeletion(const Json &pod)
{
    return !string(get(pod, {"metadata", "deletionTimestamp"})).empty();
}

} // namespace

Kubelet::Kubelet(KubeClient &client, cri::ContainerRuntime &runtime, EvidenceLog &evidence,
                 KubeletOptions options, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_runtime(runtime)
    , m_evidence(evidence)
    , m_options(std::move(options))
    , m_backoff(m_options.backoffInitial, m_options.backoffMaximum)
    , m_syncer(runtime, m_backoff, m_options.sync, [] { return std::chrono::system_clock::now(); })
    , m_events(client)
{
    m_runtime.setObserver([this](const cri::CriCall &call) { m_evidence.criCall(call); });
    m_pool.setMaxThreadCount(std::max(1, m_options.workers));
    connect(&m_leaseTimer, &QTimer::timeout, this, &Kubelet::renewLease);
    connect(&m_statusTimer, &QTimer::timeout, this, &Kubelet::reportNodeStatus);
    connect(&m_relistTimer, &QTimer::timeout, this, &Kubelet::relist);
}

Kubelet::~Kubelet()
{
    m_watch.reset();
    m_pool.waitForDone();
    m_runtime.setObserver({});
}

void Kubelet::start()
{
    registerNode();
}

void Kubelet::registerNode()
{
    const ResourceInfo &nodes = builtinResource("", "nodes");
    const Json node = nodeObject(m_options.node, std::chrono::system_clock::now());
    m_client.create(nodes, "", node, [this, &nodes](const ClientResult &result) {
        if (result.ok() || result.code == 409) {
            if (result.code == 409)
                spdlog::info("node {} is registered already; taking it over", m_options.node.name);
            else
                spdlog::info("registered node {}", m_options.node.name);
            m_registered = true;
            m_node = result.ok() ? result.body : Json();
            reportNodeStatus();
            renewLease();
            m_leaseTimer.start(int(m_options.leaseRenewPeriod.count() * 1000));
            m_statusTimer.start(int(m_options.statusReportPeriod.count() * 1000));
            emit registered();
            startPods();
            return;
        }
        spdlog::warn("registering node {}: {} (trying again)", m_options.node.name,
                     result.message());
        QTimer::singleShot(2000, this, [this] { registerNode(); });
        (void)nodes;
    });
}

void Kubelet::reportNodeStatus()
{
    const ResourceInfo &nodes = builtinResource("", "nodes");
    const Json patch = nodeStatusPatch(m_options.node, m_node, std::chrono::system_clock::now());
    // spec.podCIDR is set at registration; a node registered by someone else gets ours.
    m_client.patch(
        nodes, "", m_options.node.name, patch, "application/merge-patch+json",
        [this](const ClientResult &result) {
            if (result.ok())
                m_node = result.body;
            else
                spdlog::warn("posting node status: {}", result.message());
        },
        "status");
}

void Kubelet::renewLease()
{
    const ResourceInfo *leases =
        ResourceRegistry::builtin().find("coordination.k8s.io", "v1", "leases");
    if (!leases)
        return;
    const Json lease = leaseObject(m_options.node, std::chrono::system_clock::now());
    // A merge patch renews it; the first time, it does not exist yet and is created.
    m_client.patch(
        *leases, "kube-node-lease", m_options.node.name, {{"spec", lease["spec"]}},
        "application/merge-patch+json", [this, leases, lease](const ClientResult &result) {
            if (result.code != 404) {
                if (!result.ok())
                    spdlog::warn("renewing the node lease: {}", result.message());
                return;
            }
            m_client.create(*leases, "kube-node-lease", lease, [](const ClientResult &created) {
                if (!created.ok() && created.code != 409)
                    spdlog::warn("creating the node lease: {}", created.message());
            });
        });
}

void Kubelet::startPods()
{
    if (m_watch)
        return;
    AssignedPodWatch::Handlers handlers;
    handlers.changed = [this](const Json &pod) { onPodChanged(pod); };
    handlers.deleted = [this](const Json &pod) { onPodDeleted(pod); };
    handlers.synced = [this] { onFirstList(); };
    m_watch = std::make_unique<AssignedPodWatch>(m_client, m_options.node.name, handlers);
    m_watch->start();
    const auto &registry = ResourceRegistry::builtin();
    for (auto [informer, resource, secret] : {std::tuple{&m_configMaps, "configmaps", false},
                                              std::tuple{&m_secrets, "secrets", true}}) {
        *informer = std::make_unique<Informer>(m_client, *registry.find("", "v1", resource));
        const bool isSecret = secret;
        (*informer)->addHandlers(
            {[this, isSecret](const Json &object) { onVolumeSourceChanged(object, isSecret); },
             [this, isSecret](const Json &, const Json &now) {
                 onVolumeSourceChanged(now, isSecret);
             },
             {}});
        (*informer)->start();
    }
    // A claim binding (or its volume appearing) lets a pod waiting on FailedMount go on.
    for (auto [informer, resource] : {std::pair{&m_claims, "persistentvolumeclaims"},
                                      std::pair{&m_volumes, "persistentvolumes"}}) {
        *informer = std::make_unique<Informer>(m_client, *registry.find("", "v1", resource));
        auto resync = [this](const Json &) {
            std::vector<std::string> waiting;
            for (const auto &[uid, entry] : m_pods)
                if (!entry.gone && !entry.finished && !claimReferences(entry.pod).empty())
                    waiting.push_back(uid);
            for (const std::string &uid : waiting)
                requestSync(uid);
        };
        (*informer)->addHandlers({resync, [resync](const Json &, const Json &now) { resync(now); },
                                  {}});
        (*informer)->start();
    }
    m_relistTimer.start(int(m_options.relistPeriod.count()));
}

VolumeSources Kubelet::volumeSourcesOf(const Json &pod) const
{
    VolumeSources sources;
    const std::string ns = string(get(pod, {"metadata", "namespace"}));
    const auto [configMaps, secrets] = volumeReferences(pod);
    for (const std::string &name : configMaps)
        if (const Json *found = m_configMaps ? m_configMaps->find(ns, name) : nullptr)
            sources.configMaps[name] = *found;
    for (const std::string &name : secrets)
        if (const Json *found = m_secrets ? m_secrets->find(ns, name) : nullptr)
            sources.secrets[name] = *found;
    for (const std::string &name : claimReferences(pod)) {
        const Json *claim = m_claims ? m_claims->find(ns, name) : nullptr;
        if (!claim)
            continue;
        sources.claims[name] = *claim;
        const std::string volume = string(get(*claim, {"spec", "volumeName"}));
        if (const Json *found =
                m_volumes && !volume.empty() ? m_volumes->find("", volume) : nullptr)
            sources.volumes[volume] = *found;
    }
    return sources;
}

void Kubelet::onVolumeSourceChanged(const Json &object, bool secret)
{
    const std::string ns = string(get(object, {"metadata", "namespace"}));
    const std::string name = string(get(object, {"metadata", "name"}));
    std::vector<std::string> affected;
    for (const auto &[uid, entry] : m_pods) {
        if (entry.gone || entry.finished || string(get(entry.pod, {"metadata", "namespace"})) != ns)
            continue;
        const auto [configMaps, secrets] = volumeReferences(entry.pod);
        const auto &names = secret ? secrets : configMaps;
        if (std::find(names.begin(), names.end(), name) != names.end())
            affected.push_back(uid);
    }
    for (const std::string &uid : affected)
        requestSync(uid);
}

void Kubelet::onPodChanged(const Json &pod)
{
    const std::string uid = uidOf(pod);
    PodEntry &entry = m_pods[uid];
    if (entry.finished)
        return;
    entry.pod = pod;
    requestSync(uid);
}

void Kubelet::onPodDeleted(const Json &pod)
{
    const std::string uid = uidOf(pod);
    auto found = m_pods.find(uid);
    if (found == m_pods.end())
        return;
    if (found->second.finished) {
        if (!found->second.syncing)
            m_pods.erase(found);
        return;
    }
    found->second.pod = pod;
    found->second.gone = true;
    requestSync(uid);
}

void Kubelet::onFirstList()
{
    if (m_cleanedOrphans)
        return;
    m_cleanedOrphans = true;
    // Sandboxes of pods that were deleted while we were not running.
    m_pool.start([this] {
        CriCallScope scope("", true);
        auto uids = m_syncer.podsInRuntime();
        if (!uids)
            return;
        std::vector<std::string> found = *uids;
        QMetaObject::invokeMethod(
            this,
            [this, found] {
                for (const std::string &uid : found) {
                    if (m_pods.contains(uid))
                        continue;
                    PodEntry &entry = m_pods[uid];
                    entry.pod = {{"metadata", {{"uid", uid}, {"name", ""}, {"namespace", ""}}}};
                    entry.gone = true;
                    requestSync(uid);
                }
            },
            Qt::QueuedConnection);
    });
}

void Kubelet::requestSync(const std::string &uid)
{
    auto found = m_pods.find(uid);
    if (found == m_pods.end())
        return;
    PodEntry &entry = found->second;
    if (entry.syncing) {
        entry.again = true;
        return;
    }
    entry.syncing = true;
    if (entry.retry)
        entry.retry->stop();
    const Json pod = entry.pod;
    const bool kill = entry.gone || markedForDeletion(pod);
    VolumeSources volumes = kill ? VolumeSources{} : volumeSourcesOf(pod);
    m_pool.start([this, uid, pod, kill, volumes = std::move(volumes)] {
        const PodIdentity id = PodIdentity::of(pod);
        CriCallScope scope(id.name.empty() ? uid : id.key());
        SyncOutcome outcome;
        if (kill) {
            outcome.killed = true;
            outcome.killStatus = m_syncer.killPod(
                uid, integer(get(pod, {"metadata", "deletionGracePeriodSeconds"}),
                             integer(get(pod, {"spec", "terminationGracePeriodSeconds"}), 30)));
        } else {
            outcome.result = m_syncer.syncPod(pod, volumes);
            for (const VolumeWrite &write : outcome.result.volumesWritten)
                m_evidence.volumeWrite(id.key(), write);
        }
        QMetaObject::invokeMethod(
            this,
            [this, uid, outcome = std::move(outcome)]() mutable {
                onSyncDone(uid, std::move(outcome));
            },
            Qt::QueuedConnection);
    });
}

void Kubelet::onSyncDone(const std::string &uid, SyncOutcome outcome)
{
    auto found = m_pods.find(uid);
    if (found == m_pods.end())
        return;
    PodEntry &entry = found->second;
    entry.syncing = false;
    const Json pod = entry.pod;
    if (outcome.killed) {
        if (!outcome.killStatus) {
            spdlog::warn("{}", outcome.killStatus.error().message());
            entry.retry = std::make_unique<QTimer>();
            entry.retry->setSingleShot(true);
            connect(entry.retry.get(), &QTimer::timeout, this, [this, uid] { requestSync(uid); });
            entry.retry->start(2000);
            return;
        }
        m_backoff.forgetPrefix(uid + "/");
        entry.finished = true;
        if (entry.gone) {
            m_pods.erase(found);
            return;
        }
        deleteForGood(pod);
        return;
    }
    const SyncResult &result = outcome.result;
    if (!result.error.empty())
        spdlog::warn("syncing pod {}: {}", PodIdentity::of(pod).key(), result.error);
    for (const EventNote &note : result.events)
        m_events.record("kubelet", pods(), pod, note);
    if (!result.status.is_null() && result.status != get(pod, "status"))
        publishStatus(pod, result.status);
    if (result.retryAfter) {
        if (!entry.retry) {
            entry.retry = std::make_unique<QTimer>();
            entry.retry->setSingleShot(true);
            connect(entry.retry.get(), &QTimer::timeout, this, [this, uid] { requestSync(uid); });
        }
        entry.retry->start(int(result.retryAfter->count()));
    }
    if (entry.again) {
        entry.again = false;
        requestSync(uid);
    }
}

void Kubelet::publishStatus(const Json &pod, const Json &status)
{
    const PodIdentity id = PodIdentity::of(pod);
    // The UID guards against writing to a new pod of the same name.
    const Json patch = {{"metadata", {{"uid", id.uid}}}, {"status", status}};
    const std::string path = KubeClient::path(pods(), id.ns, id.name, "status");
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    m_client.patch(
        pods(), id.ns, id.name, patch, "application/merge-patch+json",
        [this, id, path, patch, timer, status](const ClientResult &result) {
            const std::string phase = status.value("phase", "");
            const std::string ip = status.value("podIP", "");
            m_evidence.apiCall("PATCH", path, patch, result.code, id.key(),
                               "kubelet → PATCH " + path + " → " + std::to_string(result.code) +
                                   " (" + phase + (ip.empty() ? "" : ", " + ip) + ")",
                               double(timer->nsecsElapsed()) / 1e6);
            if (!result.ok()) {
                spdlog::warn("writing the status of pod {}: {}", id.key(), result.message());
                return;
            }
            auto found = m_pods.find(id.uid);
            if (found != m_pods.end() && result.body.is_object())
                found->second.pod["status"] = result.body.value("status", Json::object());
            emit podStatusPublished(QString::fromStdString(id.key()),
                                    QString::fromStdString(phase));
        },
        "status");
}

void Kubelet::deleteForGood(const Json &pod)
{
    const PodIdentity id = PodIdentity::of(pod);
    const Json options = {{"kind", "DeleteOptions"},
                          {"apiVersion", "v1"},
                          {"gracePeriodSeconds", 0},
                          {"preconditions", {{"uid", id.uid}}}};
    const std::string path = KubeClient::path(pods(), id.ns, id.name);
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    m_client.remove(pods(), id.ns, id.name, options,
                    [this, id, path, options, timer](const ClientResult &result) {
                        m_evidence.apiCall("DELETE", path, options, result.code, id.key(),
                                           "kubelet → DELETE " + path + " → " +
                                               std::to_string(result.code) +
                                               " (containers and sandbox removed)",
                                           double(timer->nsecsElapsed()) / 1e6);
                        if (!result.ok() && result.code != 404)
                            spdlog::warn("deleting pod {}: {}", id.key(), result.message());
                    });
}

void Kubelet::relist()
{
    if (m_relisting)
        return;
    m_relisting = true;
    m_pool.start([this] {
        CriCallScope scope("", false); // not evidence: see KubeletEvidence.h
        std::map<std::string, std::pair<int, std::string>> seen;
        auto listed = m_runtime.listContainers(v1::ListContainersRequest());
        if (listed)
            for (const auto &container : listed->containers()) {
                const auto uid = container.labels().find(kPodUidLabel);
                seen[container.id()] = {int(container.state()),
                                        uid == container.labels().end() ? "" : uid->second};
            }
        const bool ok = listed.ok();
        QMetaObject::invokeMethod(
            this,
            [this, seen = std::move(seen), ok]() mutable {
                m_relisting = false;
                if (ok)
                    onRelisted(std::move(seen));
            },
            Qt::QueuedConnection);
    });
}

void Kubelet::onRelisted(std::map<std::string, std::pair<int, std::string>> containers)
{
    std::set<std::string> changed;
    for (const auto &[id, now] : containers) {
        const auto before = m_lastRelist.find(id);
        if (before == m_lastRelist.end() || before->second.first != now.first)
            changed.insert(now.second);
    }
    for (const auto &[id, before] : m_lastRelist)
        if (!containers.contains(id))
            changed.insert(before.second);
    m_lastRelist = std::move(containers);
    for (const std::string &uid : changed) {
        auto found = m_pods.find(uid);
        if (found != m_pods.end() && !found->second.finished && !found->second.gone)
            requestSync(uid);
    }
}

} // namespace flowlab::kube::kubelet
