#include "engine/client/DaemonClient.h"

#include <cerrno>
#include <chrono>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace flowlab {

DaemonClient::~DaemonClient()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

Status DaemonClient::connect(const std::string &socketPath)
{
    m_socketPath = socketPath;
    m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_fd < 0)
        return Error::fromErrno("socket");
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    socketPath.copy(address.sun_path, sizeof(address.sun_path) - 1);
    if (::connect(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0)
        return success();
    const int err = errno;
    ::close(m_fd);
    m_fd = -1;
    if (err == ENOENT || err == ECONNREFUSED)
        return Error("flowlabd is not running (nothing listens on " + socketPath +
                     "): start it as root with `sudo flowlabd`, or run flowlab-cli as root "
                     "to start it on demand");
    if (err == EACCES || err == EPERM)
        return Error("access to flowlabd's socket " + socketPath +
                     " was denied: add your user to group flowlab (`sudo usermod -aG "
                     "flowlab $USER`, then log in again)");
    return Error("connect " + socketPath, err);
}

Result<std::string> DaemonClient::readLine(int timeoutMs)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (true) {
        if (const auto newline = m_buffer.find('\n'); newline != std::string::npos) {
            std::string line = m_buffer.substr(0, newline);
            m_buffer.erase(0, newline + 1);
            return line;
        }
        int wait = -1;
        if (timeoutMs >= 0) {
            wait = int(std::chrono::duration_cast<std::chrono::milliseconds>(
                           deadline - std::chrono::steady_clock::now())
                           .count());
            if (wait <= 0)
                return Error("flowlabd did not answer within " + std::to_string(timeoutMs / 1000) +
                             " s");
        }
        pollfd pfd{m_fd, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, wait);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            return Error::fromErrno("poll");
        if (ready == 0)
            continue;
        char chunk[65536];
        const ssize_t n = ::read(m_fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return Error("flowlabd closed the connection (did it exit? see its log)");
        m_buffer.append(chunk, std::size_t(n));
    }
}

Result<nlohmann::json> DaemonClient::call(const std::string &method, const nlohmann::json &params,
                                          const ProgressFn &onProgress, int timeoutMs)
{
    if (m_fd < 0)
        return Error("not connected to flowlabd");
    const int id = m_nextId++;
    nlohmann::json request = {{"id", id}, {"method", method}};
    if (!params.is_null())
        request["params"] = params;
    const std::string line = request.dump() + "\n";
    std::size_t sent = 0;
    while (sent < line.size()) {
        const ssize_t n = ::send(m_fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return Error::fromErrno("sending to flowlabd");
        sent += std::size_t(n);
    }
    while (true) {
        auto reply = readLine(timeoutMs);
        if (!reply)
            return reply.error().withContext(method);
        nlohmann::json message;
        try {
            message = nlohmann::json::parse(*reply);
        } catch (const std::exception &e) {
            return Error(std::string("flowlabd sent a malformed reply: ") + e.what());
        }
        if (message.value("id", -1) != id)
            continue;
        if (message.contains("progress")) {
            if (onProgress)
                onProgress(message["progress"].get<std::string>());
            continue;
        }
        if (message.contains("error"))
            return Error(message["error"].value("message", "unknown error"));
        return message.value("result", nlohmann::json::object());
    }
}

} // namespace flowlab
