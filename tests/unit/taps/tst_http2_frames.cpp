// Http2FrameParser against byte streams built with libnghttp2's HPACK deflater and hand-made
// frames: whole, byte by byte and in random slices; padding, CONTINUATION, the HPACK dynamic
// table across requests and SETTINGS_HEADER_TABLE_SIZE; malformed frames give one clear error.

#include "Http2TestFrames.h"
#include "tracer/taps/Http2FrameParser.h"

#include <QtTest>
#include <map>

using namespace flowlab;
using namespace flowlab::test;

namespace {

constexpr std::uint8_t kData = 0x0, kHeaders = 0x1, kPriority = 0x2, kRst = 0x3, kPush = 0x5,
                       kPing = 0x6, kGoAway = 0x7, kWindow = 0x8, kContinuation = 0x9;
constexpr std::uint8_t kEndStream = 0x1, kEndHeaders = 0x4, kPadded = 0x8, kPrio = 0x20;

// What a parser reported, in a form tests can compare.
struct Seen
{
    std::vector<Http2HeaderBlock> blocks;
    std::map<std::uint32_t, QByteArray> data;
    std::vector<std::uint32_t> dataEnded;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> resets;
    std::vector<std::vector<Http2Setting>> settings;
    int acks = 0;
    QStringList frames;
    QString goAway;
    QByteArray pingOpaque;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> windowUpdates;

    Http2FrameParser::Handlers handlers()
    {
        Http2FrameParser::Handlers h;
        h.frame = [this](const Http2FrameHeader &f) {
            frames << QString::fromStdString(http2FrameTypeName(f.type));
        };
        h.headers = [this](const Http2HeaderBlock &b) { blocks.push_back(b); };
        h.data = [this](std::uint32_t id, std::string_view bytes, bool end) {
            data[id] += QByteArray(bytes.data(), qsizetype(bytes.size()));
            if (end)
                dataEnded.push_back(id);
        };
        h.rstStream = [this](std::uint32_t id, std::uint32_t code) {
            resets.push_back({id, code});
        };
        h.settings = [this](bool ack, const std::vector<Http2Setting> &values) {
            if (ack)
                ++acks;
            else
                settings.push_back(values);
        };
        h.goAway = [this](std::uint32_t last, std::uint32_t code, std::string_view debug) {
            goAway = QString("%1 %2 %3")
                         .arg(last)
                         .arg(QString::fromStdString(http2ErrorCodeName(code)))
                         .arg(QString::fromUtf8(debug.data(), qsizetype(debug.size())));
        };
        h.ping = [this](bool, std::string_view opaque) {
            pingOpaque = QByteArray(opaque.data(), qsizetype(opaque.size()));
        };
        h.windowUpdate = [this](std::uint32_t id, std::uint32_t increment) {
            windowUpdates.push_back({id, increment});
        };
        return h;
    }
};

// Feeds every slice; returns the first error's message (empty when none).
QString feedAll(Http2FrameParser &parser, const QList<QByteArray> &slices)
{
    QString first;
    for (const QByteArray &piece : slices) {
        const Status status = parser.feed(std::string_view(piece.constData(), piece.size()));
        if (!status && first.isEmpty())
            first = QString::fromStdString(status.error().message());
    }
    return first;
}

HeaderList headerList(const Http2HeaderBlock &block)
{
    HeaderList out;
    for (const Http2Header &h : block.headers)
        out.emplace_back(h.name, h.value);
    return out;
}

void addSliceRows(const char *name)
{
    for (const char *mode : {"whole", "bytewise", "random"})
        QTest::newRow(qPrintable(QString("%1, %2").arg(name, mode))) << QString(mode);
}

} // namespace

class tst_Http2Frames : public QObject
{
    Q_OBJECT

private slots:
    void decodesAGrpcExchange_data();
    void decodesAGrpcExchange();
    void padding_data();
    void padding();
    void headersSplitOverContinuation_data();
    void headersSplitOverContinuation();
    void dynamicTableCarriesAcrossRequests();
    void headerTableSizeSettingReachesTheOtherDirection();
    void maxFrameSizeSettingAllowsLargerFrames();
    void controlFrames();
    void oversizedHeaderBlockIsKeptInPart();
    void malformedStreamIsReportedOnce_data();
    void malformedStreamIsReportedOnce();
    void names_data();
    void names();
};

void tst_Http2Frames::decodesAGrpcExchange_data()
{
    QTest::addColumn<QString>("mode");
    addSliceRows("unary call");
}

void tst_Http2Frames::decodesAGrpcExchange()
{
    QFETCH(QString, mode);
    HpackEncoder clientHpack;
    HpackEncoder serverHpack;
    const QByteArray request = pbBytes(1, "f06be762") + pbVarint(2, 7);
    const QByteArray reply = pbBytes(1, "f06be762") + pbVarint(2, 4242);
    const HeaderList requestHeaders =
        grpcRequestHeaders("/containerd.services.tasks.v1.Tasks/Create");
    const HeaderList responseHeaders = {{":status", "200"}, {"content-type", "application/grpc"}};
    const HeaderList trailers = {{"grpc-status", "0"}, {"grpc-message", ""}};

    const QByteArray fromClient =
        QByteArray(kHttp2ClientPreface.data(), kHttp2ClientPreface.size()) +
        settings({{http2settings::kInitialWindowSize, 1 << 20}}) +
        frame(kWindow, 0, 0, u32(983041)) +
        frame(kHeaders, kEndHeaders, 1, clientHpack.encode(requestHeaders)) +
        frame(kData, kEndStream, 1, grpcMessage(request));
    const QByteArray fromServer =
        settings({{http2settings::kMaxFrameSize, 16384}}) + settingsAck() +
        frame(kHeaders, kEndHeaders, 1, serverHpack.encode(responseHeaders)) +
        frame(kData, 0, 1, grpcMessage(reply)) +
        frame(kHeaders, kEndHeaders | kEndStream, 1, serverHpack.encode(trailers));

    Http2FrameParser::Pair pair;
    Seen client;
    Seen server;
    pair.setHandlers(client.handlers(), server.handlers());
    QCOMPARE(feedAll(pair.client, slice(fromClient, mode)), QString());
    QCOMPARE(feedAll(pair.server, slice(fromServer, mode)), QString());

    QCOMPARE(client.frames, QStringList({"SETTINGS", "WINDOW_UPDATE", "HEADERS", "DATA"}));
    QCOMPARE(client.blocks.size(), std::size_t(1));
    QCOMPARE(headerList(client.blocks[0]), requestHeaders);
    QCOMPARE(client.blocks[0].value(":path").value_or(""),
             std::string("/containerd.services.tasks.v1.Tasks/Create"));
    QVERIFY(!client.blocks[0].endStream);
    QCOMPARE(client.data[1], grpcMessage(request));
    QCOMPARE(client.dataEnded, std::vector<std::uint32_t>{1});
    QCOMPARE(client.windowUpdates.size(), std::size_t(1));
    QCOMPARE(client.windowUpdates[0].second, std::uint32_t(983041));
    QCOMPARE(pair.client.bytesParsed(), std::uint64_t(fromClient.size()));

    QCOMPARE(server.frames, QStringList({"SETTINGS", "SETTINGS", "HEADERS", "DATA", "HEADERS"}));
    QCOMPARE(server.acks, 1);
    QCOMPARE(server.blocks.size(), std::size_t(2));
    QCOMPARE(server.blocks[0].value(":status").value_or(""), std::string("200"));
    QCOMPARE(headerList(server.blocks[1]), trailers);
    QVERIFY(server.blocks[1].endStream);
    QCOMPARE(server.data[1], grpcMessage(reply));
    QCOMPARE(pair.server.framesParsed(), std::uint64_t(5));
}

void tst_Http2Frames::padding_data()
{
    QTest::addColumn<QString>("mode");
    addSliceRows("padded HEADERS with PRIORITY, padded DATA");
}

void tst_Http2Frames::padding()
{
    QFETCH(QString, mode);
    HpackEncoder hpack;
    const QByteArray block =
        hpack.encode({{":status", "200"}, {"content-type", "application/grpc"}});
    const QByteArray priority = u32(0x80000003) + char(15); // exclusive on stream 3, weight 16
    const QByteArray message = grpcMessage(pbVarint(1, 1));
    const QByteArray input =
        frame(kHeaders, kEndHeaders | kPadded | kPrio, 1,
              char(6) + priority + block + QByteArray(6, '\0')) +
        frame(kData, kPadded, 1, char(200) + message + QByteArray(200, '\0')) +
        frame(kData, kPadded | kEndStream, 1, char(0) + message); // Pad Length 0 is allowed

    Http2FrameParser parser(Http2Direction::ServerToClient);
    Seen seen;
    parser.setHandlers(seen.handlers());
    QCOMPARE(feedAll(parser, slice(input, mode, 11)), QString());
    QCOMPARE(seen.blocks.size(), std::size_t(1));
    QCOMPARE(seen.blocks[0].value("content-type").value_or(""), std::string("application/grpc"));
    QCOMPARE(seen.data[1], message + message); // padding never reaches the gRPC layer
    QCOMPARE(seen.dataEnded, std::vector<std::uint32_t>{1});
}

void tst_Http2Frames::headersSplitOverContinuation_data()
{
    QTest::addColumn<QString>("mode");
    addSliceRows("HEADERS + 2 CONTINUATION");
}

void tst_Http2Frames::headersSplitOverContinuation()
{
    QFETCH(QString, mode);
    HpackEncoder hpack;
    HeaderList headers = grpcRequestHeaders("/containerd.services.containers.v1.Containers/Create");
    // Varied text, so Huffman coding cannot shrink it below the split points.
    std::string label;
    for (int i = 0; i < 4000; ++i)
        label += char('!' + (i * 37) % 90);
    headers.emplace_back("x-long", label);
    const QByteArray block = hpack.encode(headers);
    QVERIFY(block.size() > 1600);
    // Cut mid-literal, as a real encoder cutting at its frame size would.
    const QByteArray input = QByteArray(kHttp2ClientPreface.data(), kHttp2ClientPreface.size()) +
                             settings({}) + frame(kHeaders, kEndStream, 1, block.left(40)) +
                             frame(kContinuation, 0, 1, block.mid(40, 1500)) +
                             frame(kContinuation, kEndHeaders, 1, block.mid(1540));

    Http2FrameParser parser(Http2Direction::ClientToServer);
    Seen seen;
    parser.setHandlers(seen.handlers());
    QCOMPARE(feedAll(parser, slice(input, mode, 3)), QString());
    QCOMPARE(seen.blocks.size(), std::size_t(1));
    QCOMPARE(headerList(seen.blocks[0]), headers);
    QVERIFY(seen.blocks[0].endStream); // END_STREAM rides on HEADERS, not CONTINUATION
    QCOMPARE(seen.frames, QStringList({"SETTINGS", "HEADERS", "CONTINUATION", "CONTINUATION"}));
    QVERIFY(!parser.inHeaderBlock());
}

// HPACK state lives across header blocks: the second request refers to the first's fields.
void tst_Http2Frames::dynamicTableCarriesAcrossRequests()
{
    HpackEncoder hpack;
    const HeaderList first = grpcRequestHeaders("/containerd.services.tasks.v1.Tasks/Create");
    const HeaderList second = grpcRequestHeaders("/containerd.services.tasks.v1.Tasks/Start");
    const QByteArray firstBlock = hpack.encode(first);
    const QByteArray secondBlock = hpack.encode(second);
    // Indexed fields are one or two bytes: the shared ones cost almost nothing the second time.
    QVERIFY2(secondBlock.size() * 2 < firstBlock.size(),
             qPrintable(QString("%1 vs %2").arg(secondBlock.size()).arg(firstBlock.size())));

    const QByteArray preface(kHttp2ClientPreface.data(), kHttp2ClientPreface.size());
    const QByteArray input = preface + frame(kHeaders, kEndHeaders, 1, firstBlock) +
                             frame(kHeaders, kEndHeaders, 3, secondBlock);
    Http2FrameParser parser(Http2Direction::ClientToServer);
    Seen seen;
    parser.setHandlers(seen.handlers());
    QCOMPARE(feedAll(parser, slice(input, "random", 5)), QString());
    QCOMPARE(seen.blocks.size(), std::size_t(2));
    QCOMPARE(headerList(seen.blocks[0]), first);
    QCOMPARE(headerList(seen.blocks[1]), second);
    QCOMPARE(seen.blocks[1].streamId, std::uint32_t(3));

    // Without the first block, the second refers to table entries that do not exist.
    Http2FrameParser fresh(Http2Direction::ClientToServer);
    const QByteArray alone = preface + frame(kHeaders, kEndHeaders, 3, secondBlock);
    const QString error = feedAll(fresh, {alone});
    QVERIFY2(error.contains("HPACK decoding failed"), qPrintable(error));
}

// The client allows a bigger table; the server's encoder uses it once it acked the SETTINGS.
void tst_Http2Frames::headerTableSizeSettingReachesTheOtherDirection()
{
    HpackEncoder serverHpack(8192);
    serverHpack.changeTableSize(8192); // the next block starts with a size update to 8192
    const QByteArray response = serverHpack.encode({{":status", "200"}});
    const QByteArray fromClient = QByteArray(kHttp2ClientPreface.data(), 24) +
                                  settings({{http2settings::kHeaderTableSize, 8192}});
    const QByteArray fromServer =
        settings({}) + settingsAck() + frame(kHeaders, kEndHeaders, 1, response);

    Http2FrameParser::Pair pair;
    Seen client;
    Seen server;
    pair.setHandlers(client.handlers(), server.handlers());
    QCOMPARE(feedAll(pair.client, {fromClient}), QString());
    QCOMPARE(feedAll(pair.server, slice(fromServer, "bytewise")), QString());
    QCOMPARE(pair.server.headerTableSizeLimit(), std::uint32_t(8192));
    QCOMPARE(server.blocks.size(), std::size_t(1));
    QCOMPARE(server.blocks[0].value(":status").value_or(""), std::string("200"));
    QCOMPARE(client.settings.size(), std::size_t(1)); // the caller's handler still runs

    // A parser that never saw the client's SETTINGS rejects the size update, as a peer would.
    Http2FrameParser alone(Http2Direction::ServerToClient);
    const QString error = feedAll(alone, {fromServer});
    QVERIFY2(error.contains("HPACK decoding failed"), qPrintable(error));
}

void tst_Http2Frames::maxFrameSizeSettingAllowsLargerFrames()
{
    const QByteArray big = frame(kData, 0, 1, QByteArray(20000, 'x'));
    Http2FrameParser::Pair pair;
    Seen client;
    Seen server;
    pair.setHandlers(client.handlers(), server.handlers());
    const QByteArray fromClient = QByteArray(kHttp2ClientPreface.data(), 24) +
                                  settings({{http2settings::kMaxFrameSize, 32768}});
    QCOMPARE(feedAll(pair.client, {fromClient}), QString());
    QCOMPARE(feedAll(pair.server, slice(settingsAck() + big, "random")), QString());
    QCOMPARE(server.data[1].size(), 20000);

    Http2FrameParser strict(Http2Direction::ServerToClient);
    const QString error = feedAll(strict, {big});
    QVERIFY2(error.contains("length 20000 exceeds SETTINGS_MAX_FRAME_SIZE 16384"),
             qPrintable(error));
}

void tst_Http2Frames::controlFrames()
{
    HpackEncoder hpack;
    const QByteArray input =
        frame(kRst, 0, 5, u32(8)) + frame(kPing, 0, 0, "12345678") +
        frame(kPriority, 0, 3, u32(1) + char(15)) + frame(0x0b, 0xff, 1, "unknown type") +
        frame(kPush, kEndHeaders, 1, u32(2) + hpack.encode({{":path", "/pushed"}})) +
        frame(kWindow, 0, 1, u32(65535)) + frame(kGoAway, 0, 0, u32(7) + u32(0) + "bye");
    Http2FrameParser parser(Http2Direction::ServerToClient);
    Seen seen;
    parser.setHandlers(seen.handlers());
    QCOMPARE(feedAll(parser, slice(input, "bytewise")), QString());
    QCOMPARE(seen.resets, (std::vector<std::pair<std::uint32_t, std::uint32_t>>{{5, 8}}));
    QCOMPARE(seen.pingOpaque, QByteArray("12345678"));
    QCOMPARE(seen.goAway, QString("7 NO_ERROR bye"));
    QCOMPARE(seen.frames.at(3), QString("0xb")); // reported, never guessed, then ignored
    QCOMPARE(seen.blocks.size(), std::size_t(1));
    QCOMPARE(seen.blocks[0].promise.value_or(0), std::uint32_t(2));
    QCOMPARE(seen.blocks[0].value(":path").value_or(""), std::string("/pushed"));
    QCOMPARE(seen.windowUpdates.size(), std::size_t(1));
}

void tst_Http2Frames::oversizedHeaderBlockIsKeptInPart()
{
    HpackEncoder hpack;
    HeaderList headers = {{":status", "200"}};
    for (int i = 0; i < 70; ++i)
        headers.emplace_back("x-label-" + std::to_string(i), std::string(1000, 'v'));
    const QByteArray block = hpack.encode(headers);
    QByteArray input;
    for (int at = 0; at < block.size(); at += 16000) {
        const bool first = at == 0;
        const bool last = at + 16000 >= block.size();
        input += frame(first ? kHeaders : kContinuation, last ? kEndHeaders : 0, 1,
                       block.mid(at, 16000));
    }
    Http2FrameParser parser(Http2Direction::ServerToClient);
    Seen seen;
    parser.setHandlers(seen.handlers());
    QCOMPARE(feedAll(parser, {input}), QString());
    QCOMPARE(seen.blocks.size(), std::size_t(1));
    QVERIFY(seen.blocks[0].truncated);
    QVERIFY(seen.blocks[0].headers.size() < headers.size());
    QCOMPARE(seen.blocks[0].value(":status").value_or(""), std::string("200"));
    // HPACK stayed in step: a later block decodes.
    QCOMPARE(feedAll(parser, {frame(kHeaders, kEndHeaders, 3, hpack.encode({{":status", "204"}}))}),
             QString());
    QCOMPARE(seen.blocks.back().value(":status").value_or(""), std::string("204"));
}

void tst_Http2Frames::malformedStreamIsReportedOnce_data()
{
    QTest::addColumn<int>("direction"); // 0 client→server (with preface), 1 server→client
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("error");

    const QByteArray preface(kHttp2ClientPreface.data(), 24);
    QTest::newRow("not HTTP/2") << 0 << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                                << "parsing HTTP/2 client→server at byte 0: the client connection "
                                   "preface";
    QTest::newRow("SETTINGS length 5")
        << 0 << preface + frame(0x4, 0, 0, "12345")
        << "parsing HTTP/2 client→server at byte 24: SETTINGS frame length 5 is not a multiple "
           "of 6";
    QTest::newRow("frame longer than SETTINGS_MAX_FRAME_SIZE")
        << 1 << settingsAck() + QByteArray("\x01\x00\x00\x00\x00\x00\x00\x00\x01", 9)
        << "at byte 9: DATA frame on stream 1: length 65536 exceeds SETTINGS_MAX_FRAME_SIZE 16384";
    QTest::newRow("PING length 7") << 1 << frame(kPing, 0, 0, "1234567")
                                   << "PING frame on stream 0: length 7 where 8 is required";
    QTest::newRow("padding longer than the payload")
        << 1 << frame(kData, kPadded, 1, char(9) + QByteArray("abc"))
        << "DATA frame on stream 1: 9 bytes of padding and 0 bytes of fixed fields do not fit in "
           "a 4-byte payload";
    QTest::newRow("PADDED without Pad Length")
        << 1 << frame(kData, kPadded, 1, {}) << "DATA frame on stream 1 is PADDED but has no Pad";
    QTest::newRow("CONTINUATION without HEADERS")
        << 1 << frame(kContinuation, kEndHeaders, 1, "\x88")
        << "CONTINUATION frame on stream 1 without a HEADERS or PUSH_PROMISE before it";
    QTest::newRow("DATA inside a header block")
        << 1 << frame(kHeaders, 0, 1, "\x88") + frame(kData, 0, 1, "x")
        << "at byte 10: DATA frame on stream 1 where CONTINUATION of stream 1 must follow";
    QTest::newRow("DATA on stream 0") << 1 << frame(kData, 0, 0, "x") << "DATA frame on stream 0";
    QTest::newRow("HPACK garbage") << 1 << frame(kHeaders, kEndHeaders, 1, "\xff\xff\xff\xff\xff")
                                   << "HEADERS frame on stream 1: HPACK decoding failed";
    QTest::newRow("GOAWAY too short")
        << 1 << frame(kGoAway, 0, 0, "1234") << "shorter than the 8 bytes of GOAWAY's fixed fields";
    QTest::newRow("SETTINGS ACK with payload")
        << 1 << frame(0x4, 0x1, 0, "123456") << "SETTINGS ACK frame with a 6-byte payload";
}

void tst_Http2Frames::malformedStreamIsReportedOnce()
{
    QFETCH(int, direction);
    QFETCH(QByteArray, input);
    QFETCH(QString, error);

    for (const char *mode : {"whole", "bytewise", "random"}) {
        Http2FrameParser parser(direction == 0 ? Http2Direction::ClientToServer
                                               : Http2Direction::ServerToClient);
        Seen seen;
        parser.setHandlers(seen.handlers());
        const QString reported = feedAll(parser, slice(input, mode));
        QVERIFY2(reported.contains(error), qPrintable(mode + QString(": ") + reported));
        QCOMPARE(parser.state(), Http2FrameParser::State::Failed);

        // Later bytes, even valid ones, are not read: the error stays the same.
        const std::size_t framesBefore = std::size_t(seen.frames.size());
        const QByteArray valid = frame(kPing, 0, 0, "12345678");
        const Status again = parser.feed(std::string_view(valid.constData(), valid.size()));
        QVERIFY(!again.ok());
        QCOMPARE(QString::fromStdString(again.error().message()), reported);
        QCOMPARE(std::size_t(seen.frames.size()), framesBefore);
    }
}

void tst_Http2Frames::names_data()
{
    QTest::addColumn<QString>("actual");
    QTest::addColumn<QString>("expected");
    QTest::newRow("frame type") << QString::fromStdString(http2FrameTypeName(0x9))
                                << "CONTINUATION";
    QTest::newRow("unknown frame type")
        << QString::fromStdString(http2FrameTypeName(0x10)) << "0x10";
    QTest::newRow("error code") << QString::fromStdString(http2ErrorCodeName(0x8)) << "CANCEL";
    QTest::newRow("unknown error code")
        << QString::fromStdString(http2ErrorCodeName(0xff)) << "0xff";
    QTest::newRow("setting") << QString::fromStdString(http2SettingName(1)) << "HEADER_TABLE_SIZE";
}

void tst_Http2Frames::names()
{
    QFETCH(QString, actual);
    QFETCH(QString, expected);
    QCOMPARE(actual, expected);
}

QTEST_GUILESS_MAIN(tst_Http2Frames)
#include "tst_http2_frames.moc"
