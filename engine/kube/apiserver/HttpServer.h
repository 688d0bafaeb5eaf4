#pragma once

// The apiserver's HTTP/1.1 server: plain HTTP, so that a capture in the lab shows every request
// kubectl and the controllers make. One request at a time per connection, kept alive between
// requests; a response is either whole (Content-Length) or streamed with chunked transfer
// encoding, as watches are. Requests are parsed by the same parser the taps use.

#include "tracer/taps/HttpMessageParser.h"

#include <QObject>
#include <QPointer>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class QTcpServer;
class QTcpSocket;

namespace flowlab::kube {

class HttpConnection;

// How a handler answers one request. Either respond() once, or startStream(), then write()
// any number of times, then endStream(). A streamed response learns of a client that went away
// through onClientGone; writes after that are dropped.
class HttpExchange
{
public:
    explicit HttpExchange(QPointer<HttpConnection> connection);

    const HttpMessage &request() const;
    std::string peerAddress() const; // "192.168.56.2"

    using Headers = std::vector<std::pair<std::string, std::string>>;
    void respond(int status, const Headers &headers, const std::string &body);
    void startStream(int status, const Headers &headers);
    void write(const std::string &chunk);
    void endStream();
    bool clientGone() const;
    // Called once if the client closes the connection while the response streams.
    void onClientGone(std::function<void()> callback);

private:
    QPointer<HttpConnection> m_connection;
};

using HttpHandler = std::function<void(std::shared_ptr<HttpExchange>)>;

class HttpServer : public QObject
{
    Q_OBJECT

public:
    // Request bodies above this get 413, as the real apiserver's 3 MiB limit.
    static constexpr std::size_t kMaxBodyBytes = 3 * 1024 * 1024;

    explicit HttpServer(HttpHandler handler, QObject *parent = nullptr);
    ~HttpServer() override;

    // PEM files for HTTPS. Inside the lab the apiserver speaks plain HTTP; TLS is for where
    // kubectl connects directly (it sends its token to TLS servers only).
    struct Tls
    {
        std::string certPath;
        std::string keyPath;
    };

    // "192.168.56.100:6443" or "127.0.0.1:0" (any free port). Errors name the address.
    Status listen(const std::string &address, const std::optional<Tls> &tls = std::nullopt);
    std::uint16_t port() const;
    std::size_t connectionCount() const;

private:
    void accept();

    HttpHandler m_handler;
    QTcpServer *m_server = nullptr;
};

// One client connection: parses its requests and writes the responses, one at a time.
class HttpConnection : public QObject
{
    Q_OBJECT

public:
    HttpConnection(QTcpSocket *socket, HttpHandler handler, QObject *parent);
    ~HttpConnection() override;

    const HttpMessage &request() const { return m_request; }
    std::string peerAddress() const;
    void respond(int status, const HttpExchange::Headers &headers, const std::string &body);
    void startStream(int status, const HttpExchange::Headers &headers);
    void writeChunk(const std::string &chunk);
    void endStream();
    bool closed() const { return m_closed; }
    void setOnClientGone(std::function<void()> callback) { m_onClientGone = std::move(callback); }

private:
    void readAvailable();
    void dispatch(const HttpMessage &request);
    void finishResponse();
    void closeConnection();

    QTcpSocket *m_socket;
    HttpHandler m_handler;
    HttpMessageParser m_parser;
    std::vector<HttpMessage> m_queued; // pipelined requests waiting for the current response
    HttpMessage m_request;
    bool m_busy = false;
    bool m_streaming = false;
    bool m_closed = false;
    bool m_keepAlive = true;
    std::function<void()> m_onClientGone;
};

// "Not Found" for 404 and so on: the reason phrase for a status line.
const char *reasonPhrase(int status);

} // namespace flowlab::kube
