#include "engine/kube/relay/ApiRelay.h"

#include "tracer/kernel/Netns.h"

#include <QFile>
#include <QHostAddress>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpSocket>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace flowlab::kube {

namespace {

// Reading from one side pauses while the other side has this much still to send.
constexpr qint64 kHighWater = 4 * 1024 * 1024;

std::pair<std::string, int> splitAddress(const std::string &address)
{
    const auto colon = address.rfind(':');
    if (colon == std::string::npos)
        return {address, 0};
    return {address.substr(0, colon), std::atoi(address.c_str() + colon + 1)};
}

} // namespace

Result<int> connectInNetns(const std::string &netnsPath, const std::string &address, int timeoutMs)
{
    const auto [host, port] = splitAddress(address);
    const std::string what = "connecting to " + address + " in " + defaultNetnsLabel(netnsPath);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(std::uint16_t(port));
    if (::inet_pton(AF_INET, host.c_str(), &target.sin_addr) != 1 || port <= 0)
        return Error(what + ": not an IPv4 address and port");
    auto netns = openNetns(netnsPath);
    if (!netns)
        return netns.error().withContext(what);
    // A socket belongs to the netns of the thread that makes it; the connect can then finish
    // from anywhere, but a local lab connects at once or is refused.
    return runInNetns<int>(netns->get(), defaultNetnsLabel(netnsPath), [&]() -> Result<int> {
        UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        if (!fd.valid())
            return Error::fromErrno("socket").withContext(what);
        if (::connect(fd.get(), reinterpret_cast<sockaddr *>(&target), sizeof target) != 0 &&
            errno != EINPROGRESS)
            return Error::fromErrno("connect").withContext(what);
        pollfd waiting{fd.get(), POLLOUT, 0};
        const int ready = ::poll(&waiting, 1, timeoutMs);
        if (ready == 0)
            return Error(what + ": connect: timed out");
        int error = 0;
        socklen_t length = sizeof error;
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
        if (ready < 0 || error != 0)
            return Error("connect", ready < 0 ? errno : error).withContext(what);
        return fd.release();
    });
}

// One kubectl connection: TLS on the client side, plain TCP into the lab.
class ApiRelay::Connection : public QObject
{
public:
    Connection(ApiRelay &relay, quint64 id, QSslSocket *client)
        : m_relay(relay)
        , m_id(id)
        , m_client(client)
        , m_recorder(relay.m_log, id, relay.m_options.source)
    {
        m_client->setParent(this);
        auto fd = connectInNetns(relay.m_options.upstreamNetns, relay.m_options.upstream);
        if (fd) {
            m_upstream = new QTcpSocket(this);
            m_upstream->setSocketDescriptor(*fd);
            connect(m_upstream, &QTcpSocket::readyRead, this, &Connection::fromUpstream);
            connect(m_upstream, &QTcpSocket::bytesWritten, this, &Connection::fromClient);
            connect(m_upstream, &QTcpSocket::disconnected, this,
                    [this] { end("the apiserver closed the connection"); });
        } else {
            m_unreachable = fd.error().message();
        }
        connect(m_client, &QSslSocket::readyRead, this, &Connection::fromClient);
        connect(m_client, &QSslSocket::bytesWritten, this, &Connection::fromUpstream);
        connect(m_client, &QSslSocket::disconnected, this,
                [this] { end("kubectl closed the connection"); });
        fromClient(); // bytes that came with the handshake
    }

private:
    void fromClient()
    {
        if (m_ended)
            return;
        if (!m_upstream) {
            if (m_client->bytesAvailable() == 0)
                return;
            m_client->readAll();
            // kubectl prints a Status message: say what is wrong and what to do.
            const std::string body =
                R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":)" +
                nlohmann::json("flowlab relay: the lab's apiserver is not reachable (" +
                               m_unreachable +
                               "); is the Kubernetes lab up? (flowlab-cli lab up --kube)")
                    .dump() +
                R"(,"reason":"ServiceUnavailable","code":503})";
            const std::string response =
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
                "application/json\r\nConnection: close\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body;
            m_client->write(response.data(), qint64(response.size()));
            m_client->disconnectFromHost();
            return;
        }
        if (m_upstream->bytesToWrite() > kHighWater)
            return; // resumed by bytesWritten
        const QByteArray bytes = m_client->readAll();
        if (bytes.isEmpty())
            return;
        m_upstream->write(bytes);
        m_recorder.clientBytes(std::string_view(bytes.constData(), std::size_t(bytes.size())));
    }

    void fromUpstream()
    {
        if (m_ended || !m_upstream || m_client->bytesToWrite() > kHighWater)
            return;
        const QByteArray bytes = m_upstream->readAll();
        if (bytes.isEmpty())
            return;
        m_client->write(bytes);
        m_recorder.serverBytes(std::string_view(bytes.constData(), std::size_t(bytes.size())));
    }

    void end(const std::string &reason)
    {
        if (m_ended)
            return;
        m_ended = true;
        m_recorder.closed(reason);
        if (m_upstream)
            m_upstream->disconnectFromHost();
        m_client->disconnectFromHost();
        QMetaObject::invokeMethod(
            &m_relay, [relay = &m_relay, id = m_id] { relay->finished(id); }, Qt::QueuedConnection);
    }

    ApiRelay &m_relay;
    quint64 m_id;
    QSslSocket *m_client;
    QTcpSocket *m_upstream = nullptr;
    std::string m_unreachable;
    ApiExchangeRecorder m_recorder;
    bool m_ended = false;
};

ApiRelay::ApiRelay(EventLog &log, ApiRelayOptions options, QObject *parent)
    : QObject(parent)
    , m_log(log)
    , m_options(std::move(options))
{}

ApiRelay::~ApiRelay()
{
    stop();
}

Status ApiRelay::start()
{
    const std::string what = "listening on " + m_options.listen;
    const auto certificates = QSslCertificate::fromPath(QString::fromStdString(m_options.certPath));
    if (certificates.isEmpty())
        return Error(what + ": no certificate in " + m_options.certPath);
    QFile keyFile(QString::fromStdString(m_options.keyPath));
    if (!keyFile.open(QIODevice::ReadOnly))
        return Error(what + ": reading " + m_options.keyPath + ": " +
                     keyFile.errorString().toStdString());
    const QSslKey key(keyFile.readAll(), QSsl::Ec);
    if (key.isNull())
        return Error(what + ": no EC private key in " + m_options.keyPath);
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificateChain(certificates);
    tls.setPrivateKey(key);
    tls.setProtocol(QSsl::TlsV1_2OrLater);
    tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_server = new QSslServer(this);
    m_server->setSslConfiguration(tls);
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &ApiRelay::accept);
    const auto [host, port] = splitAddress(m_options.listen);
    if (!m_server->listen(QHostAddress(QString::fromStdString(host)), quint16(port)))
        return Error(what + ": " + m_server->errorString().toStdString());
    return success();
}

void ApiRelay::stop()
{
    if (m_server)
        m_server->close();
    m_connections.clear();
}

bool ApiRelay::isListening() const
{
    return m_server && m_server->isListening();
}

void ApiRelay::accept()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        auto *client = qobject_cast<QSslSocket *>(socket);
        if (!client) {
            socket->deleteLater();
            continue;
        }
        const quint64 id = m_nextId++;
        m_connections.emplace(id, std::make_unique<Connection>(*this, id, client));
    }
}

void ApiRelay::finished(quint64 id)
{
    m_connections.erase(id);
}

} // namespace flowlab::kube
