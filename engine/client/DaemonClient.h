#pragma once

// The client side of flowlabd's control socket, for flowlab-cli and the desktop app. It needs
// no privilege: access is by membership of the socket's group.
//
// Protocol: one JSON object per line, both ways.
//   request:  {"id": 7, "method": "lab.up", "params": {...}}
//   progress: {"id": 7, "progress": "creating network namespace flowlab-client"}   (0..n)
//   reply:    {"id": 7, "result": {...}}  or  {"id": 7, "error": {"message": "..."}}

#include "tracer/base/Progress.h"
#include "tracer/base/Result.h"

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace flowlab {

class DaemonClient
{
public:
    DaemonClient() = default;
    ~DaemonClient();
    DaemonClient(const DaemonClient &) = delete;
    DaemonClient &operator=(const DaemonClient &) = delete;

    // Fails with a message that says whether the daemon is not running or access is denied.
    Status connect(const std::string &socketPath);
    bool isConnected() const { return m_fd >= 0; }

    // Sends one request and waits for its reply; progress lines go to `onProgress`.
    // `timeoutMs` < 0 waits as long as the daemon keeps the connection open.
    Result<nlohmann::json> call(const std::string &method, const nlohmann::json &params = {},
                                const ProgressFn &onProgress = {}, int timeoutMs = -1);

private:
    Result<std::string> readLine(int timeoutMs);

    int m_fd = -1;
    int m_nextId = 1;
    std::string m_buffer;
    std::string m_socketPath;
};

} // namespace flowlab
