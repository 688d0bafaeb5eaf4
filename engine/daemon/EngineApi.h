#pragma once

// What flowlabd offers over its control socket: the lab's lifecycle, image builds, requests
// from inside the lab, and the Docker API tap with its event log. Long work runs on a
// worker thread, one lab operation at a time, with progress streamed to the caller.

#include "engine/base/LabPaths.h"
#include "engine/daemon/DaemonServer.h"
#include "engine/lab/Lab.h"
#include "engine/sys/NetworkOps.h"
#include "engine/sys/ProcessLauncher.h"
#include "tracer/model/EventLog.h"

#include <QObject>
#include <functional>
#include <memory>
#include <mutex>

namespace flowlab {

class HttpTap;
class GrpcTap;
class JsonLinesFollower;
class SyscallTracer;
namespace kube {
class ApiRelay;
}

// How flowlabd launches containerd and dockerd.
enum class EngineTracing {
    SyscallTracer, // under Flowlab's syscall tracer (the default)
    None,          // untraced: the overhead benchmark's baseline; lessons miss syscall steps
    Strace,        // under strace with the tracer's syscall set: the benchmark's comparison
};

class EngineApi : public QObject
{
    Q_OBJECT
public:
    EngineApi(LabPaths paths, DaemonServer &server,
              EngineTracing engineTracing = EngineTracing::SyscallTracer,
              QObject *parent = nullptr);
    ~EngineApi() override;

    // After `lab down`, a daemon started on demand exits; this is how it is told.
    void setOnLabDown(std::function<void()> callback) { m_onLabDown = std::move(callback); }
    // The daemon's own files, which `lab down` and the census leave alone while it runs.
    void setDaemonFiles(std::vector<std::string> files) { m_daemonFiles = std::move(files); }

    // Resumes the tap if a lab is already up (flowlabd restarted after a crash).
    void resume();

private:
    void registerHandlers(DaemonServer &server);
    // Runs `work` on a worker thread holding the lab lock; what it returns is the reply.
    using LabJob = std::function<Result<nlohmann::json>(const Reply &)>;
    void runLabJob(const Reply &reply, LabJob work);

    Status startTap();
    Status startGrpcTap();
    // The relay on 127.0.0.1:6443 and the followers of the control plane's evidence files,
    // while the lab has a control plane.
    Status startKubeEvidence(bool fromStart);
    void stopKubeEvidence();
    Status bringLabUp(const ProgressFn &progress, const KubeLabOptions &kube);
    void stopTap();
    Result<nlohmann::json> buildImages(const nlohmann::json &params, const ProgressFn &progress);
    Result<nlohmann::json> runLesson(const nlohmann::json &params, const ProgressFn &progress);
    Status pushCachedImages(const ProgressFn &progress);
    Status curlFromLab(const nlohmann::json &params, nlohmann::json &result);
    CensusOptions daemonKeep() const;

    LabPaths m_paths;
    EventLog m_events;
    LinuxNetworkOps m_network;
    std::unique_ptr<SyscallTracer> m_tracer;
    std::unique_ptr<ProcessLauncher> m_launcher;
    Lab m_lab;
    std::unique_ptr<HttpTap> m_tap;
    std::unique_ptr<GrpcTap> m_grpcTap;
    std::unique_ptr<kube::ApiRelay> m_kubeRelay;
    std::vector<std::unique_ptr<JsonLinesFollower>> m_kubeFollowers;
    std::mutex m_labMutex;
    std::function<void()> m_onLabDown;
    std::vector<std::string> m_daemonFiles;
};

} // namespace flowlab
