#include "engine/kube/cri/FakeContainerRuntime.h"

#include <algorithm>

namespace flowlab::kube::cri {

namespace {

constexpr int kCodeCount = 17;

// The gRPC code criError() wrote into an error of `method`.
int codeOf(const std::string &method, const Error &error)
{
    for (int code = 1; code < kCodeCount; ++code)
        if (error.message().starts_with(method + ": " + criCodeName(code) + ": "))
            return code;
    return int(CriCode::Unknown);
}

bool labelsMatch(const google::protobuf::Map<std::string, std::string> &selector,
                 const google::protobuf::Map<std::string, std::string> &labels)
{
    for (const auto &[key, value] : selector) {
        const auto found = labels.find(key);
        if (found == labels.end() || found->second != value)
            return false;
    }
    return true;
}

} // namespace

FakeContainerRuntime::FakeContainerRuntime(std::string ipPrefix)
    : m_ipPrefix(std::move(ipPrefix))
    , m_clock([] { return std::chrono::system_clock::now(); })
{}

FakeContainerRuntime::~FakeContainerRuntime() = default;

void FakeContainerRuntime::setClock(Clock clock)
{
    std::lock_guard lock(m_mutex);
    m_clock = std::move(clock);
}

std::int64_t FakeContainerRuntime::nowNs() const
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(m_clock().time_since_epoch())
        .count();
}

std::string FakeContainerRuntime::normalizeImage(const std::string &image)
{
    std::string out = image;
    const auto slash = out.find('/');
    const std::string first = slash == std::string::npos ? std::string() : out.substr(0, slash);
    // A first part with a dot or a colon names a registry; anything else is Docker Hub.
    if (slash == std::string::npos)
        out = "docker.io/library/" + out;
    else if (first.find('.') == std::string::npos && first.find(':') == std::string::npos &&
             first != "localhost")
        out = "docker.io/" + out;
    const auto lastSlash = out.rfind('/');
    if (out.find(':', lastSlash) == std::string::npos && out.find('@') == std::string::npos)
        out += ":latest";
    return out;
}

void FakeContainerRuntime::addImage(const std::string &image)
{
    std::lock_guard lock(m_mutex);
    m_images.insert(normalizeImage(image));
}

void FakeContainerRuntime::refuseImage(const std::string &image)
{
    std::lock_guard lock(m_mutex);
    m_refusedImages.insert(normalizeImage(image));
}

void FakeContainerRuntime::failNext(const std::string &method, CriCode code,
                                    const std::string &message)
{
    std::lock_guard lock(m_mutex);
    m_failures[method].push_back({code, message});
}

void FakeContainerRuntime::stopContainerLocked(v1::ContainerStatus &container, int exitCode,
                                               const std::string &reason)
{
    if (container.state() == v1::CONTAINER_EXITED)
        return;
    if (container.started_at() == 0)
        container.set_started_at(nowNs());
    container.set_state(v1::CONTAINER_EXITED);
    container.set_finished_at(nowNs());
    container.set_exit_code(exitCode);
    container.set_reason(reason);
}

bool FakeContainerRuntime::exitContainer(const std::string &containerId, int exitCode,
                                         const std::string &reason)
{
    std::lock_guard lock(m_mutex);
    const auto found = m_containers.find(containerId);
    if (found == m_containers.end() || found->second.state() != v1::CONTAINER_RUNNING)
        return false;
    stopContainerLocked(found->second, exitCode, reason);
    return true;
}

std::vector<FakeContainerRuntime::RecordedCall> FakeContainerRuntime::calls() const
{
    std::lock_guard lock(m_mutex);
    return m_calls;
}

std::vector<std::string> FakeContainerRuntime::methods() const
{
    std::lock_guard lock(m_mutex);
    std::vector<std::string> out;
    for (const auto &call : m_calls)
        out.push_back(call.method);
    return out;
}

int FakeContainerRuntime::count(const std::string &method) const
{
    std::lock_guard lock(m_mutex);
    return int(std::count_if(m_calls.begin(), m_calls.end(),
                             [&](const RecordedCall &call) { return call.method == method; }));
}

void FakeContainerRuntime::clearCalls()
{
    std::lock_guard lock(m_mutex);
    m_calls.clear();
}

std::vector<v1::PodSandboxStatus> FakeContainerRuntime::sandboxes() const
{
    std::lock_guard lock(m_mutex);
    std::vector<v1::PodSandboxStatus> out;
    for (const auto &[id, sandbox] : m_sandboxes)
        out.push_back(sandbox);
    return out;
}

std::vector<v1::ContainerStatus> FakeContainerRuntime::containers() const
{
    std::lock_guard lock(m_mutex);
    std::vector<v1::ContainerStatus> out;
    for (const auto &[id, container] : m_containers)
        out.push_back(container);
    return out;
}

bool FakeContainerRuntime::hasImage(const std::string &image) const
{
    std::lock_guard lock(m_mutex);
    return m_images.contains(normalizeImage(image));
}

std::optional<Error> FakeContainerRuntime::begin(const std::string &method,
                                                 const google::protobuf::Message &request)
{
    m_calls.push_back({method, messageToJson(request)});
    auto found = m_failures.find(method);
    if (found == m_failures.end() || found->second.empty())
        return std::nullopt;
    const Failure failure = found->second.front();
    found->second.erase(found->second.begin());
    return criError(method, int(failure.code), failure.message);
}

template <typename Response>
Result<Response> FakeContainerRuntime::finish(const char *service, const std::string &method,
                                              const google::protobuf::Message &request,
                                              Result<Response> result)
{
    CriCall call;
    call.service = service;
    call.method = method;
    call.request = &request;
    if (result) {
        call.response = &result.value();
    } else {
        call.code = codeOf(method, result.error());
        call.errorMessage = result.error().message();
    }
    notify(call);
    return result;
}

// Each call: record it under the lock, run `body` unless a failure was injected, then report
// it to the observer outside the lock.
#define FLOWLAB_FAKE_CALL(service, Method, ...)                                                   \
    Result<v1::Method##Response> result = [&]() -> Result<v1::Method##Response> {                  \
        std::lock_guard lock(m_mutex);                                                             \
        if (auto failure = begin(#Method, request))                                                \
            return *failure;                                                                       \
        __VA_ARGS__                                                                                \
    }();                                                                                           \
    return finish(service, #Method, request, std::move(result))

Result<v1::VersionResponse> FakeContainerRuntime::version(const v1::VersionRequest &request)
{
    FLOWLAB_FAKE_CALL(kRuntimeService, Version, {
        v1::VersionResponse response;
        response.set_version("0.1.0");
        response.set_runtime_name("fake");
        response.set_runtime_version("0.1.0");
        response.set_runtime_api_version("v1");
        return response;
    });
}

Result<v1::RunPodSandboxResponse>
FakeContainerRuntime::runPodSandbox(const v1::RunPodSandboxRequest &request)
{
    FLOWLAB_FAKE_CALL(kRuntimeService, RunPodSandbox, {
        const v1::PodSandboxConfig &config = request.config();
        v1::PodSandboxStatus sandbox;
        sandbox.set_id("sandbox-" + std::to_string(m_nextId++));
        *sandbox.mutable_metadata() = config.metadata();
        sandbox.set_state(v1::SANDBOX_READY);
        sandbox.set_created_at(nowNs());
        sandbox.mutable_network()->set_ip(m_ipPrefix + std::to_string(m_nextIp++));
        *sandbox.mutable_labels() = config.labels();
        *sandbox.mutable_annotations() = config.annotations();
        m_sandboxes[sandbox.id()] = sandbox;
        v1::RunPodSandboxResponse response;
        response.set_pod_sandbox_id(sandbox.id());
        return response;
    });
}

Result<v1::StopPodSandboxResponse>
FakeContainerRuntime::stopPodSandbox(const v1::StopPodSandboxRequest &request)
{
    FLOWLAB_FAKE_CALL(kRuntimeService, StopPodSandbox, {
        const auto found = m_sandboxes.find(request.pod_sandbox_id());
        if (found == m_sandboxes.end())
            return criError("StopPodSandbox", int(CriCode::NotFound),
                            "no sandbox " + request.pod_sandbox_id());
        for (auto &[id, container] : m_containers)
            if (m_containerSandbox[id] == found->first)
                stopContainerLocked(container, 137, "Error");
        found->second.set_state(v1::SANDBOX_NOTREADY);
        return v1::StopPodSandboxResponse();
    });
}

Result<v1::RemovePodSandboxResponse>
FakeContainerRuntime::removePodSandbox(const v1::RemovePodSandboxRequest &request)
{
    FLOWLAB_FAKE_CALL(kRuntimeService, RemovePodSandbox, {
        // Idempotent, as the CRI requires; its containers go with it.
        for (auto it = m_containers.begin(); it != m_containers.end();) {
            if (m_containerSandbox[it->first] == request.pod_sandbox_id()) {
                m_containerSandbox.erase(it->first);
                it = m_containers.erase(it);
            } else {
                ++it;
            }
        }
        m_sandboxes.erase(request.pod_sandbox_id());
        return v1::RemovePodSandboxResponse();
    });
}

Result<v1::PodSandboxStatusResponse>
FakeContainerRuntime::podSandboxStatus(const v1::PodSandboxStatusRequest &request)
{
    FLOWLAB_FAKE_CALL(kRuntimeService, PodSandboxStatus, {
        const auto found = m_sandboxes.find(request.pod_sandbox_id());
        if (found == m_sandboxes.end())
            return criError("PodSandboxStatus", int(CriCode::NotFound),
                            "no sandbox " + request.pod_sandbox_id());
        v1::PodSandboxStatusResponse response;
        *response.mutable_status() = found->second;
        return response;
    });
}

Result<v1::ListPodSandboxResponse>
FakeContainerRuntime::listPodSandbox(const v1::ListPodSandboxRequest &request)
{
    FLOWLAB_FAKE_CALL(kRuntimeService, ListPodSandbox, {
        const v1::PodSandboxFilter &filter = request.filter();
        v1::ListPodSandboxResponse response;
        for (const auto &[id, sandbox] : m_sandboxes) {
            if (!filter.id().empty() && filter.id() != id)
                continue;
            if (filter.has_state() && filter.state().state() != sandbox.state())
                continue;
            if (!labelsMatch(filter.label_selector(), sandbox.labels()))
                continue;
            v1::PodSandbox *item = response.add_items();
            item->set_id(id);
            *item->mutable_metadata() = sandbox.metadata();
            item->set_state(sandbox.state());
            item->set_created_at(sandbox.created_at());
            *item->mutable_labels() = sandbox.labels();
            *item->mutable_annotations() = sandbox.annotations();
        }
        return response;
    });
}

Result<v1::CreateContainerResponse>
FakeContainerRuntime::createContainer(const v1::CreateContainerRequest &request)
{
    FLOWLAB_FAKE_CALL(kRuntimeService, CreateContainer, {
        const auto sandbox = m_sandboxes.find(request.pod_sandbox_id());
        if (sandbox == m_sandboxes.end())
            return criError("CreateContainer", int(CriCode::NotFound),
                            "no sandbox " + request.pod_sandbox_id());
        const std::string image = normalizeImage(request.config().image().image());
        if (!m_images.contains(image))
            return criError("CreateContainer", int(CriCode::NotFound),
                            "failed to get image " + image + ": not found");
        const v1::ContainerConfig &config = request.config();
        v1::ContainerStatus container;
        container.set_id("container-" + std::to_string(m_nextId++));
        *container.mutable_metadata() = config.metadata();
        container.set_state(v1::CONTAINER_CREATED);
        container.set_created_at(nowNs());
        *container.mutable_image() = config.image();
        container.set_image_ref("sha256:fake-" + image);
        *container.mutable_labels() = config.labels();
        *container.mutable_annotations() = config.annotations();
        container.set_log_path(request.sandbox_config().log_directory() + "/" + config.log_path());
        m_containerSandbox[container.id()] = sandbox->first;
        m_containers[container.id()] = container;
        v1::CreateContainerResponse response;
        response.set_container_id(container.id());
        return response;
    });
}

Result<v1::StartContainerResponse>
FakeContainerRuntime::startContainer(const v1::StartContainerRequest &request)
{
    FLOWLAB_FAKE_CALL(kRuntimeService, StartContainer, {
        const auto found = m_containers.find(request.container_id());
        if (found == m_containers.end())
            return criError("StartContainer", int(CriCode::NotFound),
                            "no container " + request.container_id());
        if (found->second.state() != v1::CONTAINER_CREATED)
            return criError("StartContainer", int(CriCode::Unknown),
                            "container " + request.container_id() + " is not in created state");
        found->second.set_state(v1::CONTAINER_RUNNING);
        found->second.set_started_at(nowNs());
        return v1::StartContainerResponse();
    });
}

Result<v1::StopContainerResponse>
FakeContainerRuntime::stopContainer(const v1::StopContainerRequest &request)
{
    FLOWLAB_FAKE_CALL(kRuntimeService, StopContainer, {
        const auto found = m_containers.find(request.container_id());
        if (found == m_containers.end())
            return criError("StopContainer", int(CriCode::NotFound),
                            "no container " + request.container_id());
        // SIGTERM, which a well-behaved process answers by exiting 0.
        stopContainerLocked(found->second, 0, "Completed");
        return v1::StopContainerResponse();
    });
}

Result<v1::RemoveContainerResponse>
FakeContainerRuntime::removeContainer(const v1::RemoveContainerRequest &request)
{
    FLOWLAB_FAKE_CALL(kRuntimeService, RemoveContainer, {
        m_containers.erase(request.container_id());
        m_containerSandbox.erase(request.container_id());
        return v1::RemoveContainerResponse();
    });
}

Result<v1::ContainerStatusResponse>
FakeContainerRuntime::containerStatus(const v1::ContainerStatusRequest &request)
{
    FLOWLAB_FAKE_CALL(kRuntimeService, ContainerStatus, {
        const auto found = m_containers.find(request.container_id());
        if (found == m_containers.end())
            return criError("ContainerStatus", int(CriCode::NotFound),
                            "no container " + request.container_id());
        v1::ContainerStatusResponse response;
        *response.mutable_status() = found->second;
        return response;
    });
}

Result<v1::ListContainersResponse>
FakeContainerRuntime::listContainers(const v1::ListContainersRequest &request)
{
    FLOWLAB_FAKE_CALL(kRuntimeService, ListContainers, {
        const v1::ContainerFilter &filter = request.filter();
        v1::ListContainersResponse response;
        for (const auto &[id, container] : m_containers) {
            if (!filter.id().empty() && filter.id() != id)
                continue;
            if (filter.has_state() && filter.state().state() != container.state())
                continue;
            if (!filter.pod_sandbox_id().empty() &&
                filter.pod_sandbox_id() != m_containerSandbox[id])
                continue;
            if (!labelsMatch(filter.label_selector(), container.labels()))
                continue;
            v1::Container *item = response.add_containers();
            item->set_id(id);
            item->set_pod_sandbox_id(m_containerSandbox[id]);
            *item->mutable_metadata() = container.metadata();
            *item->mutable_image() = container.image();
            item->set_image_ref(container.image_ref());
            item->set_state(container.state());
            item->set_created_at(container.created_at());
            *item->mutable_labels() = container.labels();
            *item->mutable_annotations() = container.annotations();
        }
        return response;
    });
}

Result<v1::ExecSyncResponse> FakeContainerRuntime::execSync(const v1::ExecSyncRequest &request)
{
    FLOWLAB_FAKE_CALL(kRuntimeService, ExecSync, {
        const auto found = m_containers.find(request.container_id());
        if (found == m_containers.end() || found->second.state() != v1::CONTAINER_RUNNING)
            return criError("ExecSync", int(CriCode::NotFound),
                            "no running container " + request.container_id());
        return v1::ExecSyncResponse();
    });
}

Result<v1::ImageStatusResponse>
FakeContainerRuntime::imageStatus(const v1::ImageStatusRequest &request)
{
    FLOWLAB_FAKE_CALL(kImageService, ImageStatus, {
        const std::string image = normalizeImage(request.image().image());
        v1::ImageStatusResponse response;
        if (m_images.contains(image)) {
            response.mutable_image()->set_id("sha256:fake-" + image);
            response.mutable_image()->add_repo_tags(image);
            response.mutable_image()->set_size(1024);
        }
        return response;
    });
}

Result<v1::PullImageResponse> FakeContainerRuntime::pullImage(const v1::PullImageRequest &request)
{
    FLOWLAB_FAKE_CALL(kImageService, PullImage, {
        const std::string image = normalizeImage(request.image().image());
        if (m_refusedImages.contains(image))
            return criError("PullImage", int(CriCode::NotFound),
                            "failed to pull and unpack image \"" + image + "\": not found");
        m_images.insert(image);
        v1::PullImageResponse response;
        response.set_image_ref("sha256:fake-" + image);
        return response;
    });
}

} // namespace flowlab::kube::cri
