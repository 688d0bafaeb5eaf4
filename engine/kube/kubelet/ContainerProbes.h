#pragma once

// Liveness and readiness probes, as the real kubelet's prober runs them: an HTTP GET to the
// pod's address (success is a status from 200 to 399), a TCP connect, or a command run in the
// container through CRI's ExecSync (success is exit code 0). A probe result only counts once
// it has repeated successThreshold (or failureThreshold) times in a row; before
// initialDelaySeconds the container is not ready, and liveness is not probed.

#include "engine/kube/api/Resources.h"
#include "engine/kube/cri/ContainerRuntime.h"

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace flowlab::kube::kubelet {

struct ProbeResult
{
    bool success = false;
    std::string message; // for the Unhealthy event: "HTTP probe failed with statuscode: 500"
};

// Runs `probe` (a Probe object: httpGet, tcpSocket or exec) once against the container.
ProbeResult runProbe(const Json &probe, const Json &container, const std::string &podIp,
                     const std::string &containerId, cri::ContainerRuntime &runtime);

// Consecutive results per (probe kind, container id), and what they add up to. Thread-safe:
// pods sync on several workers.
class ProbeTracker
{
public:
    // Records `success` and returns the settled state: true once successThreshold successes
    // in a row were seen, false once failureThreshold failures were; otherwise the state
    // before (`initial` when there is none yet).
    bool record(const std::string &key, bool success, const Json &probe, bool initial);
    void forget(const std::string &key);

private:
    struct Counts
    {
        int successes = 0;
        int failures = 0;
        bool settled = false;
        bool known = false;
    };
    std::mutex m_mutex;
    std::map<std::string, Counts> m_counts;
};

// The probe's period, and its initial delay.
std::chrono::seconds probePeriod(const Json &probe);
std::chrono::seconds probeInitialDelay(const Json &probe);

} // namespace flowlab::kube::kubelet
