#include "engine/kube/dns/DnsServer.h"

#include <QNetworkDatagram>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUdpSocket>
#include <arpa/inet.h>
#include <spdlog/spdlog.h>

namespace flowlab::kube::dns {

namespace {

// A client that opens TCP connections and says nothing must not hold sockets for ever
// (RFC 7766 6.2.3 lets servers close idle connections), nor open unboundedly many.
constexpr int kTcpIdleMs = 10000;
constexpr int kMaxTcpConnections = 128;
constexpr std::size_t kMaxMessage = 65535;

std::string bindProblem(const QAbstractSocket::SocketError error, const QString &errorString,
                        const ListenAddress &where, const char *protocol)
{
    const std::string at = where.text() + " (" + protocol + ")";
    switch (error) {
    case QAbstractSocket::AddressInUseError:
        return "listening on " + at +
               ": the address is already in use; another program (another DNS server?) "
               "listens on that port. Stop it, or choose another with --listen";
    case QAbstractSocket::SocketAccessError:
        return "listening on " + at + ": permission denied" +
               (where.port < 1024 ? "; ports below 1024 need root or CAP_NET_BIND_SERVICE" : "");
    case QAbstractSocket::SocketAddressNotAvailableError:
        return "listening on " + at + ": " + where.address.toString().toStdString() +
               " is not an address of this machine (or of this network namespace)";
    default:
        return "listening on " + at + ": " + errorString.toStdString();
    }
}

} // namespace

std::string ListenAddress::text() const
{
    return endpointText(address, port);
}

std::string endpointText(const QHostAddress &address, std::uint16_t port)
{
    QHostAddress shown = address;
    bool mapped = false;
    const quint32 v4 = address.toIPv4Address(&mapped);
    if (mapped && address.protocol() == QAbstractSocket::IPv6Protocol)
        shown = QHostAddress(v4); // ::ffff:10.42.0.7 is 10.42.0.7 to a reader
    const std::string host = shown.toString().toStdString();
    return (shown.protocol() == QAbstractSocket::IPv6Protocol ? "[" + host + "]" : host) + ":" +
           std::to_string(port);
}

Result<ListenAddress> parseListenAddress(const std::string &text)
{
    const auto fail = [&](const std::string &why) {
        return Error("--listen \"" + text + "\": " + why +
                     " (expected ADDRESS:PORT, e.g. 0.0.0.0:53 or [::1]:5353)");
    };
    std::string host = text;
    std::string port;
    if (text.starts_with("[")) {
        const std::size_t close = text.find(']');
        if (close == std::string::npos)
            return fail("an IPv6 address opened with [ is not closed with ]");
        host = text.substr(1, close - 1);
        if (close + 1 < text.size()) {
            if (text[close + 1] != ':')
                return fail("expected : after ]");
            port = text.substr(close + 2);
        }
    } else if (const std::size_t colon = text.rfind(':'); colon != std::string::npos) {
        if (text.find(':') != colon)
            return fail("write an IPv6 address in brackets");
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    ListenAddress address;
    // inet_pton, not QHostAddress alone: it refuses the shorthands ("1.2.3") that
    // inet_aton-style parsers take for other addresses than the one meant.
    in6_addr scratch{};
    const int family = host.find(':') == std::string::npos ? AF_INET : AF_INET6;
    if (::inet_pton(family, host.c_str(), &scratch) != 1 ||
        !address.address.setAddress(QString::fromStdString(host)))
        return fail("\"" + host + "\" is not an IP address");
    if (!port.empty() || text.ends_with(":")) {
        bool numeric = false;
        const uint value = QString::fromStdString(port).toUInt(&numeric);
        if (!numeric || value > 65535)
            return fail("\"" + port + "\" is not a port number (0-65535)");
        address.port = std::uint16_t(value);
    }
    return address;
}

class DnsServer::TcpConnection : public QObject
{
public:
    TcpConnection(DnsServer &server, QTcpSocket *socket)
        : QObject(&server)
        , m_server(server)
        , m_socket(socket)
        , m_client(endpointText(socket->peerAddress(), socket->peerPort()))
    {
        socket->setParent(this);
        ++m_server.m_connections;
        m_idle.setSingleShot(true);
        m_idle.setInterval(kTcpIdleMs);
        connect(&m_idle, &QTimer::timeout, this, [this] { m_socket->disconnectFromHost(); });
        connect(socket, &QTcpSocket::readyRead, this, [this] { readMessages(); });
        connect(socket, &QTcpSocket::disconnected, this, [this] { deleteLater(); });
        m_idle.start();
        readMessages();
    }
    ~TcpConnection() override { --m_server.m_connections; }

private:
    void readMessages()
    {
        m_idle.start();
        m_buffer += m_socket->readAll();
        while (m_buffer.size() >= 2) {
            const auto *raw = reinterpret_cast<const std::uint8_t *>(m_buffer.constData());
            const std::size_t length = std::size_t(raw[0]) << 8 | raw[1];
            if (length == 0) { // no DNS message is empty: this is not a DNS client
                m_socket->abort();
                deleteLater();
                return;
            }
            if (std::size_t(m_buffer.size()) < 2 + length)
                return;
            const std::string response = m_server.exchange(
                std::string_view(m_buffer.constData() + 2, length), Transport::Tcp, m_client);
            m_buffer.remove(0, qsizetype(2 + length));
            if (response.empty() || response.size() > kMaxMessage)
                continue;
            const char prefix[2] = {char(response.size() >> 8), char(response.size() & 0xFF)};
            m_socket->write(prefix, 2);
            m_socket->write(response.data(), qint64(response.size()));
        }
    }

    DnsServer &m_server;
    QTcpSocket *m_socket;
    std::string m_client;
    QByteArray m_buffer;
    QTimer m_idle;
};

DnsServer::DnsServer(const DnsResponder &responder, EvidenceSink evidence, QObject *parent)
    : QObject(parent)
    , m_responder(responder)
    , m_evidence(std::move(evidence))
{}

DnsServer::~DnsServer()
{
    // The TCP connections are our only QObject children; they count themselves out in
    // m_connections, so they go while this object is still whole.
    const QObjectList connections = children();
    for (QObject *connection : connections)
        delete connection;
}

Status DnsServer::listen(const ListenAddress &address)
{
    // For port 0, the port UDP was given may be taken for TCP: try a few.
    const int attempts = address.port == 0 ? 20 : 1;
    Status bound = success();
    for (int i = 0; i < attempts; ++i) {
        bound = bindBoth(address);
        if (bound)
            break;
    }
    if (!bound)
        return bound;
    connect(m_udp.get(), &QUdpSocket::readyRead, this, &DnsServer::readDatagrams);
    connect(m_tcp.get(), &QTcpServer::newConnection, this, &DnsServer::acceptConnections);
    return success();
}

Status DnsServer::bindBoth(const ListenAddress &address)
{
    m_udp = std::make_unique<QUdpSocket>();
    m_tcp = std::make_unique<QTcpServer>();
    // DontShareAddress: without it, Qt sets SO_REUSEADDR, and on Linux two UDP sockets with
    // it may bind one port; a second DNS server would then go unnoticed instead of refused.
    if (!m_udp->bind(address.address, address.port, QAbstractSocket::DontShareAddress))
        return Error(bindProblem(m_udp->error(), m_udp->errorString(), address, "UDP"));
    m_port = m_udp->localPort();
    if (!m_tcp->listen(address.address, m_port)) {
        ListenAddress tcpAddress = address;
        tcpAddress.port = m_port;
        return Error(bindProblem(m_tcp->serverError(), m_tcp->errorString(), tcpAddress, "TCP"));
    }
    return success();
}

std::string DnsServer::exchange(std::string_view message, Transport transport,
                                const std::string &client)
{
    Exchange done = m_responder.respond(message, transport, client);
    if (done.answered)
        ++m_answered;
    else
        ++m_dropped;
    spdlog::debug("{}", done.evidence.summary);
    if (m_evidence)
        m_evidence(std::move(done.evidence));
    return done.answered ? std::move(done.response) : std::string();
}

void DnsServer::readDatagrams()
{
    while (m_udp->hasPendingDatagrams()) {
        const QNetworkDatagram datagram = m_udp->receiveDatagram(qint64(kMaxMessage));
        if (!datagram.isValid())
            continue;
        const QByteArray data = datagram.data();
        const std::string response =
            exchange(std::string_view(data.constData(), std::size_t(data.size())), Transport::Udp,
                     endpointText(datagram.senderAddress(), std::uint16_t(datagram.senderPort())));
        if (!response.empty())
            m_udp->writeDatagram(response.data(), qint64(response.size()), datagram.senderAddress(),
                                 quint16(datagram.senderPort()));
    }
}

void DnsServer::acceptConnections()
{
    while (QTcpSocket *socket = m_tcp->nextPendingConnection()) {
        if (m_connections >= kMaxTcpConnections) {
            spdlog::warn("refusing a TCP connection from {}: {} are open already",
                         endpointText(socket->peerAddress(), socket->peerPort()), m_connections);
            socket->abort();
            socket->deleteLater();
            continue;
        }
        new TcpConnection(*this, socket);
    }
}

} // namespace flowlab::kube::dns
