#pragma once

// Where the lab keeps its state. Everything the lab creates on the host's filesystem lives
// under these roots (or is listed in the lab state, see LabState::hostPathsCreated), which
// is what lets `lab down` and `lab census` find it all.

#include <string>

namespace flowlab {

struct LabPaths
{
    std::string runDir = "/run/flowlab";         // sockets, pids, configs; gone at reboot
    std::string libDir = "/var/lib/flowlab";     // engine data (docker, containerd, registry)
    std::string cacheDir = "/var/cache/flowlab"; // built images; kept across labs

    std::string stateFile() const { return runDir + "/lab.json"; }
    std::string daemonSocket() const { return runDir + "/flowlabd.sock"; }
    std::string daemonPidFile() const { return runDir + "/flowlabd.pid"; }
    std::string eventLog() const { return runDir + "/events.jsonl"; }
    std::string logDir() const { return runDir + "/logs"; }

    std::string registryConfig() const { return runDir + "/registry/config.yml"; }
    std::string registryStorage() const { return libDir + "/registry"; }

    std::string containerdConfig() const { return runDir + "/containerd/config.toml"; }
    std::string containerdRoot() const { return libDir + "/containerd"; }
    std::string containerdState() const { return runDir + "/containerd/state"; }
    std::string containerdSocket() const { return runDir + "/containerd/containerd.sock"; }
    // dockerd talks to containerd through this one; the gRPC tap records and forwards.
    std::string containerdTapSocket() const { return runDir + "/containerd-tap.sock"; }

    std::string dockerConfig() const { return runDir + "/docker/daemon.json"; }
    std::string dockerDataRoot() const { return libDir + "/docker"; }
    std::string dockerExecRoot() const { return runDir + "/docker/exec"; }
    std::string dockerPidFile() const { return runDir + "/docker/dockerd.pid"; }
    std::string dockerSocket() const { return runDir + "/docker/docker.sock"; }
    // The docker CLI talks to this one; the tap records and forwards to dockerSocket().
    std::string dockerTapSocket() const { return runDir + "/docker-tap.sock"; }
    std::string dockerCliConfigDir() const { return runDir + "/docker-cli"; }

    std::string imageCache() const { return cacheDir + "/images"; }

    // The Kubernetes control plane (lab up --kube). Secrets (tokens, keys) live under libDir,
    // readable by root only; the kubeconfig for the learner under runDir, for group flowlab.
    std::string kubeRunDir() const { return runDir + "/kube"; }
    std::string kubeLibDir() const { return libDir + "/kube"; }
    std::string kubeconfig() const { return kubeRunDir() + "/kubeconfig"; }
    std::string kubeTokenFile() const { return kubeLibDir() + "/tokens.csv"; }
    std::string kubePkiDir() const { return kubeLibDir() + "/pki"; }
    std::string kubeStore() const { return kubeLibDir() + "/store.db"; }
    std::string kubeEtcdDir() const { return kubeLibDir() + "/etcd"; }
    std::string kubeAuditLog() const { return kubeRunDir() + "/audit.jsonl"; }
    // Decisions of a component ("controller-manager", "scheduler"), as evidence lines.
    std::string kubeEvidenceLog(const std::string &component) const
    {
        return kubeRunDir() + "/" + component + ".evidence.jsonl";
    }

    // Paths of a system install are overridden in tests with FLOWLAB_RUN_DIR and friends.
    static LabPaths fromEnvironment();
};

} // namespace flowlab
