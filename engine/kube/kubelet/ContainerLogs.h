#pragma once

// Container logs, as the kubelet serves them to the apiserver for `kubectl logs`: the runtime
// writes each container's output to <podLogRoot>/<ns>_<pod>_<uid>/<container>/<attempt>.log in
// the CRI log format ("<RFC 3339 time> <stdout|stderr> <F|P> <text>", P marking a line the
// runtime split), and the kubelet's HTTP endpoint GET /containerLogs/<ns>/<pod>/<container>
// (port 10250, on the node's address) answers with the text: the newest attempt, or with
// ?previous=true the one before; ?tailLines=N keeps the last N lines; ?timestamps=true keeps
// each line's time. Plain HTTP inside the lab, with no authentication of the caller (a real
// kubelet wants TLS and authorizes through the apiserver): the lab network is private.

#include "tracer/base/Result.h"

#include <QObject>
#include <QTcpServer>
#include <string>

namespace flowlab::kube::kubelet {

// The kubelet's port, as on a real node.
inline constexpr int kKubeletPort = 10250;

struct LogRequest
{
    std::string ns, pod, container;
    bool previous = false;
    bool timestamps = false;
    int tailLines = -1; // all
};

// The text of CRI-format log lines: partial lines joined, times kept if asked.
std::string textOfCriLog(const std::string &criLog, bool timestamps);

// The log a request asks for, from the files under `podLogRoot`. The error says what is
// missing, as the real kubelet does ("previous terminated container ... not found").
Result<std::string> readContainerLog(const std::string &podLogRoot, const LogRequest &request);

// The HTTP endpoint, on the kubelet's event loop.
class ContainerLogServer : public QObject
{
    Q_OBJECT
public:
    ContainerLogServer(std::string podLogRoot, QObject *parent = nullptr);
    // Listens on address:port; the error names the address (in use, not this node's).
    Status listen(const std::string &address, int port);
    int port() const { return m_server.serverPort(); }

private:
    void onConnection();

    std::string m_podLogRoot;
    QTcpServer m_server;
};

} // namespace flowlab::kube::kubelet
