// CaptureSet on a real veth: two namespaces of the test's own (fltest-cap-a 10.99.0.1 and
// fltest-cap-b 10.99.0.2), a capture on each end, UDP datagrams and one HTTP exchange from a to b,
// sent by threads that joined the namespaces. Both sides must show the same packets in the same
// order, no drops, a pcapng that tshark reads, and clear errors for what cannot be captured.

#include "tracer/capture/CaptureSet.h"
#include "tracer/capture/NetnsLinks.h"
#include "tracer/capture/PcapngReader.h"
#include "tracer/kernel/Netns.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <arpa/inet.h>
#include <future>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace flowlab;

namespace {

const std::string kNsA = "fltest-cap-a";
const std::string kNsB = "fltest-cap-b";
const std::string kIfA = "veth-a";
const std::string kIfB = "veth-b";
const std::string kSideA = kNsA + "/" + kIfA;
const std::string kSideB = kNsB + "/" + kIfB;

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run run(const QString &program, const QStringList &args)
{
    QProcess process;
    process.start(program, args);
    if (!process.waitForFinished(30'000))
        return {-1, {}, "timed out: " + program + " " + args.join(' ')};
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

// `ip` with arguments; returns stderr on failure, empty on success.
QString ip(const QString &args)
{
    const Run r = run("ip", args.split(' ', Qt::SkipEmptyParts));
    return r.exitCode == 0 ? QString() : "ip " + args + ": " + r.err.trimmed();
}

void deleteNamespaces()
{
    for (const std::string &ns : {kNsA, kNsB})
        if (QFile::exists(QString::fromStdString(netnsPath(ns))))
            ip("netns del " + QString::fromStdString(ns));
}

// Runs `body` on a thread that joined the namespace; the caller's thread stays where it is.
template <typename Body> std::thread threadIn(const std::string &ns, Body body)
{
    return std::thread([ns, body]() mutable {
        Status joined = enterNetns(netnsPath(ns));
        if (!joined)
            qFatal("joining %s: %s", ns.c_str(), joined.error().message().c_str());
        body();
    });
}

sockaddr_in address(const char *ip, std::uint16_t port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

int boundSocket(int type, const char *ip, std::uint16_t port)
{
    const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const int buffer = 4 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer);
    const sockaddr_in a = address(ip, port);
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0)
        qFatal("bind %s:%u: %s", ip, port, strerror(errno));
    return fd;
}

// b: a UDP sink on :9000 (so no port-unreachable replies) and one HTTP exchange on :8080.
std::thread startServer(std::promise<void> &ready, int datagrams)
{
    return threadIn(kNsB, [&ready, datagrams] {
        const int udp = boundSocket(SOCK_DGRAM, "10.99.0.2", 9000);
        const int listener = boundSocket(SOCK_STREAM, "10.99.0.2", 8080);
        ::listen(listener, 1);
        ready.set_value();
        char buffer[2048];
        for (int i = 0; i < datagrams; ++i)
            if (::recv(udp, buffer, sizeof buffer, 0) < 0)
                break;
        const int connection = ::accept(listener, nullptr, nullptr);
        if (connection >= 0) {
            (void)::recv(connection, buffer, sizeof buffer, 0);
            const char response[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
            (void)::send(connection, response, sizeof response - 1, 0);
            ::close(connection);
        }
        ::close(listener);
        ::close(udp);
    });
}

// a: `datagrams` UDP datagrams 10.99.0.1:40000 → 10.99.0.2:9000, then a GET to :8080.
void sendTraffic(int datagrams, bool http)
{
    threadIn(kNsA, [datagrams, http] {
        const int udp = boundSocket(SOCK_DGRAM, "10.99.0.1", 40000);
        const sockaddr_in to = address("10.99.0.2", 9000);
        for (int i = 0; i < datagrams; ++i) {
            const std::string text = "hello " + std::to_string(i % 10);
            (void)::sendto(udp, text.data(), text.size(), 0,
                           reinterpret_cast<const sockaddr *>(&to), sizeof to);
        }
        ::close(udp);
        if (!http)
            return;
        const int tcp = boundSocket(SOCK_STREAM, "10.99.0.1", 41234);
        const sockaddr_in server = address("10.99.0.2", 8080);
        if (::connect(tcp, reinterpret_cast<const sockaddr *>(&server), sizeof server) != 0)
            qFatal("connect: %s", strerror(errno));
        const char request[] = "GET / HTTP/1.1\r\nHost: 10.99.0.2:8080\r\n\r\n";
        (void)::send(tcp, request, sizeof request - 1, 0);
        char buffer[2048];
        while (::recv(tcp, buffer, sizeof buffer, 0) > 0) {
        }
        ::close(tcp);
    }).join();
}

std::vector<Event> packetEvents(const EventLog &log, const std::string &interface)
{
    std::vector<Event> events;
    for (const Event &event : log.snapshot())
        if (event.kind == EventKind::Packet && event.attributes.at("interface") == interface)
            events.push_back(event);
    return events;
}

// The TCP and UDP summaries in order (ARP, which comes and goes with the neighbour cache, left
// out).
QStringList transportSummaries(const std::vector<Event> &events)
{
    QStringList summaries;
    for (const Event &event : events) {
        const std::string proto = event.attributes.value("proto", "");
        if (proto == "tcp" || proto == "udp")
            summaries << QString::fromStdString(event.summary);
    }
    return summaries;
}

QString statsText(const std::vector<CaptureStats> &stats)
{
    QStringList lines;
    for (const CaptureStats &s : stats)
        lines << QString::fromStdString(s.toString());
    return lines.join("; ");
}

} // namespace

class TestPacketCapture : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void bothSidesSeeTheSameExchange();
    void errorsNameTheInterface();
    void lifecycle();
    void filterApplies();
    void allInterfacesOfANamespace();
    void linkThatVanishes();
    void burstWithoutDrops();

private:
    QTemporaryDir m_dir;
};

void TestPacketCapture::initTestCase()
{
    if (::geteuid() != 0)
        QSKIP("needs root: creates the network namespaces fltest-cap-a and fltest-cap-b");
    deleteNamespaces(); // left over by a run that crashed
    for (const std::string &ns : {kNsA, kNsB}) {
        const QString name = QString::fromStdString(ns);
        QCOMPARE(ip("netns add " + name), QString());
        // No IPv6 on the test links: router solicitations and MLD reports would interleave.
        const Run sysctl =
            run("ip", {"netns", "exec", name, "sysctl", "-qw",
                       "net.ipv6.conf.default.disable_ipv6=1", "net.ipv6.conf.all.disable_ipv6=1"});
        QVERIFY2(sysctl.exitCode == 0, qPrintable(sysctl.err));
        QCOMPARE(ip("-n " + name + " link set lo up"), QString());
    }
    QCOMPARE(ip("-n fltest-cap-a link add veth-a type veth peer name veth-b netns fltest-cap-b"),
             QString());
    QCOMPARE(ip("-n fltest-cap-a addr add 10.99.0.1/24 dev veth-a"), QString());
    QCOMPARE(ip("-n fltest-cap-b addr add 10.99.0.2/24 dev veth-b"), QString());
    QCOMPARE(ip("-n fltest-cap-a link set veth-a up"), QString());
    QCOMPARE(ip("-n fltest-cap-b link set veth-b up"), QString());
}

void TestPacketCapture::cleanupTestCase()
{
    if (::geteuid() != 0)
        return;
    deleteNamespaces();
    for (const std::string &ns : {kNsA, kNsB})
        QVERIFY(!QFile::exists(QString::fromStdString(netnsPath(ns))));
}

void TestPacketCapture::bothSidesSeeTheSameExchange()
{
    EventLog log;
    CaptureSet captures(log);
    QVERIFY(captures.start().ok());
    const Result<std::uint32_t> a = captures.addInterface(kNsA, kIfA, "client side");
    QVERIFY2(a.ok(), a.ok() ? "" : a.error().message().c_str());
    const Result<std::uint32_t> b = captures.addInterface(kNsB, kIfB, "server side");
    QVERIFY2(b.ok(), b.ok() ? "" : b.error().message().c_str());
    QCOMPARE(*a, 0u);
    QCOMPARE(*b, 1u);

    std::promise<void> ready;
    std::thread server = startServer(ready, 5);
    ready.get_future().wait();
    sendTraffic(5, true);
    server.join();

    const Result<std::vector<CaptureStats>> stats = captures.stop();
    QVERIFY(stats.ok());
    QVERIFY(captures.state() == CaptureState::Stopped);
    QCOMPARE(stats->size(), 2u);
    for (const CaptureStats &s : *stats) {
        QVERIFY2(s.drops() == 0, s.toString().c_str());
        QVERIFY2(s.statsError.empty() && s.endError.empty(), s.toString().c_str());
    }

    const std::vector<Event> sideA = packetEvents(log, kSideA);
    const std::vector<Event> sideB = packetEvents(log, kSideB);
    const QStringList summariesA = transportSummaries(sideA);
    const QStringList summariesB = transportSummaries(sideB);
    const QString forward = "TCP 10.99.0.1:41234 → 10.99.0.2:8080 ";
    const QString back = "TCP 10.99.0.2:8080 → 10.99.0.1:41234 ";
    QStringList expected;
    for (int i = 0; i < 5; ++i)
        expected << "UDP 10.99.0.1:40000 → 10.99.0.2:9000 len=7";
    expected << forward + "[SYN]" << back + "[SYN,ACK]" << forward + "[ACK]"
             << forward + "[PSH,ACK] GET / HTTP/1.1";
    QVERIFY2(summariesA.size() > expected.size(), qPrintable(summariesA.join('\n')));
    QCOMPARE(summariesA.mid(0, expected.size()), expected);
    // After the request: the response, then both FINs (the server closes first).
    const QStringList rest = summariesA.mid(expected.size());
    QVERIFY2(rest.contains(back + "[PSH,ACK] HTTP/1.1 200 OK") ||
                 rest.contains(back + "[FIN,PSH,ACK] HTTP/1.1 200 OK"),
             qPrintable(rest.join('\n')));
    QVERIFY2(rest.filter("[FIN").size() == 2, qPrintable(rest.join('\n')));
    // A veth is a wire: the other end saw the same packets in the same order.
    QCOMPARE(summariesB, summariesA);

    // Each packet pairs with its twin on the far side, where it arrived no earlier than it left.
    QCOMPARE(sideA.size(), sideB.size());
    for (std::size_t i = 0; i < sideA.size(); ++i) {
        QCOMPARE(sideA[i].summary, sideB[i].summary);
        const auto sentAt = sideA[i].attributes.at("ts_ns").get<std::int64_t>();
        const auto arrivedAt = sideB[i].attributes.at("ts_ns").get<std::int64_t>();
        const bool fromA = sideA[i].attributes.at("src") == "10.99.0.1";
        QVERIFY2(fromA ? sentAt <= arrivedAt : arrivedAt <= sentAt, sideA[i].summary.c_str());
    }

    // One event in full.
    const Event &get = *std::find_if(sideA.begin(), sideA.end(),
                                     [](const Event &e) { return e.attributes.contains("http"); });
    qInfo().noquote() << "packet event:" << QString::fromStdString(nlohmann::json(get).dump());
    QCOMPARE(get.source.component, "network");
    QCOMPARE(get.source.node, kNsA);
    QCOMPARE(get.source.netns, kNsA);
    const nlohmann::json &attrs = get.attributes;
    QCOMPARE(attrs.at("interface"), kSideA);
    QCOMPARE(attrs.at("netns"), kNsA);
    QCOMPARE(attrs.at("iface"), kIfA);
    QCOMPARE(attrs.at("src"), "10.99.0.1");
    QCOMPARE(attrs.at("dst"), "10.99.0.2");
    QCOMPARE(attrs.at("sport"), 41234);
    QCOMPARE(attrs.at("dport"), 8080);
    QCOMPARE(attrs.at("proto"), "tcp");
    QCOMPARE(attrs.at("flags"), "PSH,ACK");
    QCOMPARE(attrs.at("http"), "GET / HTTP/1.1");
    QCOMPARE(attrs.at("len"), attrs.at("caplen"));
    QCOMPARE(attrs.at("frame"), attrs.at("index").get<std::uint64_t>() + 1);
    const auto stored = captures.store().at(attrs.at("index").get<std::uint64_t>());
    QVERIFY(stored);
    QCOMPARE(stored->interfaceId, 0u);
    QCOMPARE(stored->timestampNs, attrs.at("ts_ns").get<std::int64_t>());
    QCOMPARE(stored->data.size(), attrs.at("caplen").get<std::size_t>());

    // The counts are also in the log, never hidden.
    bool statsLogged = false;
    for (const Event &event : log.snapshot())
        statsLogged = statsLogged || (event.kind == EventKind::Log &&
                                      event.summary.starts_with("capture " + kSideA + ": ") &&
                                      event.summary.find(" 0 dropped") != std::string::npos);
    QVERIFY(statsLogged);

    // Export: one interface block per capture, a comment per packet, names for the two ends.
    const std::string path = m_dir.filePath("exchange.pcapng").toStdString();
    const Status written = captures.writePcapng(
        path,
        [](std::uint64_t index, const CapturedPacket &packet) {
            return "packet " + std::to_string(index) +
                   (packet.interfaceId == 0 ? ", client side" : ", server side");
        },
        {{"10.99.0.1", "fltest-client"}, {"10.99.0.2", "fltest-server"}});
    QVERIFY2(written.ok(), written.ok() ? "" : written.error().message().c_str());
    const Result<PcapngFile> file = readPcapngFile(path);
    QVERIFY2(file.ok(), file.ok() ? "" : file.error().message().c_str());
    QCOMPARE(file->packets.size(), captures.store().size());
    QCOMPARE(file->packets.size(), sideA.size() + sideB.size());
    QCOMPARE(file->interfaces.size(), 2u);
    QCOMPARE(file->interfaces[0].name, kSideA);
    QCOMPARE(file->interfaces[1].description, "server side");
    QCOMPARE(file->packets[0].comments.at(0).rfind("packet 0, ", 0), 0u);

    if (QStandardPaths::findExecutable("tshark").isEmpty())
        QSKIP("tshark is not installed: the export was checked with our reader only");
    const Run tshark = run("tshark", {"-r", QString::fromStdString(path), "-T", "fields", "-e",
                                      "frame.interface_name", "-e", "frame.comment"});
    QCOMPARE(tshark.exitCode, 0);
    QStringList warnings = tshark.err.split('\n', Qt::SkipEmptyParts);
    warnings.removeIf([](const QString &l) { return l.startsWith("Running as user \"root\""); });
    QVERIFY2(warnings.isEmpty(), qPrintable(warnings.join('\n')));
    const QStringList rows = tshark.out.split('\n', Qt::SkipEmptyParts);
    QCOMPARE(rows.size(), qsizetype(file->packets.size()));
    QVERIFY(rows[0].startsWith(
        QString::fromStdString(file->packets[0].interfaceId == 0 ? kSideA : kSideB)));
}

void TestPacketCapture::errorsNameTheInterface()
{
    EventLog log;
    CaptureSet captures(log);
    QVERIFY(captures.start().ok());

    const Result<std::uint32_t> missing = captures.addInterface(kNsA, "eth9");
    QVERIFY(!missing.ok());
    QVERIFY2(missing.error().message().starts_with(
                 "capturing on fltest-cap-a/eth9: No such device exists"),
             missing.error().message().c_str());

    const Result<std::uint32_t> noNetns = captures.addInterface("fltest-cap-nope", "eth0");
    QVERIFY(!noNetns.ok());
    QCOMPARE(noNetns.error().message(), "capturing on fltest-cap-nope/eth0: open "
                                        "/run/netns/fltest-cap-nope: No such file or directory");

    CaptureTarget badFilter{kNsA, {}, kIfA, {}, "tcp prot 80"};
    const Result<std::uint32_t> filtered = captures.addInterface(badFilter);
    QVERIFY(!filtered.ok());
    QVERIFY2(filtered.error().message().starts_with(
                 "capturing on fltest-cap-a/veth-a: capture filter \"tcp prot 80\": "),
             filtered.error().message().c_str());

    // Failures take no interface id: the next capture is still interface 0.
    const Result<std::uint32_t> good = captures.addInterface(kNsA, kIfA);
    QVERIFY(good.ok());
    QCOMPARE(*good, 0u);
    const Result<std::uint32_t> twice = captures.addInterface(kNsA, kIfA);
    QVERIFY(!twice.ok());
    QCOMPARE(twice.error().message(),
             "capturing on fltest-cap-a/veth-a: already captured as interface 0");
    QVERIFY(captures.stop().ok());
}

void TestPacketCapture::lifecycle()
{
    QVERIFY(canTransition(CaptureState::Idle, CaptureState::Running));
    QVERIFY(canTransition(CaptureState::Running, CaptureState::Stopped));
    QVERIFY(!canTransition(CaptureState::Stopped, CaptureState::Running));
    QVERIFY(!canTransition(CaptureState::Running, CaptureState::Idle));

    EventLog log;
    CaptureSet captures(log);
    QVERIFY(captures.state() == CaptureState::Idle);
    const Result<std::uint32_t> early = captures.addInterface(kNsA, kIfA);
    QVERIFY(!early.ok());
    QCOMPARE(early.error().message(),
             "capturing on fltest-cap-a/veth-a: the capture session is idle, not running");
    QVERIFY(captures.start().ok());
    QVERIFY(!captures.start().ok());
    QVERIFY(captures.stop().ok());
    const Result<std::vector<CaptureStats>> again = captures.stop();
    QVERIFY(!again.ok());
    QCOMPARE(again.error().message(), "stopping captures: the capture session is stopped");
    const Status restart = captures.start();
    QVERIFY(!restart.ok());
    QCOMPARE(restart.error().message(), "capture session: cannot go from stopped to running");

    // The transitions are events.
    QStringList transitions;
    for (const Event &event : log.snapshot())
        if (event.attributes.contains("to"))
            transitions << QString::fromStdString(event.summary);
    QCOMPARE(transitions, QStringList({"capture session running", "capture session stopped"}));
}

void TestPacketCapture::filterApplies()
{
    EventLog log;
    CaptureSetOptions options;
    options.defaultFilter = "tcp";
    CaptureSet captures(log, options);
    QVERIFY(captures.start().ok());
    QVERIFY(captures.addInterface(kNsB, kIfB, "tcp only").ok());
    std::promise<void> ready;
    std::thread server = startServer(ready, 3);
    ready.get_future().wait();
    sendTraffic(3, true);
    server.join();
    QVERIFY(captures.stop().ok());
    const std::vector<Event> events = packetEvents(log, kSideB);
    QVERIFY(events.size() >= 8); // handshake, request, response, two FINs, their ACKs
    for (const Event &event : events)
        QCOMPARE(event.attributes.at("proto"), "tcp");
    QCOMPARE(captures.interfaces().at(0).target.filter, "tcp");
}

void TestPacketCapture::allInterfacesOfANamespace()
{
    // In b: a bridge with one veth end as its port, the other end outside it.
    QCOMPARE(ip("-n fltest-cap-b link add fltbr0 type bridge"), QString());
    QCOMPARE(ip("-n fltest-cap-b link add vport type veth peer name vpeer"), QString());
    QCOMPARE(ip("-n fltest-cap-b link set vport master fltbr0"), QString());
    for (const char *link : {"fltbr0", "vport", "vpeer"})
        QCOMPARE(ip(QString("-n fltest-cap-b link set %1 up").arg(link)), QString());
    QCOMPARE(ip("-n fltest-cap-b link add vdown type veth peer name vdown2"), QString()); // down

    const Result<std::vector<NetnsLink>> links = listLinks(netnsPath(kNsB));
    QVERIFY(links.ok());
    QStringList kinds;
    for (const NetnsLink &link : *links)
        kinds << QString::fromStdString(link.name + ":" + link.kind);
    kinds.sort();
    QCOMPARE(kinds, QStringList({"fltbr0:bridge", "lo:", "vdown2:veth", "vdown:veth", "veth-b:veth",
                                 "vpeer:veth", "vport:veth"}));

    EventLog log;
    CaptureSet captures(log);
    QVERIFY(captures.start().ok());
    const Result<std::vector<std::uint32_t>> ids = captures.addAllInterfaces(kNsB);
    QVERIFY2(ids.ok(), ids.ok() ? "" : ids.error().message().c_str());
    QStringList captured;
    for (const CaptureInterfaceInfo &info : captures.interfaces())
        captured << QString::fromStdString(info.target.displayName() + " (" +
                                           info.target.description + ")");
    captured.sort();
    QCOMPARE(captured, QStringList({"fltest-cap-b/veth-b (veth)", "fltest-cap-b/vpeer (veth)",
                                    "fltest-cap-b/vport (veth on bridge fltbr0)"}));
    QCOMPARE(ids->size(), 3u);

    QStringList skipped;
    for (const Event &event : log.snapshot())
        if (event.attributes.contains("skipped"))
            skipped << QString::fromStdString(event.summary);
    skipped.sort();
    QCOMPARE(skipped, QStringList({"not capturing on fltest-cap-b/fltbr0: a bridge: its ports are "
                                   "captured instead",
                                   "not capturing on fltest-cap-b/lo: loopback",
                                   "not capturing on fltest-cap-b/vdown2: down",
                                   "not capturing on fltest-cap-b/vdown: down"}));

    // A link that appears while running (a container's veth, mid-lesson) is added then.
    QCOMPARE(ip("-n fltest-cap-b link set vdown up"), QString());
    QCOMPARE(ip("-n fltest-cap-b link set vdown2 up"), QString());
    const Result<std::vector<std::uint32_t>> more = captures.addAllInterfaces(kNsB);
    QVERIFY(more.ok());
    QCOMPARE(*more, (std::vector<std::uint32_t>{3, 4}));
    QVERIFY(captures.stop().ok());

    for (const char *link : {"vpeer", "fltbr0", "vdown"})
        QCOMPARE(ip(QString("-n fltest-cap-b link del %1").arg(link)), QString());
}

// A container's veth is deleted mid-capture: the capture ends on its own and says so at stop.
void TestPacketCapture::linkThatVanishes()
{
    QCOMPARE(ip("-n fltest-cap-a link add vgone type veth peer name vgone2"), QString());
    QCOMPARE(ip("-n fltest-cap-a link set vgone up"), QString());
    QCOMPARE(ip("-n fltest-cap-a link set vgone2 up"), QString());
    EventLog log;
    CaptureSet captures(log);
    QVERIFY(captures.start().ok());
    QVERIFY(captures.addInterface(kNsA, "vgone", "a container's veth").ok());
    QVERIFY(captures.addInterface(kNsA, kIfA).ok());
    QCOMPARE(ip("-n fltest-cap-a link del vgone"), QString());
    QTest::qWait(300);
    const Result<std::vector<CaptureStats>> stats = captures.stop();
    QVERIFY(stats.ok());
    const CaptureStats &gone = stats->at(0);
    qInfo().noquote() << QString::fromStdString(gone.toString());
    QVERIFY2(!gone.endError.empty(), gone.toString().c_str());
    QVERIFY2(gone.toString().find("; ended early: ") != std::string::npos, gone.toString().c_str());
    QVERIFY2(stats->at(1).endError.empty(), stats->at(1).toString().c_str());
}

// 5,000 small datagrams as fast as one thread can send them: each side must report every
// one and no drop; if the kernel or the store drops, the numbers are in the failure message.
void TestPacketCapture::burstWithoutDrops()
{
    constexpr int kBurst = 5000;
    EventLog log;
    CaptureSet captures(log);
    QVERIFY(captures.start().ok());
    QVERIFY(captures.addInterface(kNsA, kIfA).ok());
    QVERIFY(captures.addInterface(kNsB, kIfB).ok());
    std::promise<void> ready;
    std::thread server = startServer(ready, 0);
    ready.get_future().wait();
    QElapsedTimer timer;
    timer.start();
    sendTraffic(kBurst, false);
    const qint64 sendMs = timer.elapsed();
    // Unblock the server's accept.
    threadIn(kNsA, [] {
        const int tcp = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const sockaddr_in server = address("10.99.0.2", 8080);
        (void)::connect(tcp, reinterpret_cast<const sockaddr *>(&server), sizeof server);
        ::close(tcp);
    }).join();
    server.join();
    const Result<std::vector<CaptureStats>> stats = captures.stop();
    QVERIFY(stats.ok());
    const QString report = statsText(*stats);
    qInfo().noquote() << "burst of" << kBurst << "sent in" << sendMs << "ms:" << report;
    for (const CaptureStats &s : *stats)
        QVERIFY2(s.drops() == 0 && s.statsError.empty(), qPrintable(report));
    for (const std::string &side : {kSideA, kSideB}) {
        int udp = 0;
        for (const Event &event : packetEvents(log, side))
            udp += event.attributes.at("proto") == "udp" ? 1 : 0;
        QVERIFY2(udp == kBurst,
                 qPrintable(QString::fromStdString(side) + ": " + QString::number(udp) + " of " +
                            QString::number(kBurst) + " datagrams; " + report));
    }
}

QTEST_GUILESS_MAIN(TestPacketCapture)
#include "tst_packet_capture.moc"
