#include "engine/lab/Lab.h"

#include "engine/base/Prerequisites.h"
#include "engine/docker/PrivateDockerEngine.h"
#include "engine/lab/KubeClusterAddons.h"
#include "engine/lab/KubeNodeServices.h"
#include "engine/lab/LabService.h"
#include "engine/lab/LabTeardown.h"
#include "engine/registry/LabRegistry.h"

#include <chrono>
#include <ctime>
#include <filesystem>

namespace flowlab {

namespace {

std::string nowIso8601()
{
    const std::time_t now = std::time(nullptr);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return buffer;
}

} // namespace

Lab::Lab(LabPaths paths, NetworkOps &network, ProcessLauncher &launcher)
    : m_paths(std::move(paths))
    , m_topology(LabTopology::dockerLab())
    , m_network(network)
    , m_launcher(launcher)
{}

Status Lab::bringUp(LabState &state, const ProgressFn &progress)
{
    LabStateStore store(m_paths.stateFile());
    auto save = [&] { return store.save(state); };

    LabNetwork network(m_network, m_topology);
    if (auto s = network.build(state, save, progress); !s)
        return s;

    LabServiceStarter starter(m_launcher, state, save);
    LabRegistry registry(m_paths);
    auto registrySpec = registry.prepare();
    if (!registrySpec)
        return registrySpec.error().withContext("preparing the lab registry");
    if (auto s = starter.start(*registrySpec, progress); !s)
        return s;

    PrivateDockerEngine engine(m_paths);
    // Record dockerd's stray host files before it can create them.
    for (const auto &path : PrivateDockerEngine::hostPathsItCreates()) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            state.addHostPath(path);
    }
    if (auto s = save(); !s)
        return s;
    auto containerdSpec = engine.prepareContainerd();
    if (!containerdSpec)
        return containerdSpec.error().withContext("preparing containerd");
    if (auto s = starter.start(*containerdSpec, progress); !s)
        return s;
    auto dockerdSpec = engine.prepareDockerd();
    if (!dockerdSpec)
        return dockerdSpec.error().withContext("preparing dockerd");
    if (auto s = starter.start(*dockerdSpec, progress); !s)
        return s;
    if (state.kubeStore.empty())
        return success();
    return bringUpControlPlane(state, starter, progress);
}

Status Lab::bringUpControlPlane(LabState &state, LabServiceStarter &starter,
                                const ProgressFn &progress)
{
    KubeControlPlane controlPlane(m_paths);
    auto services = controlPlane.prepare({true, state.kubeStore});
    if (!services)
        return services.error().withContext("preparing the Kubernetes control plane");
    for (const ServiceSpec &spec : *services)
        if (auto s = starter.start(spec, progress); !s)
            return s;

    KubeClusterAddons addons(m_paths, m_topology);
    progress("publishing the kube-dns Service (" + std::string(KubeClusterAddons::kClusterDnsIp) +
             ")");
    if (auto s = addons.publishClusterDns(); !s)
        return std::move(s).context("publishing the cluster DNS Service");
    auto addonServices = addons.services();
    if (!addonServices)
        return addonServices.error().withContext("preparing the cluster DNS and the Ingress "
                                                 "controller");
    for (const ServiceSpec &spec : *addonServices)
        if (auto s = starter.start(spec, progress); !s)
            return s;

    auto nodeServices = KubeNodeServices(m_paths, m_topology).prepare();
    if (!nodeServices)
        return nodeServices.error().withContext("preparing the Kubernetes nodes");
    for (const ServiceSpec &spec : *nodeServices)
        if (auto s = starter.start(spec, progress); !s)
            return s;
    progress("Kubernetes API: https://" + std::string(KubeControlPlane::kRelayAddress) +
             " (kubeconfig " + m_paths.kubeconfig() + ")");
    return success();
}

std::string Lab::kubeStore() const
{
    LabStateStore store(m_paths.stateFile());
    auto state = store.load();
    return state ? state->kubeStore : std::string();
}

Status Lab::up(const ProgressFn &progressOrNone, const KubeLabOptions &kube)
{
    const ProgressFn progress = progressOrNone ? progressOrNone : [](const std::string &) {};
    if (auto s = checkRoot("lab up"); !s)
        return s;
    if (auto s = checkPrograms(dockerLabPrograms()); !s)
        return s;
    for (const auto &dir : {m_paths.runDir, m_paths.libDir})
        if (auto s = makeDirectories(dir); !s)
            return s;

    LabStateStore store(m_paths.stateFile());
    auto loaded = store.load();
    if (!loaded)
        return loaded.error().withContext("lab up");
    LabState state = *loaded;
    if (state.phase == LabPhase::Stopping)
        return Error("the lab is being torn down; run `flowlab-cli lab down` to finish, then "
                     "`lab up` again");
    if (auto s = state.transition(LabPhase::Starting); !s)
        return s;
    if (kube.enabled) {
        if (!state.kubeStore.empty() && state.kubeStore != kube.store)
            return Error("the lab's control plane uses the " + state.kubeStore +
                         " store; bring the lab down to change it to " + kube.store);
        state.kubeStore = kube.store;
    }
    m_topology = state.kubeStore.empty() ? LabTopology::dockerLab() : LabTopology::kubeLab();
    if (state.startedAt.empty())
        state.startedAt = nowIso8601();
    if (auto s = store.save(state); !s)
        return s;

    const auto started = std::chrono::steady_clock::now();
    Status result = bringUp(state, progress);
    (void)state.transition(result ? LabPhase::Up : LabPhase::Failed);
    if (auto s = store.save(state); !s && result)
        result = s;
    if (!result)
        return std::move(result).context("lab up failed (logs are in " + m_paths.logDir() +
                                         "; `flowlab-cli lab down` removes what was made)");
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    progress("lab is up (" + std::to_string(ms) + " ms)");
    return success();
}

Status Lab::down(const CensusOptions &keep, const ProgressFn &progressOrNone)
{
    const ProgressFn progress = progressOrNone ? progressOrNone : [](const std::string &) {};
    if (auto s = checkRoot("lab down"); !s)
        return s;
    LabTeardown teardown(m_paths, m_network, m_launcher);
    if (auto s = teardown.run(keep, progress); !s)
        return s;
    progress("lab is down; census is empty");
    return success();
}

nlohmann::json Lab::status()
{
    LabStateStore store(m_paths.stateFile());
    auto state = store.load();
    nlohmann::json report;
    if (!state) {
        report["phase"] = "unknown";
        report["error"] = state.error().message();
        return report;
    }
    report["phase"] = toString(state->phase);
    report["started_at"] = state->startedAt;
    const LabTopology topology =
        state->kubeStore.empty() ? LabTopology::dockerLab() : LabTopology::kubeLab();
    if (!state->kubeStore.empty())
        report["kubernetes"] = {
            {"store", state->kubeStore},
            {"server", std::string("https://") + KubeControlPlane::kRelayAddress},
            {"kubeconfig", m_paths.kubeconfig()}};
    auto present = m_network.listNamespaces();
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto &netns : topology.namespaces()) {
        const bool exists =
            present && std::find(present->begin(), present->end(), netns) != present->end();
        const LabHost *host = topology.host(netns);
        hosts.push_back({{"netns", netns},
                         {"present", exists},
                         {"address", host ? host->address : ""},
                         {"role", host ? host->role : "switch: bridge " + topology.bridge}});
    }
    report["namespaces"] = hosts;
    nlohmann::json services = nlohmann::json::array();
    for (const auto &record : state->services)
        services.push_back({{"name", record.name},
                            {"pid", record.pid},
                            {"netns", record.netns},
                            {"running", m_launcher.isRunning({record.pid, record.startTime})},
                            {"log", record.logPath}});
    report["services"] = services;
    return report;
}

Status Lab::requireUp()
{
    LabStateStore store(m_paths.stateFile());
    auto state = store.load();
    if (!state)
        return state.error();
    if (state->phase != LabPhase::Up)
        return Error("the lab is not up (it is " + toString(state->phase) +
                     "): run `flowlab-cli lab up` first");
    for (const auto &record : state->services)
        if (!m_launcher.isRunning({record.pid, record.startTime}))
            return Error("the lab's " + record.name + " (pid " + std::to_string(record.pid) +
                         ") is no longer running: run `flowlab-cli lab up` to restart it");
    return success();
}

} // namespace flowlab
