// DNS messages through the responder: queries built byte by byte here (not with the library
// the server uses), responses checked at the header and record level. EDNS0, truncation,
// and what malformed input gets. No network.

#include "DnsFixtures.h"
#include "engine/kube/dns/DnsResponder.h"

#include <QRandomGenerator>
#include <QTest>

using namespace flowlab::kube::dns;
using namespace flowlab::kube::dns::test;

namespace {

struct QueryOptions
{
    std::uint16_t id = 0x1234;
    std::uint16_t type = 1;
    bool recursionDesired = true;
    int ednsUdpSize = -1; // -1: no OPT record
    std::uint8_t ednsVersion = 0;
    std::uint8_t opcode = 0;
    std::uint16_t questions = 1;
};

void put16(std::string &out, std::uint16_t value)
{
    out += char(value >> 8);
    out += char(value & 0xFF);
}

std::string query(const std::string &name, QueryOptions options = {})
{
    std::string out;
    put16(out, options.id);
    out += char((options.opcode << 3) | (options.recursionDesired ? 1 : 0));
    out += char(0);
    put16(out, options.questions);
    put16(out, 0);
    put16(out, 0);
    put16(out, options.ednsUdpSize >= 0 ? 1 : 0);
    for (int i = 0; i < options.questions; ++i) {
        std::size_t start = 0;
        while (start < name.size()) {
            std::size_t dot = name.find('.', start);
            if (dot == std::string::npos)
                dot = name.size();
            out += char(dot - start);
            out += name.substr(start, dot - start);
            start = dot + 1;
        }
        out += char(0);
        put16(out, options.type);
        put16(out, 1); // IN
    }
    if (options.ednsUdpSize >= 0) {
        out += char(0); // root owner
        put16(out, 41); // OPT
        put16(out, std::uint16_t(options.ednsUdpSize));
        out += char(0);                   // extended rcode
        out += char(options.ednsVersion); // version
        put16(out, 0);                    // DO and Z
        put16(out, 0);                    // no options
    }
    return out;
}

// The header of a response, read by hand.
struct Header
{
    std::uint16_t id = 0;
    bool qr = false, aa = false, tc = false, rd = false, ra = false;
    int rcode = 0;
    int qd = 0, an = 0, ns = 0, ar = 0;
};

Header header(const std::string &bytes)
{
    const auto at = [&](std::size_t i) { return std::uint8_t(bytes.at(i)); };
    Header h;
    h.id = std::uint16_t(at(0) << 8 | at(1));
    h.qr = at(2) & 0x80;
    h.aa = at(2) & 0x04;
    h.tc = at(2) & 0x02;
    h.rd = at(2) & 0x01;
    h.ra = at(3) & 0x80;
    h.rcode = at(3) & 0x0F;
    h.qd = at(4) << 8 | at(5);
    h.an = at(6) << 8 | at(7);
    h.ns = at(8) << 8 | at(9);
    h.ar = at(10) << 8 | at(11);
    return h;
}

// The OPT record that ends a response: {udp size, extended rcode, version}.
std::array<int, 3> trailingOpt(const std::string &bytes)
{
    // root name (1), type (2), class = udp size (2), ttl = ext rcode, version, flags (4),
    // rdlength (2) = 0: 11 bytes.
    const std::string opt = bytes.substr(bytes.size() - 11);
    const auto at = [&](std::size_t i) { return std::uint8_t(opt.at(i)); };
    if (at(0) != 0 || (at(1) << 8 | at(2)) != 41)
        return {-1, -1, -1};
    return {at(3) << 8 | at(4), at(5), at(6)};
}

Json manyEndpoints(int count)
{
    std::vector<FixtureEndpoint> endpoints;
    for (int i = 0; i < count; ++i)
        endpoints.push_back(
            {"10.42." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 2)});
    return endpointSlice("default", "big-1", "big", endpoints, Json::array());
}

} // namespace

class TestKubeDnsWire : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void answersAQuery();
    void evidenceDescribesTheExchange();
    void ednsIsAnsweredWithOpt();
    void ednsVersionAboveZeroIsBadvers();
    void bigUdpAnswersAreTruncated();
    void malformedQueries_data();
    void malformedQueries();
    void randomBytesNeverCrash();

private:
    ServiceDirectory m_directory;
    std::unique_ptr<ClusterResolver> m_resolver;
    std::unique_ptr<DnsResponder> m_responder;
};

void TestKubeDnsWire::initTestCase()
{
    fillDirectory(m_directory);
    m_directory.applyService(service("default", "big", {{"clusterIP", "None"}}));
    m_directory.applyEndpointSlice(manyEndpoints(100));
    m_resolver = std::make_unique<ClusterResolver>(m_directory);
    m_responder = std::make_unique<DnsResponder>(*m_resolver);
}

void TestKubeDnsWire::answersAQuery()
{
    const Exchange done = m_responder->respond(query("web.default.svc.cluster.local"),
                                               Transport::Udp, "10.42.0.7:5000");
    QVERIFY(done.answered);
    const Header h = header(done.response);
    QCOMPARE(h.id, std::uint16_t(0x1234));
    QVERIFY(h.qr);
    QVERIFY(h.aa);
    QVERIFY(h.rd);  // echoed
    QVERIFY(!h.ra); // no recursion here
    QVERIFY(!h.tc);
    QCOMPARE(h.rcode, 0);
    QCOMPARE(h.qd, 1);
    QCOMPARE(h.an, 1);
    QCOMPARE(h.ar, 0);
    // The last RDATA is the ClusterIP, and its TTL, 5 s, sits 10 bytes before it.
    QCOMPARE(done.response.substr(done.response.size() - 4), std::string("\x0a\x2b\x00\x11", 4));
    QCOMPARE(done.response.substr(done.response.size() - 10, 4), std::string("\0\0\0\x05", 4));

    const Exchange refused = m_responder->respond(query("example.com"), Transport::Udp, "c:1");
    QCOMPARE(header(refused.response).rcode, 5);
    QVERIFY(!header(refused.response).aa);
    const Exchange missing =
        m_responder->respond(query("nope.default.svc.cluster.local"), Transport::Udp, "c:1");
    QCOMPARE(header(missing.response).rcode, 3);
    QCOMPARE(header(missing.response).ns, 1); // the SOA
}

void TestKubeDnsWire::evidenceDescribesTheExchange()
{
    const Exchange done =
        m_responder->respond(query("db.shop.svc.cluster.local"), Transport::Tcp, "10.42.0.7:5000");
    const flowlab::Event &event = done.evidence;
    QVERIFY(event.kind == flowlab::EventKind::Dns);
    const Json &a = event.attributes;
    QCOMPARE(a.at("client").get<std::string>(), std::string("10.42.0.7:5000"));
    QCOMPARE(a.at("transport").get<std::string>(), std::string("tcp"));
    QCOMPARE(a.at("dns_name").get<std::string>(), std::string("db.shop.svc.cluster.local"));
    QCOMPARE(a.at("dns_type").get<std::string>(), std::string("A"));
    QCOMPARE(a.at("dns_rcode").get<std::string>(), std::string("NOERROR"));
    QVERIFY2(a.at("dns_answers") == Json({"A 10.42.0.5", "A 10.42.1.7"}),
             a.at("dns_answers").dump().c_str());
    QCOMPARE(a.at("answer").at(0).get<std::string>(),
             std::string("db.shop.svc.cluster.local. 5 IN A 10.42.0.5"));
    QCOMPARE(a.at("dns_id").get<int>(), 0x1234);
    QVERIFY(a.at("note").get<std::string>().find("headless") != std::string::npos);
    QVERIFY2(event.summary.starts_with("A db.shop.svc.cluster.local from 10.42.0.7:5000 (tcp): "
                                       "NOERROR A 10.42.0.5, A 10.42.1.7"),
             event.summary.c_str());
}

void TestKubeDnsWire::ednsIsAnsweredWithOpt()
{
    QueryOptions options;
    options.ednsUdpSize = 4096;
    const Exchange done = m_responder->respond(query("web.default.svc.cluster.local", options),
                                               Transport::Udp, "c:1");
    const Header h = header(done.response);
    QCOMPARE(h.rcode, 0);
    QCOMPARE(h.an, 1);
    QCOMPARE(h.ar, 1);
    const auto opt = trailingOpt(done.response);
    QCOMPARE(opt[0], int(kAdvertisedUdpSize));
    QCOMPARE(opt[1], 0);
    QCOMPARE(opt[2], 0);
    QVERIFY(done.evidence.attributes.at("edns").get<bool>());
    QCOMPARE(done.evidence.attributes.at("edns_udp_size").get<int>(), 4096);
}

void TestKubeDnsWire::ednsVersionAboveZeroIsBadvers()
{
    QueryOptions options;
    options.ednsUdpSize = 1232;
    options.ednsVersion = 1;
    const Exchange done = m_responder->respond(query("web.default.svc.cluster.local", options),
                                               Transport::Udp, "c:1");
    // BADVERS is 16: 0 in the header's 4 bits, 1 in the OPT's upper 8 (RFC 6891).
    QCOMPARE(header(done.response).rcode, 0);
    QCOMPARE(header(done.response).an, 0);
    QCOMPARE(trailingOpt(done.response)[1], 1);
    QCOMPARE(done.evidence.attributes.at("dns_rcode").get<std::string>(), std::string("BADVERS"));
}

void TestKubeDnsWire::bigUdpAnswersAreTruncated()
{
    const std::string asked = query("big.default.svc.cluster.local");
    const Exchange udp = m_responder->respond(asked, Transport::Udp, "c:1");
    QVERIFY(header(udp.response).tc);
    QCOMPARE(header(udp.response).an, 0);
    QCOMPARE(header(udp.response).qd, 1);
    QVERIFY(udp.response.size() <= 512);
    QVERIFY(udp.evidence.attributes.at("truncated").get<bool>());

    const Exchange tcp = m_responder->respond(asked, Transport::Tcp, "c:1");
    QVERIFY(!header(tcp.response).tc);
    QCOMPARE(header(tcp.response).an, 100);
    QVERIFY(tcp.response.size() > 512);

    QueryOptions large;
    large.ednsUdpSize = 4096;
    const Exchange edns =
        m_responder->respond(query("big.default.svc.cluster.local", large), Transport::Udp, "c:1");
    QVERIFY(!header(edns.response).tc);
    QCOMPARE(header(edns.response).an, 100);

    // A buffer size below 512 means 512 (RFC 6891 6.2.5).
    QueryOptions tiny;
    tiny.ednsUdpSize = 100;
    const Exchange small =
        m_responder->respond(query("web.default.svc.cluster.local", tiny), Transport::Udp, "c:1");
    QVERIFY(!header(small.response).tc);
}

void TestKubeDnsWire::malformedQueries_data()
{
    QTest::addColumn<QByteArray>("packet");
    QTest::addColumn<bool>("answered");
    QTest::addColumn<int>("rcode");

    const auto bytes = [](const std::string &s) {
        return QByteArray(s.data(), qsizetype(s.size()));
    };
    std::string good = query("web.default.svc.cluster.local");
    QTest::newRow("empty") << QByteArray() << false << -1;
    QTest::newRow("shorter than a header") << bytes(good.substr(0, 11)) << false << -1;
    std::string response = good;
    response[2] = char(response[2] | 0x80);
    QTest::newRow("a response (QR set)") << bytes(response) << false << -1;
    QTest::newRow("the question cut off") << bytes(good.substr(0, 20)) << true << 1;
    QueryOptions two;
    two.questions = 2;
    QTest::newRow("two questions")
        << bytes(query("web.default.svc.cluster.local", two)) << true << 1;
    QueryOptions status;
    status.opcode = 2;
    QTest::newRow("opcode STATUS")
        << bytes(query("web.default.svc.cluster.local", status)) << true << 4;
    std::string loop = good.substr(0, 12) + std::string("\xc0\x0c\x00\x01\x00\x01", 6);
    QTest::newRow("a compression pointer to itself") << bytes(loop) << true << 1;
    std::string longLabel =
        good.substr(0, 12) + char(70) + std::string(70, 'a') + std::string("\0\0\1\0\1", 5);
    QTest::newRow("a label longer than 63") << bytes(longLabel) << true << 1;
}

void TestKubeDnsWire::malformedQueries()
{
    QFETCH(QByteArray, packet);
    QFETCH(bool, answered);
    QFETCH(int, rcode);
    const Exchange done = m_responder->respond(
        std::string_view(packet.constData(), std::size_t(packet.size())), Transport::Udp, "c:1");
    QCOMPARE(done.answered, answered);
    if (!answered) {
        QVERIFY(done.response.empty());
        QVERIFY(done.evidence.attributes.contains("dropped"));
        return;
    }
    const Header h = header(done.response);
    QCOMPARE(h.id, std::uint16_t(0x1234));
    QVERIFY(h.qr);
    QCOMPARE(h.rcode, rcode);
    QVERIFY(done.evidence.attributes.contains("problem"));
}

void TestKubeDnsWire::randomBytesNeverCrash()
{
    // Seeded, so that a failure can be replayed: random packets, and valid queries with random
    // bytes flipped. Every answer must be a response to the same ID.
    QRandomGenerator random(20240611);
    const std::string base = query("_http._tcp.web.default.svc.cluster.local", {0x4242, 33});
    int answered = 0;
    for (int i = 0; i < 4000; ++i) {
        std::string packet;
        if (i % 2 == 0) {
            packet.resize(random.bounded(0, 600));
            for (char &c : packet)
                c = char(random.bounded(256));
        } else {
            packet = base;
            for (int flips = random.bounded(1, 6); flips > 0; --flips)
                packet[random.bounded(int(packet.size()))] = char(random.bounded(256));
            if (random.bounded(4) == 0)
                packet.resize(random.bounded(int(packet.size())));
        }
        const Exchange done =
            m_responder->respond(packet, i % 3 ? Transport::Udp : Transport::Tcp, "c:1");
        if (!done.answered)
            continue;
        ++answered;
        QVERIFY(done.response.size() >= 12);
        const Header h = header(done.response);
        QVERIFY(h.qr);
        QCOMPARE(h.id, std::uint16_t(std::uint8_t(packet[0]) << 8 | std::uint8_t(packet[1])));
        if (i % 3)
            QVERIFY(done.response.size() <= 4096);
    }
    QVERIFY2(answered > 500, "most mutated queries still get an answer (often FORMERR)");
}

QTEST_APPLESS_MAIN(TestKubeDnsWire)
#include "tst_kube_dns_wire.moc"
