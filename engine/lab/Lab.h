#pragma once

// The lab as a whole: `up` builds the namespaces and starts the registry and the private
// Docker Engine; `down` removes everything; `status` reports what runs. Used by flowlabd,
// and directly by flowlab-cli for `lab down` when the daemon is gone.

#include "engine/base/LabPaths.h"
#include "engine/lab/Census.h"
#include "engine/lab/KubeControlPlane.h"
#include "engine/lab/LabNetwork.h"
#include "engine/lab/LabState.h"
#include "engine/lab/LabTopology.h"
#include "engine/sys/NetworkOps.h"
#include "engine/sys/ProcessLauncher.h"

#include <nlohmann/json.hpp>

namespace flowlab {

class Lab
{
public:
    Lab(LabPaths paths, NetworkOps &network, ProcessLauncher &launcher);

    // Idempotent: brings up what is missing and leaves what runs alone. With `kube` enabled
    // (or once a lab has a control plane) it also runs the Kubernetes control plane in
    // flowlab-cp; a lab never loses its control plane to a plain `up`.
    Status up(const ProgressFn &progress, const KubeLabOptions &kube = {});
    Status down(const CensusOptions &keep, const ProgressFn &progress);

    // Phase, namespaces, services and whether each still runs.
    nlohmann::json status();

    // Fails with a message that says how to bring the lab up.
    Status requireUp();

    const LabPaths &paths() const { return m_paths; }
    const LabTopology &topology() const { return m_topology; }
    // The control plane's store when the lab has one ("sqlite", "etcd"), else "".
    std::string kubeStore() const;

private:
    Status bringUp(LabState &state, const ProgressFn &progress);
    Status bringUpControlPlane(LabState &state, LabServiceStarter &starter,
                               const ProgressFn &progress);

    LabPaths m_paths;
    LabTopology m_topology;
    NetworkOps &m_network;
    ProcessLauncher &m_launcher;
};

} // namespace flowlab
