#pragma once

// The sockets of the cluster DNS server: UDP, and TCP with its two-byte length prefix
// (RFC 1035 4.2.2, RFC 7766), on one address and port. Each message goes to a DnsResponder;
// each exchange's evidence goes to a sink (the program's evidence log, or a test's vector).

#include "engine/kube/dns/DnsResponder.h"
#include "tracer/base/Result.h"

#include <QHostAddress>
#include <QObject>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

class QTcpServer;
class QUdpSocket;

namespace flowlab::kube::dns {

struct ListenAddress
{
    QHostAddress address;
    std::uint16_t port = 53;
    std::string text() const; // "0.0.0.0:53", "[::1]:5353"
};

// "ADDR:PORT", "[IPV6]:PORT", or "ADDR" alone (port 53). Port 0 picks a free port.
Result<ListenAddress> parseListenAddress(const std::string &text);

class DnsServer : public QObject
{
    Q_OBJECT

public:
    using EvidenceSink = std::function<void(Event)>;

    DnsServer(const DnsResponder &responder, EvidenceSink evidence, QObject *parent = nullptr);
    ~DnsServer() override;

    // Binds UDP and TCP to the same address and port; for port 0, a free port for both.
    Status listen(const ListenAddress &address);
    std::uint16_t port() const { return m_port; }

    // How many messages were answered and dropped, for the log at exit.
    std::uint64_t answered() const { return m_answered; }
    std::uint64_t dropped() const { return m_dropped; }

private:
    class TcpConnection;

    Status bindBoth(const ListenAddress &address);
    void readDatagrams();
    void acceptConnections();
    // Answers one message; returns the response bytes (empty: nothing to send).
    std::string exchange(std::string_view message, Transport transport, const std::string &client);

    const DnsResponder &m_responder;
    EvidenceSink m_evidence;
    std::unique_ptr<QUdpSocket> m_udp;
    std::unique_ptr<QTcpServer> m_tcp;
    std::uint16_t m_port = 0;
    int m_connections = 0;
    std::uint64_t m_answered = 0;
    std::uint64_t m_dropped = 0;
};

// "10.42.0.7:40312", "[fd00::7]:40312".
std::string endpointText(const QHostAddress &address, std::uint16_t port);

} // namespace flowlab::kube::dns
