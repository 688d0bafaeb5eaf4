// PcapngWriter: the block structure read back by our own reader (always), and the file as
// Wireshark sees it (when tshark is installed): no warnings, the packet count, the comments, the
// interface names and the names from the name resolution block.

#include "tracer/capture/PcapngReader.h"
#include "tracer/capture/PcapngWriter.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace flowlab;

namespace {

struct PacketSpec
{
    std::uint32_t interfaceId;
    std::int64_t timestampNs;
    std::vector<std::uint8_t> data;
    std::string comment;
};

std::vector<std::uint8_t> fixtureFrame(std::size_t number)
{
    static const Result<PcapngFile> session =
        readPcapngFile(CAPTURE_FIXTURES "/lab_session.pcapng");
    if (!session)
        qFatal("%s", session.error().message().c_str());
    return session->packets.at(number - 1).data;
}

// The lesson's request as the two sides see it, with the comments a bundle would give them.
std::vector<PacketSpec> lessonPackets()
{
    const std::int64_t t0 = 1'717'200'000'123'456'789; // nanoseconds survive the round trip
    std::vector<PacketSpec> packets;
    const std::size_t frames[] = {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 3, 4};
    std::uint32_t pair = 1;
    for (std::size_t i = 0; i < std::size(frames); ++i) {
        const std::uint32_t interfaceId = std::uint32_t(i % 2);
        std::string comment = "step 10: request, " +
                              std::string(interfaceId == 0 ? "before" : "after") + " DNAT (pair " +
                              std::to_string(pair) + ")";
        if (i % 2 == 1)
            ++pair;
        if (i == 2)
            comment = "étape 10 → requête"; // UTF-8 survives
        if (i == 3)
            comment.clear(); // a packet without a comment has no options at all
        packets.push_back(
            {interfaceId, t0 + std::int64_t(i) * 1'000, fixtureFrame(frames[i]), comment});
    }
    return packets;
}

const std::vector<NameRecord> kNames{
    {"192.168.56.2", "flowlab-client"},
    {"192.168.56.10", "flowlab-docker"},
    {"fd00:56::10", "flowlab-docker-v6"},
};

void fill(PcapngWriter &writer, const std::vector<PacketSpec> &packets)
{
    for (const NameRecord &record : kNames)
        QVERIFY(writer.addNameRecord(record.address, record.name).ok());
    QCOMPARE(writer.addInterface({"flowlab-client/eth0", "client side, before DNAT",
                                  LinkType::Ethernet, 262144, "tcp port 8080 or udp port 53"}),
             0u);
    QCOMPARE(writer.addInterface({"flowlab-docker/veth1a2b",
                                  "container side, after DNAT",
                                  LinkType::Ethernet,
                                  262144,
                                  {}}),
             1u);
    for (const PacketSpec &p : packets)
        QVERIFY(writer
                    .addPacket(p.interfaceId, p.timestampNs, p.data, std::uint32_t(p.data.size()),
                               p.comment)
                    .ok());
}

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run tshark(const QStringList &args)
{
    QProcess process;
    process.start("tshark", args);
    if (!process.waitForFinished(60'000))
        return {};
    // tshark warns about running as root on every run; that says nothing about the file.
    QStringList err = QString::fromUtf8(process.readAllStandardError()).split('\n');
    err.removeIf([](const QString &line) {
        return line.trimmed().isEmpty() || line.startsWith("Running as user \"root\"");
    });
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()), err.join('\n')};
}

QStringList lines(const QString &text)
{
    QStringList result = text.split('\n');
    if (!result.isEmpty() && result.last().isEmpty())
        result.removeLast();
    return result;
}

} // namespace

class TestPcapngWriter : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip();
    void paddingOfEveryLength();
    void snapLengthAndErrors();
    void streaming();
    void readsInTshark();
    void readerRejectsDamage_data();
    void readerRejectsDamage();
    void readerSaturatesTimestamps();

private:
    QTemporaryDir m_dir;
};

void TestPcapngWriter::roundTrip()
{
    const std::vector<PacketSpec> packets = lessonPackets();
    PcapngWriter writer("Flowlab test");
    fill(writer, packets);
    const std::vector<std::uint8_t> bytes = writer.bytes();
    QCOMPARE(bytes.size() % 4, 0u);

    const Result<PcapngFile> file = readPcapng(bytes);
    QVERIFY2(file.ok(), file.ok() ? "" : file.error().message().c_str());
    QCOMPARE(file->application, "Flowlab test");
    // Section header, names, the two interfaces, then the packets.
    std::vector<std::uint32_t> expectedBlocks{0x0a0d0d0a, 4, 1, 1};
    expectedBlocks.insert(expectedBlocks.end(), packets.size(), 6);
    QVERIFY(file->blockTypes == expectedBlocks);

    QCOMPARE(file->interfaces.size(), 2u);
    QCOMPARE(file->interfaces[0].name, "flowlab-client/eth0");
    QCOMPARE(file->interfaces[0].description, "client side, before DNAT");
    QCOMPARE(file->interfaces[0].filter, "tcp port 8080 or udp port 53");
    QCOMPARE(file->interfaces[0].snapLength, 262144u);
    QCOMPARE(file->interfaces[1].name, "flowlab-docker/veth1a2b");
    QVERIFY(file->interfaces[1].linkType == LinkType::Ethernet);

    QCOMPARE(file->names.size(), kNames.size());
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        QCOMPARE(file->names[i].address, kNames[i].address);
        QCOMPARE(file->names[i].name, kNames[i].name);
    }

    QCOMPARE(file->packets.size(), packets.size());
    for (std::size_t i = 0; i < packets.size(); ++i) {
        const PcapngPacket &read = file->packets[i];
        QCOMPARE(read.interfaceId, packets[i].interfaceId);
        QCOMPARE(read.timestampNs, packets[i].timestampNs);
        QVERIFY(read.data == packets[i].data);
        QCOMPARE(read.originalLength, packets[i].data.size());
        const std::vector<std::string> comments =
            packets[i].comment.empty() ? std::vector<std::string>{}
                                       : std::vector<std::string>{packets[i].comment};
        QVERIFY(read.comments == comments);
    }
}

// Data and comments of 0..7 bytes: every padding case, each checked by the strict reader.
void TestPcapngWriter::paddingOfEveryLength()
{
    PcapngWriter writer;
    writer.addInterface({"lab/x", "", LinkType::Raw, 0, {}});
    for (std::size_t dataLength = 0; dataLength < 8; ++dataLength)
        for (std::size_t commentLength = 0; commentLength < 8; ++commentLength)
            QVERIFY(writer
                        .addPacket(0, std::int64_t(dataLength * 8 + commentLength),
                                   std::vector<std::uint8_t>(dataLength, 0xab),
                                   std::uint32_t(dataLength), std::string(commentLength, 'c'))
                        .ok());
    QVERIFY(writer.addNameRecord("10.0.0.1", "a").ok()); // a 1-byte name: NUL plus 2 pad bytes
    const Result<PcapngFile> file = readPcapng(writer.bytes());
    QVERIFY2(file.ok(), file.ok() ? "" : file.error().message().c_str());
    QCOMPARE(file->packets.size(), 64u);
    for (const PcapngPacket &packet : file->packets) {
        const std::size_t dataLength = std::size_t(packet.timestampNs / 8);
        const std::size_t commentLength = std::size_t(packet.timestampNs % 8);
        QCOMPARE(packet.data.size(), dataLength);
        QCOMPARE(packet.comments.size(), commentLength == 0 ? 0u : 1u);
        if (commentLength)
            QCOMPARE(packet.comments[0].size(), commentLength);
    }
    QCOMPARE(file->names.size(), 1u);
    QCOMPARE(file->names[0].name, "a");
}

void TestPcapngWriter::snapLengthAndErrors()
{
    PcapngWriter writer;
    writer.addInterface({"lab/short", "", LinkType::Ethernet, 64, {}});
    const std::vector<std::uint8_t> frame = fixtureFrame(8); // 131 bytes
    QVERIFY(writer.addPacket(0, 1, frame, std::uint32_t(frame.size())).ok());
    const Status noSuchInterface = writer.addPacket(3, 1, frame, 131);
    QVERIFY(!noSuchInterface.ok());
    QCOMPARE(noSuchInterface.error().message(), "adding a packet: no interface 3 (1 defined)");
    const Status notAnAddress = writer.addNameRecord("flowlab-client", "x");
    QVERIFY(!notAnAddress.ok());
    QVERIFY(QString::fromStdString(notAnAddress.error().message()).contains("not an IPv4 or IPv6"));

    const Result<PcapngFile> file = readPcapng(writer.bytes());
    QVERIFY(file.ok());
    QCOMPARE(file->packets.size(), 1u);
    QCOMPARE(file->packets[0].data.size(), 64u); // cut to the snap length
    QCOMPARE(file->packets[0].originalLength, 131u);
}

// A streamed file is complete after every flush, so a live trace can be opened while it grows.
void TestPcapngWriter::streaming()
{
    const std::string path = m_dir.filePath("streamed.pcapng").toStdString();
    const std::vector<PacketSpec> packets = lessonPackets();
    PcapngWriter writer;
    QVERIFY(writer.open(path).ok());
    fill(writer, std::vector<PacketSpec>(packets.begin(), packets.begin() + 4));
    QVERIFY(writer.flush().ok());
    Result<PcapngFile> partial = readPcapngFile(path);
    QVERIFY2(partial.ok(), partial.ok() ? "" : partial.error().message().c_str());
    QCOMPARE(partial->packets.size(), 4u);

    for (std::size_t i = 4; i < packets.size(); ++i)
        QVERIFY(writer
                    .addPacket(packets[i].interfaceId, packets[i].timestampNs, packets[i].data,
                               std::uint32_t(packets[i].data.size()), packets[i].comment)
                    .ok());
    QVERIFY(writer.addNameRecord("172.17.0.2", "nginx").ok()); // after the packets: a 2nd NRB
    QVERIFY(writer.close().ok());
    const Result<PcapngFile> file = readPcapngFile(path);
    QVERIFY(file.ok());
    QCOMPARE(file->packets.size(), packets.size());
    QCOMPARE(file->names.size(), kNames.size() + 1);
    QCOMPARE(file->blockTypes.back(), 4u);
}

void TestPcapngWriter::readsInTshark()
{
    const QString path = m_dir.filePath("lesson.pcapng");
    const std::vector<PacketSpec> packets = lessonPackets();
    {
        PcapngWriter writer;
        fill(writer, packets);
        QVERIFY(writer.write(path.toStdString()).ok());
    }
    QVERIFY(readPcapngFile(path.toStdString()).ok()); // the structure holds without tshark too
    if (QStandardPaths::findExecutable("tshark").isEmpty())
        QSKIP("tshark is not installed: the Wireshark view is not checked (the structure was)");

    const Run plain = tshark({"-r", path});
    QCOMPARE(plain.exitCode, 0);
    QVERIFY2(plain.err.isEmpty(), qPrintable("tshark warned: " + plain.err));
    QCOMPARE(lines(plain.out).size(), qsizetype(packets.size()));

    const Run fields =
        tshark({"-r", path, "-T", "fields", "-E", "separator=|", "-e", "frame.interface_name", "-e",
                "frame.interface_description", "-e", "frame.comment"});
    QVERIFY2(fields.err.isEmpty(), qPrintable(fields.err));
    const QStringList rows = lines(fields.out);
    QCOMPARE(rows.size(), qsizetype(packets.size()));
    for (std::size_t i = 0; i < packets.size(); ++i) {
        const QStringList row = rows[qsizetype(i)].split('|');
        QCOMPARE(row.size(), 3);
        QCOMPARE(row[0],
                 packets[i].interfaceId == 0 ? "flowlab-client/eth0" : "flowlab-docker/veth1a2b");
        QCOMPARE(row[1], packets[i].interfaceId == 0 ? "client side, before DNAT"
                                                     : "container side, after DNAT");
        QCOMPARE(row[2], QString::fromStdString(packets[i].comment));
    }

    // The names come from the file's name resolution block only: no resolver is asked.
    const Run names = tshark({"-r", path, "-N", "n", "-o",
                              "nameres.use_external_name_resolver:FALSE", "-T", "fields", "-E",
                              "separator=|", "-e", "ip.src_host", "-e", "ip.dst_host", "-c", "1"});
    QVERIFY2(names.err.isEmpty(), qPrintable(names.err));
    QCOMPARE(lines(names.out), QStringList{"flowlab-client|flowlab-docker"});
}

void TestPcapngWriter::readerRejectsDamage_data()
{
    QTest::addColumn<int>("cut");    // bytes to drop from the end; negative: bytes to append
    QTest::addColumn<int>("offset"); // a byte to overwrite, -1 for none
    QTest::addColumn<int>("value");
    QTest::addColumn<QString>("message");
    QTest::newRow("trailing bytes") << -6 << -1 << 0 << "6 trailing bytes, too short for a block";
    QTest::newRow("cut one block short") << 4 << -1 << 0 << "runs past the end of the file";
    QTest::newRow("length not a multiple of 4") << 0 << 4 << 0x1d << "not a multiple of 4";
    QTest::newRow("trailer differs") << 0 << 40 << 0x30 << "differs from the leading";
    QTest::newRow("no section header") << 0 << 0 << 0x06 << "does not start with a section";
}

void TestPcapngWriter::readerRejectsDamage()
{
    QFETCH(int, cut);
    QFETCH(int, offset);
    QFETCH(int, value);
    QFETCH(QString, message);
    PcapngWriter writer;
    fill(writer, lessonPackets());
    std::vector<std::uint8_t> bytes = writer.bytes();
    bytes.resize(std::size_t(std::int64_t(bytes.size()) - cut));
    if (offset >= 0)
        bytes[std::size_t(offset)] = std::uint8_t(value);
    const Result<PcapngFile> file = readPcapng(bytes);
    QVERIFY(!file.ok());
    const QString text = QString::fromStdString(file.error().message());
    QVERIFY2(text.startsWith("pcapng block at offset "), qPrintable(text));
    QVERIFY2(text.contains(message), qPrintable(text));
}

// Found by fuzz_packet_decoder: an interface in whole seconds (if_tsresol 0x80, 2^-0) and a
// timestamp near 2^64 overflowed the conversion to nanoseconds. It saturates instead.
void TestPcapngWriter::readerSaturatesTimestamps()
{
    PcapngWriter writer("Flowlab");                      // a 44-byte section header block
    writer.addInterface({"", "", LinkType::Raw, 0, {}}); // if_tsresol is the first option
    QVERIFY(writer.addPacket(0, 5, std::vector<std::uint8_t>{0x45}, 1).ok());
    std::vector<std::uint8_t> bytes = writer.bytes();
    const std::size_t tsresol = 44 + 16 + 4; // block header, linktype and snaplen, option header
    const std::size_t timestampHigh = 44 + 32 + 12; // the 32-byte IDB, then the EPB's fields
    QCOMPARE(bytes[tsresol], 9);
    bytes[tsresol] = 0x80;
    std::fill_n(bytes.begin() + std::ptrdiff_t(timestampHigh), 8, 0xff);
    const Result<PcapngFile> file = readPcapng(bytes);
    QVERIFY(file.ok());
    QCOMPARE(file->packets.at(0).timestampNs, std::numeric_limits<std::int64_t>::max());
}

QTEST_APPLESS_MAIN(TestPcapngWriter)
#include "tst_pcapng_writer.moc"
