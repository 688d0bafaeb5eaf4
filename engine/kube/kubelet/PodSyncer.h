#pragma once

// One pod's sync, as the real kubelet's SyncPod (kuberuntime_manager.go) in small: compare
// what the pod asks for with what the runtime has, make the CRI calls that close the gap,
// then say what the pod's status is now. Blocking, and runs on a pod worker's thread; one
// sync per pod at a time (PodWorkers sees to that), many pods at once.
//
//   no ready sandbox         RunPodSandbox (the pause container; CNI gives it its IP), then
//                            PodSandboxStatus for the IP
//   a container never run    ImageStatus, PullImage (by imagePullPolicy), CreateContainer,
//                            StartContainer
//   a container exited       by restartPolicy: restart it (attempt + 1) unless it is inside
//                            its crash-loop back-off window (10 s doubling to 5 min), in
//                            which case it waits as CrashLoopBackOff
//   a pod to remove          StopContainer (SIGTERM, SIGKILL after the grace period),
//                            StopPodSandbox, RemoveContainer, RemovePodSandbox
//
// Probes (liveness, readiness) will plug in through Prober: until then a running container
// is ready.

#include "engine/kube/controllers/Decision.h"
#include "engine/kube/cri/ContainerRuntime.h"
#include "engine/kube/kubelet/Backoff.h"
#include "engine/kube/kubelet/ContainerProbes.h"
#include "engine/kube/kubelet/PodRuntimeConfig.h"
#include "engine/kube/kubelet/PodStatusBuilder.h"
#include "engine/kube/kubelet/PodVolumes.h"

#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace flowlab::kube::kubelet {

// Whether a running container passes its readiness probe. The default has no probes: every
// running container is ready.
class Prober
{
public:
    virtual ~Prober() = default;
    virtual bool isReady(const Json &pod, const Json &container,
                         const v1::ContainerStatus &status) = 0;
};

struct PodSyncOptions
{
    SandboxOptions sandbox;
    std::string hostIp;
    std::string runtimeName = "containerd";
    // Removes what is left of a pod's cgroup once its sandbox is gone (the real kubelet's
    // pod cgroup manager); the argument is the sandbox's cgroup parent. Optional.
    std::function<void(const std::string &cgroupParent)> removePodCgroup;
    // Where the pods' volumes go: <podsDir>/<uid>/volumes/... (PodVolumes.h).
    std::string podsDir = "/var/lib/flowlab/kubelet/pods";
};

struct SyncResult
{
    Json status;                      // to publish; null when there is nothing to say
    std::optional<Millis> retryAfter; // sync again then: a back-off ends
    std::vector<EventNote> events;    // Pulling, Pulled, Created, Started, BackOff...
    std::string error;                // what went wrong, for the log
    std::vector<VolumeWrite> volumesWritten; // ConfigMap and Secret files new or changed
};

class PodSyncer
{
public:
    using Clock = std::function<TimePoint()>;

    PodSyncer(cri::ContainerRuntime &runtime, Backoff &backoff, PodSyncOptions options, Clock clock,
              Prober *prober = nullptr);

    // `volumes`: the ConfigMaps and Secrets the pod's volumes name (PodVolumes.h).
    SyncResult syncPod(const Json &pod, const VolumeSources &volumes = {});
    // Stops and removes everything the runtime holds for the pod (by its UID).
    Status killPod(const std::string &uid, std::int64_t gracePeriodSeconds);
    // UIDs of the pods the runtime has sandboxes for (after a kubelet restart, to find
    // pods that were deleted meanwhile).
    Result<std::vector<std::string>> podsInRuntime();

private:
    struct ContainerPlan;

    Result<std::vector<v1::PodSandbox>> sandboxesOf(const std::string &uid);
    Result<std::vector<v1::Container>> containersOf(const std::string &uid);
    bool ensureImage(const Json &pod, const Json &container, const v1::PodSandboxConfig &config,
                     ContainerRuntimeState &state, SyncResult &result);
    void startContainer(const Json &pod, const Json &container, std::uint32_t attempt,
                        const PreparedVolumes &volumes, const std::string &sandboxId,
                        const v1::PodSandboxConfig &config, ContainerRuntimeState &state,
                        SyncResult &result);
    bool firstSightOfExit(const std::string &containerId);
    void retryIn(SyncResult &result, Millis delay);
    // Also runs the containers' readiness and liveness probes (ContainerProbes.h): a live
    // container that fails liveness is stopped, to be restarted by its restart policy.
    void probe(const Json &pod, const Json &spec, const v1::ContainerStatus &status,
               const PodRuntimeState &state, ContainerRuntimeState &into, SyncResult &result);
    void readContainerStates(const Json &pod, const std::vector<v1::Container> &containers,
                             PodRuntimeState &state, SyncResult &result);

    cri::ContainerRuntime &m_runtime;
    Backoff &m_backoff;
    PodSyncOptions m_options;
    Clock m_clock;
    Prober *m_prober;
    // Containers whose exit has been published already (firstSightOfExit); pods sync on
    // several workers.
    std::mutex m_exitsMutex;
    std::set<std::string> m_exitsSeen;
    ProbeTracker m_probes;
};

} // namespace flowlab::kube::kubelet
