#include "engine/kube/kubelet/ContainerProbes.h"

#include "engine/kube/api/JsonFields.h"
#include "engine/net/HttpClient.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace flowlab::kube::kubelet {

using namespace fields;

namespace {

// A port given by number or by the name of one of the container's ports.
int resolvePort(const Json &port, const Json &container)
{
    if (port.is_number_integer())
        return port.get<int>();
    if (port.is_string()) {
        const std::string name = port.get<std::string>();
        for (const Json &p : items(get(container, "ports")))
            if (string(get(p, "name")) == name)
                return int(integer(get(p, "containerPort")));
        char *end = nullptr;
        const long number = std::strtol(name.c_str(), &end, 10);
        if (end && *end == '\0')
            return int(number);
    }
    return 0;
}

// A connected socket to ip:port within `timeoutMs`, or -1 with `why` set.
int connectWithin(const std::string &ip, int port, int timeoutMs, std::string &why)
{
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(std::uint16_t(port));
    if (::inet_pton(AF_INET, ip.c_str(), &address.sin_addr) != 1) {
        why = "no pod address to probe";
        return -1;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        why = std::strerror(errno);
        return -1;
    }
    if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 &&
        errno != EINPROGRESS) {
        why = std::string("dial tcp ") + ip + ":" + std::to_string(port) + ": " +
              std::strerror(errno);
        ::close(fd);
        return -1;
    }
    pollfd waiting{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    if (::poll(&waiting, 1, timeoutMs) != 1 ||
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
        why = std::string("dial tcp ") + ip + ":" + std::to_string(port) + ": " +
              (error ? std::strerror(error) : "i/o timeout");
        ::close(fd);
        return -1;
    }
    return fd;
}

ProbeResult httpGet(const Json &action, const Json &container, const std::string &podIp,
                    int timeoutMs)
{
    const int port = resolvePort(get(action, "port"), container);
    std::string path = string(get(action, "path"));
    if (path.empty())
        path = "/";
    const std::string host =
        string(get(action, "host")).empty() ? podIp : string(get(action, "host"));
    const std::string url = "http://" + host + ":" + std::to_string(port) + path;
    auto answer = httpRequest(
        {.url = url, .headers = {{"User-Agent", "kube-probe/1.32"}}, .timeoutMs = timeoutMs});
    if (!answer)
        return {false, "Get \"" + url + "\": " + answer.error().message()};
    if (answer->status >= 200 && answer->status < 400)
        return {true, {}};
    return {false, "HTTP probe failed with statuscode: " + std::to_string(answer->status)};
}

ProbeResult tcpSocket(const Json &action, const Json &container, const std::string &podIp,
                      int timeoutMs)
{
    const int port = resolvePort(get(action, "port"), container);
    std::string why;
    const int fd = connectWithin(podIp, port, timeoutMs, why);
    if (fd < 0)
        return {false, why};
    ::close(fd);
    return {true, {}};
}

ProbeResult execCommand(const Json &action, const std::string &containerId, int timeoutSeconds,
                        cri::ContainerRuntime &runtime)
{
    cri::v1::ExecSyncRequest request;
    request.set_container_id(containerId);
    for (const Json &word : items(get(action, "command")))
        request.add_cmd(string(word));
    request.set_timeout(timeoutSeconds);
    auto answer = runtime.execSync(request);
    if (!answer)
        return {false, answer.error().message()};
    if (answer->exit_code() == 0)
        return {true, {}};
    return {false, "command exited with " + std::to_string(answer->exit_code()) + ": " +
                       answer->stdout() + answer->stderr()};
}

} // namespace

ProbeResult runProbe(const Json &probe, const Json &container, const std::string &podIp,
                     const std::string &containerId, cri::ContainerRuntime &runtime)
{
    const int timeoutSeconds =
        int(std::max<std::int64_t>(1, integer(get(probe, "timeoutSeconds"), 1)));
    if (probe.contains("httpGet"))
        return httpGet(probe["httpGet"], container, podIp, timeoutSeconds * 1000);
    if (probe.contains("tcpSocket"))
        return tcpSocket(probe["tcpSocket"], container, podIp, timeoutSeconds * 1000);
    if (probe.contains("exec"))
        return execCommand(probe["exec"], containerId, timeoutSeconds, runtime);
    return {false, "the probe has no handler this kubelet runs (httpGet, tcpSocket, exec)"};
}

bool ProbeTracker::record(const std::string &key, bool success, const Json &probe, bool initial)
{
    const int successThreshold =
        int(std::max<std::int64_t>(1, integer(get(probe, "successThreshold"), 1)));
    const int failureThreshold =
        int(std::max<std::int64_t>(1, integer(get(probe, "failureThreshold"), 3)));
    std::lock_guard lock(m_mutex);
    Counts &counts = m_counts[key];
    if (!counts.known) {
        counts.known = true;
        counts.settled = initial;
    }
    if (success) {
        counts.failures = 0;
        if (++counts.successes >= successThreshold)
            counts.settled = true;
    } else {
        counts.successes = 0;
        if (++counts.failures >= failureThreshold)
            counts.settled = false;
    }
    return counts.settled;
}

void ProbeTracker::forget(const std::string &key)
{
    std::lock_guard lock(m_mutex);
    m_counts.erase(key);
}

std::chrono::seconds probePeriod(const Json &probe)
{
    return std::chrono::seconds(
        std::max<std::int64_t>(1, integer(get(probe, "periodSeconds"), 10)));
}

std::chrono::seconds probeInitialDelay(const Json &probe)
{
    return std::chrono::seconds(
        std::max<std::int64_t>(0, integer(get(probe, "initialDelaySeconds"), 0)));
}

} // namespace flowlab::kube::kubelet
