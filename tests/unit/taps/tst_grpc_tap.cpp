// GrpcTap between a real HTTP/2 client and a real HTTP/2 server (libnghttp2 sessions, on unix
// sockets in a temporary directory) that speak gRPC's framing the way dockerd and containerd do:
// bytes pass unchanged, each call is recorded with its method, status and decoded messages, a
// stream that stays open shows up before it ends, and a missing containerd is logged.

#include "Http2TestFrames.h"
#include "tracer/taps/GrpcTap.h"
#include "tracer/taps/GrpcWire.h"
#include "tracer/taps/ProtobufWireDecoder.h"

#include <QLocalServer>
#include <QLocalSocket>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <cstring>
#include <functional>
#include <map>
#include <sys/stat.h>

using namespace flowlab;
using namespace flowlab::test;

namespace {

constexpr int kWaitMs = 10000;

const std::string kCreate = "/containerd.services.tasks.v1.Tasks/Create";
const std::string kDelete = "/containerd.services.tasks.v1.Tasks/Delete";
const std::string kGet = "/containerd.services.containers.v1.Containers/Get";
const std::string kSubscribe = "/containerd.services.events.v1.Events/Subscribe";
const std::string kHealth = "/grpc.health.v1.Health/Check";

// grpc-message's percent-encoding: everything outside printable ASCII, and '%'.
std::string percentEncode(const std::string &text)
{
    std::string out;
    for (unsigned char c : text) {
        if (c >= 0x20 && c <= 0x7e && c != '%') {
            out += char(c);
        } else {
            char escaped[4];
            std::snprintf(escaped, sizeof escaped, "%%%02X", c);
            out += escaped;
        }
    }
    return out;
}

// One end of an HTTP/2 connection driven by a libnghttp2 session over a QLocalSocket: the
// dockerd side (client) or the containerd side (server) of the test.
class Http2Peer : public QObject
{
public:
    struct Stream
    {
        std::int32_t id = 0;
        std::vector<HeaderList> blocks; // header blocks received, in order
        HeaderList building;
        QByteArray received; // DATA received
        bool remoteEnded = false;
        bool closed = false;
        std::uint32_t closeCode = 0;
        // Outgoing DATA, sent as the session's flow control allows.
        QByteArray pending;
        bool endAfterPending = false;
        std::optional<HeaderList> trailers;
        bool deferred = false;

        std::string header(const std::string &name, std::size_t block = 0) const
        {
            if (block >= blocks.size())
                return {};
            for (const auto &[n, v] : blocks[block])
                if (n == name)
                    return v;
            return {};
        }
    };

    std::function<void(Http2Peer &, Stream &)> requestArrived; // server: request headers
    std::function<void(Http2Peer &, Stream &)> requestEnded;   // server: request END_STREAM

    Http2Peer(QLocalSocket *socket, bool server)
        : m_socket(socket)
    {
        m_socket->setParent(this);
        nghttp2_session_callbacks *callbacks = nullptr;
        nghttp2_session_callbacks_new(&callbacks);
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &onBeginHeaders);
        nghttp2_session_callbacks_set_on_header_callback(callbacks, &onHeader);
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &onFrameRecv);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &onDataChunk);
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &onStreamClose);
        if (server)
            nghttp2_session_server_new(&m_session, callbacks, this);
        else
            nghttp2_session_client_new(&m_session, callbacks, this);
        nghttp2_session_callbacks_del(callbacks);

        // Like grpc-go's first SETTINGS; the client asks for a smaller HPACK table than the
        // default, so the server's encoder must announce the change in its first block.
        std::vector<nghttp2_settings_entry> entries;
        if (server)
            entries = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}};
        else
            entries = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                       {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 4 * 1024 * 1024},
                       {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 1024}};
        nghttp2_submit_settings(m_session, NGHTTP2_FLAG_NONE, entries.data(), entries.size());
        connect(m_socket, &QLocalSocket::readyRead, this, [this] { onReadyRead(); });
        flush();
    }
    ~Http2Peer() override { nghttp2_session_del(m_session); }

    std::int32_t request(const HeaderList &headers, const QByteArray &body, bool end)
    {
        std::vector<nghttp2_nv> nva = toNva(headers);
        nghttp2_data_provider provider{};
        provider.read_callback = &readData;
        const std::int32_t id =
            nghttp2_submit_request(m_session, nullptr, nva.data(), nva.size(), &provider, nullptr);
        Stream &s = m_streams[id];
        s.id = id;
        s.pending = body;
        s.endAfterPending = end;
        flush();
        return id;
    }

    // Response headers now; DATA and trailers follow through send().
    void respond(std::int32_t id, const HeaderList &headers)
    {
        std::vector<nghttp2_nv> nva = toNva(headers);
        nghttp2_data_provider provider{};
        provider.read_callback = &readData;
        nghttp2_submit_response(m_session, id, nva.data(), nva.size(), &provider);
        flush();
    }

    // A gRPC error answered at once: one HEADERS frame with END_STREAM.
    void respondTrailersOnly(std::int32_t id, const HeaderList &headers)
    {
        std::vector<nghttp2_nv> nva = toNva(headers);
        nghttp2_submit_response(m_session, id, nva.data(), nva.size(), nullptr);
        flush();
    }

    void send(std::int32_t id, const QByteArray &data, bool end,
              std::optional<HeaderList> trailers = std::nullopt)
    {
        Stream &s = m_streams[id];
        s.pending += data;
        s.endAfterPending = end;
        s.trailers = std::move(trailers);
        if (s.deferred) {
            s.deferred = false;
            nghttp2_session_resume_data(m_session, id);
        }
        flush();
    }

    void reset(std::int32_t id, std::uint32_t code)
    {
        nghttp2_submit_rst_stream(m_session, NGHTTP2_FLAG_NONE, id, code);
        flush();
    }

    Stream *stream(std::int32_t id)
    {
        const auto it = m_streams.find(id);
        return it == m_streams.end() ? nullptr : &it->second;
    }
    const QByteArray &sent() const { return m_sent; }
    const QByteArray &received() const { return m_received; }
    QString error() const { return m_error; }
    QLocalSocket *socket() const { return m_socket; }

private:
    static std::vector<nghttp2_nv> toNva(const HeaderList &headers)
    {
        std::vector<nghttp2_nv> nva;
        for (const auto &[name, value] : headers)
            nva.push_back({reinterpret_cast<std::uint8_t *>(const_cast<char *>(name.data())),
                           reinterpret_cast<std::uint8_t *>(const_cast<char *>(value.data())),
                           name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
        return nva;
    }

    static Http2Peer &self(void *user) { return *static_cast<Http2Peer *>(user); }

    static int onBeginHeaders(nghttp2_session *, const nghttp2_frame *frame, void *user)
    {
        Stream &s = self(user).m_streams[frame->hd.stream_id];
        s.id = frame->hd.stream_id;
        s.building.clear();
        return 0;
    }

    static int onHeader(nghttp2_session *, const nghttp2_frame *frame, const std::uint8_t *name,
                        std::size_t namelen, const std::uint8_t *value, std::size_t valuelen,
                        std::uint8_t, void *user)
    {
        self(user).m_streams[frame->hd.stream_id].building.emplace_back(
            std::string(reinterpret_cast<const char *>(name), namelen),
            std::string(reinterpret_cast<const char *>(value), valuelen));
        return 0;
    }

    static int onFrameRecv(nghttp2_session *, const nghttp2_frame *frame, void *user)
    {
        Http2Peer &peer = self(user);
        const auto it = peer.m_streams.find(frame->hd.stream_id);
        if (frame->hd.stream_id == 0 || it == peer.m_streams.end())
            return 0;
        Stream &s = it->second;
        if (frame->hd.type == NGHTTP2_HEADERS) {
            s.blocks.push_back(std::move(s.building));
            s.building.clear();
            if (s.blocks.size() == 1 && frame->headers.cat == NGHTTP2_HCAT_REQUEST &&
                peer.requestArrived)
                peer.requestArrived(peer, s);
        }
        if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
            (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
            s.remoteEnded = true;
            if (peer.requestEnded)
                peer.requestEnded(peer, s);
        }
        return 0;
    }

    static int onDataChunk(nghttp2_session *, std::uint8_t, std::int32_t id,
                           const std::uint8_t *data, std::size_t len, void *user)
    {
        self(user).m_streams[id].received.append(reinterpret_cast<const char *>(data),
                                                 qsizetype(len));
        return 0;
    }

    static int onStreamClose(nghttp2_session *, std::int32_t id, std::uint32_t code, void *user)
    {
        Stream &s = self(user).m_streams[id];
        s.closed = true;
        s.closeCode = code;
        return 0;
    }

    static ssize_t readData(nghttp2_session *session, std::int32_t id, std::uint8_t *buf,
                            std::size_t length, std::uint32_t *flags, nghttp2_data_source *,
                            void *user)
    {
        Stream &s = self(user).m_streams[id];
        if (s.pending.isEmpty() && !s.endAfterPending) {
            s.deferred = true;
            return NGHTTP2_ERR_DEFERRED;
        }
        const std::size_t n = std::min(length, std::size_t(s.pending.size()));
        std::memcpy(buf, s.pending.constData(), n);
        s.pending.remove(0, qsizetype(n));
        if (s.pending.isEmpty() && s.endAfterPending) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            if (s.trailers) {
                *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
                std::vector<nghttp2_nv> nva = toNva(*s.trailers);
                nghttp2_submit_trailer(session, id, nva.data(), nva.size());
            }
        }
        return ssize_t(n);
    }

    void onReadyRead()
    {
        const QByteArray bytes = m_socket->readAll();
        m_received += bytes;
        const ssize_t used = nghttp2_session_mem_recv(
            m_session, reinterpret_cast<const std::uint8_t *>(bytes.constData()),
            std::size_t(bytes.size()));
        if (used < 0 && m_error.isEmpty())
            m_error = QString("nghttp2_session_mem_recv: ") + nghttp2_strerror(int(used));
        flush();
    }

    void flush()
    {
        for (;;) {
            const std::uint8_t *data = nullptr;
            const ssize_t n = nghttp2_session_mem_send(m_session, &data);
            if (n <= 0)
                break;
            const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(n));
            m_sent += bytes;
            m_socket->write(bytes);
        }
        m_socket->flush();
    }

    QLocalSocket *m_socket;
    nghttp2_session *m_session = nullptr;
    std::map<std::int32_t, Stream> m_streams;
    QByteArray m_sent;
    QByteArray m_received;
    QString m_error;
};

// CreateTaskRequest-like: container_id, a varint, and a nested Mount.
QByteArray createTaskRequest()
{
    return pbBytes(1, "f06be762") + pbVarint(2, 7) +
           pbBytes(3, pbBytes(1, "overlay") + pbBytes(2, "overlay"));
}

// containerd's side of the test: answers by method, as the real one would in outline.
void serveContainerd(Http2Peer &peer, Http2Peer::Stream &s)
{
    const std::string path = s.header(":path");
    const HeaderList ok = {{":status", "200"}, {"content-type", "application/grpc"}};
    if (path == kCreate || path == kHealth) {
        peer.respond(s.id, ok);
        const QByteArray reply =
            path == kCreate ? pbBytes(1, "f06be762") + pbVarint(2, 4242) : pbVarint(1, 1);
        peer.send(s.id, grpcMessage(reply), true, HeaderList{{"grpc-status", "0"}});
    } else if (path == kGet) {
        peer.respondTrailersOnly(s.id,
                                 {{":status", "200"},
                                  {"content-type", "application/grpc"},
                                  {"grpc-status", "5"},
                                  {"grpc-message", percentEncode("container \"x\" not found")}});
    } else if (path == kDelete) {
        peer.respond(s.id, ok);
        peer.send(s.id, {}, true,
                  HeaderList{{"grpc-status", "5"},
                             {"grpc-message", percentEncode("task f06be762: not found — 100%")}});
    }
    // Events/Subscribe: the test answers it step by step.
}

std::vector<Event> grpcEvents(const EventLog &log, const std::string &path,
                              const std::string &phase)
{
    std::vector<Event> out;
    for (const Event &event : log.snapshot())
        if (event.kind == EventKind::Grpc && event.attributes.value("path", "") == path &&
            event.attributes.value("phase", "") == phase)
            out.push_back(event);
    return out;
}

std::size_t logEvents(const EventLog &log)
{
    std::size_t count = 0;
    for (const Event &event : log.snapshot())
        count += event.kind == EventKind::Log;
    return count;
}

} // namespace

class tst_GrpcTap : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void recordsUnaryCalls_data();
    void recordsUnaryCalls();
    void streamShowsUpBeforeItEnds();
    void stoppingTheTapEndsOpenStreams();
    void bytesPassUnchanged();
    void missingContainerdClosesTheClient();
    void socketIsCreatedWithTheMode();
    void decodesProtobufGenerically_data();
    void decodesProtobufGenerically();
    void grpcWireHelpers_data();
    void grpcWireHelpers();

private:
    QString path(const QString &name) const { return m_dir->filePath(name); }
    GrpcTapOptions options(const QString &upstream) const
    {
        GrpcTapOptions o;
        o.listenPath = path("containerd-tap.sock").toStdString();
        o.upstreamPath = upstream.toStdString();
        o.source.node = "flowlab-docker";
        return o;
    }
    // Connects the dockerd side through the tap and accepts the containerd side.
    bool connectPeers();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<QLocalServer> m_containerd;
    std::unique_ptr<GrpcTap> m_tap;
    std::unique_ptr<Http2Peer> m_dockerd;
    std::unique_ptr<Http2Peer> m_server;
};

void tst_GrpcTap::init()
{
    m_dir = std::make_unique<QTemporaryDir>("/tmp/flowlab-grpc-XXXXXX"); // sun_path is short
    QVERIFY(m_dir->isValid());
    m_containerd = std::make_unique<QLocalServer>();
    QVERIFY(m_containerd->listen(path("containerd.sock")));
    m_log = std::make_unique<EventLog>();
    m_tap = std::make_unique<GrpcTap>(*m_log, options(path("containerd.sock")));
    const Status started = m_tap->start();
    QVERIFY2(started.ok(), started.ok() ? "" : started.error().message().c_str());
}

void tst_GrpcTap::cleanup()
{
    m_dockerd.reset();
    m_server.reset();
    m_tap.reset();
    m_containerd.reset();
    m_log.reset();
    m_dir.reset();
}

bool tst_GrpcTap::connectPeers()
{
    auto *socket = new QLocalSocket;
    socket->connectToServer(path("containerd-tap.sock"));
    if (!socket->waitForConnected(kWaitMs)) {
        delete socket;
        return false;
    }
    m_dockerd = std::make_unique<Http2Peer>(socket, false);
    if (!QTest::qWaitFor([&] { return m_containerd->hasPendingConnections(); }, kWaitMs))
        return false;
    m_server = std::make_unique<Http2Peer>(m_containerd->nextPendingConnection(), true);
    m_server->requestEnded = &serveContainerd;
    return true;
}

void tst_GrpcTap::recordsUnaryCalls_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("statusCode");
    QTest::addColumn<QString>("statusName");
    QTest::addColumn<QString>("grpcMessage");
    QTest::addColumn<int>("responseMessages");
    QTest::addColumn<QString>("summaryEnd"); // the summary after "dockerd → containerd: <path> → "

    QTest::newRow("Tasks/Create, OK") << QString::fromStdString(kCreate) << 0 << "OK"
                                      << "" << 1 << "OK (";
    QTest::newRow("Containers/Get, Trailers-Only NotFound")
        << QString::fromStdString(kGet) << 5 << "NotFound"
        << "container \"x\" not found" << 0 << "NotFound: container \"x\" not found (";
    QTest::newRow("Tasks/Delete, NotFound in trailers, percent-encoded UTF-8")
        << QString::fromStdString(kDelete) << 5 << "NotFound"
        << "task f06be762: not found — 100%" << 0 << "NotFound: task f06be762: not found — 100% (";
    QTest::newRow("Health/Check, OK") << QString::fromStdString(kHealth) << 0 << "OK"
                                      << "" << 1 << "OK (";
}

void tst_GrpcTap::recordsUnaryCalls()
{
    QFETCH(QString, path);
    QFETCH(int, statusCode);
    QFETCH(QString, statusName);
    QFETCH(QString, grpcMessage);
    QFETCH(int, responseMessages);
    QFETCH(QString, summaryEnd);

    QVERIFY(connectPeers());
    const QByteArray body = createTaskRequest();
    // Two calls on one connection: the second one's headers come from HPACK's dynamic table.
    const std::int32_t first =
        m_dockerd->request(grpcRequestHeaders(path.toStdString()), test::grpcMessage(body), true);
    QTRY_VERIFY_WITH_TIMEOUT(m_dockerd->stream(first) && m_dockerd->stream(first)->closed, kWaitMs);
    const std::int32_t second =
        m_dockerd->request(grpcRequestHeaders(path.toStdString()), test::grpcMessage(body), true);
    QTRY_VERIFY_WITH_TIMEOUT(m_dockerd->stream(second) && m_dockerd->stream(second)->closed,
                             kWaitMs);
    QCOMPARE(m_dockerd->error(), QString());
    QCOMPARE(m_server->error(), QString());
    QTRY_COMPARE_WITH_TIMEOUT(grpcEvents(*m_log, path.toStdString(), "complete").size(),
                              std::size_t(2), kWaitMs);

    const std::vector<Event> starts = grpcEvents(*m_log, path.toStdString(), "start");
    const std::vector<Event> ends = grpcEvents(*m_log, path.toStdString(), "complete");
    QCOMPARE(starts.size(), std::size_t(2));
    for (std::size_t i = 0; i < 2; ++i) {
        const Event &start = starts[i];
        const Event &end = ends[i];
        QCOMPARE(end.links, std::vector<std::uint64_t>{start.seq});
        QVERIFY(start.seq < end.seq);
        for (const Event *event : {&start, &end}) {
            QCOMPARE(event->source.component, std::string("containerd"));
            QCOMPARE(event->source.node, std::string("flowlab-docker"));
            const nlohmann::json &a = event->attributes;
            QCOMPARE(a["caller"], "dockerd");
            QCOMPARE(QString::fromStdString(a["path"]), path);
            QCOMPARE(QString::fromStdString(a["service"].get<std::string>() + "/" +
                                            a["method"].get<std::string>()),
                     path.mid(1));
            QCOMPARE(a["stream_id"], i == 0 ? first : second);
            QCOMPARE(a["metadata"]["containerd-namespace"], "moby");
            QCOMPARE(a["namespace"], "moby");
            QCOMPARE(a["user_agent"], "grpc-go/1.66.3");
            QCOMPARE(a["timeout"], "9999925u");
            QCOMPARE(a["timeout_ms"].get<double>(), 9999.925);
            QCOMPARE(a["streaming"], false);
            // Headers and the message arrived in one read: the start already shows the message.
            QCOMPARE(a["request_fields"][0]["value"], "f06be762");
        }
        const nlohmann::json &a = end.attributes;
        QCOMPARE(QString::fromStdString(start.summary),
                 QString("dockerd → containerd: %1").arg(path));
        QVERIFY2(QString::fromStdString(end.summary)
                     .startsWith(QString("dockerd → containerd: %1 → %2").arg(path, summaryEnd)),
                 end.summary.c_str());
        QCOMPARE(a["status_code"], statusCode);
        QCOMPARE(QString::fromStdString(a["status_name"]), statusName);
        QCOMPARE(QString::fromStdString(a["grpc_message"]), grpcMessage);
        QCOMPARE(a["complete"], true);
        QCOMPARE(a["http_status"], "200");
        QCOMPARE(a["request_messages"], 1);
        QCOMPARE(a["request_bytes"], body.size());
        QCOMPARE(a["response_messages"], responseMessages);
        QVERIFY(a["duration_ms"].get<double>() >= 0);
        if (path.toStdString() == kCreate) {
            const nlohmann::json pid = {{"field", 2}, {"type", "varint"}, {"value", 4242}};
            QCOMPARE(a["response_fields"][1], pid);
        }
    }
    QCOMPARE(logEvents(*m_log), std::size_t(0));
}

// Events/Subscribe stays open for as long as dockerd runs: it must be visible while open.
void tst_GrpcTap::streamShowsUpBeforeItEnds()
{
    QVERIFY(connectPeers());
    m_server->requestEnded = [](Http2Peer &peer, Http2Peer::Stream &s) {
        if (s.header(":path") == kSubscribe)
            peer.respond(s.id, {{":status", "200"}, {"content-type", "application/grpc"}});
        else
            serveContainerd(peer, s);
    };
    HeaderList headers = grpcRequestHeaders(kSubscribe);
    headers.pop_back(); // no grpc-timeout: it runs until cancelled
    const std::int32_t id =
        m_dockerd->request(headers, grpcMessage(pbBytes(1, "namespace==moby")), true);
    QTRY_COMPARE_WITH_TIMEOUT(grpcEvents(*m_log, kSubscribe, "start").size(), std::size_t(1),
                              kWaitMs);
    const Event start = grpcEvents(*m_log, kSubscribe, "start").front();
    QCOMPARE(start.attributes["streaming"], true);
    QCOMPARE(start.attributes["request_fields"][0]["value"], "namespace==moby");

    // A call on the same connection completes while the stream stays open.
    const std::int32_t create =
        m_dockerd->request(grpcRequestHeaders(kCreate), grpcMessage(createTaskRequest()), true);
    QTRY_VERIFY_WITH_TIMEOUT(m_dockerd->stream(create) && m_dockerd->stream(create)->closed,
                             kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(grpcEvents(*m_log, kCreate, "complete").size(), std::size_t(1),
                              kWaitMs);

    // Two events come down the stream; it is still open.
    const QByteArray envelope = pbBytes(2, "moby") + pbBytes(3, "/tasks/create");
    m_server->send(id, grpcMessage(envelope) + grpcMessage(envelope), false);
    QTRY_COMPARE_WITH_TIMEOUT(m_dockerd->stream(id)->received.size(),
                              2 * grpcMessage(envelope).size(), kWaitMs);
    QCOMPARE(grpcEvents(*m_log, kSubscribe, "complete").size(), std::size_t(0));

    // dockerd cancels the subscription (as on shutdown): a RST_STREAM CANCEL ends the call.
    m_dockerd->reset(id, NGHTTP2_CANCEL);
    QTRY_COMPARE_WITH_TIMEOUT(grpcEvents(*m_log, kSubscribe, "complete").size(), std::size_t(1),
                              kWaitMs);
    const Event end = grpcEvents(*m_log, kSubscribe, "complete").front();
    const nlohmann::json &a = end.attributes;
    QCOMPARE(end.links, std::vector<std::uint64_t>{start.seq});
    QCOMPARE(a["complete"], false);
    QVERIFY(a["status_code"].is_null());
    QCOMPARE(a["reset"]["by"], "dockerd");
    QCOMPARE(a["reset"]["error_name"], "CANCEL");
    QCOMPARE(a["response_messages"], 2);
    QCOMPARE(a["streaming"], true);
    QCOMPARE(a["response_fields"][1]["value"], "/tasks/create");
    QVERIFY2(end.summary.starts_with("dockerd → containerd: " + kSubscribe +
                                     " → reset by dockerd: CANCEL (stream, 2 responses, "),
             end.summary.c_str());
}

void tst_GrpcTap::stoppingTheTapEndsOpenStreams()
{
    QVERIFY(connectPeers());
    m_server->requestEnded = [](Http2Peer &peer, Http2Peer::Stream &s) {
        peer.respond(s.id, {{":status", "200"}, {"content-type", "application/grpc"}});
    };
    m_dockerd->request(grpcRequestHeaders(kSubscribe), grpcMessage({}), true);
    QTRY_COMPARE_WITH_TIMEOUT(grpcEvents(*m_log, kSubscribe, "start").size(), std::size_t(1),
                              kWaitMs);
    QSignalSpy closed(m_tap.get(), &GrpcTap::connectionClosed);
    m_tap->stop();
    QCOMPARE(closed.count(), 1);
    const std::vector<Event> ends = grpcEvents(*m_log, kSubscribe, "complete");
    QCOMPARE(ends.size(), std::size_t(1));
    QCOMPARE(ends[0].attributes["end_reason"], "the tap stopped");
    QVERIFY2(ends[0].summary.find("→ unfinished: the tap stopped (stream, 0 responses") !=
                 std::string::npos,
             ends[0].summary.c_str());
}

void tst_GrpcTap::bytesPassUnchanged()
{
    QVERIFY(connectPeers());
    m_server->requestEnded = [](Http2Peer &peer, Http2Peer::Stream &s) {
        peer.respond(s.id, {{":status", "200"}, {"content-type", "application/grpc"}});
        // Big enough to take several DATA frames and flow-control updates.
        peer.send(s.id, grpcMessage(QByteArray(300 * 1024, 'r')), true,
                  HeaderList{{"grpc-status", "0"}});
    };
    QByteArray upload;
    for (int i = 0; i < 200 * 1024; ++i)
        upload += char(i % 251);
    const std::int32_t id =
        m_dockerd->request(grpcRequestHeaders("/containerd.services.content.v1.Content/Write"),
                           grpcMessage(pbBytes(2, "sha256:ab") + pbBytes(6, upload)), true);
    QTRY_VERIFY_WITH_TIMEOUT(m_dockerd->stream(id) && m_dockerd->stream(id)->closed, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->received(), m_dockerd->sent(), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_dockerd->received(), m_server->sent(), kWaitMs);
    QCOMPARE(m_dockerd->stream(id)->received.size(), 300 * 1024 + 5);

    const auto ends =
        grpcEvents(*m_log, "/containerd.services.content.v1.Content/Write", "complete");
    QCOMPARE(ends.size(), std::size_t(1));
    const nlohmann::json &a = ends[0].attributes;
    QCOMPARE(a["status_name"], "OK");
    QCOMPARE(a["streaming"], true); // Content/Write is a bidirectional stream by its definition
    QCOMPARE(a["response_bytes"], 300 * 1024);
    // The blob is longer than what is kept for decoding: its size still shows.
    QCOMPARE(a["request_fields"][0]["value"], "sha256:ab");
    QCOMPARE(a["request_fields"][1]["length"], upload.size());
    QCOMPARE(a["request_fields"][1]["cut"], true);
    QCOMPARE(a["request_fields_complete"], false);
}

void tst_GrpcTap::missingContainerdClosesTheClient()
{
    m_tap.reset();
    const QString missing = path("missing.sock");
    m_tap = std::make_unique<GrpcTap>(*m_log, options(missing));
    QVERIFY(m_tap->start().ok());
    QSignalSpy closed(m_tap.get(), &GrpcTap::connectionClosed);

    QLocalSocket socket;
    socket.connectToServer(path("containerd-tap.sock"));
    QVERIFY(socket.waitForConnected(kWaitMs));
    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QLocalSocket::UnconnectedState, kWaitMs);

    const std::vector<Event> events = m_log->snapshot();
    QCOMPARE(events.size(), std::size_t(1));
    QVERIFY(events[0].kind == EventKind::Log);
    QCOMPARE(events[0].attributes["level"], "error");
    QCOMPARE(events[0].attributes["upstream"], missing.toStdString());
    QCOMPARE(QString::fromStdString(events[0].summary),
             "dockerd → containerd: connection closed, containerd is not reachable at " + missing +
                 ": connect: No such file or directory");
}

// The listening socket is handled by the proxy HttpTap shares (tested at length in
// tst_http_tap); this checks GrpcTap hands its options on.
void tst_GrpcTap::socketIsCreatedWithTheMode()
{
    m_tap.reset();
    GrpcTapOptions o = options(path("containerd.sock"));
    o.mode = 0600;
    GrpcTap tap(*m_log, o);
    QVERIFY(tap.start().ok());
    QVERIFY(tap.isListening());
    struct stat info
    {
    };
    QCOMPARE(::stat(o.listenPath.c_str(), &info), 0);
    QCOMPARE(int(info.st_mode & 07777), 0600);
    GrpcTap second(*m_log, o);
    const Status refused = second.start();
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message().find("starting the containerd tap on") == 0 &&
                 refused.error().message().find("another process is listening on") !=
                     std::string::npos,
             refused.error().message().c_str());
}

void tst_GrpcTap::decodesProtobufGenerically_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QByteArray>("expected"); // JSON of the fields, or "error: <substring>"

    QTest::newRow("string and varint")
        << pbBytes(1, "f06be762") + pbVarint(2, 7)
        << QByteArray(R"([{"field":1,"type":"string","value":"f06be762"},)"
                      R"({"field":2,"type":"varint","value":7}])");
    QTest::newRow("nested message")
        << pbBytes(3, pbBytes(1, "overlay") + pbVarint(5, 1))
        << QByteArray(R"([{"field":3,"type":"message","fields":[)"
                      R"({"field":1,"type":"string","value":"overlay"},)"
                      R"({"field":5,"type":"varint","value":1}]}])");
    QTest::newRow("binary bytes, fixed32, fixed64, negative int")
        << pbBytes(4, QByteArray("\x00\xff\x10", 3)) + QByteArray("\x2d\x01\x00\x00\x00", 5) +
               QByteArray("\x31\x02\x00\x00\x00\x00\x00\x00\x00", 9) +
               pbVarint(7, std::uint64_t(-1))
        << QByteArray(R"([{"field":4,"type":"bytes","length":3,"hex":"00ff10"},)"
                      R"({"field":5,"type":"fixed32","value":1},)"
                      R"({"field":6,"type":"fixed64","value":2},)"
                      R"({"field":7,"type":"varint","value":18446744073709551615,"signed":-1}])");
    QTest::newRow("empty bytes") << pbBytes(9, {})
                                 << QByteArray(R"([{"field":9,"type":"bytes","length":0}])");
    QTest::newRow("JSON stays text") << pbBytes(2, R"({"ociVersion":"1.2.0"})")
                                     << QByteArray(R"([{"field":2,"type":"string",)"
                                                   R"("value":"{\"ociVersion\":\"1.2.0\"}"}])");
    QTest::newRow("field number 0")
        << QByteArray("\x02\x01x", 3)
        << QByteArray("error: field number 0 is out of range at byte 0");
    QTest::newRow("length past the end") << QByteArray("\x0a\x05"
                                                       "ab",
                                                       4)
                                         << QByteArray("error: length 5 runs past the end");
    QTest::newRow("group wire type")
        << QByteArray("\x0b", 1) << QByteArray("error: wire type 3 of field 1 is not decoded");
}

void tst_GrpcTap::decodesProtobufGenerically()
{
    QFETCH(QByteArray, message);
    QFETCH(QByteArray, expected);
    Result<ProtobufFieldTree> tree =
        decodeProtobufFields(std::string_view(message.constData(), message.size()));
    if (expected.startsWith("error: ")) {
        QVERIFY(!tree.ok());
        QVERIFY2(QString::fromStdString(tree.error().message()).contains(expected.mid(7)),
                 tree.error().message().c_str());
        return;
    }
    QVERIFY2(tree.ok(), tree.ok() ? "" : tree.error().message().c_str());
    QCOMPARE(tree->fields, nlohmann::json::parse(expected.toStdString()));
    QVERIFY(tree->complete);
}

void tst_GrpcTap::grpcWireHelpers_data()
{
    QTest::addColumn<QString>("actual");
    QTest::addColumn<QString>("expected");
    QTest::newRow("status 5") << QString::fromStdString(grpcStatusName(5)) << "NotFound";
    QTest::newRow("status 1 constant")
        << QString::fromStdString(grpcStatusConstant(1)) << "CANCELLED";
    QTest::newRow("unknown status") << QString::fromStdString(grpcStatusName(42)) << "Code(42)";
    QTest::newRow("percent-decoding")
        << QString::fromStdString(decodeGrpcMessageHeader("a%20b%C3%BC%zz%"))
        << QString::fromUtf8("a bü%zz%");
    QTest::newRow("timeout 100m") << QString::number(parseGrpcTimeoutMs("100m").value_or(-1))
                                  << "100";
    QTest::newRow("timeout 2S") << QString::number(parseGrpcTimeoutMs("2S").value_or(-1)) << "2000";
    QTest::newRow("timeout bad unit")
        << QString::number(parseGrpcTimeoutMs("2x").value_or(-1)) << "-1";
    QTest::newRow("timeout too many digits")
        << QString::number(parseGrpcTimeoutMs("123456789S").value_or(-1)) << "-1";
    QTest::newRow("path split")
        << QString::fromStdString(splitGrpcPath(kCreate).value_or(GrpcMethodPath{"?", "?"}).method)
        << "Create";
    QTest::newRow("not a method path")
        << QString::fromStdString(
               splitGrpcPath("/a/b/c").value_or(GrpcMethodPath{"?", "?"}).service)
        << "?";
}

void tst_GrpcTap::grpcWireHelpers()
{
    QFETCH(QString, actual);
    QFETCH(QString, expected);
    QCOMPARE(actual, expected);
}

QTEST_GUILESS_MAIN(tst_GrpcTap)
#include "tst_grpc_tap.moc"
