// The kernel monitors against a real kernel, in namespaces of our own:
//
//   fltest-kern-a (client 10.98.0.2) ── flk-ar/flk-ra ── fltest-kern-r (router 10.98.0.1,
//   10.97.0.1, ip_forward=1) ── flk-rb/flk-br ── fltest-kern-b (server 10.97.0.2:80)
//
// NetlinkMonitor watches r while a bridge and a veth are made there and one end is moved to
// fltest-kern-c; RuleMonitor and ConntrackMonitor watch r while a DNAT rule (10.98.0.1:8080 →
// 10.97.0.2:80) is applied and a TCP connection goes through it. Nothing touches the root netns.

#include "tracer/kernel/ConntrackMonitor.h"
#include "tracer/kernel/NatPairer.h"
#include "tracer/kernel/NetlinkMonitor.h"
#include "tracer/kernel/RuleMonitor.h"

#include <QDir>
#include <QProcess>
#include <QtTest>
#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace flowlab;

namespace {

const QStringList kNamespaces = {"fltest-kern-a", "fltest-kern-r", "fltest-kern-b", "fltest-kern-c",
                                 "fltest-kern-d"};
const std::string kRouter = "/run/netns/fltest-kern-r";
// Where the directory-watcher test pins a netns, as dockerd does in <exec-root>/netns/.
const QString kPinDir = "/run/fltest-kern/netns";
const char *const kDnatRule =
    "-A PREROUTING -d 10.98.0.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination "
    "10.97.0.2:80";

struct Ran
{
    int code = -1;
    QString output;
};

Ran run(const QStringList &argv)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(argv.first(), argv.mid(1));
    if (!process.waitForFinished(20'000)) {
        process.kill();
        process.waitForFinished();
        return {-1, "timed out: " + argv.join(' ')};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAll())};
}

#define RUN(...)                                                                                   \
    do {                                                                                           \
        const QStringList argv{__VA_ARGS__};                                                       \
        const Ran ran = run(argv);                                                                 \
        QVERIFY2(ran.code == 0, qPrintable(argv.join(' ') + ": " + ran.output));                   \
    } while (0)

QStringList summaries(const EventLog &log, EventKind kind)
{
    QStringList list;
    for (const Event &event : log.snapshot())
        if (event.kind == kind)
            list << QString::fromStdString(event.summary);
    return list;
}

std::optional<Event> findEvent(const EventLog &log, EventKind kind, const std::string &summary)
{
    for (const Event &event : log.snapshot())
        if (event.kind == kind && event.summary == summary)
            return event;
    return std::nullopt;
}

// True when `expected` occurs in `actual` in this order (other events may come between).
bool inOrder(const QStringList &actual, const QStringList &expected)
{
    qsizetype at = 0;
    for (const QString &line : actual)
        if (at < expected.size() && line == expected[at])
            ++at;
    return at == expected.size();
}

// A TCP socket created inside a netns (sockets keep the netns they were born in).
Result<UniqueFd> tcpSocketIn(const std::string &netnsPath)
{
    auto ns = openNetns(netnsPath);
    if (!ns.ok())
        return ns.error();
    return runInNetns<UniqueFd>(ns->get(), netnsPath, []() -> Result<UniqueFd> {
        UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd.valid())
            return Error::fromErrno("socket");
        return fd;
    });
}

sockaddr_in inet(const char *address, std::uint16_t port)
{
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    ::inet_pton(AF_INET, address, &sa.sin_addr);
    return sa;
}

bool waitFor(int fd, short events, int timeoutMs)
{
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, timeoutMs) == 1;
}

// Each test's events also go to test-artifacts/kernel-monitors-<test>.jsonl, for reading after
// a failure.
void keepEvidence(EventLog &log)
{
    const QString dir = QStringLiteral(FLOWLAB_TEST_ARTIFACTS);
    QDir().mkpath(dir);
    const QString path = dir + "/kernel-monitors-" + QTest::currentTestFunction() + ".jsonl";
    QFile::remove(path);
    if (Status opened = log.openFile(path.toStdString()); !opened.ok())
        qWarning("%s", opened.error().message().c_str());
}

} // namespace

class TestKernelMonitors : public QObject
{
    Q_OBJECT

    qint64 m_watchdog = 0;

    // cleanupTestCase does not run when the test crashes or is killed: a detached shell waits
    // for this process to die and then deletes the namespaces. A normal end stops it first, so
    // it never deletes the namespaces of a later run.
    void startWatchdog()
    {
        QString names;
        for (const QString &name : kNamespaces)
            names += ' ' + name;
        const QString script = QStringLiteral("while kill -0 %1 2>/dev/null; do sleep 0.5; done; "
                                              "for n in%2; do ip netns del $n 2>/dev/null; done; "
                                              "umount -l %3/* 2>/dev/null; rm -rf /run/fltest-kern")
                                   .arg(QCoreApplication::applicationPid())
                                   .arg(names, kPinDir);
        QProcess::startDetached("sh", {"-c", script}, {}, &m_watchdog);
    }

    void stopWatchdog()
    {
        if (m_watchdog > 0)
            ::kill(pid_t(m_watchdog), SIGKILL);
        m_watchdog = 0;
    }

    void removeNamespaces()
    {
        // Unmount whatever is pinned there, a crashed run's pin included.
        for (const QString &name : QDir(kPinDir).entryList(QDir::Files | QDir::System))
            run({"umount", "-l", kPinDir + "/" + name});
        QDir("/run/fltest-kern").removeRecursively();
        for (const QString &name : kNamespaces)
            if (QFile::exists("/run/netns/" + name))
                run({"ip", "netns", "del", name});
    }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("privileged test: needs root to create network namespaces (run as root, as "
                  "CI does)");
        removeNamespaces(); // leftovers of a run that crashed before its watchdog was up
        startWatchdog();
        for (const char *name : {"fltest-kern-a", "fltest-kern-r", "fltest-kern-b"})
            RUN("ip", "netns", "add", name);
        RUN("ip", "-n", "fltest-kern-r", "link", "add", "flk-ra", "type", "veth", "peer", "name",
            "flk-ar", "netns", "fltest-kern-a");
        RUN("ip", "-n", "fltest-kern-r", "link", "add", "flk-rb", "type", "veth", "peer", "name",
            "flk-br", "netns", "fltest-kern-b");
        RUN("ip", "-n", "fltest-kern-r", "addr", "add", "10.98.0.1/24", "dev", "flk-ra");
        RUN("ip", "-n", "fltest-kern-r", "addr", "add", "10.97.0.1/24", "dev", "flk-rb");
        RUN("ip", "-n", "fltest-kern-a", "addr", "add", "10.98.0.2/24", "dev", "flk-ar");
        RUN("ip", "-n", "fltest-kern-b", "addr", "add", "10.97.0.2/24", "dev", "flk-br");
        for (const char *ns : {"fltest-kern-a", "fltest-kern-r", "fltest-kern-b"})
            RUN("ip", "-n", ns, "link", "set", "lo", "up");
        RUN("ip", "-n", "fltest-kern-r", "link", "set", "flk-ra", "up");
        RUN("ip", "-n", "fltest-kern-r", "link", "set", "flk-rb", "up");
        RUN("ip", "-n", "fltest-kern-a", "link", "set", "flk-ar", "up");
        RUN("ip", "-n", "fltest-kern-b", "link", "set", "flk-br", "up");
        RUN("ip", "-n", "fltest-kern-b", "route", "add", "default", "via", "10.97.0.1");
        // The same setns-only child the rule monitor uses for iptables-save.
        auto forwarding =
            outputOfProgramInNetns(kRouter, {"sysctl", "-w", "net.ipv4.ip_forward=1"});
        QVERIFY2(forwarding.ok(), forwarding.ok() ? "" : forwarding.error().message().c_str());
    }

    void cleanupTestCase()
    {
        removeNamespaces();
        stopWatchdog();
        const Ran left = run({"ip", "netns", "list"});
        QVERIFY2(!left.output.contains("fltest-kern-"), qPrintable(left.output));
    }

    void errorsNameTheNetnsAndTheCall()
    {
        EventLog log;
        ConntrackMonitor conntrack(log);
        Status added = conntrack.addNamespace("/run/netns/fltest-kern-missing");
        QVERIFY(!added.ok());
        QCOMPARE(QString::fromStdString(added.error().message()),
                 "subscribing to conntrack events in netns fltest-kern-missing: open "
                 "/run/netns/fltest-kern-missing: No such file or directory");
        NetlinkMonitor netlink(log);
        Status notNetns = netlink.addNamespace("/proc/self/status", "status");
        QVERIFY(!notNetns.ok());
        QVERIFY2(QString::fromStdString(notNetns.error().message())
                     .startsWith("watching links of netns status: open /proc/self/status: not a "
                                 "namespace file"),
                 notNetns.error().message().c_str());
        auto failed = runProgramInNetns(kRouter, {"flowlab-no-such-program"});
        QVERIFY(!failed.ok());
        QCOMPARE(QString::fromStdString(failed.error().message()),
                 "flowlab-no-such-program in netns /run/netns/fltest-kern-r: "
                 "flowlab-no-such-program not found in PATH, /usr/sbin or /sbin");
    }

    void netlinkEvents()
    {
        EventLog log;
        keepEvidence(log);
        NetlinkMonitor monitor(log);
        QVERIFY(monitor.addNamespace(kRouter).ok());
        QVERIFY(monitor.start().ok());
        QTRY_VERIFY(summaries(log, EventKind::Log)
                        .contains("watching links in netns fltest-kern-r (" +
                                  QString::fromStdString(kRouter) + ")"));

        const QStringList r = {"ip", "-n", "fltest-kern-r"};
        RUN(r + QStringList{"link", "add", "flk-br0", "type", "bridge"});
        RUN(r + QStringList{"link", "add", "flk-v0", "type", "veth", "peer", "name", "flk-v1"});
        RUN(r + QStringList{"link", "set", "flk-v0", "master", "flk-br0"});
        RUN(r + QStringList{"link", "set", "flk-br0", "up"});
        RUN(r + QStringList{"addr", "add", "10.96.0.1/24", "dev", "flk-br0"});

        // The container's netns appears later, as with docker run.
        RUN("ip", "netns", "add", "fltest-kern-c");
        QVERIFY(monitor.addNamespace("/run/netns/fltest-kern-c").ok());
        QTRY_VERIFY(summaries(log, EventKind::Log)
                        .contains("watching links in netns fltest-kern-c "
                                  "(/run/netns/fltest-kern-c)"));
        RUN(r + QStringList{"link", "set", "flk-v1", "netns", "fltest-kern-c"});
        RUN("ip", "-n", "fltest-kern-c", "link", "set", "flk-v1", "name", "eth0");
        RUN("ip", "-n", "fltest-kern-c", "addr", "add", "10.96.0.2/24", "dev", "eth0");
        RUN("ip", "-n", "fltest-kern-c", "link", "set", "eth0", "up");

        const QStringList expected = {
            "flk-br0 created (bridge)",
            "flk-v1 created (peer in fltest-kern-r)",
            "flk-v0 created (peer in fltest-kern-r)",
            "flk-v0 attached to flk-br0",
            "link flk-br0 up",
            "10.96.0.1/24 added on flk-br0",
            "route 10.96.0.0/24 dev flk-br0",
            "flk-v1 moved out of fltest-kern-r into fltest-kern-c",
            "flk-v1 appeared in fltest-kern-c (moved from fltest-kern-r)",
            "flk-v1 renamed to eth0",
            "10.96.0.2/24 added on eth0",
            "link eth0 up",
            "route 10.96.0.0/24 dev eth0",
        };
        QTRY_VERIFY2(inOrder(summaries(log, EventKind::Netlink), expected),
                     qPrintable(summaries(log, EventKind::Netlink).join('\n')));
        monitor.stop();

        const auto attached = findEvent(log, EventKind::Netlink, "flk-v0 attached to flk-br0");
        const auto &a = attached->attributes;
        QCOMPARE(a.at("netns").get<std::string>(), std::string("fltest-kern-r"));
        QCOMPARE(a.at("kind").get<std::string>(), std::string("veth"));
        QCOMPARE(a.at("master").get<std::string>(), std::string("flk-br0"));
        QCOMPARE(a.at("op").get<std::string>(), std::string("new"));
        QVERIFY(a.at("ifindex").get<int>() > 0);
        QCOMPARE(a.at("mac").get<std::string>().size(), std::size_t(17));
        const auto moved = findEvent(log, EventKind::Netlink,
                                     "flk-v1 moved out of fltest-kern-r into fltest-kern-c");
        const auto appeared = findEvent(log, EventKind::Netlink,
                                        "flk-v1 appeared in fltest-kern-c (moved from "
                                        "fltest-kern-r)");
        QCOMPARE(appeared->links, std::vector<std::uint64_t>{moved->seq});
        QCOMPARE(appeared->attributes.at("peerNetns").get<std::string>(),
                 std::string("fltest-kern-r"));
        QCOMPARE(moved->attributes.at("op").get<std::string>(), std::string("del"));
        const auto bridge = findEvent(log, EventKind::Netlink, "flk-br0 created (bridge)");
        QCOMPARE(bridge->attributes.at("kind").get<std::string>(), std::string("bridge"));
    }

    void directoryWatcherAddsNamespacesAsTheyAppear()
    {
        // As dockerd does in <exec-root>/netns/: an empty file first, the netns bind-mounted on
        // it a moment later, and the veth moved in after that.
        QVERIFY(QDir().mkpath(kPinDir));
        EventLog log;
        keepEvidence(log);
        NetlinkMonitor monitor(log);
        QVERIFY(monitor.addNamespace(kRouter).ok());
        QVERIFY(monitor.watchDirectory(kPinDir.toStdString()).ok());
        QVERIFY(monitor.start().ok());

        RUN("ip", "netns", "add", "fltest-kern-d");
        const QString pinned = kPinDir + "/0123456789abcdef";
        QFile file(pinned);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        QTest::qWait(100);
        RUN("mount", "--bind", "/run/netns/fltest-kern-d", pinned);
        const QString label = "container 0123456789ab";
        QTRY_VERIFY(summaries(log, EventKind::Log)
                        .contains("watching links in netns " + label + " (" + pinned + ")"));

        const QStringList r = {"ip", "-n", "fltest-kern-r"};
        RUN(r + QStringList{"link", "add", "flk-w0", "type", "veth", "peer", "name", "flk-w1"});
        RUN(r + QStringList{"link", "set", "flk-w1", "netns", "fltest-kern-d"});
        QTRY_VERIFY2(inOrder(summaries(log, EventKind::Netlink),
                             {"flk-w1 moved out of fltest-kern-r into " + label,
                              "flk-w1 appeared in " + label + " (moved from fltest-kern-r)"}),
                     qPrintable(summaries(log, EventKind::Netlink).join('\n')));

        RUN("umount", pinned);
        QVERIFY(QFile::remove(pinned));
        QTRY_VERIFY(
            summaries(log, EventKind::Log)
                .contains("stopped watching links in netns " + label + ": its file was removed"));
        monitor.stop();
        RUN("ip", "netns", "del", "fltest-kern-d");
    }

    void dnatRuleAndConntrack()
    {
        EventLog log;
        keepEvidence(log);
        RuleMonitor rules(log);
        ConntrackMonitor conntrack(log);
        QVERIFY(rules.addNamespace(kRouter).ok());
        QVERIFY(conntrack.addNamespace(kRouter).ok());
        QVERIFY(rules.start().ok());
        QVERIFY(conntrack.start().ok());

        // Render, then apply once, as kube-proxy does.
        const std::string ruleset =
            std::string("*nat\n:PREROUTING ACCEPT [0:0]\n") + kDnatRule + "\nCOMMIT\n";
        auto applied = outputOfProgramInNetns(kRouter, {"iptables-restore", "--noflush"}, ruleset);
        QVERIFY2(applied.ok(), applied.ok() ? "" : applied.error().message().c_str());
        const QString added = QStringLiteral("+ ") + kDnatRule + " (nat)";
        QTRY_VERIFY2(summaries(log, EventKind::Rule).contains(added),
                     qPrintable(summaries(log, EventKind::Rule).join('\n')));
        const auto ruleEvent = findEvent(log, EventKind::Rule, added.toStdString());
        QCOMPARE(ruleEvent->attributes.at("netns").get<std::string>(),
                 std::string("fltest-kern-r"));
        QCOMPARE(ruleEvent->attributes.at("chain").get<std::string>(), std::string("PREROUTING"));
        QCOMPARE(ruleEvent->attributes.at("op").get<std::string>(), std::string("+"));
        QVERIFY(rules.pollNow().ok());
        const auto before = rules.latest("fltest-kern-r");
        QVERIFY(before.has_value());

        // A tiny server in b on :80, a client in a, through r's DNAT.
        auto listener = tcpSocketIn("/run/netns/fltest-kern-b");
        QVERIFY2(listener.ok(), listener.ok() ? "" : listener.error().message().c_str());
        const int one = 1;
        ::setsockopt(listener->get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        const sockaddr_in any = inet("0.0.0.0", 80);
        QVERIFY(::bind(listener->get(), reinterpret_cast<const sockaddr *>(&any), sizeof any) == 0);
        QVERIFY(::listen(listener->get(), 4) == 0);
        auto client = tcpSocketIn("/run/netns/fltest-kern-a");
        QVERIFY(client.ok());
        const sockaddr_in published = inet("10.98.0.1", 8080);
        QVERIFY2(::connect(client->get(), reinterpret_cast<const sockaddr *>(&published),
                           sizeof published) == 0,
                 strerror(errno));
        sockaddr_in local{};
        socklen_t localLength = sizeof local;
        ::getsockname(client->get(), reinterpret_cast<sockaddr *>(&local), &localLength);
        const std::uint16_t clientPort = ntohs(local.sin_port);
        QVERIFY(waitFor(listener->get(), POLLIN, 5000));
        UniqueFd served(::accept4(listener->get(), nullptr, nullptr, SOCK_CLOEXEC));
        QVERIFY(served.valid());
        QCOMPARE(::write(client->get(), "ping", 4), ssize_t(4));
        char buffer[8] = {};
        QVERIFY(waitFor(served.get(), POLLIN, 5000));
        QCOMPARE(::read(served.get(), buffer, sizeof buffer), ssize_t(4));
        QCOMPARE(::write(served.get(), "pong", 4), ssize_t(4));
        QVERIFY(waitFor(client->get(), POLLIN, 5000));
        QCOMPARE(::read(client->get(), buffer, sizeof buffer), ssize_t(4));
        QCOMPARE(QByteArray(buffer, 4), QByteArray("pong"));

        const std::string expected = "tcp 10.98.0.2:" + std::to_string(clientPort) +
                                     " → 10.98.0.1:8080 DNAT to 10.97.0.2:80";
        QTRY_VERIFY2(findEvent(log, EventKind::Conntrack, expected).has_value(),
                     qPrintable(summaries(log, EventKind::Conntrack).join('\n')));
        const Event newFlow = *findEvent(log, EventKind::Conntrack, expected);
        const auto &a = newFlow.attributes;
        QCOMPARE(a.at("type").get<std::string>(), std::string("new"));
        QCOMPARE(a.at("nat").get<std::string>(), std::string("dnat"));
        QCOMPARE(a.at("netns").get<std::string>(), std::string("fltest-kern-r"));
        QCOMPARE(a.at("proto").get<std::string>(), std::string("tcp"));
        QCOMPARE(a.at("orig"), (nlohmann::json{{"src", "10.98.0.2"},
                                               {"dst", "10.98.0.1"},
                                               {"sport", clientPort},
                                               {"dport", 8080}}));
        QCOMPARE(
            a.at("reply"),
            (nlohmann::json{
                {"src", "10.97.0.2"}, {"dst", "10.98.0.2"}, {"sport", 80}, {"dport", clientPort}}));
        QCOMPARE(a.at("state").get<std::string>(), std::string("SYN_SENT"));
        QVERIFY(a.at("id").get<std::uint32_t>() != 0);
        // The handshake's later states arrive as updates.
        QTRY_VERIFY(findEvent(log, EventKind::Conntrack, expected + " [ESTABLISHED]"));

        QVERIFY(rules.pollNow().ok());
        const auto after = rules.latest("fltest-kern-r");
        QVERIFY(summaries(log, EventKind::Rule)
                    .contains(QStringLiteral("hit +1 packet: ") + kDnatRule + " (nat)"));
        client->reset();
        served.reset();
        conntrack.stop();
        rules.stop();

        // What the capture would give: the packets on both sides of r, keyed by their tuples.
        auto flow = conntrackFlowFromEvent(newFlow);
        QVERIFY(flow);
        NatPairer pairer;
        pairer.addEvent(newFlow);
        pairer.addPacket({1001, "fltest-kern-r/flk-ra", flow->orig, std::nullopt});
        pairer.addPacket({1002, "fltest-kern-r/flk-rb", flow->reply.reversed(), std::nullopt});
        pairer.addPacket({1003, "fltest-kern-r/flk-rb", flow->reply, std::nullopt});
        pairer.addPacket({1004, "fltest-kern-r/flk-ra", flow->orig.reversed(), std::nullopt});
        pairer.setRuleSnapshots("fltest-kern-r", before, *after);
        const auto pairs = pairer.pairs();
        QCOMPARE(pairs.size(), std::size_t(2));
        QVERIFY(pairs[0].direction == NatDirection::Request);
        QCOMPARE(pairs[0].conntrackSeq, newFlow.seq);
        QCOMPARE(pairs[0].beforePacketSeq, std::uint64_t(1001));
        QCOMPARE(pairs[0].afterPacketSeq, std::uint64_t(1002));
        QCOMPARE(pairs[0].changed, (std::vector<FieldChange>{{"dst", "10.98.0.1", "10.97.0.2"},
                                                             {"dport", "8080", "80"}}));
        QCOMPARE(pairs[0].ruleText(), std::string(kDnatRule));
        QCOMPARE(pairs[0].ruleMethod(), std::string("counter-delta"));
        QCOMPARE(pairs[0].rules[0].delta.packets, std::uint64_t(1));
        QVERIFY(pairs[1].direction == NatDirection::Reply);
        QCOMPARE(pairs[1].changed, (std::vector<FieldChange>{{"src", "10.97.0.2", "10.98.0.1"},
                                                             {"sport", "80", "8080"}}));
    }
};

QTEST_GUILESS_MAIN(TestKernelMonitors)
#include "tst_kernel_monitors.moc"
