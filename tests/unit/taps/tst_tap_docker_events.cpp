// From Docker API bytes to evidence, without sockets: routes, the recorder's event split and
// summaries, stream digests, and redaction of credentials.

#include "tracer/taps/DockerApiEvent.h"
#include "tracer/taps/DockerApiRecorder.h"
#include "tracer/taps/DockerStreamDecoders.h"

#include <QtTest>

using namespace flowlab;

namespace {

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
    return method + " " + target + " HTTP/1.1\r\nHost: api.moby.localhost\r\n" +
           "User-Agent: Docker-Client/28.2.2 (linux)\r\nContent-Type: application/json\r\n" +
           "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QByteArray jsonResponse(const QByteArray &statusLine, const QByteArray &body)
{
    return "HTTP/1.1 " + statusLine +
           "\r\nApi-Version: 1.47\r\nContent-Type: application/json\r\n" +
           "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QByteArray pullStream(const QList<QByteArray> &messages)
{
    QByteArray out = "HTTP/1.1 200 OK\r\nApi-Version: 1.47\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n";
    for (const QByteArray &message : messages)
        out += chunk(message + "\r\n");
    return out + "0\r\n\r\n";
}

// Steps: 'c' client bytes, 'd' dockerd bytes, 'C' client closed, 'D' dockerd closed,
// 'X' connection closed by the client, 'Y' by dockerd.
QByteArray step(char what, const QByteArray &bytes = {})
{
    return QByteArray(1, what) + bytes;
}

std::vector<Event> play(const QList<QByteArray> &steps)
{
    EventLog log;
    DockerApiRecorder recorder(log, 7);
    for (const QByteArray &s : steps) {
        const std::string_view bytes(s.constData() + 1, std::size_t(s.size() - 1));
        switch (s.at(0)) {
        case 'c':
            recorder.clientBytes(bytes);
            break;
        case 'd':
            recorder.daemonBytes(bytes);
            break;
        case 'C':
            recorder.clientClosed();
            break;
        case 'D':
            recorder.daemonClosed();
            break;
        case 'X':
            recorder.connectionClosed("the client closed the connection");
            break;
        case 'Y':
            recorder.connectionClosed("dockerd closed the connection");
            break;
        }
    }
    return log.snapshot();
}

QStringList summaries(const std::vector<Event> &events)
{
    QStringList out;
    for (const Event &event : events)
        out << QString::fromStdString(std::string(toString(event.kind)) + ": " + event.summary);
    return out;
}

const Event *findEvent(const std::vector<Event> &events, const std::string &direction,
                       const std::string &phase = {})
{
    for (const Event &event : events) {
        const auto &a = event.attributes;
        if (a.value("direction", "") == direction &&
            (phase.empty() || a.value("phase", "") == phase))
            return &event;
    }
    return nullptr;
}

const QByteArray kCreateBody = R"({"Image":"nginx","Cmd":["nginx","-g","daemon off;"]})";
const QByteArray kPullError =
    R"({"errorDetail":{"message":"manifest for nginx:nope not found: manifest unknown: manifest unknown"},"error":"manifest for nginx:nope not found: manifest unknown: manifest unknown"})";

} // namespace

class tst_TapDockerEvents : public QObject
{
    Q_OBJECT

private slots:
    void routes_data();
    void routes();
    void recorderEvents_data();
    void recorderEvents();
    void responseLinksRequestAndHead();
    void requestAttributes();
    void failedPullAttributes_data();
    void failedPullAttributes();
    void hijackedSessionAttributes();
    void credentialsAreRedacted();
    void jsonLinesDigestIsBounded();
    void stdioDigest_data();
    void stdioDigest();
    void printableTextReplacesInvalidUtf8();
};

void tst_TapDockerEvents::routes_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("endpoint");
    QTest::addColumn<QString>("apiVersion");
    QTest::addColumn<QString>("operation");

    QTest::newRow("create") << "POST"
                            << "/v1.47/containers/create"
                            << "/containers/create"
                            << "1.47"
                            << "ContainerCreate";
    QTest::newRow("unversioned ping") << "HEAD"
                                      << "/_ping"
                                      << "/_ping"
                                      << ""
                                      << "SystemPingHead";
    QTest::newRow("inspect by id") << "GET"
                                   << "/v1.41/containers/3f2a/json"
                                   << "/containers/3f2a/json"
                                   << "1.41"
                                   << "ContainerInspect";
    QTest::newRow("list is not inspect") << "GET"
                                         << "/v1.47/containers/json"
                                         << "/containers/json"
                                         << "1.47"
                                         << "ContainerList";
    QTest::newRow("image name with slashes") << "GET"
                                             << "/v1.47/images/docker.io/library/nginx:latest/json"
                                             << "/images/docker.io/library/nginx:latest/json"
                                             << "1.47"
                                             << "ImageInspect";
    QTest::newRow("escaped image name") << "DELETE"
                                        << "/v1.47/images/ghcr.io%2Fx%2Fy:1"
                                        << "/images/ghcr.io/x/y:1"
                                        << "1.47"
                                        << "ImageDelete";
    QTest::newRow("method matters") << "GET"
                                    << "/v1.47/containers/create"
                                    << "/containers/create"
                                    << "1.47"
                                    << "";
    QTest::newRow("unknown route is not guessed") << "GET"
                                                  << "/v1.47/plugins/privileges"
                                                  << "/plugins/privileges"
                                                  << "1.47"
                                                  << "";
    QTest::newRow("not a version") << "GET"
                                   << "/vx.1/info"
                                   << "/vx.1/info"
                                   << ""
                                   << "";
}

void tst_TapDockerEvents::routes()
{
    QFETCH(QString, method);
    QFETCH(QString, path);
    QFETCH(QString, endpoint);
    QFETCH(QString, apiVersion);
    QFETCH(QString, operation);

    const DockerApiPath split = splitDockerApiPath(path.toStdString());
    QCOMPARE(QString::fromStdString(split.endpoint), endpoint);
    QCOMPARE(QString::fromStdString(split.apiVersion), apiVersion);
    const DockerApiRoute *route = findDockerApiRoute(method.toStdString(), split.endpoint);
    QCOMPARE(route ? QString::fromUtf8(route->operation.data(), route->operation.size())
                   : QString(),
             operation);
}

void tst_TapDockerEvents::recorderEvents_data()
{
    QTest::addColumn<QList<QByteArray>>("steps");
    QTest::addColumn<QStringList>("expected");

    const QByteArray pullHead = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n";
    const QByteArray pullRequest =
        "POST /v1.47/images/create?fromImage=nginx&tag=latest HTTP/1.1\r\nHost: x\r\n"
        "Content-Length: 0\r\n\r\n";

    QTest::newRow("create, 201")
        << QList<QByteArray>{step('c', jsonRequest("POST", "/v1.47/containers/create?name=web",
                                                   kCreateBody)),
                             step('d',
                                  jsonResponse("201 Created", R"({"Id":"4f1c","Warnings":[]})"))}
        << QStringList{"api: POST /containers/create?name=web",
                       "api: POST /containers/create?name=web → 201 Created"};
    QTest::newRow("404 carries dockerd's message")
        << QList<QByteArray>{step('c',
                                  "GET /v1.47/containers/nope/json HTTP/1.1\r\nHost: x\r\n\r\n"),
                             step('d', jsonResponse("404 Not Found",
                                                    R"({"message":"No such container: nope"})"))}
        << QStringList{"api: GET /containers/nope/json",
                       "api: GET /containers/nope/json → 404 Not Found: No such container: nope"};
    QTest::newRow("pull in one read: no head event")
        << QList<QByteArray>{step('c', pullRequest),
                             step('d', pullStream({R"({"status":"Pulling from library/nginx"})",
                                                   R"({"status":"Digest: sha256:abc"})",
                                                   R"({"status":"Downloaded newer image"})"}))}
        << QStringList{"api: POST /images/create?fromImage=nginx&tag=latest",
                       "api: POST /images/create?fromImage=nginx&tag=latest → 200 (stream, 3 "
                       "messages)"};
    QTest::newRow("pull streaming: head event, then failure")
        << QList<QByteArray>{step('c', pullRequest),
                             step('d', pullHead + chunk(R"({"status":"Pulling"})"
                                                        "\r\n")),
                             step('d', chunk(kPullError + "\r\n") + "0\r\n\r\n")}
        << QStringList{"api: POST /images/create?fromImage=nginx&tag=latest",
                       "api: POST /images/create?fromImage=nginx&tag=latest → 200 OK (streaming)",
                       "api: POST /images/create?fromImage=nginx&tag=latest → 200 (stream, 2 "
                       "messages), failed: manifest for nginx:nope not found: manifest unknown: "
                       "manifest unknown"};
    QTest::newRow("HEAD ping then pipelined GET")
        << QList<QByteArray>{step('c', "HEAD /_ping HTTP/1.1\r\nHost: x\r\n\r\n"
                                       "GET /v1.47/version HTTP/1.1\r\nHost: x\r\n\r\n"),
                             step('d', "HTTP/1.1 200 OK\r\nApi-Version: 1.47\r\n"
                                       "Content-Length: 2\r\n\r\n" +
                                           jsonResponse("200 OK", R"({"Version":"28.2.2"})"))}
        << QStringList{"api: HEAD /_ping", "api: GET /version", "api: HEAD /_ping → 200 OK",
                       "api: GET /version → 200 OK"};
    QTest::newRow("logs -f cut short by the client")
        << QList<QByteArray>{step('c', "GET /v1.47/containers/web/logs?follow=1&stdout=1 "
                                       "HTTP/1.1\r\nHost: x\r\n\r\n"),
                             step('d', "HTTP/1.1 200 OK\r\nContent-Type: "
                                       "application/vnd.docker.multiplexed-stream\r\n"
                                       "Transfer-Encoding: chunked\r\n\r\n" +
                                           chunk(frame(1, "hello\n"))),
                             step('C'), step('X')}
        << QStringList{"api: GET /containers/web/logs?follow=1&stdout=1",
                       "api: GET /containers/web/logs?follow=1&stdout=1 → 200 OK (streaming)",
                       "api: GET /containers/web/logs?follow=1&stdout=1 → 200 (stream, 14 B), "
                       "cut short: the client closed the connection"};
    QTest::newRow("hijacked attach")
        << QList<QByteArray>{step('c', "POST /v1.47/containers/web/attach?stdin=1&stream=1 "
                                       "HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                                       "Upgrade: tcp\r\n\r\n"),
                             step('d', "HTTP/1.1 101 UPGRADED\r\nContent-Type: "
                                       "application/vnd.docker.multiplexed-stream\r\n"
                                       "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"),
                             step('c', "ls\n"),
                             step('d', frame(1, "bin\n")),
                             step('C'),
                             step('D'),
                             step('Y')}
        << QStringList{"api: POST /containers/web/attach?stdin=1&stream=1",
                       "api: POST /containers/web/attach?stdin=1&stream=1 → 101 UPGRADED "
                       "(hijacked)",
                       "api: POST /containers/web/attach?stdin=1&stream=1 → 101 (hijacked, 3 B "
                       "from client, 12 B from dockerd)"};
    QTest::newRow("refused upgrade keeps decoding")
        << QList<QByteArray>{step('c', "POST /v1.47/containers/nope/attach?stream=1 HTTP/1.1\r\n"
                                       "Host: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"),
                             step('d', jsonResponse("404 Not Found",
                                                    R"({"message":"No such container: nope"})")),
                             step('c', "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n"),
                             step('d', "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")}
        << QStringList{"api: POST /containers/nope/attach?stream=1",
                       "api: POST /containers/nope/attach?stream=1 → 404 Not Found: No such "
                       "container: nope",
                       "api: GET /_ping", "api: GET /_ping → 200 OK"};
    QTest::newRow("body until EOF completes when dockerd closes")
        << QList<QByteArray>{step('c', "GET /v1.47/version HTTP/1.1\r\nHost: x\r\n\r\n"),
                             step('d', "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: "
                                       "application/json\r\n\r\n{\"Version\":\"28\"}"),
                             step('D'), step('Y')}
        << QStringList{"api: GET /version", "api: GET /version → 200 OK (streaming)",
                       "api: GET /version → 200 OK"};
    QTest::newRow("request never answered")
        << QList<QByteArray>{step('c', jsonRequest("POST", "/v1.47/containers/create", "{}")),
                             step('D'), step('Y')}
        << QStringList{"api: POST /containers/create",
                       "api: POST /containers/create → no response (dockerd closed the "
                       "connection)"};
    QTest::newRow("request cut short")
        << QList<QByteArray>{step('c', jsonRequest("POST", "/v1.47/containers/create", "{}")
                                           .replace("Content-Length: 2", "Content-Length: 9")),
                             step('C'), step('X')}
        << QStringList{"api: POST /containers/create",
                       "api: POST /containers/create → no response (the client closed the "
                       "connection mid-request)"};
    QTest::newRow("not HTTP: one log event, then silence")
        << QList<QByteArray>{step('c', "SSH-2.0-OpenSSH_9.2\r\n"),
                             step('c', "GET /_ping HTTP/1.1\r\n\r\n"), step('X')}
        << QStringList{"log: connection 7: client bytes are not HTTP, forwarding them without "
                       "decoding: parsing HTTP request at byte 1: http_parser_execute: "
                       "HPE_INVALID_METHOD (invalid HTTP method)"};
}

void tst_TapDockerEvents::recorderEvents()
{
    QFETCH(QList<QByteArray>, steps);
    QFETCH(QStringList, expected);
    QCOMPARE(summaries(play(steps)), expected);
}

void tst_TapDockerEvents::responseLinksRequestAndHead()
{
    const auto events = play({step('c', "GET /v1.47/events HTTP/1.1\r\nHost: x\r\n\r\n"),
                              step('d', "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                        "Transfer-Encoding: chunked\r\n\r\n"),
                              step('d', chunk(R"({"Type":"container","Action":"start"})"
                                              "\n")),
                              step('C'), step('X')});
    const Event *request = findEvent(events, "request");
    const Event *head = findEvent(events, "response", "head");
    const Event *response = findEvent(events, "response", "complete");
    QVERIFY(request && head && response);
    QCOMPARE(head->links, std::vector<std::uint64_t>{request->seq});
    QCOMPARE(response->links, (std::vector<std::uint64_t>{request->seq, head->seq}));
    QCOMPARE(response->attributes["complete"], false);
    QCOMPARE(response->attributes["streamed"], true);
    QCOMPARE(response->attributes["operation"], "SystemEvents");
    QCOMPARE(response->attributes["body"][0]["Action"], "start");
    QCOMPARE(request->source.component, std::string("dockerd"));
    QVERIFY(request->kind == EventKind::Api);
}

void tst_TapDockerEvents::requestAttributes()
{
    const auto events = play(
        {step('c', jsonRequest("POST", "/v1.47/containers/create?name=web&platform=linux%2Famd64",
                               kCreateBody)),
         step('d', jsonResponse("201 Created", R"({"Id":"4f1c","Warnings":[]})"))});
    QCOMPARE(events.size(), std::size_t(2));
    const nlohmann::json &a = events[0].attributes;
    QCOMPARE(a["direction"], "request");
    QCOMPARE(a["method"], "POST");
    QCOMPARE(a["path"], "/v1.47/containers/create");
    QCOMPARE(a["endpoint"], "/containers/create");
    QCOMPARE(a["apiVersion"], "1.47");
    QCOMPARE(a["operation"], "ContainerCreate");
    QCOMPARE(a["query"], (nlohmann::json{{"name", "web"}, {"platform", "linux/amd64"}}));
    QCOMPARE(a["body"], nlohmann::json::parse(kCreateBody.toStdString()));
    QCOMPARE(a["headers"]["User-Agent"], "Docker-Client/28.2.2 (linux)");
    QCOMPARE(a["complete"], true);
    const nlohmann::json &r = events[1].attributes;
    QCOMPARE(r["status"], 201);
    QCOMPARE(r["reason"], "Created");
    QCOMPARE(r["body"]["Id"], "4f1c");
    QCOMPARE(r["streamed"], false);
    QVERIFY(r["durationMs"].get<double>() >= 0);
}

void tst_TapDockerEvents::failedPullAttributes_data()
{
    QTest::addColumn<QByteArray>("errorMessage");
    QTest::addColumn<QString>("error");
    QTest::newRow("error and errorDetail") << kPullError
                                           << "manifest for nginx:nope not found: manifest "
                                              "unknown: manifest unknown";
    QTest::newRow("errorDetail only")
        << QByteArray(R"({"errorDetail":{"code":1,"message":"toomanyrequests: rate limit"}})")
        << "toomanyrequests: rate limit";
}

void tst_TapDockerEvents::failedPullAttributes()
{
    QFETCH(QByteArray, errorMessage);
    QFETCH(QString, error);
    const auto events =
        play({step('c', "POST /v1.47/images/create?fromImage=nginx&tag=nope HTTP/1.1\r\nHost: x\r\n"
                        "Content-Length: 0\r\n\r\n"),
              step('d', pullStream({R"({"status":"Pulling from library/nginx","id":"nope"})",
                                    errorMessage}))});
    const Event *response = findEvent(events, "response", "complete");
    QVERIFY(response);
    const nlohmann::json &a = response->attributes;
    QCOMPARE(QString::fromStdString(a.value("error", "")), error);
    QCOMPARE(a["errorMessage"], nlohmann::json::parse(errorMessage.toStdString()));
    QCOMPARE(a["messageCount"], 2);
    QCOMPARE(a["body"].size(), std::size_t(2));
    QVERIFY2(QString::fromStdString(response->summary).endsWith(", failed: " + error),
             response->summary.c_str());
}

void tst_TapDockerEvents::hijackedSessionAttributes()
{
    // API < 1.42 labels a multiplexed session raw-stream; the digest recognises the frames.
    const auto events =
        play({step('c', "POST /v1.41/exec/e1/start HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                        "Upgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: 13\r\n"
                        "\r\n{\"Tty\":false}"),
              step('d', "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream"
                        "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n" +
                            frame(1, "out\n") + frame(2, "err\n")),
              step('c', "input\n"), step('X')});
    const Event *response = findEvent(events, "response", "complete");
    QVERIFY(response);
    const nlohmann::json &a = response->attributes;
    QCOMPARE(a["hijacked"], true);
    QCOMPARE(a["complete"], true);
    QCOMPARE(a["status"], 101);
    QCOMPARE(a["operation"], "ExecStart");
    QCOMPARE(a["output"]["framing"], "multiplexed");
    QCOMPARE(a["output"]["stdout"]["text"], "out\n");
    QCOMPARE(a["output"]["stderr"]["text"], "err\n");
    QCOMPARE(a["input"]["stdin"]["text"], "input\n");
    QCOMPARE(a["endReason"], "the client closed the connection");
    QCOMPARE(findEvent(events, "request")->attributes["upgradeRequested"], "tcp");
}

void tst_TapDockerEvents::credentialsAreRedacted()
{
    const QByteArray auth = R"({"username":"ada","password":"hunter2","serveraddress":"r.io"})";
    QByteArray request = jsonRequest("POST", "/v1.47/auth", auth);
    request.replace("Host: api.moby.localhost\r\n",
                    "Host: x\r\nX-Registry-Auth: eyJwYXNzd29yZCI6Imh1bnRlcjIifQ==\r\n");
    const auto events = play({step('c', request)});
    QCOMPARE(events.size(), std::size_t(1));
    const std::string dumped = events[0].attributes.dump();
    QVERIFY2(dumped.find("hunter2") == std::string::npos, dumped.c_str());
    QVERIFY2(dumped.find("eyJwYXNzd29yZCI6") == std::string::npos, dumped.c_str());
    QCOMPARE(events[0].attributes["body"]["username"], "ada");
    QCOMPARE(events[0].attributes["body"]["password"], "<redacted>");
    QCOMPARE(events[0].attributes["headers"]["X-Registry-Auth"], "<redacted, 32 bytes>");
}

void tst_TapDockerEvents::jsonLinesDigestIsBounded()
{
    JsonLinesDigest digest(3, 2);
    std::string stream;
    for (int i = 1; i <= 100; ++i)
        stream += R"({"status":"Downloading","n":)" + std::to_string(i) + "}\r\n";
    stream += "not json\n";
    stream += R"({"error":"unexpected EOF"})"; // no final newline
    // Slices that cut lines anywhere.
    for (std::size_t at = 0; at < stream.size(); at += 7)
        digest.feed(std::string_view(stream).substr(at, 7));
    digest.finish();
    QCOMPARE(digest.messageCount(), std::size_t(101));
    QCOMPARE(digest.unparsedLines(), std::size_t(1));
    QCOMPARE(digest.omitted(), std::size_t(96));
    const nlohmann::json kept = digest.messages();
    QCOMPARE(kept.size(), std::size_t(5));
    QCOMPARE(kept[0]["n"], 1);
    QCOMPARE(kept[2]["n"], 3);
    QCOMPARE(kept[3]["n"], 100);
    QCOMPARE(kept[4]["error"], "unexpected EOF");
    QCOMPARE(digest.error().value_or(""), std::string("unexpected EOF"));
}

void tst_TapDockerEvents::stdioDigest_data()
{
    QTest::addColumn<int>("framing");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("json");

    const QByteArray frames = frame(1, "hello ") + frame(2, "oops\n") + frame(1, "world\n");
    QTest::newRow("multiplexed")
        << int(StdioStreamDigest::Framing::Multiplexed) << frames
        << R"({"bytes":41,"frames":3,"framing":"multiplexed","stderr":{"bytes":5,"text":"oops\n"},"stdout":{"bytes":12,"text":"hello world\n"}})";
    QTest::newRow("auto finds frames")
        << int(StdioStreamDigest::Framing::Auto) << frames
        << R"({"bytes":41,"frames":3,"framing":"multiplexed","stderr":{"bytes":5,"text":"oops\n"},"stdout":{"bytes":12,"text":"hello world\n"}})";
    QTest::newRow("auto finds a tty")
        << int(StdioStreamDigest::Framing::Auto) << QByteArray("root@web:/# ls\r\n")
        << R"({"bytes":16,"framing":"raw","stdout":{"bytes":16,"text":"root@web:/# ls\r\n"}})";
    QTest::newRow("short tty output")
        << int(StdioStreamDigest::Framing::Auto) << QByteArray("$ ")
        << R"({"bytes":2,"framing":"raw","stdout":{"bytes":2,"text":"$ "}})";
    QTest::newRow("broken framing is reported, not guessed")
        << int(StdioStreamDigest::Framing::Multiplexed) << frame(1, "ok") + "garbage!"
        << R"({"bytes":18,"frames":1,"framing":"multiplexed","framingError":"unexpected frame header at stream byte 10","stdout":{"bytes":2,"text":"ok"}})";
}

void tst_TapDockerEvents::stdioDigest()
{
    QFETCH(int, framing);
    QFETCH(QByteArray, bytes);
    QFETCH(QString, json);
    // Byte by byte: frame headers split anywhere.
    StdioStreamDigest digest(static_cast<StdioStreamDigest::Framing>(framing));
    for (char c : bytes)
        digest.feed(std::string_view(&c, 1));
    QCOMPARE(QString::fromStdString(digest.toJson().dump()), json);
}

void tst_TapDockerEvents::printableTextReplacesInvalidUtf8()
{
    QCOMPARE(printableText("caf\xc3\xa9", 100), std::string("caf\xc3\xa9"));
    QCOMPARE(printableText("a\xff"
                           "b",
                           100),
             std::string("a\xef\xbf\xbd"
                         "b"));
    QCOMPARE(printableText("\xc0\xaf", 100), std::string("\xef\xbf\xbd\xef\xbf\xbd")); // overlong
    QCOMPARE(printableText("ab\xc3\xa9", 3), std::string("ab")); // never cuts a character
    // Survives nlohmann's strict dump.
    QVERIFY(!nlohmann::json(printableText("\x80\x81 tar", 10)).dump().empty());
}

QTEST_GUILESS_MAIN(tst_TapDockerEvents)
#include "tst_tap_docker_events.moc"
