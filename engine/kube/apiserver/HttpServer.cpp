#include "engine/kube/apiserver/HttpServer.h"

#include <QFile>
#include <QHostAddress>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QTcpServer>
#include <QTcpSocket>
#include <cstdio>

namespace flowlab::kube {

const char *reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Request Entity Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

HttpExchange::HttpExchange(QPointer<HttpConnection> connection)
    : m_connection(std::move(connection))
{}

const HttpMessage &HttpExchange::request() const
{
    static const HttpMessage kNone;
    return m_connection ? m_connection->request() : kNone;
}

std::string HttpExchange::peerAddress() const
{
    return m_connection ? m_connection->peerAddress() : std::string();
}

void HttpExchange::respond(int status, const Headers &headers, const std::string &body)
{
    if (m_connection)
        m_connection->respond(status, headers, body);
}

void HttpExchange::startStream(int status, const Headers &headers)
{
    if (m_connection)
        m_connection->startStream(status, headers);
}

void HttpExchange::write(const std::string &chunk)
{
    if (m_connection)
        m_connection->writeChunk(chunk);
}

void HttpExchange::endStream()
{
    if (m_connection)
        m_connection->endStream();
}

bool HttpExchange::clientGone() const
{
    return !m_connection || m_connection->closed();
}

void HttpExchange::onClientGone(std::function<void()> callback)
{
    if (clientGone()) {
        callback();
        return;
    }
    m_connection->setOnClientGone(std::move(callback));
}

HttpServer::HttpServer(HttpHandler handler, QObject *parent)
    : QObject(parent)
    , m_handler(std::move(handler))
{}

HttpServer::~HttpServer() = default;

Status HttpServer::listen(const std::string &address, const std::optional<Tls> &tls)
{
    if (tls) {
        const auto certificates = QSslCertificate::fromPath(QString::fromStdString(tls->certPath));
        if (certificates.isEmpty())
            return Error("serving TLS: no certificate in " + tls->certPath);
        QFile keyFile(QString::fromStdString(tls->keyPath));
        if (!keyFile.open(QIODevice::ReadOnly))
            return Error("serving TLS: reading " + tls->keyPath + ": " +
                         keyFile.errorString().toStdString());
        const QByteArray pem = keyFile.readAll();
        QSslKey key(pem, QSsl::Ec);
        if (key.isNull())
            key = QSslKey(pem, QSsl::Rsa);
        if (key.isNull())
            return Error("serving TLS: no EC or RSA private key in " + tls->keyPath);
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setLocalCertificateChain(certificates);
        configuration.setPrivateKey(key);
        configuration.setProtocol(QSsl::TlsV1_2OrLater);
        configuration.setPeerVerifyMode(QSslSocket::VerifyNone); // clients show tokens, not certs
        auto *server = new QSslServer(this);
        server->setSslConfiguration(configuration);
        m_server = server;
    } else {
        m_server = new QTcpServer(this);
    }
    connect(m_server, &QTcpServer::newConnection, this, &HttpServer::accept);
    // A TLS connection is pending only once its handshake is done.
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &HttpServer::accept);

    const auto colon = address.rfind(':');
    if (colon == std::string::npos)
        return Error("listening on \"" + address + "\": expected HOST:PORT");
    const QHostAddress host(QString::fromStdString(address.substr(0, colon)));
    bool numeric = false;
    const int port = QString::fromStdString(address.substr(colon + 1)).toInt(&numeric);
    if (host.isNull() || !numeric || port < 0 || port > 65535)
        return Error("listening on \"" + address + "\": expected an IP address and a port");
    if (!m_server->listen(host, quint16(port)))
        return Error("listening on " + address + ": " + m_server->errorString().toStdString());
    return success();
}

std::uint16_t HttpServer::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

std::size_t HttpServer::connectionCount() const
{
    return std::size_t(
        findChildren<HttpConnection *>(QString(), Qt::FindDirectChildrenOnly).size());
}

void HttpServer::accept()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection())
        new HttpConnection(socket, m_handler, this);
}

HttpConnection::HttpConnection(QTcpSocket *socket, HttpHandler handler, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_handler(std::move(handler))
    , m_parser(HttpMessageType::Request, HttpServer::kMaxBodyBytes)
{
    m_socket->setParent(this);
    // Watch events are small writes that must leave at once, not wait for Nagle's algorithm.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_parser.setHandlers({.headComplete = nullptr,
                          .bodyData = nullptr,
                          .messageComplete =
                              [this](const HttpMessage &message) {
                                  if (m_busy)
                                      m_queued.push_back(message);
                                  else
                                      dispatch(message);
                              },
                          .rawData = nullptr});
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::readAvailable);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::closeConnection);
}

HttpConnection::~HttpConnection() = default;

std::string HttpConnection::peerAddress() const
{
    QHostAddress address = m_socket->peerAddress();
    bool ok = false;
    const quint32 v4 = address.toIPv4Address(&ok);
    return ok ? QHostAddress(v4).toString().toStdString() : address.toString().toStdString();
}

void HttpConnection::readAvailable()
{
    const QByteArray bytes = m_socket->readAll();
    if (m_closed || bytes.isEmpty())
        return;
    if (Status fed = m_parser.feed(std::string_view(bytes.constData(), std::size_t(bytes.size())));
        !fed) {
        m_keepAlive = false;
        if (m_busy) { // a response is on its way: the client loses it, as it broke the protocol
            closeConnection();
            return;
        }
        m_busy = true;
        respond(400, {{"Content-Type", "text/plain"}},
                "malformed HTTP request: " + fed.error().message() + "\n");
    }
}

void HttpConnection::dispatch(const HttpMessage &request)
{
    m_request = request;
    m_busy = true;
    m_keepAlive = request.keepAlive;
    if (request.bodyTruncated) {
        respond(
            413, {{"Content-Type", "application/json"}},
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
            R"("message":"the request body is larger than 3 MiB","reason":"RequestEntityTooLarge","code":413})");
        return;
    }
    m_handler(std::make_shared<HttpExchange>(QPointer<HttpConnection>(this)));
}

namespace {

std::string head(int status, const HttpExchange::Headers &headers, bool keepAlive)
{
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reasonPhrase(status) + "\r\n";
    for (const auto &[name, value] : headers)
        out += name + ": " + value + "\r\n";
    if (!keepAlive)
        out += "Connection: close\r\n";
    return out;
}

} // namespace

void HttpConnection::respond(int status, const HttpExchange::Headers &headers,
                             const std::string &body)
{
    if (m_closed || !m_busy || m_streaming)
        return;
    std::string out = head(status, headers, m_keepAlive);
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    m_socket->write(out.data(), qint64(out.size()));
    m_socket->write(body.data(), qint64(body.size())); // a large list is not copied again
    finishResponse();
}

void HttpConnection::startStream(int status, const HttpExchange::Headers &headers)
{
    if (m_closed || !m_busy || m_streaming)
        return;
    m_streaming = true;
    std::string out = head(status, headers, m_keepAlive);
    out += "Transfer-Encoding: chunked\r\n\r\n";
    m_socket->write(out.data(), qint64(out.size()));
    m_socket->flush();
}

void HttpConnection::writeChunk(const std::string &chunk)
{
    if (m_closed || !m_streaming || chunk.empty())
        return;
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    std::string out = size;
    out += chunk;
    out += "\r\n";
    m_socket->write(out.data(), qint64(out.size()));
    m_socket->flush();
}

void HttpConnection::endStream()
{
    if (m_closed || !m_streaming)
        return;
    m_socket->write("0\r\n\r\n", 5);
    m_streaming = false;
    m_onClientGone = nullptr;
    finishResponse();
}

void HttpConnection::finishResponse()
{
    m_busy = false;
    if (!m_keepAlive) {
        m_socket->disconnectFromHost();
        return;
    }
    if (!m_queued.empty()) {
        HttpMessage next = std::move(m_queued.front());
        m_queued.erase(m_queued.begin());
        dispatch(next);
    }
}

void HttpConnection::closeConnection()
{
    if (m_closed)
        return;
    m_closed = true;
    if (auto gone = std::move(m_onClientGone))
        gone();
    m_socket->abort();
    deleteLater();
}

} // namespace flowlab::kube
