#include "engine/kube/kubelet/PodSyncer.h"

#include "engine/kube/api/JsonFields.h"

#include <algorithm>
#include <filesystem>
#include <map>

namespace flowlab::kube::kubelet {

using namespace fields;

namespace {

TimePoint timeOfNs(std::int64_t ns)
{
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(ns)));
}

std::string seconds(Millis window)
{
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(window).count();
    return s >= 60 && s % 60 == 0 ? std::to_string(s / 60) + "m0s" : std::to_string(s) + "s";
}

// Newest attempt first.
void sortByAttempt(std::vector<v1::Container> &containers)
{
    std::sort(containers.begin(), containers.end(), [](const auto &a, const auto &b) {
        if (a.metadata().attempt() != b.metadata().attempt())
            return a.metadata().attempt() > b.metadata().attempt();
        return a.created_at() > b.created_at();
    });
}

} // namespace

PodSyncer::PodSyncer(cri::ContainerRuntime &runtime, Backoff &backoff, PodSyncOptions options,
                     Clock clock, Prober *prober)
    : m_runtime(runtime)
    , m_backoff(backoff)
    , m_options(std::move(options))
    , m_clock(std::move(clock))
    , m_prober(prober)
{}

Result<std::vector<v1::PodSandbox>> PodSyncer::sandboxesOf(const std::string &uid)
{
    v1::ListPodSandboxRequest request;
    (*request.mutable_filter()->mutable_label_selector())[kPodUidLabel] = uid;
    auto listed = m_runtime.listPodSandbox(request);
    if (!listed)
        return listed.error();
    std::vector<v1::PodSandbox> out(listed->items().begin(), listed->items().end());
    std::sort(out.begin(), out.end(),
              [](const auto &a, const auto &b) { return a.created_at() > b.created_at(); });
    return out;
}

Result<std::vector<v1::Container>> PodSyncer::containersOf(const std::string &uid)
{
    v1::ListContainersRequest request;
    (*request.mutable_filter()->mutable_label_selector())[kPodUidLabel] = uid;
    auto listed = m_runtime.listContainers(request);
    if (!listed)
        return listed.error();
    std::vector<v1::Container> out(listed->containers().begin(), listed->containers().end());
    sortByAttempt(out);
    return out;
}

Result<std::vector<std::string>> PodSyncer::podsInRuntime()
{
    auto listed = m_runtime.listPodSandbox(v1::ListPodSandboxRequest());
    if (!listed)
        return listed.error();
    std::vector<std::string> uids;
    for (const auto &sandbox : listed->items()) {
        const auto found = sandbox.labels().find(kPodUidLabel);
        if (found != sandbox.labels().end() &&
            std::find(uids.begin(), uids.end(), found->second) == uids.end())
            uids.push_back(found->second);
    }
    return uids;
}

bool PodSyncer::firstSightOfExit(const std::string &containerId)
{
    std::lock_guard lock(m_exitsMutex);
    return m_exitsSeen.insert(containerId).second;
}

void PodSyncer::retryIn(SyncResult &result, Millis delay)
{
    delay = std::max(delay, Millis(100));
    if (!result.retryAfter || delay < *result.retryAfter)
        result.retryAfter = delay;
}

bool PodSyncer::ensureImage(const Json &pod, const Json &container,
                            const v1::PodSandboxConfig &config, ContainerRuntimeState &state,
                            SyncResult &result)
{
    const PodIdentity id = PodIdentity::of(pod);
    const std::string name = string(get(container, "name"));
    const std::string image = string(get(container, "image"));
    const std::string pullKey = id.uid + "/" + name + "/pull";
    const TimePoint now = m_clock();

    v1::ImageStatusRequest statusRequest;
    statusRequest.mutable_image()->set_image(image);
    auto present = m_runtime.imageStatus(statusRequest);
    const bool have = present && present->has_image();
    if (!shouldPull(container, have)) {
        if (have)
            return true;
        state.waitingReason = "ErrImageNeverPull";
        state.waitingMessage =
            "Container image \"" + image + "\" is not present with pull policy of Never";
        result.events.push_back({"Warning", "ErrImageNeverPull", state.waitingMessage});
        return false;
    }
    if (m_backoff.inBackOff(pullKey, now)) {
        state.waitingReason = "ImagePullBackOff";
        state.waitingMessage = "Back-off pulling image \"" + image + "\"";
        result.events.push_back({"Normal", "BackOff", state.waitingMessage});
        retryIn(result, m_backoff.current(pullKey));
        return false;
    }
    result.events.push_back({"Normal", "Pulling", "Pulling image \"" + image + "\""});
    v1::PullImageRequest pull;
    pull.mutable_image()->set_image(image);
    *pull.mutable_sandbox_config() = config;
    const TimePoint started = m_clock();
    auto pulled = m_runtime.pullImage(pull);
    if (!pulled) {
        m_backoff.next(pullKey, m_clock());
        state.waitingReason = "ErrImagePull";
        state.waitingMessage = pulled.error().message();
        result.events.push_back(
            {"Warning", "Failed",
             "Failed to pull image \"" + image + "\": " + pulled.error().message()});
        retryIn(result, m_backoff.current(pullKey));
        return false;
    }
    m_backoff.reset(pullKey);
    const auto took = std::chrono::duration_cast<Millis>(m_clock() - started).count();
    result.events.push_back(
        {"Normal", "Pulled",
         "Successfully pulled image \"" + image + "\" in " + std::to_string(took) + "ms"});
    return true;
}

void PodSyncer::startContainer(const Json &pod, const Json &container, std::uint32_t attempt,
                               const PreparedVolumes &volumes, const std::string &sandboxId,
                               const v1::PodSandboxConfig &config, ContainerRuntimeState &state,
                               SyncResult &result)
{
    const std::string name = string(get(container, "name"));
    if (!ensureImage(pod, container, config, state, result))
        return;
    v1::CreateContainerRequest create;
    create.set_pod_sandbox_id(sandboxId);
    auto configError = [&](const std::string &message) {
        state.waitingReason = "CreateContainerConfigError";
        state.waitingMessage = message;
        result.events.push_back({"Warning", "Failed", "Error: " + message});
        retryIn(result, std::chrono::seconds(10));
    };
    auto env = containerEnvironment(pod, container, volumes.sources);
    if (!env)
        return configError(env.error().message());
    *create.mutable_config() = containerConfig(pod, container, attempt, *env);
    auto mounts = containerMounts(container, volumes);
    if (!mounts)
        return configError(mounts.error().message());
    for (auto &mount : *mounts)
        *create.mutable_config()->add_mounts() = std::move(mount);
    *create.mutable_sandbox_config() = config;
    auto created = m_runtime.createContainer(create);
    if (!created) {
        state.waitingReason = "CreateContainerError";
        state.waitingMessage = created.error().message();
        result.events.push_back({"Warning", "Failed", "Error: " + created.error().message()});
        retryIn(result, std::chrono::seconds(10));
        return;
    }
    result.events.push_back({"Normal", "Created", "Created container " + name});
    v1::StartContainerRequest start;
    start.set_container_id(created->container_id());
    if (auto started = m_runtime.startContainer(start); !started) {
        state.waitingReason = "RunContainerError";
        state.waitingMessage = started.error().message();
        result.events.push_back({"Warning", "Failed", "Error: " + started.error().message()});
        retryIn(result, std::chrono::seconds(10));
        return;
    }
    result.events.push_back({"Normal", "Started", "Started container " + name});
}

void PodSyncer::readContainerStates(const Json &pod, const std::vector<v1::Container> &containers,
                                    PodRuntimeState &state, SyncResult &result)
{
    std::map<std::string, std::vector<const v1::Container *>> byName;
    for (const auto &container : containers) {
        const auto label = container.labels().find(kContainerNameLabel);
        if (label != container.labels().end())
            byName[label->second].push_back(&container);
    }
    for (const Json &spec : items(get(pod, {"spec", "containers"}))) {
        const std::string name = string(get(spec, "name"));
        ContainerRuntimeState &into = state.containers[name];
        const auto &instances = byName[name];
        for (std::size_t i = 0; i < instances.size() && i < 2; ++i) {
            v1::ContainerStatusRequest request;
            request.set_container_id(instances[i]->id());
            auto status = m_runtime.containerStatus(request);
            if (!status)
                continue;
            (i == 0 ? into.current : into.previous) = status->status();
        }
        if (!into.current || into.current->state() != v1::CONTAINER_RUNNING)
            continue;
        into.ready = !m_prober || m_prober->isReady(pod, spec, *into.current);
        probe(pod, spec, *into.current, state, into, result);
    }
}

void PodSyncer::probe(const Json &pod, const Json &spec, const v1::ContainerStatus &status,
                      const PodRuntimeState &state, ContainerRuntimeState &into, SyncResult &result)
{
    const std::string podIp = state.podIps.empty() ? std::string() : state.podIps.front();
    const std::string name = string(get(spec, "name"));
    const TimePoint now = m_clock();
    const auto runningFor = now - timeOfNs(status.started_at());
    for (const char *kind : {"readinessProbe", "livenessProbe"}) {
        const Json &probeSpec = get(spec, kind);
        if (!probeSpec.is_object())
            continue;
        const bool readiness = std::string(kind) == "readinessProbe";
        // Probed again after its period: the kubelet's prober workers tick the same way.
        retryIn(result, std::chrono::duration_cast<Millis>(probePeriod(probeSpec)));
        if (runningFor < probeInitialDelay(probeSpec)) {
            if (readiness)
                into.ready = false;
            continue;
        }
        const ProbeResult outcome = runProbe(probeSpec, spec, podIp, status.id(), m_runtime);
        const std::string key = std::string(kind) + "/" + status.id();
        if (!outcome.success)
            result.events.push_back({"Warning", "Unhealthy",
                                     std::string(readiness ? "Readiness" : "Liveness") +
                                         " probe failed: " + outcome.message});
        const bool passing = m_probes.record(key, outcome.success, probeSpec, !readiness);
        if (readiness) {
            into.ready = into.ready && passing;
            continue;
        }
        if (passing)
            continue;
        // Liveness failed failureThreshold times: the container is stopped, and its restart
        // policy (with back-off) brings it back.
        result.events.push_back(
            {"Normal", "Killing",
             "Container " + name + " failed liveness probe, will be restarted"});
        v1::StopContainerRequest stop;
        stop.set_container_id(status.id());
        stop.set_timeout(integer(get(pod, {"spec", "terminationGracePeriodSeconds"}), 30));
        (void)m_runtime.stopContainer(stop);
        m_probes.forget(key);
        retryIn(result, Millis(500));
    }
}

SyncResult PodSyncer::syncPod(const Json &pod, const VolumeSources &volumeSources)
{
    SyncResult result;
    const PodIdentity id = PodIdentity::of(pod);
    auto sandboxes = sandboxesOf(id.uid);
    if (!sandboxes) {
        result.error = sandboxes.error().message();
        retryIn(result, std::chrono::seconds(2));
        return result;
    }

    // The newest ready sandbox is the pod's; one that is not ready (its pause process died,
    // or the node restarted) takes the pod's containers with it, and the pod starts over in
    // a new sandbox with the next attempt number.
    const v1::PodSandbox *ready = nullptr;
    for (const auto &sandbox : *sandboxes)
        if (sandbox.state() == v1::SANDBOX_READY) {
            ready = &sandbox;
            break;
        }
    std::string sandboxId;
    v1::PodSandboxConfig config;
    PodRuntimeState state;
    if (ready) {
        sandboxId = ready->id();
        config = sandboxConfig(pod, ready->metadata().attempt(), m_options.sandbox);
    } else {
        const std::uint32_t attempt =
            sandboxes->empty() ? 0 : sandboxes->front().metadata().attempt() + 1;
        if (!sandboxes->empty())
            (void)killPod(id.uid, 0);
        const std::string sandboxKey = id.uid + "/sandbox";
        if (m_backoff.inBackOff(sandboxKey, m_clock())) {
            retryIn(result, m_backoff.current(sandboxKey));
            result.status =
                buildPodStatus(pod, state, {m_options.hostIp, m_options.runtimeName, m_clock()});
            return result;
        }
        config = sandboxConfig(pod, attempt, m_options.sandbox);
        std::error_code ignored; // the runtime says so if it cannot write there
        std::filesystem::create_directories(config.log_directory(), ignored);
        v1::RunPodSandboxRequest run;
        *run.mutable_config() = config;
        auto created = m_runtime.runPodSandbox(run);
        if (!created) {
            m_backoff.next(sandboxKey, m_clock());
            result.error = created.error().message();
            result.events.push_back({"Warning", "FailedCreatePodSandBox",
                                     "Failed to create pod sandbox: " + created.error().message()});
            retryIn(result, m_backoff.current(sandboxKey));
            result.status =
                buildPodStatus(pod, state, {m_options.hostIp, m_options.runtimeName, m_clock()});
            return result;
        }
        m_backoff.reset(sandboxKey);
        sandboxId = created->pod_sandbox_id();
    }

    v1::PodSandboxStatusRequest statusRequest;
    statusRequest.set_pod_sandbox_id(sandboxId);
    if (auto sandboxStatus = m_runtime.podSandboxStatus(statusRequest)) {
        const v1::PodSandboxStatus &status = sandboxStatus->status();
        state.sandboxReady = status.state() == v1::SANDBOX_READY;
        if (!status.network().ip().empty())
            state.podIps.push_back(status.network().ip());
        for (const auto &extra : status.network().additional_ips())
            state.podIps.push_back(extra.ip());
    }

    auto containers = containersOf(id.uid);
    if (!containers) {
        result.error = containers.error().message();
        retryIn(result, std::chrono::seconds(2));
        return result;
    }
    // The volumes, before any container that mounts them: a missing ConfigMap or Secret
    // keeps the pod in ContainerCreating, as on a real node.
    auto volumes = preparePodVolumes(pod, volumeSources, m_options.podsDir);
    if (volumes)
        result.volumesWritten = volumes->written;
    if (!volumes) {
        result.events.push_back({"Warning", "FailedMount", volumes.error().message()});
        result.error = volumes.error().message();
        retryIn(result, std::chrono::seconds(5));
        for (const Json &spec : items(get(pod, {"spec", "containers"}))) {
            ContainerRuntimeState &into = state.containers[string(get(spec, "name"))];
            into.waitingReason = "ContainerCreating";
        }
        result.status =
            buildPodStatus(pod, state, {m_options.hostIp, m_options.runtimeName, m_clock()});
        return result;
    }
    bool changed = false;
    for (const Json &spec : items(get(pod, {"spec", "containers"}))) {
        const std::string name = string(get(spec, "name"));
        ContainerRuntimeState &into = state.containers[name];
        std::vector<const v1::Container *> instances;
        for (const auto &container : *containers) {
            const auto label = container.labels().find(kContainerNameLabel);
            if (label != container.labels().end() && label->second == name &&
                container.pod_sandbox_id() == sandboxId)
                instances.push_back(&container);
        }
        if (instances.empty()) {
            startContainer(pod, spec, 0, *volumes, sandboxId, config, into, result);
            changed = true;
            continue;
        }
        const v1::Container &newest = *instances.front();
        if (newest.state() == v1::CONTAINER_CREATED) {
            v1::StartContainerRequest start;
            start.set_container_id(newest.id());
            if (auto started = m_runtime.startContainer(start); !started) {
                into.waitingReason = "RunContainerError";
                into.waitingMessage = started.error().message();
                retryIn(result, std::chrono::seconds(10));
            }
            changed = true;
            continue;
        }
        if (newest.state() != v1::CONTAINER_EXITED)
            continue;
        v1::ContainerStatusRequest request;
        request.set_container_id(newest.id());
        auto exited = m_runtime.containerStatus(request);
        if (!exited)
            continue;
        if (!shouldRestart(pod, exited->status().exit_code()))
            continue;
        const std::string key = id.uid + "/" + name;
        const bool exitIsNew = firstSightOfExit(newest.id());
        const TimePoint now = m_clock();
        const TimePoint finished = timeOfNs(exited->status().finished_at());
        if (m_backoff.isInBackOffSince(key, finished, now)) {
            const Millis window = m_backoff.current(key);
            into.waitingReason = "CrashLoopBackOff";
            into.waitingMessage = "back-off " + seconds(window) +
                                  " restarting failed container=" + name + " pod=" + id.display();
            result.events.push_back(
                {"Warning", "BackOff",
                 "Back-off restarting failed container " + name + " in pod " + id.display()});
            retryIn(result, std::chrono::duration_cast<Millis>(window - (now - finished)));
            continue;
        }
        // The exit is published before the restart, as the real kubelet's status manager
        // does: the container is not ready for a moment, and the endpoints controller takes
        // the pod out of its Services until it runs again (the next sync, right after).
        if (exitIsNew) {
            retryIn(result, Millis(100));
            continue;
        }
        m_backoff.next(key, now);
        // The newest dead instance stays, for lastState (and its logs); older ones go.
        for (std::size_t i = 1; i < instances.size(); ++i) {
            v1::RemoveContainerRequest remove;
            remove.set_container_id(instances[i]->id());
            (void)m_runtime.removeContainer(remove);
        }
        startContainer(pod, spec, newest.metadata().attempt() + 1, *volumes, sandboxId, config,
                       into, result);
        changed = true;
    }

    if (changed) {
        auto now = containersOf(id.uid);
        if (now)
            containers = std::move(now);
    }
    // What the runtime has in this sandbox, newest first; a waiting reason set above stays.
    std::vector<v1::Container> inSandbox;
    for (const auto &container : *containers)
        if (container.pod_sandbox_id() == sandboxId)
            inSandbox.push_back(container);
    readContainerStates(pod, inSandbox, state, result);
    result.status =
        buildPodStatus(pod, state, {m_options.hostIp, m_options.runtimeName, m_clock()});
    return result;
}

Status PodSyncer::killPod(const std::string &uid, std::int64_t gracePeriodSeconds)
{
    std::string firstError;
    auto note = [&](const Error &error) {
        if (firstError.empty() && !cri::isNotFound(error))
            firstError = error.message();
    };
    auto containers = containersOf(uid);
    if (containers) {
        for (const auto &container : *containers) {
            if (container.state() != v1::CONTAINER_RUNNING)
                continue;
            v1::StopContainerRequest stop;
            stop.set_container_id(container.id());
            stop.set_timeout(gracePeriodSeconds);
            if (auto s = m_runtime.stopContainer(stop); !s)
                note(s.error());
        }
    } else {
        note(containers.error());
    }
    auto sandboxes = sandboxesOf(uid);
    if (!sandboxes) {
        note(sandboxes.error());
        return Error("killing pod " + uid + ": " + firstError);
    }
    for (const auto &sandbox : *sandboxes) {
        v1::StopPodSandboxRequest stop;
        stop.set_pod_sandbox_id(sandbox.id());
        if (auto s = m_runtime.stopPodSandbox(stop); !s)
            note(s.error());
    }
    if (containers)
        for (const auto &container : *containers) {
            v1::RemoveContainerRequest remove;
            remove.set_container_id(container.id());
            if (auto s = m_runtime.removeContainer(remove); !s)
                note(s.error());
        }
    for (const auto &sandbox : *sandboxes) {
        v1::RemovePodSandboxRequest remove;
        remove.set_pod_sandbox_id(sandbox.id());
        if (auto s = m_runtime.removePodSandbox(remove); !s)
            note(s.error());
    }
    if (m_options.removePodCgroup && !m_options.sandbox.cgroupRoot.empty())
        m_options.removePodCgroup(m_options.sandbox.cgroupRoot + "/pod" + uid);
    if (firstError.empty())
        removePodVolumes(m_options.podsDir, uid);
    if (!firstError.empty())
        return Error("killing pod " + uid + ": " + firstError);
    return success();
}

} // namespace flowlab::kube::kubelet
