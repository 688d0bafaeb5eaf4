#pragma once

// The Kubernetes control plane of the lab (flowlab-cli lab up --kube), in flowlab-cp
// (192.168.56.100): flowlab-apiserver on :6443 (plain HTTP, so the capture shows requests),
// its store (SQLite, or Debian's etcd on the namespace's own loopback), and
// flowlab-controller-manager and flowlab-scheduler, which talk to it over the lab network as
// the real ones do. This prepares what they need (the lab CA and certificate, one token per
// user and component, the learner's kubeconfig) and says how to start them; the lab starts
// them as it starts its other services.
//
// The learner's kubeconfig points at flowlabd's relay on https://127.0.0.1:6443, which
// forwards into the lab (see engine/kube/relay/ApiRelay.h).

#include "engine/base/LabPaths.h"
#include "engine/lab/LabService.h"

#include <string>
#include <vector>

namespace flowlab {

struct KubeLabOptions
{
    bool enabled = false;
    std::string store = "sqlite"; // or "etcd"
};

class KubeControlPlane
{
public:
    static constexpr const char *kApiserverAddress = "192.168.56.100:6443";
    static constexpr const char *kEtcdAddress = "127.0.0.1:2379"; // flowlab-cp's own loopback
    static constexpr const char *kRelayAddress = "127.0.0.1:6443";

    explicit KubeControlPlane(LabPaths paths)
        : m_paths(std::move(paths))
    {}

    // Makes the PKI, tokens and kubeconfig (kept if they exist) and returns the services in
    // start order: etcd (with store "etcd"), apiserver, controller-manager, scheduler.
    Result<std::vector<ServiceSpec>> prepare(const KubeLabOptions &options) const;

    // Users and components with their tokens' file names, as the token file lists them.
    static std::vector<std::string> componentNames();

    bool apiserverAnswers() const;

private:
    Status writeTokens() const;
    Status writeKubeconfig() const;
    Result<std::string> tokenOf(const std::string &user) const;

    LabPaths m_paths;
};

// A program installed beside the running one (flowlab-apiserver beside flowlabd), or found on
// PATH; "" when neither has it.
std::string siblingProgram(const std::string &name);

} // namespace flowlab
