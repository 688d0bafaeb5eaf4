#include "engine/docker/PrivateDockerEngine.h"

#include "engine/lab/LabTopology.h"
#include "engine/net/HttpClient.h"
#include "engine/registry/LabRegistry.h"
#include "engine/sys/Command.h"

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace flowlab {

namespace {

bool unixSocketAccepts(const std::string &path)
{
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, sizeof(address.sun_path) - 1);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

} // namespace

std::string PrivateDockerEngine::renderContainerdConfig() const
{
    // The CRI plugin is off: this containerd serves dockerd only. The opt plugin would
    // otherwise create /opt/containerd on the host.
    return "# Written by flowlabd: the lab's private containerd, for its dockerd.\n"
           "version = 2\n"
           "root = \"" +
           m_paths.containerdRoot() +
           "\"\n"
           "state = \"" +
           m_paths.containerdState() +
           "\"\n"
           "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
           "\n[grpc]\n"
           "  address = \"" +
           m_paths.containerdSocket() +
           "\"\n"
           "\n[ttrpc]\n"
           "  address = \"" +
           m_paths.containerdSocket() +
           ".ttrpc\"\n"
           "\n[debug]\n"
           "  address = \"\"\n"
           "\n[metrics]\n"
           "  address = \"\"\n"
           "\n[plugins.\"io.containerd.internal.v1.opt\"]\n"
           "  path = \"" +
           m_paths.containerdRoot() + "/opt\"\n";
}

std::string PrivateDockerEngine::renderDaemonJson() const
{
    const std::string registry = LabRegistry::kRegistryAddressForUrls;
    nlohmann::json config = {
        {"data-root", m_paths.dockerDataRoot()},
        {"exec-root", m_paths.dockerExecRoot()},
        {"pidfile", m_paths.dockerPidFile()},
        {"hosts", {"unix://" + m_paths.dockerSocket()}},
        // Through the gRPC tap, which flowlabd starts before dockerd.
        {"containerd", m_paths.containerdTapSocket()},
        {"registry-mirrors", {"http://" + registry}},
        {"insecure-registries", {registry}},
        {"cgroup-parent", kCgroupParent},
        // Published ports are pure DNAT in the DOCKER chain, as the lesson shows; no
        // docker-proxy processes listening beside them.
        {"userland-proxy", false},
        {"log-level", "info"},
    };
    return config.dump(2) + "\n";
}

std::vector<std::pair<std::string, std::string>> PrivateDockerEngine::engineEnvironment()
{
    // The engine is Go (containerd, dockerd, the shims and runc inherit this). Go preempts
    // long-running goroutines with SIGURG, and under ptrace every signal is a stop: ~80 per
    // `docker run`. With asynchronous preemption off, goroutines yield at function calls
    // only, which these daemons do constantly. Set whether traced or not, so that the
    // overhead benchmark's untraced baseline is the same engine.
    return {{"GODEBUG", "asyncpreemptoff=1"}};
}

Result<ServiceSpec> PrivateDockerEngine::prepareContainerd() const
{
    if (auto s = writeServiceFiles({m_paths.runDir + "/containerd", m_paths.containerdRoot(),
                                    m_paths.containerdState(), m_paths.logDir()},
                                   m_paths.containerdConfig(), renderContainerdConfig());
        !s)
        return s.error();
    ServiceSpec spec;
    spec.name = "containerd";
    spec.launch.argv = {findProgram("containerd"), "--config", m_paths.containerdConfig()};
    spec.launch.env = engineEnvironment();
    spec.launch.netns = kDockerNetns;
    spec.launch.logPath = m_paths.logDir() + "/containerd.log";
    spec.isReady = [this] { return containerdAnswers(); };
    return spec;
}

Result<ServiceSpec> PrivateDockerEngine::prepareDockerd() const
{
    if (auto s = writeServiceFiles({m_paths.runDir + "/docker", m_paths.dockerDataRoot(),
                                    m_paths.dockerExecRoot(), m_paths.logDir()},
                                   m_paths.dockerConfig(), renderDaemonJson());
        !s)
        return s.error();
    ServiceSpec spec;
    spec.name = "dockerd";
    // --config-file keeps dockerd from reading the system's /etc/docker/daemon.json.
    spec.launch.argv = {findProgram("dockerd"), "--config-file", m_paths.dockerConfig()};
    spec.launch.env = engineEnvironment();
    spec.launch.netns = kDockerNetns;
    spec.launch.logPath = m_paths.logDir() + "/dockerd.log";
    spec.isReady = [this] { return dockerdAnswers(); };
    spec.readyTimeoutMs = 60'000;
    return spec;
}

std::vector<std::string> PrivateDockerEngine::hostPathsItCreates()
{
    // dockerd 20.10 writes its identity key to /etc/docker/key.json and creates the plugin
    // socket dir /run/docker/plugins; neither has a flag. Children before parents.
    return {"/etc/docker/key.json", "/run/docker/plugins", "/run/docker"};
}

Result<std::string> PrivateDockerEngine::clientProgram()
{
    if (const char *client = std::getenv("FLOWLAB_DOCKER_CLI"); client && *client)
        return std::string(client);
    // Debian's client matches the private dockerd's API version.
    if (::access("/usr/bin/docker", X_OK) == 0)
        return std::string("/usr/bin/docker");
    if (std::string client = findProgram("docker"); !client.empty())
        return client;
    return Error("the docker CLI is not installed (Debian package docker.io)");
}

bool PrivateDockerEngine::containerdAnswers() const
{
    return unixSocketAccepts(m_paths.containerdSocket());
}

bool PrivateDockerEngine::dockerdAnswers() const
{
    auto response = httpRequest(
        {.url = "http://localhost/_ping", .unixSocket = m_paths.dockerSocket(), .timeoutMs = 1000});
    return response && response->status == 200;
}

} // namespace flowlab
