// HttpTap between a client and a fake dockerd, both on unix sockets in a temporary directory:
// bytes pass unchanged and at once, hijacked sessions keep working, failures are answered,
// and each exchange is recorded.

#include "tracer/taps/HttpTap.h"
#include "tracer/taps/StreamSocket.h"

#include <QLocalServer>
#include <QLocalSocket>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

using namespace flowlab;

namespace {

constexpr int kWaitMs = 10000;

QByteArray chunk(const QByteArray &data)
{
    return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
}

QByteArray frame(char stream, const QByteArray &payload)
{
    QByteArray header(8, '\0');
    header[0] = stream;
    const quint32 size = quint32(payload.size());
    header[4] = char(size >> 24);
    header[5] = char(size >> 16);
    header[6] = char(size >> 8);
    header[7] = char(size);
    return header + payload;
}

QByteArray jsonRequest(const QByteArray &method, const QByteArray &target, const QByteArray &body)
{
    QByteArray head = method + " " + target + " HTTP/1.1\r\nHost: api.moby.localhost\r\n" +
                      "User-Agent: Docker-Client/28.2.2 (linux)\r\n";
    if (!body.isEmpty())
        head += "Content-Type: application/json\r\n";
    return head + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QByteArray jsonResponse(const QByteArray &statusLine, const QByteArray &body)
{
    return "HTTP/1.1 " + statusLine +
           "\r\nApi-Version: 1.47\r\nContent-Type: application/json\r\n" +
           "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

// One end of a connection in the test, collecting what it receives.
class Peer : public QObject
{
public:
    explicit Peer(QLocalSocket *socket, bool readEagerly = true)
        : m_socket(socket)
    {
        m_socket->setParent(this);
        if (readEagerly)
            startReading();
    }

    void startReading()
    {
        connect(m_socket, &QLocalSocket::readyRead, this, [this] { drain(); });
        drain();
    }
    void drain() { m_received += m_socket->readAll(); }
    void write(const QByteArray &bytes)
    {
        m_socket->write(bytes);
        m_socket->flush();
    }
    QLocalSocket *socket() const { return m_socket; }
    const QByteArray &received() const { return m_received; }

private:
    QLocalSocket *m_socket;
    QByteArray m_received;
};

std::unique_ptr<Peer> connectTo(const QString &path)
{
    auto *socket = new QLocalSocket;
    socket->connectToServer(path);
    if (!socket->waitForConnected(kWaitMs)) {
        qWarning() << "connecting to" << path << ":" << socket->errorString();
        delete socket;
        return nullptr;
    }
    return std::make_unique<Peer>(socket);
}

std::unique_ptr<Peer> acceptFrom(QLocalServer &server, bool readEagerly = true)
{
    if (!QTest::qWaitFor([&] { return server.hasPendingConnections(); }, kWaitMs))
        return nullptr;
    return std::make_unique<Peer>(server.nextPendingConnection(), readEagerly);
}

std::vector<Event> eventsWhere(const EventLog &log, const std::string &key,
                               const std::string &value)
{
    std::vector<Event> out;
    for (const Event &event : log.snapshot())
        if (event.attributes.value(key, "") == value)
            out.push_back(event);
    return out;
}

std::vector<Event> eventsOfKind(const EventLog &log, EventKind kind)
{
    std::vector<Event> out;
    for (const Event &event : log.snapshot())
        if (event.kind == kind)
            out.push_back(event);
    return out;
}

// A dockerd stand-in on its own thread with blocking POSIX calls, because QLocalSocket closes
// itself when the peer half-closes and so cannot answer after the client's EOF, which is the
// point of the test. It answers an attach with 101, reads stdin to EOF, then writes one stdout
// frame with what it read and closes.
class ThreadedAttachDaemon
{
public:
    explicit ThreadedAttachDaemon(const std::string &path)
    {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        path.copy(address.sun_path, sizeof address.sun_path - 1);
        m_listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        m_ready = m_listener >= 0 &&
                  ::bind(m_listener, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 &&
                  ::listen(m_listener, 4) == 0;
        if (m_ready)
            m_thread = std::thread([this] { serve(); });
    }
    ~ThreadedAttachDaemon()
    {
        if (m_thread.joinable())
            m_thread.join();
        if (m_listener >= 0)
            ::close(m_listener);
    }
    bool ready() const { return m_ready; }
    // Valid after the thread finished: what the client sent after the upgrade.
    std::string stdinSeen() const { return m_stdin; }
    bool finished() const { return m_finished.load(); }

private:
    bool waitReadable(int fd)
    {
        pollfd p{fd, POLLIN, 0};
        return ::poll(&p, 1, kWaitMs) == 1;
    }

    void serve()
    {
        if (!waitReadable(m_listener)) {
            m_finished = true;
            return;
        }
        const int client = ::accept(m_listener, nullptr, nullptr);
        std::string request;
        char buffer[4096];
        while (request.find("\r\n\r\n") == std::string::npos && waitReadable(client)) {
            const ssize_t n = ::read(client, buffer, sizeof buffer);
            if (n <= 0)
                break;
            request.append(buffer, std::size_t(n));
        }
        const std::string head = "HTTP/1.1 101 UPGRADED\r\nContent-Type: "
                                 "application/vnd.docker.multiplexed-stream\r\n"
                                 "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
        ::send(client, head.data(), head.size(), MSG_NOSIGNAL);
        // Everything after the request head is stdin, up to the client's half-close.
        m_stdin = request.substr(request.find("\r\n\r\n") + 4);
        while (waitReadable(client)) {
            const ssize_t n = ::read(client, buffer, sizeof buffer);
            if (n <= 0)
                break;
            m_stdin.append(buffer, std::size_t(n));
        }
        const QByteArray reply = frame(1, "got " + QByteArray::fromStdString(m_stdin));
        ::send(client, reply.constData(), std::size_t(reply.size()), MSG_NOSIGNAL);
        ::close(client);
        m_finished = true;
    }

    int m_listener = -1;
    bool m_ready = false;
    std::thread m_thread;
    std::string m_stdin;
    std::atomic<bool> m_finished{false};
};

} // namespace

class tst_HttpTap : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void recordsJsonExchange_data();
    void recordsJsonExchange();
    void streamsBeforeTheResponseEnds();
    void upgradedConnectionCarriesBytesBothWays();
    void missingDockerdIsAnswered502_data();
    void missingDockerdIsAnswered502();
    void failedPullIsRecorded_data();
    void failedPullIsRecorded();
    void tapIsTransparent_data();
    void tapIsTransparent();
    void halfCloseKeepsTheReplyPath();
    void slowReaderPausesTheOtherSide();
    void startHandlesTheSocketPath_data();
    void startHandlesTheSocketPath();
    void dockerCliTalksThroughTheTap();
    void dockerCliPrintsTheBadGatewayMessage();

private:
    QString dockerCli() const { return QStandardPaths::findExecutable("docker"); }
    // Runs the real CLI against the tap with a throwaway config; never a real daemon.
    bool runDocker(const QStringList &arguments, QByteArray *out, QByteArray *err, int *exitCode);

    QString path(const QString &name) const { return m_dir->filePath(name); }
    HttpTapOptions options(const QString &upstream) const
    {
        HttpTapOptions o;
        o.listenPath = path("tap.sock").toStdString();
        o.upstreamPath = upstream.toStdString();
        o.source.node = "flowlab-docker";
        return o;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<QLocalServer> m_dockerd;
    std::unique_ptr<HttpTap> m_tap;
};

void tst_HttpTap::init()
{
    // Short: sun_path holds 108 bytes.
    m_dir = std::make_unique<QTemporaryDir>("/tmp/flowlab-tap-XXXXXX");
    QVERIFY(m_dir->isValid());
    m_dockerd = std::make_unique<QLocalServer>();
    QVERIFY(m_dockerd->listen(path("dockerd.sock")));
    m_log = std::make_unique<EventLog>();
    m_tap = std::make_unique<HttpTap>(*m_log, options(path("dockerd.sock")));
    const Status started = m_tap->start();
    QVERIFY2(started.ok(), started.ok() ? "" : started.error().message().c_str());
}

void tst_HttpTap::cleanup()
{
    m_tap.reset();
    m_dockerd.reset();
    m_log.reset();
    m_dir.reset();
}

void tst_HttpTap::recordsJsonExchange_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<QString>("endpoint");
    QTest::addColumn<QString>("operation");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("requestBody");  // JSON, or empty for none
    QTest::addColumn<QByteArray>("responseBody"); // JSON, or empty for none
    QTest::addColumn<QString>("summary");

    const QByteArray create = R"({"Image":"nginx","Cmd":["nginx","-g","daemon off;"]})";
    const QByteArray created = R"({"Id":"4f1c9a","Warnings":[]})";
    QTest::newRow("create, 201") << jsonRequest("POST", "/v1.47/containers/create?name=web", create)
                                 << jsonResponse("201 Created", created + "\n")
                                 << "/containers/create"
                                 << "ContainerCreate" << 201 << create << created
                                 << "POST /containers/create?name=web → 201 Created";
    QTest::newRow("start, 204") << jsonRequest("POST", "/v1.47/containers/web/start", {})
                                << QByteArray(
                                       "HTTP/1.1 204 No Content\r\nApi-Version: 1.47\r\n\r\n")
                                << "/containers/web/start"
                                << "ContainerStart" << 204 << QByteArray() << QByteArray()
                                << "POST /containers/web/start → 204 No Content";
    QTest::newRow("inspect, 404")
        << jsonRequest("GET", "/v1.47/containers/nope/json", {})
        << jsonResponse("404 Not Found", R"({"message":"No such container: nope"})")
        << "/containers/nope/json"
        << "ContainerInspect" << 404 << QByteArray()
        << QByteArray(R"({"message":"No such container: nope"})")
        << "GET /containers/nope/json → 404 Not Found: No such container: nope";
}

void tst_HttpTap::recordsJsonExchange()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, response);
    QFETCH(QString, endpoint);
    QFETCH(QString, operation);
    QFETCH(int, status);
    QFETCH(QByteArray, requestBody);
    QFETCH(QByteArray, responseBody);
    QFETCH(QString, summary);

    auto client = connectTo(path("tap.sock"));
    QVERIFY(client);
    auto dockerd = acceptFrom(*m_dockerd);
    QVERIFY(dockerd);
    client->write(request);
    QTRY_COMPARE_WITH_TIMEOUT(dockerd->received(), request, kWaitMs);
    dockerd->write(response);
    QTRY_COMPARE_WITH_TIMEOUT(client->received(), response, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_log->size(), std::size_t(2), kWaitMs);

    const std::vector<Event> events = m_log->snapshot();
    const Event &asked = events[0];
    const Event &answered = events[1];
    for (const Event &event : events) {
        QVERIFY(event.kind == EventKind::Api);
        QCOMPARE(event.source.component, std::string("dockerd"));
        QCOMPARE(event.source.node, std::string("flowlab-docker"));
        QCOMPARE(QString::fromStdString(event.attributes["endpoint"]), endpoint);
        QCOMPARE(event.attributes["apiVersion"], "1.47");
        QCOMPARE(QString::fromStdString(event.attributes["operation"]), operation);
    }
    QCOMPARE(asked.attributes["direction"], "request");
    QCOMPARE(answered.attributes["direction"], "response");
    QCOMPARE(answered.attributes["status"], status);
    QCOMPARE(answered.links, std::vector<std::uint64_t>{asked.seq});
    QCOMPARE(QString::fromStdString(answered.summary), summary);
    if (requestBody.isEmpty())
        QVERIFY(!asked.attributes.contains("body"));
    else
        QCOMPARE(asked.attributes["body"], nlohmann::json::parse(requestBody.toStdString()));
    if (responseBody.isEmpty())
        QVERIFY(!answered.attributes.contains("body"));
    else
        QCOMPARE(answered.attributes["body"], nlohmann::json::parse(responseBody.toStdString()));
}

// logs -f: the first chunk must reach the client while dockerd has not sent the rest.
void tst_HttpTap::streamsBeforeTheResponseEnds()
{
    auto client = connectTo(path("tap.sock"));
    QVERIFY(client);
    auto dockerd = acceptFrom(*m_dockerd);
    QVERIFY(dockerd);
    const QByteArray request =
        "GET /v1.47/containers/web/logs?follow=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: x\r\n\r\n";
    client->write(request);
    QTRY_COMPARE_WITH_TIMEOUT(dockerd->received(), request, kWaitMs);

    const QByteArray first = "HTTP/1.1 200 OK\r\nApi-Version: 1.47\r\n"
                             "Content-Type: application/vnd.docker.multiplexed-stream\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n" +
                             chunk(frame(1, "line 1\n"));
    dockerd->write(first);
    QTRY_COMPARE_WITH_TIMEOUT(client->received(), first, kWaitMs);
    // Live viewers see the call while it streams; it has not completed.
    QTRY_COMPARE_WITH_TIMEOUT(eventsWhere(*m_log, "phase", "head").size(), std::size_t(1), kWaitMs);
    QCOMPARE(eventsWhere(*m_log, "phase", "complete").size(), std::size_t(0));

    const QByteArray rest =
        chunk(frame(2, "warning\n")) + chunk(frame(1, "line 2\n")) + "0\r\n\r\n";
    dockerd->write(rest);
    QTRY_COMPARE_WITH_TIMEOUT(client->received(), first + rest, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(eventsWhere(*m_log, "phase", "complete").size(), std::size_t(1),
                              kWaitMs);
    const Event done = eventsWhere(*m_log, "phase", "complete").front();
    QCOMPARE(done.attributes["complete"], true);
    QCOMPARE(done.attributes["streamed"], true);
    QCOMPARE(done.attributes["output"]["stdout"]["text"], "line 1\nline 2\n");
    QCOMPARE(done.attributes["output"]["stderr"]["text"], "warning\n");
}

void tst_HttpTap::upgradedConnectionCarriesBytesBothWays()
{
    QSignalSpy closed(m_tap.get(), &HttpTap::connectionClosed);
    auto client = connectTo(path("tap.sock"));
    QVERIFY(client);
    auto dockerd = acceptFrom(*m_dockerd);
    QVERIFY(dockerd);
    const QByteArray request = "POST /v1.47/containers/web/attach?stderr=1&stdin=1&stdout=1&"
                               "stream=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                               "Upgrade: tcp\r\nContent-Type: text/plain\r\n\r\n";
    client->write(request);
    QTRY_COMPARE_WITH_TIMEOUT(dockerd->received(), request, kWaitMs);
    const QByteArray upgraded = "HTTP/1.1 101 UPGRADED\r\n"
                                "Content-Type: application/vnd.docker.multiplexed-stream\r\n"
                                "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
    dockerd->write(upgraded);
    QTRY_COMPARE_WITH_TIMEOUT(client->received(), upgraded, kWaitMs);

    // Bytes that look like HTTP, and bytes that are not, both pass untouched.
    const QByteArray typed = "GET / HTTP/1.1\r\n\r\n\x03\x04 not http";
    client->write(typed);
    QTRY_COMPARE_WITH_TIMEOUT(dockerd->received(), request + typed, kWaitMs);
    const QByteArray output = frame(1, "root@web:/# ") + frame(2, "bash: GET: not found\n");
    dockerd->write(output);
    QTRY_COMPARE_WITH_TIMEOUT(client->received(), upgraded + output, kWaitMs);

    client->socket()->disconnectFromServer();
    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, kWaitMs);
    QCOMPARE(eventsOfKind(*m_log, EventKind::Log).size(), std::size_t(0));
    const auto head = eventsWhere(*m_log, "phase", "head");
    const auto done = eventsWhere(*m_log, "phase", "complete");
    QCOMPARE(head.size(), std::size_t(1));
    QCOMPARE(done.size(), std::size_t(1));
    QCOMPARE(head.front().attributes["hijacked"], true);
    QCOMPARE(head.front().attributes["status"], 101);
    const nlohmann::json &a = done.front().attributes;
    QCOMPARE(a["hijacked"], true);
    QCOMPARE(a["operation"], "ContainerAttach");
    QCOMPARE(a["input"]["stdin"]["bytes"], typed.size());
    QCOMPARE(a["output"]["stderr"]["text"], "bash: GET: not found\n");
    QCOMPARE(eventsWhere(*m_log, "direction", "request").size(), std::size_t(1));
}

void tst_HttpTap::missingDockerdIsAnswered502_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::newRow("GET /_ping") << QByteArray("GET");
    QTest::newRow("HEAD /_ping") << QByteArray("HEAD");
}

void tst_HttpTap::missingDockerdIsAnswered502()
{
    QFETCH(QByteArray, method);
    m_tap.reset();
    const QString missing = path("missing.sock");
    m_tap = std::make_unique<HttpTap>(*m_log, options(missing));
    QVERIFY(m_tap->start().ok());
    QSignalSpy closed(m_tap.get(), &HttpTap::connectionClosed);

    auto client = connectTo(path("tap.sock"));
    QVERIFY(client);
    client->write(method + " /_ping HTTP/1.1\r\nHost: api.moby.localhost\r\n\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, kWaitMs);
    client->drain();

    HttpMessageParser parser(HttpMessageType::Response);
    parser.expectResponseTo(method.toStdString());
    std::vector<HttpMessage> answers;
    parser.setHandlers(
        {nullptr, nullptr, [&](const HttpMessage &m) { answers.push_back(m); }, nullptr});
    QVERIFY(parser.feed(client->received().toStdString()).ok());
    QCOMPARE(answers.size(), std::size_t(1));
    const HttpMessage &answer = answers.front();
    QCOMPARE(answer.status, 502);
    QCOMPARE(answer.headers.value("Connection").value_or(""), std::string("close"));
    QCOMPARE(answer.headers.value("Content-Type").value_or(""), std::string("application/json"));
    const std::string expected = "flowlab tap: dockerd is not reachable at " +
                                 missing.toStdString() + ": connect: No such file or directory";
    if (method == "HEAD") {
        QCOMPARE(answer.bodyLength, std::uint64_t(0));
        QVERIFY(client->received().endsWith("\r\n\r\n"));
    } else {
        QCOMPARE(nlohmann::json::parse(answer.body)["message"], expected);
    }
    const auto logs = eventsOfKind(*m_log, EventKind::Log);
    QCOMPARE(logs.size(), std::size_t(1));
    QCOMPARE(logs.front().attributes["status"], 502);
    QCOMPARE(logs.front().attributes["method"], method.toStdString());
}

void tst_HttpTap::failedPullIsRecorded_data()
{
    QTest::addColumn<QList<QByteArray>>("messages");
    QTest::addColumn<QString>("error"); // empty: the pull succeeded
    QTest::addColumn<QString>("summary");

    const QByteArray target = "POST /images/create?fromImage=nginx&tag=";
    QTest::newRow("manifest unknown")
        << QList<
               QByteArray>{R"({"status":"Pulling from library/nginx","id":"nope"})",
                           R"({"errorDetail":{"message":"manifest for nginx:nope not found: manifest unknown: manifest unknown"},"error":"manifest for nginx:nope not found: manifest unknown: manifest unknown"})"}
        << "manifest for nginx:nope not found: manifest unknown: manifest unknown"
        << "POST /images/create?fromImage=nginx&tag=nope → 200 (stream, 2 messages), failed: "
           "manifest for nginx:nope not found: manifest unknown: manifest unknown";
    QTest::newRow("errorDetail only")
        << QList<QByteArray>{R"({"status":"Pulling from library/nginx","id":"nope"})",
                             R"({"errorDetail":{"message":"toomanyrequests: rate limit"}})"}
        << "toomanyrequests: rate limit"
        << "POST /images/create?fromImage=nginx&tag=nope → 200 (stream, 2 messages), failed: "
           "toomanyrequests: rate limit";
    QTest::newRow("success")
        << QList<QByteArray>{R"({"status":"Pulling from library/nginx","id":"nope"})",
                             R"({"status":"Pulling fs layer","progressDetail":{},"id":"a2"})",
                             R"({"status":"Status: Downloaded newer image for nginx:nope"})"}
        << QString() << "POST /images/create?fromImage=nginx&tag=nope → 200 (stream, 3 messages)";
}

void tst_HttpTap::failedPullIsRecorded()
{
    QFETCH(QList<QByteArray>, messages);
    QFETCH(QString, error);
    QFETCH(QString, summary);

    auto client = connectTo(path("tap.sock"));
    QVERIFY(client);
    auto dockerd = acceptFrom(*m_dockerd);
    QVERIFY(dockerd);
    client->write(jsonRequest("POST", "/v1.47/images/create?fromImage=nginx&tag=nope", {}));
    QTRY_VERIFY_WITH_TIMEOUT(dockerd->received().endsWith("\r\n\r\n"), kWaitMs);
    QByteArray sent = "HTTP/1.1 200 OK\r\nApi-Version: 1.47\r\nContent-Type: application/json\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n";
    dockerd->write(sent);
    for (const QByteArray &message : messages) {
        // One write per message, as dockerd flushes progress.
        const QByteArray piece = chunk(message + "\r\n");
        sent += piece;
        dockerd->write(piece);
        QTRY_COMPARE_WITH_TIMEOUT(client->received(), sent, kWaitMs);
    }
    dockerd->write("0\r\n\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(eventsWhere(*m_log, "phase", "complete").size(), std::size_t(1),
                              kWaitMs);
    const Event done = eventsWhere(*m_log, "phase", "complete").front();
    QCOMPARE(QString::fromStdString(done.summary), summary);
    QCOMPARE(done.attributes["operation"], "ImageCreate");
    QCOMPARE(done.attributes["messageCount"], messages.size());
    QCOMPARE(done.attributes["body"].size(), std::size_t(messages.size()));
    if (error.isEmpty())
        QVERIFY(!done.attributes.contains("error"));
    else
        QCOMPARE(QString::fromStdString(done.attributes["error"]), error);
}

void tst_HttpTap::tapIsTransparent_data()
{
    QTest::addColumn<QList<QByteArray>>("fromClient");
    QTest::addColumn<QList<QByteArray>>("fromDockerd");
    QTest::addColumn<int>("logEvents");

    const QByteArray chunked = "HTTP/1.1 200 OK\r\nApi-Version: 1.47\r\nContent-Type: "
                               "application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "00003;ext=\"x y\"\r\n[{}\r\n"
                               "1\r\n]\r\n"
                               "0\r\nX-Trailer: t\r\n\r\n";
    QTest::newRow("chunk framing, extensions and trailers, cut mid-size")
        << QList<QByteArray>{"GET /v1.47/images/json HTTP/1.1\r\nHost: x\r\n\r\n"}
        << QList<QByteArray>{chunked.left(90), chunked.mid(90, 5), chunked.mid(95)} << 0;
    QTest::newRow("pipelined keep-alive")
        << QList<QByteArray>{"HEAD /_ping HTTP/1.1\r\nHost: x\r\n\r\nGET /v1.47/info "
                             "HTTP/1.1\r\nHost: x\r\n\r\n",
                             "GET /v1.47/version HTTP/1.1\r\nHost: x\r\n\r\n"}
        << QList<QByteArray>{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" +
                                 jsonResponse("200 OK", R"({"ID":"x"})"),
                             jsonResponse("200 OK", R"({"Version":"28"})")}
        << 0;
    QByteArray binary(4096, '\0');
    for (int i = 0; i < binary.size(); ++i)
        binary[i] = char(i * 7);
    QTest::newRow("binary upload")
        << QList<
               QByteArray>{"PUT /v1.47/containers/web/archive?path=%2Ftmp HTTP/1.1\r\nHost: "
                           "x\r\nContent-Type: application/x-tar\r\nContent-Length: 4096\r\n\r\n" +
                               binary.left(1000),
                           binary.mid(1000)}
        << QList<QByteArray>{"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"} << 0;
    QTest::newRow("not HTTP at all")
        << QList<QByteArray>{"SSH-2.0-OpenSSH_9.2\r\n", QByteArray("\0\xff\x01", 3)}
        << QList<QByteArray>{QByteArray("garbage\0\xfe", 9)} << 1;
}

void tst_HttpTap::tapIsTransparent()
{
    QFETCH(QList<QByteArray>, fromClient);
    QFETCH(QList<QByteArray>, fromDockerd);
    QFETCH(int, logEvents);

    auto client = connectTo(path("tap.sock"));
    QVERIFY(client);
    auto dockerd = acceptFrom(*m_dockerd);
    QVERIFY(dockerd);
    QByteArray sent;
    for (const QByteArray &piece : fromClient) {
        sent += piece;
        client->write(piece);
        QTRY_COMPARE_WITH_TIMEOUT(dockerd->received(), sent, kWaitMs);
    }
    QByteArray answered;
    for (const QByteArray &piece : fromDockerd) {
        answered += piece;
        dockerd->write(piece);
        QTRY_COMPARE_WITH_TIMEOUT(client->received(), answered, kWaitMs);
    }
    QCOMPARE(eventsOfKind(*m_log, EventKind::Log).size(), std::size_t(logEvents));
}

// `echo hi | docker run -i alpine cat`: the CLI half-closes after stdin and still reads.
void tst_HttpTap::halfCloseKeepsTheReplyPath()
{
    m_tap.reset();
    const QString upstream = path("threaded.sock");
    ThreadedAttachDaemon daemon(upstream.toStdString());
    QVERIFY(daemon.ready());
    m_tap = std::make_unique<HttpTap>(*m_log, options(upstream));
    QVERIFY(m_tap->start().ok());
    QSignalSpy closed(m_tap.get(), &HttpTap::connectionClosed);

    auto client = connectTo(path("tap.sock"));
    QVERIFY(client);
    client->write("POST /v1.47/containers/web/attach?stdin=1&stdout=1&stream=1 HTTP/1.1\r\n"
                  "Host: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client->received().startsWith("HTTP/1.1 101 UPGRADED"), kWaitMs);
    client->write("hi\n");
    QVERIFY(client->socket()->waitForBytesWritten(kWaitMs) ||
            client->socket()->bytesToWrite() == 0);
    QCOMPARE(::shutdown(int(client->socket()->socketDescriptor()), SHUT_WR), 0);

    QTRY_VERIFY_WITH_TIMEOUT(client->received().endsWith(frame(1, "got hi\n")), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(daemon.finished(), kWaitMs);
    QCOMPARE(daemon.stdinSeen(), std::string("hi\n"));
    const auto done = eventsWhere(*m_log, "phase", "complete");
    QCOMPARE(done.size(), std::size_t(1));
    QCOMPARE(done.front().attributes["output"]["stdout"]["text"], "got hi\n");
}

// A client uploading faster than dockerd reads (docker load) must not grow the tap's buffers.
void tst_HttpTap::slowReaderPausesTheOtherSide()
{
    auto client = connectTo(path("tap.sock"));
    QVERIFY(client);
    auto dockerd = acceptFrom(*m_dockerd, /*readEagerly=*/false);
    QVERIFY(dockerd);
    dockerd->socket()->setReadBufferSize(64 * 1024);

    QByteArray payload(8 * 1024 * 1024, '\0');
    for (int i = 0; i < payload.size(); ++i)
        payload[i] = char(i % 251);
    const QByteArray upload = "POST /v1.47/images/load HTTP/1.1\r\nHost: x\r\nContent-Type: "
                              "application/x-tar\r\nContent-Length: " +
                              QByteArray::number(payload.size()) + "\r\n\r\n" + payload;
    client->write(upload);

    QTRY_VERIFY_WITH_TIMEOUT(m_tap->bufferedBytes() > StreamSocket::kHighWater, kWaitMs);
    // Give an unpaused tap every chance to read the rest of the upload.
    QTest::qWait(300);
    QVERIFY2(m_tap->bufferedBytes() <= StreamSocket::kHighWater + 64 * 1024,
             qPrintable(QString::number(m_tap->bufferedBytes())));
    QVERIFY(client->socket()->bytesToWrite() > 0);

    dockerd->socket()->setReadBufferSize(0);
    dockerd->startReading();
    QTRY_COMPARE_WITH_TIMEOUT(dockerd->received().size(), upload.size(), 30000);
    QVERIFY(dockerd->received() == upload);
    QTRY_COMPARE_WITH_TIMEOUT(m_tap->bufferedBytes(), std::size_t(0), kWaitMs);
}

void tst_HttpTap::startHandlesTheSocketPath_data()
{
    QTest::addColumn<QString>("existing"); // what is at the path before start()
    QTest::addColumn<QString>("group");    // "" none, "*" our own primary group
    QTest::addColumn<int>("mode");
    QTest::addColumn<QString>("error"); // expected substring, "" for success

    QTest::newRow("stale socket is replaced") << "stale"
                                              << "" << 0660 << "";
    QTest::newRow("mode is applied") << "none"
                                     << "" << 0600 << "";
    QTest::newRow("own group") << "none"
                               << "*" << 0660 << "";
    QTest::newRow("live socket is refused") << "live"
                                            << "" << 0660 << "another process is listening on";
    QTest::newRow("regular file is refused")
        << "file"
        << "" << 0660 << "exists and is not a socket; not replacing it";
    QTest::newRow("unknown group")
        << "none"
        << "flowlab-no-such-group" << 0660 << "getgrnam_r flowlab-no-such-group: no such group";
}

void tst_HttpTap::startHandlesTheSocketPath()
{
    QFETCH(QString, existing);
    QFETCH(QString, group);
    QFETCH(int, mode);
    QFETCH(QString, error);

    m_tap.reset();
    const QString listen = path("other.sock");
    QLocalServer live;
    if (existing == "stale") {
        // bind() without unlink: the file a crashed tap leaves behind.
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        listen.toStdString().copy(address.sun_path, sizeof address.sun_path - 1);
        QCOMPARE(::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
        ::close(fd);
    } else if (existing == "live") {
        QVERIFY(live.listen(listen));
    } else if (existing == "file") {
        QFile file(listen);
        QVERIFY(file.open(QIODevice::WriteOnly));
    }

    HttpTapOptions o = options(path("dockerd.sock"));
    o.listenPath = listen.toStdString();
    o.mode = mode_t(mode);
    gid_t expectedGid = ::getegid();
    if (group == "*") {
        const ::group *own = ::getgrgid(expectedGid);
        QVERIFY(own);
        o.group = std::string(own->gr_name);
    } else if (!group.isEmpty()) {
        o.group = group.toStdString();
    }
    HttpTap tap(*m_log, o);
    const Status started = tap.start();
    if (!error.isEmpty()) {
        QVERIFY(!started.ok());
        QVERIFY2(QString::fromStdString(started.error().message()).contains(error),
                 started.error().message().c_str());
        QVERIFY(!tap.isListening());
        return;
    }
    QVERIFY2(started.ok(), started.ok() ? "" : started.error().message().c_str());
    struct stat info
    {
    };
    QCOMPARE(::stat(listen.toLocal8Bit().constData(), &info), 0);
    QVERIFY(S_ISSOCK(info.st_mode));
    QCOMPARE(int(info.st_mode & 07777), mode);
    QCOMPARE(info.st_gid, expectedGid);
    auto client = connectTo(listen);
    QVERIFY(client);
}

// Optional sanity check with the real docker CLI against a fake dockerd; no daemon is started.
void tst_HttpTap::dockerCliTalksThroughTheTap()
{
    if (dockerCli().isEmpty())
        QSKIP("docker CLI not installed");

    // A tiny dockerd: /_ping and /version, 404 for anything else.
    std::vector<std::unique_ptr<Peer>> peers;
    std::vector<std::unique_ptr<HttpMessageParser>> parsers;
    QObject scope; // disconnects the fake before the vectors go away
    connect(m_dockerd.get(), &QLocalServer::newConnection, &scope, [&] {
        while (m_dockerd->hasPendingConnections()) {
            auto peer = std::make_unique<Peer>(m_dockerd->nextPendingConnection(), false);
            auto parser = std::make_unique<HttpMessageParser>(HttpMessageType::Request);
            Peer *p = peer.get();
            HttpMessageParser *parsing = parser.get();
            parsing->setHandlers(
                {nullptr, nullptr,
                 [p](const HttpMessage &m) {
                     const QByteArray head = "Api-Version: 1.47\r\nOstype: linux\r\n";
                     QByteArray body;
                     QByteArray status = "200 OK";
                     if (m.path == "/_ping") {
                         body = "OK";
                     } else if (m.path.ends_with("/version")) {
                         body =
                             R"({"Version":"28.2.2-flowlab-fake","ApiVersion":"1.47","MinAPIVersion":"1.24","Os":"linux","Arch":"amd64"})";
                     } else {
                         status = "404 Not Found";
                         body = R"({"message":"page not found"})";
                     }
                     QByteArray response = "HTTP/1.1 " + status + "\r\n" + head +
                                           "Content-Length: " + QByteArray::number(body.size()) +
                                           "\r\n\r\n";
                     if (m.method != "HEAD")
                         response += body;
                     p->write(response);
                 },
                 nullptr});
            connect(p->socket(), &QLocalSocket::readyRead, p, [p, parsing] {
                const QByteArray bytes = p->socket()->readAll();
                (void)parsing->feed(std::string_view(bytes.constData(), bytes.size()));
            });
            peers.push_back(std::move(peer));
            parsers.push_back(std::move(parser));
        }
    });

    QByteArray out;
    QByteArray err;
    int exitCode = -1;
    QVERIFY(runDocker({"version", "--format", "{{.Server.Version}}"}, &out, &err, &exitCode));
    QVERIFY2(exitCode == 0, err.constData());
    QCOMPARE(out.trimmed(), QByteArray("28.2.2-flowlab-fake"));

    QStringList operations;
    for (const Event &event : eventsWhere(*m_log, "phase", "complete"))
        operations << QString::fromStdString(event.attributes.value("operation", "?"));
    QVERIFY2(operations.contains("SystemVersion"), qPrintable(operations.join(',')));
    QVERIFY2(operations.contains("SystemPingHead") || operations.contains("SystemPing"),
             qPrintable(operations.join(',')));
}

// The CLI tries HEAD /_ping, falls back to GET, and prints the JSON "message" of the 502.
void tst_HttpTap::dockerCliPrintsTheBadGatewayMessage()
{
    if (dockerCli().isEmpty())
        QSKIP("docker CLI not installed");
    m_tap.reset();
    const QString missing = path("missing.sock");
    m_tap = std::make_unique<HttpTap>(*m_log, options(missing));
    QVERIFY(m_tap->start().ok());

    QByteArray out;
    QByteArray err;
    int exitCode = 0;
    QVERIFY(runDocker({"info"}, &out, &err, &exitCode));
    QVERIFY(exitCode != 0);
    const QByteArray expected = "flowlab tap: dockerd is not reachable at " + missing.toUtf8() +
                                ": connect: No such file or directory";
    QVERIFY2(err.contains(expected), err.constData());
}

bool tst_HttpTap::runDocker(const QStringList &arguments, QByteArray *out, QByteArray *err,
                            int *exitCode)
{
    QProcess cli;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("DOCKER_HOST", "unix://" + path("tap.sock"));
    env.insert("DOCKER_CONFIG", path("docker-config"));
    env.remove("DOCKER_CONTEXT");
    cli.setProcessEnvironment(env);
    cli.start(dockerCli(), arguments);
    if (!cli.waitForStarted(kWaitMs))
        return false;
    // The tap and the fake dockerd live on this thread: keep the event loop turning.
    if (!QTest::qWaitFor([&] { return cli.state() == QProcess::NotRunning; }, 30000)) {
        cli.kill();
        cli.waitForFinished(kWaitMs);
        return false;
    }
    *out = cli.readAllStandardOutput();
    *err = cli.readAllStandardError();
    *exitCode = cli.exitStatus() == QProcess::NormalExit ? cli.exitCode() : -1;
    return true;
}

QTEST_GUILESS_MAIN(tst_HttpTap)
#include "tst_http_tap.moc"
