#pragma once

// The lab's front door for kubectl: flowlabd listens on 127.0.0.1:6443 on the host, speaks TLS
// there (kubectl sends its bearer token to TLS servers only), and forwards each connection as
// plain HTTP to the apiserver inside the lab, 192.168.56.100:6443 in flowlab-cp, through a
// socket made in that namespace. It is a relay, like `kubectl port-forward`, not a route: the
// host gains no address and no route into the lab.
//
// On the way it records what kubectl asked and what it got, as "api" events (see
// ApiExchangeRecorder.h), as the Docker API tap does for the docker CLI. Inside the lab the
// same requests travel in clear, so the packet capture shows them too.

#include "engine/kube/relay/ApiExchangeRecorder.h"
#include "tracer/base/Result.h"
#include "tracer/model/EventLog.h"

#include <QObject>
#include <map>
#include <memory>
#include <string>

class QSslServer;

namespace flowlab::kube {

struct ApiRelayOptions
{
    std::string listen = "127.0.0.1:6443";
    std::string certPath; // the apiserver's serving certificate (ClusterPki)
    std::string keyPath;
    std::string upstreamNetns = "/run/netns/flowlab-cp";
    std::string upstream = "192.168.56.100:6443";
    EventSource source{"kube-apiserver", "flowlab-cp", 0, "flowlab-cp"};
};

class ApiRelay : public QObject
{
    Q_OBJECT

public:
    ApiRelay(EventLog &log, ApiRelayOptions options, QObject *parent = nullptr);
    ~ApiRelay() override;

    // Errors name the address: "listening on 127.0.0.1:6443: The bound address is already in use"
    Status start();
    void stop();
    bool isListening() const;
    std::size_t connectionCount() const { return m_connections.size(); }
    const ApiRelayOptions &options() const { return m_options; }

private:
    class Connection;
    void accept();
    void finished(quint64 id);

    EventLog &m_log;
    ApiRelayOptions m_options;
    QSslServer *m_server = nullptr;
    std::map<quint64, std::unique_ptr<Connection>> m_connections;
    quint64 m_nextId = 1;
};

// Connects a TCP socket to `address` ("192.168.56.100:6443") from inside the netns at
// `netnsPath`, and returns it connected (non-blocking from then on). Errors read
// "connecting to 192.168.56.100:6443 in flowlab-cp: Connection refused".
Result<int> connectInNetns(const std::string &netnsPath, const std::string &address,
                           int timeoutMs = 2000);

} // namespace flowlab::kube
