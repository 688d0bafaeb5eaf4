// HttpMessageParser: framing of one direction of an HTTP/1.x connection, however the bytes are
// sliced, and the moment a Docker connection stops being HTTP.

#include "tracer/taps/HttpMessageParser.h"

#include <QRandomGenerator>
#include <QtTest>

using namespace flowlab;

Q_DECLARE_METATYPE(flowlab::HttpMessageType)

namespace {

// One line per message, compact enough to compare in a data table.
QString describe(const HttpMessage &m)
{
    QStringList parts;
    if (m.type == HttpMessageType::Request)
        parts << QString::fromStdString(m.method) << QString::fromStdString(m.target);
    else
        parts << QString::number(m.status) << QString::fromStdString(m.reason);
    if (m.bodyLength > 0)
        parts << "body=" + QString::fromStdString(m.body);
    if (m.bodyTruncated)
        parts << QStringLiteral("truncated(%1)").arg(m.bodyLength);
    if (m.upgrade)
        parts << "upgrade";
    return parts.join(' ');
}

struct Collector
{
    QStringList heads;
    QStringList messages;
    QByteArray streamed; // body bytes as bodyData delivered them
    QByteArray raw;

    void attach(HttpMessageParser &parser)
    {
        parser.setHandlers({
            [this](const HttpMessage &m) { heads << describe(m).section(" body=", 0, 0); },
            [this](const HttpMessage &, std::string_view bytes) {
                streamed.append(bytes.data(), qsizetype(bytes.size()));
            },
            [this](const HttpMessage &m) { messages << describe(m); },
            [this](std::string_view bytes) { raw.append(bytes.data(), qsizetype(bytes.size())); },
        });
    }
};

// Slices: the whole input, one byte at a time, or seeded random sizes of 1..9 bytes.
QList<QByteArray> slice(const QByteArray &input, const QString &mode)
{
    QList<QByteArray> slices;
    if (mode == "whole") {
        slices << input;
    } else if (mode == "bytewise") {
        for (char c : input)
            slices << QByteArray(1, c);
    } else {
        QRandomGenerator random(quint32(qHash(input)));
        for (qsizetype at = 0; at < input.size();) {
            const qsizetype size = random.bounded(1, 10);
            slices << input.mid(at, size);
            at += size;
        }
    }
    return slices;
}

QString stateOf(const HttpMessageParser &parser)
{
    const std::string_view name = toString(parser.state());
    return QString::fromLatin1(name.data(), qsizetype(name.size()));
}

// Feeds every slice; returns the first error's message (empty when none).
QString feedAll(HttpMessageParser &parser, const QList<QByteArray> &slices)
{
    QString firstError;
    for (const QByteArray &piece : slices) {
        const Status status = parser.feed(std::string_view(piece.constData(), piece.size()));
        if (!status && firstError.isEmpty())
            firstError = QString::fromStdString(status.error().message());
    }
    return firstError;
}

const QByteArray kChunkedResponse = "HTTP/1.1 200 OK\r\n"
                                    "Content-Type: application/json\r\n"
                                    "Transfer-Encoding: chunked\r\n"
                                    "\r\n"
                                    "5\r\nhello\r\n"
                                    "6;name=value\r\n world\r\n"
                                    "a\r\n{\"n\":12345\r\n"
                                    "0\r\n"
                                    "X-Trailer: done\r\n"
                                    "\r\n";

const QByteArray kChunkedRequest = "POST /v1.47/build?t=web HTTP/1.1\r\n"
                                   "Host: api.moby.localhost\r\n"
                                   "Transfer-Encoding: chunked\r\n"
                                   "\r\n"
                                   "3\r\nabc\r\n"
                                   "1\r\nd\r\n"
                                   "0\r\n\r\n"
                                   "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n";

} // namespace

class tst_HttpParser : public QObject
{
    Q_OBJECT

private slots:
    void framing_data();
    void framing();
    void chunkedSplitAtEveryBoundary_data();
    void chunkedSplitAtEveryBoundary();
    void targetAndQuery_data();
    void targetAndQuery();
    void headerLookupIgnoresCase();
    void bodyDataStreamsBeforeCompletion();
    void finishReportsMessageCutShort();
    void refusedUpgradeResumesHttp();
    void acceptedUpgradeReleasesHeldBytesAsRaw();
    void stdioContentTypes_data();
    void stdioContentTypes();
};

void tst_HttpParser::framing_data()
{
    QTest::addColumn<HttpMessageType>("type");
    QTest::addColumn<QStringList>("requestMethods"); // what the response side was told
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("bodyCap");
    QTest::addColumn<bool>("peerCloses"); // call finish() after the input
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<QString>("state");
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QString>("error");

    struct Row
    {
        const char *name;
        HttpMessageType type;
        QStringList methods;
        QByteArray input;
        int bodyCap;
        bool peerCloses;
        QStringList expected;
        QString state;
        QByteArray raw;
        QString error;
    };
    const auto req = HttpMessageType::Request;
    const auto res = HttpMessageType::Response;
    const int cap = int(HttpMessageParser::kDefaultBodyCap);
    const QByteArray createBody = R"({"Image":"nginx","Cmd":["nginx","-g","daemon off;"]})";
    const QByteArray frame("\x01\0\0\0\0\0\0\x05hello", 13);

    const QList<Row> rows = {
        {"content-length request",
         req,
         {},
         "POST /v1.47/containers/create?name=web HTTP/1.1\r\nHost: api.moby.localhost\r\n"
         "Content-Type: application/json\r\nContent-Length: " +
             QByteArray::number(createBody.size()) + "\r\n\r\n" + createBody,
         cap,
         false,
         {"POST /v1.47/containers/create?name=web body=" + QString(createBody)},
         "http",
         {},
         {}},
        {"chunked response",
         res,
         {"GET"},
         kChunkedResponse,
         cap,
         false,
         {"200 OK body=hello world{\"n\":12345"},
         "http",
         {},
         {}},
        {"pipelined requests",
         req,
         {},
         "HEAD /_ping HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n"
         "POST /v1.47/containers/web/start HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
         cap,
         false,
         {"HEAD /_ping", "GET /_ping", "POST /v1.47/containers/web/start body={}"},
         "http",
         {},
         {}},
        {"HEAD response has no body",
         res,
         {"HEAD", "GET"},
         "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
         "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK",
         cap,
         false,
         {"200 OK", "200 OK body=OK"},
         "http",
         {},
         {}},
        {"204 and 304 have no body",
         res,
         {"DELETE", "GET", "GET"},
         "HTTP/1.1 204 No Content\r\n\r\n"
         "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"
         "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
         cap,
         false,
         {"204 No Content", "304 Not Modified", "200 OK body=x"},
         "http",
         {},
         {}},
        {"100 Continue before the final response",
         res,
         {"POST"},
         "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}",
         cap,
         false,
         {"100 Continue", "201 Created body={}"},
         "http",
         {},
         {}},
        {"Connection: close body runs to EOF",
         res,
         {"GET"},
         "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nline1\nline2\n",
         cap,
         true,
         {"200 OK body=line1\nline2\n"},
         "http",
         {},
         {}},
        {"EOF body is not complete before EOF",
         res,
         {"GET"},
         "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nline1\n",
         cap,
         false,
         {},
         "http",
         {},
         {}},
        {"101 upgrade, then raw bytes are not parsed",
         res,
         {"POST"},
         "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
         "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n" +
             frame + "HTTP/1.1 200 OK\r\n\r\n",
         cap,
         false,
         {"101 UPGRADED upgrade"},
         "raw",
         frame + "HTTP/1.1 200 OK\r\n\r\n",
         {}},
        {"Docker raw-stream hijack without Upgrade",
         res,
         {"POST"},
         "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n"
         "not http\r\n\r\n",
         cap,
         false,
         {"200 OK upgrade"},
         "raw",
         "not http\r\n\r\n",
         {}},
        {"chunked logs with a stdio type stay HTTP",
         res,
         {"GET", "GET"},
         "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
         "Transfer-Encoding: chunked\r\n\r\nd\r\n" +
             frame + "\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK",
         cap,
         false,
         {"200 OK body=" + QString::fromLatin1(frame), "200 OK body=OK"},
         "http",
         {},
         {}},
        {"upgrade request holds later bytes",
         req,
         {},
         "POST /v1.47/containers/web/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: x\r\n"
         "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\nls -l\n",
         cap,
         false,
         {"POST /v1.47/containers/web/attach?stream=1&stdin=1 upgrade"},
         "awaiting-upgrade",
         {},
         {}},
        {"body cap truncates and counts",
         req,
         {},
         "POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789",
         4,
         false,
         {"POST /x body=0123 truncated(10)"},
         "http",
         {},
         {}},
        {"chunked body cap",
         res,
         {"GET"},
         kChunkedResponse,
         3,
         false,
         {"200 OK body=hel truncated(21)"},
         "http",
         {},
         {}},
        {"malformed header",
         req,
         {},
         "GET /x HTTP/1.1\r\nBad Header\r\n\r\n",
         cap,
         false,
         {},
         "failed",
         {},
         "HPE_INVALID_HEADER_TOKEN"},
        {"malformed status",
         res,
         {"GET"},
         "HTTP/1.1 2x0 OK\r\n\r\n",
         cap,
         false,
         {},
         "failed",
         {},
         "HPE_INVALID_STATUS"},
        {"messages before garbage survive",
         req,
         {},
         "GET /a HTTP/1.1\r\nHost: x\r\n\r\nSSH-2.0-OpenSSH_9.2\r\n",
         cap,
         false,
         {"GET /a"},
         "failed",
         {},
         "parsing HTTP request at byte"},
    };
    for (const Row &row : rows)
        for (const char *mode : {"whole", "bytewise", "random"})
            QTest::addRow("%s (%s)", row.name, mode)
                << row.type << row.methods << row.input << row.bodyCap << row.peerCloses
                << row.expected << row.state << row.raw << row.error;
}

void tst_HttpParser::framing()
{
    QFETCH(HttpMessageType, type);
    QFETCH(QStringList, requestMethods);
    QFETCH(QByteArray, input);
    QFETCH(int, bodyCap);
    QFETCH(bool, peerCloses);
    QFETCH(QStringList, expected);
    QFETCH(QString, state);
    QFETCH(QByteArray, raw);
    QFETCH(QString, error);

    const QString mode = QString::fromLatin1(QTest::currentDataTag()).section('(', -1).chopped(1);
    HttpMessageParser parser(type, std::size_t(bodyCap));
    for (const QString &method : requestMethods)
        parser.expectResponseTo(method.toStdString());
    Collector collected;
    collected.attach(parser);

    const QString firstError = feedAll(parser, slice(input, mode));
    if (peerCloses)
        QVERIFY(parser.finish().ok());

    QCOMPARE(collected.messages, expected);
    QCOMPARE(stateOf(parser), state);
    QCOMPARE(collected.raw, raw);
    if (error.isEmpty()) {
        QCOMPARE(firstError, QString());
    } else {
        QVERIFY2(firstError.contains(error), qPrintable(firstError));
        QVERIFY(parser.error().has_value());
    }
}

void tst_HttpParser::chunkedSplitAtEveryBoundary_data()
{
    QTest::addColumn<HttpMessageType>("type");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("response with extension and trailer")
        << HttpMessageType::Response << kChunkedResponse
        << QStringList{"200 OK body=hello world{\"n\":12345"};
    QTest::newRow("chunked request, then a pipelined one")
        << HttpMessageType::Request << kChunkedRequest
        << QStringList{"POST /v1.47/build?t=web body=abcd", "GET /_ping"};
}

// Three pieces cut at every pair of positions: every byte boundary, including the ones inside
// chunk-size lines and CRLFs, is crossed at least once.
void tst_HttpParser::chunkedSplitAtEveryBoundary()
{
    QFETCH(HttpMessageType, type);
    QFETCH(QByteArray, input);
    QFETCH(QStringList, expected);

    for (qsizetype first = 0; first <= input.size(); ++first) {
        for (qsizetype second = first; second <= input.size(); ++second) {
            HttpMessageParser parser(type);
            parser.expectResponseTo("GET");
            Collector collected;
            collected.attach(parser);
            const QString error = feedAll(
                parser, {input.left(first), input.mid(first, second - first), input.mid(second)});
            const QString where = QStringLiteral("cut at %1 and %2").arg(first).arg(second);
            QVERIFY2(error.isEmpty(), qPrintable(where + ": " + error));
            QVERIFY2(collected.messages == expected,
                     qPrintable(where + ": " + collected.messages.join(" | ")));
        }
    }
}

void tst_HttpParser::targetAndQuery_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QStringList>("values");

    QTest::newRow("pull") << QByteArray("/v1.47/images/create?fromImage=nginx&tag=latest")
                          << "/v1.47/images/create"
                          << "tag" << QStringList{"latest"};
    QTest::newRow("percent and plus") << QByteArray("/v1.47/containers/json?filters=%7B%22label"
                                                    "%22%3A%5B%22a+b%22%5D%7D")
                                      << "/v1.47/containers/json"
                                      << "filters" << QStringList{R"({"label":["a b"]})"};
    QTest::newRow("repeated key keeps every value")
        << QByteArray("/v1.47/build?t=web:1&t=web:latest&q=1") << "/v1.47/build"
        << "t" << QStringList{"web:1", "web:latest"};
    QTest::newRow("key without value")
        << QByteArray("/v1.47/containers/web/logs?follow&tail=10") << "/v1.47/containers/web/logs"
        << "follow" << QStringList{""};
    QTest::newRow("malformed escape kept as sent") << QByteArray("/x?name=100%25&bad=%zz") << "/x"
                                                   << "bad" << QStringList{"%zz"};
    QTest::newRow("no query") << QByteArray("/_ping") << "/_ping"
                              << "x" << QStringList{};
}

void tst_HttpParser::targetAndQuery()
{
    QFETCH(QByteArray, target);
    QFETCH(QString, path);
    QFETCH(QString, key);
    QFETCH(QStringList, values);

    HttpMessageParser parser(HttpMessageType::Request);
    std::optional<HttpMessage> seen;
    parser.setHandlers({nullptr, nullptr, [&](const HttpMessage &m) { seen = m; }, nullptr});
    const QByteArray request = "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    QVERIFY(parser.feed(request.toStdString()).ok());
    QVERIFY(seen.has_value());
    QCOMPARE(QString::fromStdString(seen->path), path);
    QStringList found;
    const auto [begin, end] = seen->query.equal_range(key.toStdString());
    for (auto it = begin; it != end; ++it)
        found << QString::fromStdString(it->second);
    QCOMPARE(found, values);
    if (!values.isEmpty())
        QCOMPARE(QString::fromStdString(seen->queryValue(key.toStdString()).value()),
                 values.first());
}

void tst_HttpParser::headerLookupIgnoresCase()
{
    HttpMessageParser parser(HttpMessageType::Response);
    parser.expectResponseTo("GET");
    std::optional<HttpMessage> seen;
    parser.setHandlers({nullptr, nullptr, [&](const HttpMessage &m) { seen = m; }, nullptr});
    QVERIFY(parser
                .feed("HTTP/1.1 200 OK\r\nAPI-Version: 1.47\r\ncontent-type:  application/json \r\n"
                      "Content-Length: 0\r\n\r\n")
                .ok());
    QVERIFY(seen.has_value());
    QCOMPARE(seen->headers.value("Api-Version").value_or(""), std::string("1.47"));
    QCOMPARE(seen->headers.value("CONTENT-TYPE").value_or(""), std::string("application/json"));
    QVERIFY(!seen->headers.contains("Docker-Experimental"));
    QCOMPARE(seen->headers.fields().front().first, std::string("API-Version"));
}

// A streamed body reaches bodyData before the message completes: the tap's live view relies
// on it for pull progress and logs -f.
void tst_HttpParser::bodyDataStreamsBeforeCompletion()
{
    HttpMessageParser parser(HttpMessageType::Response);
    parser.expectResponseTo("POST");
    Collector collected;
    collected.attach(parser);
    QVERIFY(parser
                .feed("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n19\r\n{\"status\":\"Pulling fs\"}\r\n\r\n")
                .ok());
    QCOMPARE(collected.heads, QStringList{"200 OK"});
    QCOMPARE(collected.streamed, QByteArray("{\"status\":\"Pulling fs\"}\r\n"));
    QVERIFY(collected.messages.isEmpty());
    QVERIFY(parser.inMessage());
    QVERIFY(parser.feed("0\r\n\r\n").ok());
    QCOMPARE(collected.messages.size(), 1);
    QVERIFY(!parser.inMessage());
}

void tst_HttpParser::finishReportsMessageCutShort()
{
    HttpMessageParser parser(HttpMessageType::Response);
    parser.expectResponseTo("GET");
    QVERIFY(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nabc").ok());
    const Status status = parser.finish();
    QVERIFY(!status.ok());
    QVERIFY2(QString::fromStdString(status.error().message())
                 .contains("connection closed in the middle of an HTTP response body (3 bytes"),
             status.error().message().c_str());
    // Cut short is not "not HTTP": the parser did not fail.
    QCOMPARE(stateOf(parser), QString("http"));
}

void tst_HttpParser::refusedUpgradeResumesHttp()
{
    HttpMessageParser parser(HttpMessageType::Request);
    Collector collected;
    collected.attach(parser);
    QVERIFY(
        parser
            .feed("POST /v1.47/exec/e1/start HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                  "Content-Type: application/json\r\nContent-Length: 13\r\n\r\n"
                  "{\"Tty\":false}GET /_ping HTTP/1.1\r\n")
            .ok());
    QCOMPARE(stateOf(parser), QString("awaiting-upgrade"));
    QCOMPARE(collected.messages,
             QStringList{"POST /v1.47/exec/e1/start body={\"Tty\":false} upgrade"});
    // dockerd answered 404 instead of 101: what the client sent next is HTTP after all.
    QVERIFY(parser.resumeHttp().ok());
    QVERIFY(parser.feed("Host: x\r\n\r\n").ok());
    QCOMPARE(stateOf(parser), QString("http"));
    QCOMPARE(collected.messages.last(), QString("GET /_ping"));
    QVERIFY(collected.raw.isEmpty());
}

void tst_HttpParser::acceptedUpgradeReleasesHeldBytesAsRaw()
{
    HttpMessageParser parser(HttpMessageType::Request);
    Collector collected;
    collected.attach(parser);
    QVERIFY(
        parser
            .feed("POST /v1.47/containers/web/attach?stdin=1 HTTP/1.1\r\nConnection: Upgrade\r\n"
                  "Upgrade: tcp\r\n\r\nfirst ")
            .ok());
    QVERIFY(collected.raw.isEmpty());
    parser.switchToRaw();
    QVERIFY(parser.feed("GET / HTTP/1.1\r\n\r\n").ok());
    QCOMPARE(collected.raw, QByteArray("first GET / HTTP/1.1\r\n\r\n"));
    QCOMPARE(collected.messages.size(), 1);
    QCOMPARE(parser.rawBytes(), std::uint64_t(collected.raw.size()));
}

void tst_HttpParser::stdioContentTypes_data()
{
    QTest::addColumn<QString>("contentType");
    QTest::addColumn<bool>("stdio");
    QTest::newRow("raw") << "application/vnd.docker.raw-stream" << true;
    QTest::newRow("multiplexed") << "application/vnd.docker.multiplexed-stream" << true;
    QTest::newRow("parameters and case") << "Application/VND.Docker.Raw-Stream; charset=x" << true;
    QTest::newRow("json") << "application/json" << false;
    QTest::newRow("empty") << "" << false;
}

void tst_HttpParser::stdioContentTypes()
{
    QFETCH(QString, contentType);
    QFETCH(bool, stdio);
    QCOMPARE(isDockerStdioStream(contentType.toStdString()), stdio);
}

QTEST_GUILESS_MAIN(tst_HttpParser)
#include "tst_http_parser.moc"
