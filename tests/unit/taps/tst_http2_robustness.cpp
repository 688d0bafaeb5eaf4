// Fuzz-style robustness of the containerd tap's decoders, with fixed seeds and bounded
// iterations: random bytes and mutated valid streams go through Http2FrameParser, the
// GrpcCallRecorder and the protobuf decoder. Nothing may crash or read out of bounds (run under
// ASan to see the latter), an error leaves the parser Failed, and every event recorded must
// still serialise as JSON (valid UTF-8 whatever the bytes were).

#include "Http2TestFrames.h"
#include "tracer/taps/GrpcCallRecorder.h"
#include "tracer/taps/Http2FrameParser.h"
#include "tracer/taps/ProtobufWireDecoder.h"

#include <QtTest>
#include <spdlog/spdlog.h>

using namespace flowlab;
using namespace flowlab::test;

namespace {

constexpr int kIterations = 1500;

QByteArray randomBytes(QRandomGenerator &random, int maxSize)
{
    QByteArray out(random.bounded(0, maxSize + 1), '\0');
    for (char &c : out)
        c = char(random.bounded(256));
    return out;
}

// A valid exchange on one connection: a unary call, an error, and a stream left open.
std::pair<QByteArray, QByteArray> validExchange()
{
    HpackEncoder clientHpack;
    HpackEncoder serverHpack;
    QByteArray client = QByteArray(kHttp2ClientPreface.data(), 24) + settings({});
    QByteArray server = settings({}) + settingsAck();
    const QByteArray message = pbBytes(1, "f06be762") + pbVarint(2, 7) +
                               pbBytes(3, pbBytes(1, "overlay") + pbBytes(2, "overlay"));
    client +=
        frame(0x1, 0x4, 1,
              clientHpack.encode(grpcRequestHeaders("/containerd.services.tasks.v1.Tasks/Create")));
    client += frame(0x0, 0x1, 1, grpcMessage(message));
    client += frame(
        0x1, 0x4, 3,
        clientHpack.encode(grpcRequestHeaders("/containerd.services.events.v1.Events/Subscribe")));
    client += frame(0x0, 0x1, 3, grpcMessage(pbBytes(1, "namespace==moby")));
    server += frame(0x1, 0x4, 1,
                    serverHpack.encode({{":status", "200"}, {"content-type", "application/grpc"}}));
    server += frame(0x0, 0x0, 1, grpcMessage(pbVarint(2, 4242)));
    server += frame(0x1, 0x5, 1,
                    serverHpack.encode(
                        {{"grpc-status", "5"}, {"grpc-message", "container %22x%22 not found"}}));
    server += frame(0x1, 0x4, 3, serverHpack.encode({{":status", "200"}}));
    server += frame(0x0, 0x0, 3, grpcMessage(pbBytes(1, QByteArray("\xff\xfe binary", 9))));
    return {client, server};
}

QByteArray mutate(QByteArray input, QRandomGenerator &random)
{
    const int edits = random.bounded(1, 5);
    for (int i = 0; i < edits && !input.isEmpty(); ++i) {
        const qsizetype at = random.bounded(input.size());
        switch (random.bounded(5)) {
        case 0:
            input[at] = char(random.bounded(256));
            break;
        case 1:
            input[at] = char(input[at] ^ (1 << random.bounded(8)));
            break;
        case 2:
            input.truncate(at);
            break;
        case 3:
            input.insert(at, randomBytes(random, 12));
            break;
        default:
            input.remove(at, random.bounded(1, 10));
            break;
        }
    }
    return input;
}

bool feedChecked(Http2FrameParser &parser, const QList<QByteArray> &slices)
{
    for (const QByteArray &piece : slices) {
        const Status status = parser.feed(std::string_view(piece.constData(), piece.size()));
        if (!status) {
            if (parser.state() != Http2FrameParser::State::Failed ||
                status.error().message().empty())
                return false;
        }
    }
    return true;
}

bool eventsSerialise(const EventLog &log)
{
    for (const Event &event : log.snapshot()) {
        try {
            nlohmann::json j = event;
            (void)j.dump();
        } catch (const std::exception &e) {
            qWarning() << "event" << event.seq << "does not serialise:" << e.what();
            return false;
        }
    }
    return true;
}

} // namespace

class tst_Http2Robustness : public QObject
{
    Q_OBJECT

private slots:
    // Every mutated connection logs its decoding failure; thousands of lines help nobody.
    void initTestCase() { spdlog::set_level(spdlog::level::err); }
    void randomBytesNeverCrashTheFrameParser();
    void mutatedStreamsNeverCrashTheRecorder();
    void randomMessagesNeverCrashTheProtobufDecoder();
};

void tst_Http2Robustness::randomBytesNeverCrashTheFrameParser()
{
    QRandomGenerator random(20240611);
    const QByteArray preface(kHttp2ClientPreface.data(), 24);
    for (int i = 0; i < kIterations; ++i) {
        QByteArray input = randomBytes(random, 600);
        // Half the inputs get past the preface and the 9-byte header checks more often.
        if (i % 2)
            input = preface + settings({}) + input;
        const QString mode = i % 3 == 0 ? "bytewise" : "random";
        Http2FrameParser client(Http2Direction::ClientToServer);
        Http2FrameParser server(Http2Direction::ServerToClient);
        QVERIFY2(feedChecked(client, slice(input, mode, quint32(i))),
                 qPrintable(QString::number(i)));
        QVERIFY2(feedChecked(server, slice(input, mode, quint32(i))),
                 qPrintable(QString::number(i)));
    }
}

void tst_Http2Robustness::mutatedStreamsNeverCrashTheRecorder()
{
    const auto [client, server] = validExchange();
    {
        // The unmutated exchange decodes cleanly, so the mutations below start from sense.
        EventLog log;
        GrpcCallRecorder recorder(log, 1);
        recorder.clientBytes(std::string_view(client.constData(), client.size()));
        recorder.serverBytes(std::string_view(server.constData(), server.size()));
        QVERIFY(recorder.decoding());
        QCOMPARE(recorder.openCalls(), std::size_t(1));
        recorder.connectionClosed("the test ended");
        QCOMPARE(log.size(), std::size_t(4));
        QVERIFY(eventsSerialise(log));
    }

    QRandomGenerator random(77);
    int failures = 0;
    for (int i = 0; i < kIterations; ++i) {
        const QByteArray c = random.bounded(2) ? mutate(client, random) : client;
        const QByteArray s = random.bounded(2) ? mutate(server, random) : server;
        EventLog log;
        GrpcCallRecorder recorder(log, std::uint64_t(i));
        const QList<QByteArray> cs = slice(c, "random", quint32(i));
        const QList<QByteArray> ss = slice(s, "random", quint32(i + 1));
        for (qsizetype k = 0; k < std::max(cs.size(), ss.size()); ++k) {
            if (k < cs.size())
                recorder.clientBytes(std::string_view(cs[k].constData(), cs[k].size()));
            if (k < ss.size())
                recorder.serverBytes(std::string_view(ss[k].constData(), ss[k].size()));
        }
        recorder.connectionClosed("the test ended");
        QCOMPARE(recorder.openCalls(), std::size_t(0));
        QVERIFY2(eventsSerialise(log), qPrintable(QString("iteration %1").arg(i)));
        // One decoding failure is reported at most once per connection.
        int logs = 0;
        for (const Event &event : log.snapshot())
            logs += event.kind == EventKind::Log;
        QVERIFY(logs <= 1);
        failures += logs;
    }
    // The mutations really exercise the failure path, not only harmless spots.
    QVERIFY2(failures > kIterations / 10, qPrintable(QString::number(failures)));
}

void tst_Http2Robustness::randomMessagesNeverCrashTheProtobufDecoder()
{
    QRandomGenerator random(4242);
    ProtobufDecodeLimits tight;
    tight.maxDepth = 4;
    tight.maxFields = 20;
    tight.maxText = 8;
    const QByteArray nested = pbBytes(1, "f06be762") + pbVarint(2, 7) +
                              pbBytes(3, pbBytes(1, pbBytes(1, pbBytes(1, "deep"))));
    for (int i = 0; i < kIterations; ++i) {
        const QByteArray input = i % 2 ? randomBytes(random, 200) : mutate(nested, random);
        for (bool cutShort : {false, true}) {
            Result<ProtobufFieldTree> tree = decodeProtobufFields(
                std::string_view(input.constData(), input.size()), tight, cutShort);
            if (tree)
                QVERIFY_THROWS_NO_EXCEPTION((void)tree->fields.dump());
            else
                QVERIFY(tree.error().message().starts_with("not a protobuf message"));
        }
    }
}

QTEST_GUILESS_MAIN(tst_Http2Robustness)
#include "tst_http2_robustness.moc"
