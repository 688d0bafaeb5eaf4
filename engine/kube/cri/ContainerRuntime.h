#pragma once

// What flowlab-kubelet asks of a container runtime: the CRI v1 calls it makes, one method
// each, with the CRI's own request and response messages (runtime_v1.proto). The kubelet codes
// against this interface; GrpcContainerRuntime sends the calls to containerd's CRI plugin, and
// FakeContainerRuntime keeps pods in memory and records the calls for tests.
//
// Every implementation reports each finished call to an observer, with the request, the
// response (or the failure) and how long it took: that is the kubelet's "grpc" evidence.
// Calls are blocking and may come from several threads at once.

#include "engine/kube/cri/runtime_v1.pb.h"
#include "tracer/base/Result.h"

#include <cstdint>
#include <functional>
#include <string>

namespace flowlab::kube::cri {

namespace v1 = ::runtime::v1;

// gRPC status codes (grpc/status.h), the ones the kubelet tells apart.
enum class CriCode : int {
    Ok = 0,
    Unknown = 2,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    Unimplemented = 12,
    Unavailable = 14,
};

// "NOT_FOUND", "DEADLINE_EXCEEDED", ...; "CODE_17" for a code we have no name for.
std::string criCodeName(int code);

// The error a failed call returns: "RunPodSandbox: UNKNOWN: failed to setup network ...".
Error criError(const std::string &method, int code, const std::string &message);
// True when `error` came from a call the runtime answered NOT_FOUND.
bool isNotFound(const Error &error);

// One finished call, for the observer.
struct CriCall
{
    std::string service; // "runtime.v1.RuntimeService"
    std::string method;  // "RunPodSandbox"
    const google::protobuf::Message *request = nullptr;
    const google::protobuf::Message *response = nullptr; // null when the call failed
    int code = 0;                                        // gRPC status code
    std::string errorMessage;
    std::int64_t durationNs = 0;

    // "/runtime.v1.RuntimeService/RunPodSandbox", as it travels in the HTTP/2 :path.
    std::string path() const { return "/" + service + "/" + method; }
};
using CriCallObserver = std::function<void(const CriCall &)>;

// A message as JSON text with the proto field names (pod_sandbox_id), as crictl prints them.
std::string messageToJson(const google::protobuf::Message &message);

class ContainerRuntime
{
public:
    virtual ~ContainerRuntime() = default;

    // Set before the first call; runs on the calling thread after every call.
    void setObserver(CriCallObserver observer) { m_observer = std::move(observer); }

    // RuntimeService
    virtual Result<v1::VersionResponse> version(const v1::VersionRequest &request) = 0;
    virtual Result<v1::RunPodSandboxResponse>
    runPodSandbox(const v1::RunPodSandboxRequest &request) = 0;
    virtual Result<v1::StopPodSandboxResponse>
    stopPodSandbox(const v1::StopPodSandboxRequest &request) = 0;
    virtual Result<v1::RemovePodSandboxResponse>
    removePodSandbox(const v1::RemovePodSandboxRequest &request) = 0;
    virtual Result<v1::PodSandboxStatusResponse>
    podSandboxStatus(const v1::PodSandboxStatusRequest &request) = 0;
    virtual Result<v1::ListPodSandboxResponse>
    listPodSandbox(const v1::ListPodSandboxRequest &request) = 0;
    virtual Result<v1::CreateContainerResponse>
    createContainer(const v1::CreateContainerRequest &request) = 0;
    virtual Result<v1::StartContainerResponse>
    startContainer(const v1::StartContainerRequest &request) = 0;
    virtual Result<v1::StopContainerResponse>
    stopContainer(const v1::StopContainerRequest &request) = 0;
    virtual Result<v1::RemoveContainerResponse>
    removeContainer(const v1::RemoveContainerRequest &request) = 0;
    virtual Result<v1::ContainerStatusResponse>
    containerStatus(const v1::ContainerStatusRequest &request) = 0;
    virtual Result<v1::ListContainersResponse>
    listContainers(const v1::ListContainersRequest &request) = 0;
    virtual Result<v1::ExecSyncResponse> execSync(const v1::ExecSyncRequest &request) = 0;

    // ImageService
    virtual Result<v1::ImageStatusResponse> imageStatus(const v1::ImageStatusRequest &request) = 0;
    virtual Result<v1::PullImageResponse> pullImage(const v1::PullImageRequest &request) = 0;

protected:
    void notify(const CriCall &call) const
    {
        if (m_observer)
            m_observer(call);
    }

private:
    CriCallObserver m_observer;
};

inline constexpr const char *kRuntimeService = "runtime.v1.RuntimeService";
inline constexpr const char *kImageService = "runtime.v1.ImageService";

} // namespace flowlab::kube::cri
