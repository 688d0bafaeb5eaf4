#pragma once

// The Docker Engine API routes the tap names, as a data table (like strace's syscall tables):
// method, route template and the operation id of the Engine API reference. A request that
// matches no row is recorded without an operation, never with a guessed one.

#include <string>
#include <string_view>

namespace flowlab {

enum class DockerBodyKind {
    Json,      // one JSON document
    JsonLines, // progress or event stream: one JSON object per line (pull, push, build, events)
    Stdio,     // container output (logs, attach, exec), raw or multiplexed
    Archive,   // a tar stream (export, archive, image save/load, build context)
    None,
};

struct DockerApiRoute
{
    std::string_view method;
    // Segments; "{id}" matches one segment, "{name*}" one or more (image names contain '/').
    std::string_view pattern;
    std::string_view operation; // e.g. "ContainerCreate"
    DockerBodyKind response = DockerBodyKind::Json;
};

// The row for `method` and an endpoint without version prefix (e.g. "/containers/abc/start"),
// or nullptr.
const DockerApiRoute *findDockerApiRoute(std::string_view method, std::string_view endpoint);

// A request path split into its API version and endpoint.
struct DockerApiPath
{
    std::string endpoint;   // percent-decoded, "/v1.NN" removed, e.g. "/containers/create"
    std::string apiVersion; // "1.47", or empty for unversioned calls such as "/_ping"
};

DockerApiPath splitDockerApiPath(std::string_view path);

} // namespace flowlab
