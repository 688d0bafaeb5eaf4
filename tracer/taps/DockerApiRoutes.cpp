#include "tracer/taps/DockerApiRoutes.h"

#include "tracer/taps/HttpMessageParser.h"

#include <array>
#include <cctype>
#include <vector>

namespace flowlab {

namespace {

using K = DockerBodyKind;

// From the Engine API reference (v1.47). Literal routes come before templated ones where both
// could match, e.g. "/images/json" before "/images/{name*}".
constexpr std::array kRoutes = {
    // Containers
    DockerApiRoute{"GET", "/containers/json", "ContainerList"},
    DockerApiRoute{"POST", "/containers/create", "ContainerCreate"},
    DockerApiRoute{"POST", "/containers/prune", "ContainerPrune"},
    DockerApiRoute{"GET", "/containers/{id}/json", "ContainerInspect"},
    DockerApiRoute{"GET", "/containers/{id}/top", "ContainerTop"},
    DockerApiRoute{"GET", "/containers/{id}/logs", "ContainerLogs", K::Stdio},
    DockerApiRoute{"GET", "/containers/{id}/changes", "ContainerChanges"},
    DockerApiRoute{"GET", "/containers/{id}/export", "ContainerExport", K::Archive},
    DockerApiRoute{"GET", "/containers/{id}/stats", "ContainerStats", K::JsonLines},
    DockerApiRoute{"POST", "/containers/{id}/resize", "ContainerResize"},
    DockerApiRoute{"POST", "/containers/{id}/start", "ContainerStart"},
    DockerApiRoute{"POST", "/containers/{id}/stop", "ContainerStop"},
    DockerApiRoute{"POST", "/containers/{id}/restart", "ContainerRestart"},
    DockerApiRoute{"POST", "/containers/{id}/kill", "ContainerKill"},
    DockerApiRoute{"POST", "/containers/{id}/update", "ContainerUpdate"},
    DockerApiRoute{"POST", "/containers/{id}/rename", "ContainerRename"},
    DockerApiRoute{"POST", "/containers/{id}/pause", "ContainerPause"},
    DockerApiRoute{"POST", "/containers/{id}/unpause", "ContainerUnpause"},
    DockerApiRoute{"POST", "/containers/{id}/attach", "ContainerAttach", K::Stdio},
    DockerApiRoute{"GET", "/containers/{id}/attach/ws", "ContainerAttachWebsocket", K::Stdio},
    DockerApiRoute{"POST", "/containers/{id}/wait", "ContainerWait"},
    DockerApiRoute{"DELETE", "/containers/{id}", "ContainerDelete"},
    DockerApiRoute{"HEAD", "/containers/{id}/archive", "ContainerArchiveInfo", K::None},
    DockerApiRoute{"GET", "/containers/{id}/archive", "ContainerArchive", K::Archive},
    DockerApiRoute{"PUT", "/containers/{id}/archive", "PutContainerArchive"},
    DockerApiRoute{"POST", "/containers/{id}/exec", "ContainerExec"},
    // Exec
    DockerApiRoute{"POST", "/exec/{id}/start", "ExecStart", K::Stdio},
    DockerApiRoute{"POST", "/exec/{id}/resize", "ExecResize"},
    DockerApiRoute{"GET", "/exec/{id}/json", "ExecInspect"},
    // Images
    DockerApiRoute{"GET", "/images/json", "ImageList"},
    DockerApiRoute{"POST", "/images/create", "ImageCreate", K::JsonLines},
    DockerApiRoute{"GET", "/images/search", "ImageSearch"},
    DockerApiRoute{"POST", "/images/prune", "ImagePrune"},
    DockerApiRoute{"GET", "/images/get", "ImageGetAll", K::Archive},
    DockerApiRoute{"POST", "/images/load", "ImageLoad", K::JsonLines},
    DockerApiRoute{"GET", "/images/{name*}/json", "ImageInspect"},
    DockerApiRoute{"GET", "/images/{name*}/history", "ImageHistory"},
    DockerApiRoute{"POST", "/images/{name*}/push", "ImagePush", K::JsonLines},
    DockerApiRoute{"POST", "/images/{name*}/tag", "ImageTag"},
    DockerApiRoute{"GET", "/images/{name*}/get", "ImageGet", K::Archive},
    DockerApiRoute{"DELETE", "/images/{name*}", "ImageDelete"},
    DockerApiRoute{"POST", "/build", "ImageBuild", K::JsonLines},
    DockerApiRoute{"POST", "/build/prune", "BuildPrune"},
    DockerApiRoute{"POST", "/commit", "ImageCommit"},
    DockerApiRoute{"GET", "/distribution/{name*}/json", "DistributionInspect"},
    // Networks
    DockerApiRoute{"GET", "/networks", "NetworkList"},
    DockerApiRoute{"POST", "/networks/create", "NetworkCreate"},
    DockerApiRoute{"POST", "/networks/prune", "NetworkPrune"},
    DockerApiRoute{"GET", "/networks/{id}", "NetworkInspect"},
    DockerApiRoute{"DELETE", "/networks/{id}", "NetworkDelete"},
    DockerApiRoute{"POST", "/networks/{id}/connect", "NetworkConnect"},
    DockerApiRoute{"POST", "/networks/{id}/disconnect", "NetworkDisconnect"},
    // Volumes
    DockerApiRoute{"GET", "/volumes", "VolumeList"},
    DockerApiRoute{"POST", "/volumes/create", "VolumeCreate"},
    DockerApiRoute{"POST", "/volumes/prune", "VolumePrune"},
    DockerApiRoute{"GET", "/volumes/{name}", "VolumeInspect"},
    DockerApiRoute{"PUT", "/volumes/{name}", "VolumeUpdate"},
    DockerApiRoute{"DELETE", "/volumes/{name}", "VolumeDelete"},
    // System
    DockerApiRoute{"POST", "/auth", "SystemAuth"},
    DockerApiRoute{"GET", "/info", "SystemInfo"},
    DockerApiRoute{"GET", "/version", "SystemVersion"},
    DockerApiRoute{"GET", "/_ping", "SystemPing"},
    DockerApiRoute{"HEAD", "/_ping", "SystemPingHead", K::None},
    DockerApiRoute{"GET", "/events", "SystemEvents", K::JsonLines},
    DockerApiRoute{"GET", "/system/df", "SystemDataUsage"},
    DockerApiRoute{"POST", "/session", "Session", K::None},
};

std::vector<std::string_view> segments(std::string_view path)
{
    std::vector<std::string_view> result;
    while (!path.empty()) {
        if (path.front() == '/') {
            path.remove_prefix(1);
            continue;
        }
        const std::size_t slash = path.find('/');
        result.push_back(path.substr(0, slash));
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
    }
    return result;
}

bool isPlaceholder(std::string_view segment)
{
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool isGreedy(std::string_view segment)
{
    return isPlaceholder(segment) && segment[segment.size() - 2] == '*';
}

bool segmentMatches(std::string_view pattern, std::string_view segment)
{
    return isPlaceholder(pattern) || pattern == segment;
}

bool matches(std::string_view pattern, std::string_view endpoint)
{
    const auto want = segments(pattern);
    const auto have = segments(endpoint);
    std::size_t greedy = want.size();
    for (std::size_t i = 0; i < want.size(); ++i)
        if (isGreedy(want[i]))
            greedy = i;
    if (greedy == want.size()) {
        if (want.size() != have.size())
            return false;
        for (std::size_t i = 0; i < want.size(); ++i)
            if (!segmentMatches(want[i], have[i]))
                return false;
        return true;
    }
    // The greedy segment takes whatever the literal prefix and suffix leave, at least one.
    const std::size_t suffix = want.size() - greedy - 1;
    if (have.size() < greedy + 1 + suffix)
        return false;
    for (std::size_t i = 0; i < greedy; ++i)
        if (!segmentMatches(want[i], have[i]))
            return false;
    for (std::size_t i = 0; i < suffix; ++i)
        if (!segmentMatches(want[want.size() - 1 - i], have[have.size() - 1 - i]))
            return false;
    return true;
}

bool isDigits(std::string_view text)
{
    if (text.empty())
        return false;
    for (char c : text)
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return false;
    return true;
}

} // namespace

const DockerApiRoute *findDockerApiRoute(std::string_view method, std::string_view endpoint)
{
    for (const DockerApiRoute &route : kRoutes)
        if (route.method == method && matches(route.pattern, endpoint))
            return &route;
    return nullptr;
}

DockerApiPath splitDockerApiPath(std::string_view path)
{
    // Paths keep '+' literally; only query strings use it for spaces.
    std::string decoded;
    for (std::size_t start = 0; start < path.size();) {
        const std::size_t plus = path.find('+', start);
        decoded += decodeQueryComponent(path.substr(start, plus - start));
        if (plus == std::string_view::npos)
            break;
        decoded += '+';
        start = plus + 1;
    }
    DockerApiPath result;
    // "/v1.47/containers/json": the client pins the API version it negotiated.
    if (decoded.size() > 2 && decoded[0] == '/' && decoded[1] == 'v') {
        const std::size_t slash = decoded.find('/', 1);
        const std::string_view version = std::string_view(decoded).substr(
            2, slash == std::string::npos ? std::string::npos : slash - 2);
        const std::size_t dot = version.find('.');
        if (dot != std::string_view::npos && isDigits(version.substr(0, dot)) &&
            isDigits(version.substr(dot + 1))) {
            result.apiVersion = std::string(version);
            result.endpoint = slash == std::string::npos ? "/" : decoded.substr(slash);
            return result;
        }
    }
    result.endpoint = decoded.empty() ? "/" : decoded;
    return result;
}

} // namespace flowlab
