#pragma once

// ContainerRuntime over gRPC to a CRI endpoint: containerd's CRI plugin on its unix socket,
// as the real kubelet's --container-runtime-endpoint. One channel, shared by every thread;
// each call has a deadline (a pull gets longer), so a hung runtime surfaces as
// DEADLINE_EXCEEDED rather than as a stuck pod.

#include "engine/kube/cri/ContainerRuntime.h"

#include <chrono>
#include <memory>

namespace flowlab::kube::cri {

struct GrpcRuntimeOptions
{
    // "unix:///run/flowlab/nodes/flowlab-node1/containerd/containerd.sock", or a plain path.
    std::string endpoint;
    std::chrono::seconds requestTimeout{120}; // the kubelet's --runtime-request-timeout
    std::chrono::seconds pullTimeout{300};
};

class GrpcContainerRuntime : public ContainerRuntime
{
public:
    explicit GrpcContainerRuntime(GrpcRuntimeOptions options);
    ~GrpcContainerRuntime() override;

    // Waits up to `timeout` for the endpoint to accept a connection and answer Version.
    Result<v1::VersionResponse> waitUntilReady(std::chrono::seconds timeout);

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
    struct Stubs;
    template <typename Stub, typename Request, typename Response, typename Rpc>
    Result<Response> call(const char *service, const char *method, Stub &stub, Rpc rpc,
                          const Request &request, std::chrono::seconds timeout);

    GrpcRuntimeOptions m_options;
    std::unique_ptr<Stubs> m_stubs;
};

} // namespace flowlab::kube::cri
