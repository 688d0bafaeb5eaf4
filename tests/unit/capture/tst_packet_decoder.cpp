// PacketDecoder over real frames (fixtures/make_fixtures.sh captured them between two namespaces
// with the lab's addresses), over frames changed by hand to reach the other paths, and over
// every truncation of every frame.

#include "tracer/capture/PacketDecoder.h"
#include "tracer/capture/PcapngReader.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QtTest>

using namespace flowlab;

Q_DECLARE_METATYPE(flowlab::LinkType)

namespace {

const QString kSession = QStringLiteral(CAPTURE_FIXTURES "/lab_session.pcapng");
const QString kSll2 = QStringLiteral(CAPTURE_FIXTURES "/any_sll2.pcapng");

const PcapngFile &fixture(const QString &path)
{
    static std::map<QString, PcapngFile> loaded;
    auto found = loaded.find(path);
    if (found == loaded.end()) {
        Result<PcapngFile> file = readPcapngFile(path.toStdString());
        if (!file)
            qFatal("%s", file.error().message().c_str());
        found = loaded.emplace(path, std::move(file).value()).first;
    }
    return found->second;
}

// Frame `number` (1-based, as Wireshark counts) of the lab session.
QByteArray frame(int number, const QString &path = kSession)
{
    const auto &data = fixture(path).packets.at(std::size_t(number - 1)).data;
    return QByteArray(reinterpret_cast<const char *>(data.data()), qsizetype(data.size()));
}

DecodedPacket decode(const QByteArray &bytes, LinkType linkType = LinkType::Ethernet)
{
    return decodePacket(linkType, std::span(reinterpret_cast<const std::uint8_t *>(bytes.data()),
                                            std::size_t(bytes.size())));
}

QString summaryOf(const QByteArray &bytes, LinkType linkType = LinkType::Ethernet)
{
    return QString::fromStdString(decode(bytes, linkType).summary());
}

QByteArray patched(QByteArray bytes, int offset, const QByteArray &with)
{
    bytes.replace(offset, with.size(), with);
    return bytes;
}

// A TCP SYN over IPv6, fd00:56::2 port 41234 to fd00:56::10 port 80, built by hand.
QByteArray ipv6Syn()
{
    return QByteArray::fromHex("0242c0a8380a0242c0a8380286dd"     // Ethernet
                               "6000000000140640"                 // IPv6: 20 bytes of TCP
                               "fd000056000000000000000000000002" // source
                               "fd000056000000000000000000000010" // destination
                               "a11200500000000100000000500272100000000"
                               "0"); // TCP: SYN
}

} // namespace

class TestPacketDecoder : public QObject
{
    Q_OBJECT

private slots:
    void summaries_data();
    void summaries();
    void fields();
    void flowKeys();
    void everyTruncationDecodesSafely();
    void garbage();
    void agreesWithTshark();
};

void TestPacketDecoder::summaries_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<LinkType>("linkType");
    QTest::addColumn<QString>("summary");
    const auto eth = LinkType::Ethernet;
    const QString syn = "TCP 192.168.56.2:41234 → 192.168.56.10:8080 ";

    QTest::newRow("arp who-has") << frame(1) << eth
                                 << "ARP who-has 192.168.56.10 tell 192.168.56.2";
    QTest::newRow("arp is-at") << frame(2) << eth << "ARP 192.168.56.10 is-at 02:42:c0:a8:38:0a";
    QTest::newRow("dns query")
        << frame(3) << eth
        << "UDP 192.168.56.2:40053 → 192.168.56.10:53 DNS query A nginx.default.svc.cluster.local";
    QTest::newRow("dns response") << frame(4) << eth
                                  << "UDP 192.168.56.10:53 → 192.168.56.2:40053 DNS response A "
                                     "nginx.default.svc.cluster.local: A 10.43.0.20";
    QTest::newRow("syn") << frame(5) << eth << syn + "[SYN]";
    QTest::newRow("syn-ack") << frame(6) << eth
                             << "TCP 192.168.56.10:8080 → 192.168.56.2:41234 [SYN,ACK]";
    QTest::newRow("ack") << frame(7) << eth << syn + "[ACK]";
    QTest::newRow("http get") << frame(8) << eth << syn + "[PSH,ACK] GET / HTTP/1.1";
    QTest::newRow("http 200") << frame(10) << eth
                              << "TCP 192.168.56.10:8080 → 192.168.56.2:41234 [PSH,ACK] "
                                 "HTTP/1.1 200 OK";
    QTest::newRow("fin-ack") << frame(12) << eth
                             << "TCP 192.168.56.10:8080 → 192.168.56.2:41234 [FIN,ACK]";
    QTest::newRow("icmp echo request")
        << frame(15) << eth << "ICMP 192.168.56.2 → 192.168.56.10 echo request id=7 seq=1";
    QTest::newRow("icmp echo reply")
        << frame(16) << eth << "ICMP 192.168.56.10 → 192.168.56.2 echo reply id=7 seq=1";
    QTest::newRow("icmpv6 echo request")
        << frame(17) << eth << "ICMPv6 fd00:56::2 → fd00:56::10 echo request id=7 seq=2";

    // Linux cooked v2 (a capture on "any") and raw IP.
    QTest::newRow("sll2 syn") << frame(1, kSll2) << LinkType::LinuxSll2
                              << "TCP 192.168.56.2:41300 → 192.168.56.10:8080 [SYN]";
    QTest::newRow("sll2 http 204") << frame(6, kSll2) << LinkType::LinuxSll2
                                   << "TCP 192.168.56.10:8080 → 192.168.56.2:41300 [PSH,ACK] "
                                      "HTTP/1.1 204 No Content";
    QTest::newRow("raw ip syn") << frame(5).mid(14) << LinkType::Raw << syn + "[SYN]";
    QTest::newRow("sll v1 syn") << QByteArray::fromHex("00000001000602420c0a838020000800") +
                                       frame(5).mid(14)
                                << LinkType::LinuxSll << syn + "[SYN]";

    // Frames changed by hand: TCP flags sit at byte 47 of these frames (14 + 20 + 13).
    QTest::newRow("rst") << patched(frame(5), 47, "\x04") << eth << syn + "[RST]";
    QTest::newRow("rst-ack") << patched(frame(5), 47, "\x14") << eth << syn + "[RST,ACK]";
    QTest::newRow("no flags") << patched(frame(5), 47, QByteArray(1, '\0')) << eth
                              << syn + "[none]";
    QTest::newRow("vlan tag") << frame(5).insert(12, QByteArray::fromHex("81000005")) << eth
                              << syn + "[SYN]";
    QTest::newRow("ipv6 tcp") << ipv6Syn() << eth
                              << "TCP [fd00:56::2]:41234 → [fd00:56::10]:80 [SYN]";
    QTest::newRow("ethernet padding") << frame(7) + QByteArray(10, '\0') << eth << syn + "[ACK]";
    QTest::newRow("lldp") << patched(frame(5), 12, "\x88\xcc") << eth
                          << "Ethernet 02:42:c0:a8:38:02 → 02:42:c0:a8:38:0a LLDP";
    QTest::newRow("unknown ethertype")
        << patched(frame(5), 12, "\x12\x34") << eth
        << "Ethernet 02:42:c0:a8:38:02 → 02:42:c0:a8:38:0a type 0x1234";
    QTest::newRow("gre") << patched(frame(5), 23, "\x2f") << eth
                         << "IPv4 192.168.56.2 → 192.168.56.10 proto 47";
    QTest::newRow("later fragment") << patched(frame(5), 20, QByteArray::fromHex("0010")) << eth
                                    << "IPv4 192.168.56.2 → 192.168.56.10 proto tcp fragment";
    QTest::newRow("dns nxdomain") << patched(frame(4), 45, "\x83") << eth
                                  << "UDP 192.168.56.10:53 → 192.168.56.2:40053 DNS response A "
                                     "nginx.default.svc.cluster.local NXDOMAIN: A 10.43.0.20";
    QTest::newRow("not http") << patched(frame(8), 66, "XET") << eth << syn + "[PSH,ACK]";

    // Cut short or malformed: decoded as far as it goes, and the problem named.
    QTest::newRow("empty") << QByteArray() << eth
                           << "ethernet frame of 0 bytes (truncated ethernet header)";
    QTest::newRow("cut in ethernet")
        << frame(5).left(10) << eth << "ethernet frame of 10 bytes (truncated ethernet header)";
    QTest::newRow("cut in ip") << frame(5).left(20) << eth
                               << "Ethernet 02:42:c0:a8:38:02 → 02:42:c0:a8:38:0a IPv4 "
                                  "(truncated ipv4 header)";
    QTest::newRow("cut in tcp") << frame(5).left(40) << eth
                                << "IPv4 192.168.56.2 → 192.168.56.10 proto tcp "
                                   "(truncated tcp header)";
    QTest::newRow("cut in tcp options")
        << frame(5).left(60) << eth << syn + "[SYN] (truncated tcp options)";
    QTest::newRow("ip header length 12") << patched(frame(5), 14, "\x43") << eth
                                         << "Ethernet 02:42:c0:a8:38:02 → 02:42:c0:a8:38:0a IPv4 "
                                            "(malformed ipv4 header: header length 12)";
    QTest::newRow("cut in dns name") << frame(3).left(60) << eth
                                     << "UDP 192.168.56.2:40053 → 192.168.56.10:53 len=49 "
                                        "(truncated dns question)";
    // A compression pointer to itself (offset 12 of the DNS message) must not loop.
    QTest::newRow("dns pointer loop") << patched(frame(3), 54, "\xc0\x0c") << eth
                                      << "UDP 192.168.56.2:40053 → 192.168.56.10:53 len=49 "
                                         "(malformed dns question name)";
    QTest::newRow("raw not ip") << QByteArray("\x11\x22", 2) << LinkType::Raw
                                << "raw frame of 2 bytes (malformed ip header: version 1)";
}

void TestPacketDecoder::summaries()
{
    QFETCH(QByteArray, bytes);
    QFETCH(LinkType, linkType);
    QFETCH(QString, summary);
    QCOMPARE(summaryOf(bytes, linkType), summary);
}

void TestPacketDecoder::fields()
{
    const DecodedPacket get = decode(frame(8));
    QVERIFY(get.ethernet && get.ip && get.tcp);
    QCOMPARE(get.ethernet->src, "02:42:c0:a8:38:02");
    QCOMPARE(get.ip->ttl, 64);
    QCOMPARE(get.tcp->payloadLength, 65u);
    QCOMPARE(get.tcp->flags, TcpPsh | TcpAck);

    const nlohmann::json attrs = get.attributes();
    QCOMPARE(attrs.at("src"), "192.168.56.2");
    QCOMPARE(attrs.at("dst"), "192.168.56.10");
    QCOMPARE(attrs.at("sport"), 41234);
    QCOMPARE(attrs.at("dport"), 8080);
    QCOMPARE(attrs.at("proto"), "tcp");
    QCOMPARE(attrs.at("flags"), "PSH,ACK");
    QCOMPARE(attrs.at("http"), "GET / HTTP/1.1");
    QCOMPARE(attrs.at("payload_len"), 65);
    QVERIFY(!attrs.contains("problem"));

    const nlohmann::json padded = decode(frame(7) + QByteArray(10, '\0')).attributes();
    QCOMPARE(padded.at("payload_len"), 0); // padding is not payload

    const nlohmann::json dns = decode(frame(4)).attributes();
    QCOMPARE(dns.at("proto"), "udp");
    QCOMPARE(dns.at("dns_qr"), "response");
    QCOMPARE(dns.at("dns_name"), "nginx.default.svc.cluster.local");
    QCOMPARE(dns.at("dns_type"), "A");
    QCOMPARE(dns.at("dns_rcode"), "NOERROR");
    QCOMPARE(dns.at("dns_answers"), nlohmann::json::array({"A 10.43.0.20"}));
    QCOMPARE(dns.at("dns_id"), 0x1234);

    const nlohmann::json arp = decode(frame(1)).attributes();
    QCOMPARE(arp.at("proto"), "arp");
    QCOMPARE(arp.at("arp_op"), "who-has");
    QCOMPARE(arp.at("src"), "192.168.56.2");
    QCOMPARE(arp.at("dst"), "192.168.56.10");
    QCOMPARE(arp.at("dst_mac"), "ff:ff:ff:ff:ff:ff");

    const nlohmann::json icmp = decode(frame(15)).attributes();
    QCOMPARE(icmp.at("proto"), "icmp");
    QCOMPARE(icmp.at("icmp_type"), 8);
    QCOMPARE(icmp.at("icmp_code"), 0);
    QCOMPARE(icmp.at("icmp_id"), 7);

    const nlohmann::json cut = decode(frame(5).left(40)).attributes();
    QCOMPARE(cut.at("problem"), "truncated tcp header");
    QVERIFY(!cut.contains("sport"));

    QCOMPARE(tcpFlagsText(TcpFin | TcpPsh | TcpAck), "FIN,PSH,ACK");
    QCOMPARE(dnsTypeName(28), "AAAA");
    QCOMPARE(dnsTypeName(99), "TYPE99");
    QCOMPARE(dnsRcodeName(3), "NXDOMAIN");
    QCOMPARE(dnsRcodeName(11), "RCODE11");
    QCOMPARE((IcmpMessage{false, 3, 3, {}, {}}.description()), "destination unreachable (port)");
    QCOMPARE((IcmpMessage{false, 42, 1, {}, {}}.description()), "type 42 code 1");
}

void TestPacketDecoder::flowKeys()
{
    const auto request = decode(frame(5)).flowKey();
    const auto reply = decode(frame(6)).flowKey();
    QVERIFY(request && reply);
    QCOMPARE(request->toString(), "tcp 192.168.56.2:41234 → 192.168.56.10:8080");
    QVERIFY(*reply == request->reversed());
    QVERIFY(*decode(frame(8)).flowKey() == *request);

    const auto dns = decode(frame(3)).flowKey();
    QVERIFY(dns);
    QCOMPARE(dns->protocol, 17);
    QCOMPARE(dns->dstPort, 53);
    const auto ping = decode(frame(15)).flowKey();
    QVERIFY(ping);
    QCOMPARE(ping->srcPort, 7);           // the echo identifier, as conntrack keys ICMP
    QVERIFY(!decode(frame(1)).flowKey()); // ARP has none
    QVERIFY(!decode(frame(5).left(40)).flowKey());
}

// Every prefix of every fixture frame, as every link type: decodes, summarises in one line,
// and serialises its attributes (strict UTF-8). The sanitized fuzz replay covers the same
// ground for memory safety.
void TestPacketDecoder::everyTruncationDecodesSafely()
{
    int decoded = 0;
    for (const QString &path : {kSession, kSll2}) {
        for (const PcapngPacket &packet : fixture(path).packets) {
            for (LinkType type :
                 {LinkType::Ethernet, LinkType::Raw, LinkType::LinuxSll, LinkType::LinuxSll2}) {
                for (std::size_t length = 0; length <= packet.data.size(); ++length) {
                    const DecodedPacket d =
                        decodePacket(type, std::span(packet.data.data(), length));
                    const std::string summary = d.summary();
                    QVERIFY(!summary.empty());
                    QVERIFY(summary.find('\n') == std::string::npos);
                    QVERIFY(!d.attributes().dump().empty());
                    ++decoded;
                }
            }
        }
    }
    QVERIFY(decoded > 1000);

    // Cut anywhere inside its headers, the SYN says what was cut.
    const QByteArray syn = frame(5);
    for (int length = 0; length < 14 + 20 + 40; ++length)
        QVERIFY2(!decode(syn.left(length)).problem.empty(), qPrintable(QString::number(length)));
    QVERIFY(decode(syn).problem.empty());
}

void TestPacketDecoder::garbage()
{
    QRandomGenerator random(7);
    for (int i = 0; i < 20000; ++i) {
        QByteArray bytes(random.bounded(0, 200), Qt::Uninitialized);
        for (char &c : bytes)
            c = char(random.bounded(256));
        if (i % 2 == 0 && bytes.size() > 14) // mostly IPv4 over Ethernet, to get deeper
            bytes.replace(12, 3, QByteArray::fromHex("080045"));
        const auto type = std::array{LinkType::Ethernet, LinkType::Raw, LinkType::LinuxSll,
                                     LinkType::LinuxSll2}[std::size_t(i % 4)];
        const DecodedPacket d = decode(bytes, type);
        QVERIFY(!d.summary().empty());
        QVERIFY(!d.attributes().dump().empty());
    }
}

// The same fields as Wireshark's dissectors, frame by frame.
void TestPacketDecoder::agreesWithTshark()
{
    if (QStandardPaths::findExecutable("tshark").isEmpty())
        QSKIP("tshark is not installed; the pinned summaries above still hold");
    QProcess tshark;
    tshark.start("tshark", {"-r", kSession,       "-T", "fields",      "-E", "separator=|",
                            "-e", "ip.src",       "-e", "ip.dst",      "-e", "ip.ttl",
                            "-e", "tcp.srcport",  "-e", "tcp.dstport", "-e", "tcp.flags",
                            "-e", "tcp.seq_raw",  "-e", "tcp.len",     "-e", "udp.srcport",
                            "-e", "dns.qry.name", "-e", "ipv6.src",    "-e", "arp.src.proto_ipv4"});
    QVERIFY(tshark.waitForFinished(60'000));
    const QStringList lines =
        QString::fromUtf8(tshark.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts);
    const auto &packets = fixture(kSession).packets;
    QCOMPARE(lines.size(), qsizetype(packets.size()));
    for (std::size_t i = 0; i < packets.size(); ++i) {
        const QStringList f = lines[qsizetype(i)].split('|');
        QCOMPARE(f.size(), 12);
        const DecodedPacket d = decodePacket(LinkType::Ethernet, packets[i].data);
        const QString where = QStringLiteral("frame %1").arg(i + 1);
        auto same = [&](const QString &theirs, const QString &ours) {
            QVERIFY2(theirs == ours, qPrintable(where + ": tshark " + theirs + ", ours " + ours));
        };
        const bool v4 = d.ip && d.ip->version == 4;
        same(f[0], v4 ? QString::fromStdString(d.ip->src) : "");
        same(f[1], v4 ? QString::fromStdString(d.ip->dst) : "");
        same(f[2], v4 ? QString::number(d.ip->ttl) : "");
        same(f[3], d.tcp ? QString::number(d.tcp->srcPort) : "");
        same(f[4], d.tcp ? QString::number(d.tcp->dstPort) : "");
        same(f[5], d.tcp ? QStringLiteral("0x%1").arg(d.tcp->flags, 4, 16, QChar('0')) : "");
        same(f[6], d.tcp ? QString::number(d.tcp->seq) : "");
        same(f[7], d.tcp ? QString::number(d.tcp->payloadLength) : "");
        same(f[8], d.udp ? QString::number(d.udp->srcPort) : "");
        same(f[9], d.dns ? QString::fromStdString(d.dns->name) : "");
        same(f[10], d.ip && d.ip->version == 6 ? QString::fromStdString(d.ip->src) : "");
        same(f[11], d.arp ? QString::fromStdString(d.arp->senderIp) : "");
    }
}

QTEST_APPLESS_MAIN(TestPacketDecoder)
#include "tst_packet_decoder.moc"
