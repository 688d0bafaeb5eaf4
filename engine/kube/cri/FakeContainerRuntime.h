#pragma once

// A container runtime in memory, for testing the kubelet without root: sandboxes get IPs
// from a /24, containers move CREATED → RUNNING → EXITED as the calls say, images appear when
// pulled. Every call is recorded (method and request as JSON) and reported to the observer,
// like the real one. Tests steer it: a container's process "exits" (exitContainer), the next
// call of a method fails (failNext), an image cannot be pulled (refuseImage). Thread-safe.

#include "engine/kube/cri/ContainerRuntime.h"

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <vector>

namespace flowlab::kube::cri {

class FakeContainerRuntime : public ContainerRuntime
{
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;

    struct RecordedCall
    {
        std::string method;      // "RunPodSandbox"
        std::string requestJson; // the request, proto field names
    };

    // Pod IPs are `ipPrefix` + 2, 3, ... ("10.42.0.2").
    explicit FakeContainerRuntime(std::string ipPrefix = "10.42.0.");
    ~FakeContainerRuntime() override;

    // Time for created_at / started_at / finished_at (default: the system clock).
    void setClock(Clock clock);

    // --- steering ---
    void addImage(const std::string &image);
    // Pulls of `image` fail with NOT_FOUND, as a registry that has no such repository.
    void refuseImage(const std::string &image);
    // The next call of `method` fails with `code` (each call to this adds one failure).
    void failNext(const std::string &method, CriCode code, const std::string &message);
    // The container's process ends, as if it had crashed (or finished). False: no such
    // running container.
    bool exitContainer(const std::string &containerId, int exitCode,
                       const std::string &reason = "Error");

    // --- what happened ---
    std::vector<RecordedCall> calls() const;
    std::vector<std::string> methods() const; // the calls' method names, in order
    int count(const std::string &method) const;
    void clearCalls();
    std::vector<v1::PodSandboxStatus> sandboxes() const;
    std::vector<v1::ContainerStatus> containers() const;
    bool hasImage(const std::string &image) const;

    // The reference a runtime would normalise `image` to: "nginx" →
    // "docker.io/library/nginx:latest".
    static std::string normalizeImage(const std::string &image);

    // --- ContainerRuntime ---
    Result<v1::VersionResponse> version(const v1::VersionRequest &request) override;
    Result<v1::RunPodSandboxResponse> runPodSandbox(const v1::RunPodSandboxRequest &request) override;
    Result<v1::StopPodSandboxResponse>
    stopPodSandbox(const v1::StopPodSandboxRequest &request) override;
    Result<v1::RemovePodSandboxResponse>
    removePodSandbox(const v1::RemovePodSandboxRequest &request) override;
    Result<v1::PodSandboxStatusResponse>
    podSandboxStatus(const v1::PodSandboxStatusRequest &request) override;
    Result<v1::ListPodSandboxResponse>
    listPodSandbox(const v1::ListPodSandboxRequest &request) override;
    Result<v1::CreateContainerResponse>
    createContainer(const v1::CreateContainerRequest &request) override;
    Result<v1::StartContainerResponse>
    startContainer(const v1::StartContainerRequest &request) override;
    Result<v1::StopContainerResponse> stopContainer(const v1::StopContainerRequest &request) override;
    Result<v1::RemoveContainerResponse>
    removeContainer(const v1::RemoveContainerRequest &request) override;
    Result<v1::ContainerStatusResponse>
    containerStatus(const v1::ContainerStatusRequest &request) override;
    Result<v1::ListContainersResponse>
    listContainers(const v1::ListContainersRequest &request) override;
    Result<v1::ExecSyncResponse> execSync(const v1::ExecSyncRequest &request) override;
    Result<v1::ImageStatusResponse> imageStatus(const v1::ImageStatusRequest &request) override;
    Result<v1::PullImageResponse> pullImage(const v1::PullImageRequest &request) override;

private:
    struct Failure
    {
        CriCode code;
        std::string message;
    };

    // Records the call, takes an injected failure if one is due; the caller holds m_mutex.
    std::optional<Error> begin(const std::string &method, const google::protobuf::Message &request);
    template <typename Response>
    Result<Response> finish(const char *service, const std::string &method,
                            const google::protobuf::Message &request, Result<Response> result);
    std::int64_t nowNs() const;
    void stopContainerLocked(v1::ContainerStatus &container, int exitCode, const std::string &reason);

    mutable std::mutex m_mutex;
    std::string m_ipPrefix;
    Clock m_clock;
    int m_nextId = 1;
    int m_nextIp = 2;
    std::map<std::string, v1::PodSandboxStatus> m_sandboxes; // by id
    std::map<std::string, v1::ContainerStatus> m_containers; // by id
    std::map<std::string, std::string> m_containerSandbox;    // container id → sandbox id
    std::set<std::string> m_images;                           // normalised references
    std::set<std::string> m_refusedImages;
    std::map<std::string, std::vector<Failure>> m_failures;
    std::vector<RecordedCall> m_calls;
};

} // namespace flowlab::kube::cri
