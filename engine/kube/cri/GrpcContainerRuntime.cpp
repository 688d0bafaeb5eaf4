#include "engine/kube/cri/GrpcContainerRuntime.h"

#include "engine/kube/cri/runtime_v1.grpc.pb.h"

#include <grpcpp/grpcpp.h>
#include <time.h>

namespace flowlab::kube::cri {

namespace {

std::int64_t monotonicNs()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return std::int64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

std::string targetOf(const std::string &endpoint)
{
    if (endpoint.starts_with("unix:"))
        return endpoint;
    return "unix://" + endpoint;
}

std::chrono::system_clock::time_point deadlineIn(std::chrono::seconds timeout)
{
    return std::chrono::system_clock::now() + timeout;
}

} // namespace

struct GrpcContainerRuntime::Stubs
{
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<v1::RuntimeService::Stub> runtime;
    std::unique_ptr<v1::ImageService::Stub> image;
};

GrpcContainerRuntime::GrpcContainerRuntime(GrpcRuntimeOptions options)
    : m_options(std::move(options))
    , m_stubs(std::make_unique<Stubs>())
{
    grpc::ChannelArguments arguments;
    // containerd answers a ListContainers of a busy node with more than gRPC's 4 MiB default.
    arguments.SetMaxReceiveMessageSize(16 * 1024 * 1024);
    m_stubs->channel = grpc::CreateCustomChannel(targetOf(m_options.endpoint),
                                                 grpc::InsecureChannelCredentials(), arguments);
    m_stubs->runtime = v1::RuntimeService::NewStub(m_stubs->channel);
    m_stubs->image = v1::ImageService::NewStub(m_stubs->channel);
}

GrpcContainerRuntime::~GrpcContainerRuntime() = default;

template <typename Stub, typename Request, typename Response, typename Rpc>
Result<Response> GrpcContainerRuntime::call(const char *service, const char *method, Stub &stub,
                                            Rpc rpc, const Request &request,
                                            std::chrono::seconds timeout)
{
    grpc::ClientContext context;
    context.set_deadline(deadlineIn(timeout));
    Response response;
    const std::int64_t started = monotonicNs();
    const grpc::Status status = (stub.*rpc)(&context, request, &response);
    CriCall record;
    record.service = service;
    record.method = method;
    record.request = &request;
    record.response = status.ok() ? &response : nullptr;
    record.code = int(status.error_code());
    record.errorMessage = status.error_message();
    record.durationNs = monotonicNs() - started;
    notify(record);
    if (!status.ok())
        return criError(method, int(status.error_code()), status.error_message());
    return response;
}

Result<v1::VersionResponse> GrpcContainerRuntime::waitUntilReady(std::chrono::seconds timeout)
{
    if (!m_stubs->channel->WaitForConnected(deadlineIn(timeout)))
        return Error("the CRI endpoint " + m_options.endpoint + " accepted no connection within " +
                     std::to_string(timeout.count()) + " s");
    v1::VersionRequest request;
    request.set_version("v1");
    return version(request);
}

#define FLOWLAB_RUNTIME_CALL(Method, timeout)                                                      \
    call<v1::RuntimeService::Stub, std::remove_cvref_t<decltype(request)>, v1::Method##Response>(                       \
        kRuntimeService, #Method, *m_stubs->runtime, &v1::RuntimeService::Stub::Method, request,   \
        timeout)
#define FLOWLAB_IMAGE_CALL(Method, timeout)                                                        \
    call<v1::ImageService::Stub, std::remove_cvref_t<decltype(request)>, v1::Method##Response>(                         \
        kImageService, #Method, *m_stubs->image, &v1::ImageService::Stub::Method, request, timeout)

Result<v1::VersionResponse> GrpcContainerRuntime::version(const v1::VersionRequest &request)
{
    return FLOWLAB_RUNTIME_CALL(Version, m_options.requestTimeout);
}

Result<v1::RunPodSandboxResponse>
GrpcContainerRuntime::runPodSandbox(const v1::RunPodSandboxRequest &request)
{
    // Creating a sandbox may pull the pause image first.
    return FLOWLAB_RUNTIME_CALL(RunPodSandbox, m_options.pullTimeout);
}

Result<v1::StopPodSandboxResponse>
GrpcContainerRuntime::stopPodSandbox(const v1::StopPodSandboxRequest &request)
{
    return FLOWLAB_RUNTIME_CALL(StopPodSandbox, m_options.requestTimeout);
}

Result<v1::RemovePodSandboxResponse>
GrpcContainerRuntime::removePodSandbox(const v1::RemovePodSandboxRequest &request)
{
    return FLOWLAB_RUNTIME_CALL(RemovePodSandbox, m_options.requestTimeout);
}

Result<v1::PodSandboxStatusResponse>
GrpcContainerRuntime::podSandboxStatus(const v1::PodSandboxStatusRequest &request)
{
    return FLOWLAB_RUNTIME_CALL(PodSandboxStatus, m_options.requestTimeout);
}

Result<v1::ListPodSandboxResponse>
GrpcContainerRuntime::listPodSandbox(const v1::ListPodSandboxRequest &request)
{
    return FLOWLAB_RUNTIME_CALL(ListPodSandbox, m_options.requestTimeout);
}

Result<v1::CreateContainerResponse>
GrpcContainerRuntime::createContainer(const v1::CreateContainerRequest &request)
{
    return FLOWLAB_RUNTIME_CALL(CreateContainer, m_options.requestTimeout);
}

Result<v1::StartContainerResponse>
GrpcContainerRuntime::startContainer(const v1::StartContainerRequest &request)
{
    return FLOWLAB_RUNTIME_CALL(StartContainer, m_options.requestTimeout);
}

Result<v1::StopContainerResponse>
GrpcContainerRuntime::stopContainer(const v1::StopContainerRequest &request)
{
    // The runtime waits out the grace period before it answers.
    return FLOWLAB_RUNTIME_CALL(StopContainer,
                                m_options.requestTimeout + std::chrono::seconds(request.timeout()));
}

Result<v1::RemoveContainerResponse>
GrpcContainerRuntime::removeContainer(const v1::RemoveContainerRequest &request)
{
    return FLOWLAB_RUNTIME_CALL(RemoveContainer, m_options.requestTimeout);
}

Result<v1::ContainerStatusResponse>
GrpcContainerRuntime::containerStatus(const v1::ContainerStatusRequest &request)
{
    return FLOWLAB_RUNTIME_CALL(ContainerStatus, m_options.requestTimeout);
}

Result<v1::ListContainersResponse>
GrpcContainerRuntime::listContainers(const v1::ListContainersRequest &request)
{
    return FLOWLAB_RUNTIME_CALL(ListContainers, m_options.requestTimeout);
}

Result<v1::ExecSyncResponse> GrpcContainerRuntime::execSync(const v1::ExecSyncRequest &request)
{
    return FLOWLAB_RUNTIME_CALL(ExecSync,
                                m_options.requestTimeout + std::chrono::seconds(request.timeout()));
}

Result<v1::ImageStatusResponse>
GrpcContainerRuntime::imageStatus(const v1::ImageStatusRequest &request)
{
    return FLOWLAB_IMAGE_CALL(ImageStatus, m_options.requestTimeout);
}

Result<v1::PullImageResponse> GrpcContainerRuntime::pullImage(const v1::PullImageRequest &request)
{
    return FLOWLAB_IMAGE_CALL(PullImage, m_options.pullTimeout);
}

} // namespace flowlab::kube::cri
