// The docker-run lesson, for real: `lesson check` passes with every step observed, and the
// bundle's exports open in the tools people use (tshark reads the pcapng without warnings,
// with the packet count we wrote and our comments; trace-events.json is valid trace JSON).

#include "LabTestSupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace flowlab::test;

class TestLessonDockerRun : public QObject
{
    Q_OBJECT

private:
    // Kept after the test: the GUI tests open this recording (the CTest fixture
    // recorded-docker-run-bundle orders them after this test). Removed at the start, so that
    // it is always this run's.
    QDir m_out{QStringLiteral(FLOWLAB_TEST_ARTIFACTS "/bundles/docker-run")};

private slots:
    void initTestCase()
    {
        // Before anything can skip: a recording from an earlier run must not be left for the
        // GUI tests to open as if this run had made it. If it cannot be removed (a non-root
        // user, a bundle root wrote), that fails here, and CTest then runs none of the tests
        // that need the recording.
        if (m_out.exists() && !m_out.removeRecursively())
            QFAIL(qPrintable("a recording from an earlier run is in " + m_out.path() +
                             " and cannot be removed by this user: remove it (as root), or run "
                             "the tests as root"));
        FLOWLAB_REQUIRE_ROOT();
        cli({"--quiet", "lab", "down"});
        QVERIFY(QDir().mkpath(m_out.path()));
    }

    void lessonCheckObservesEveryStep()
    {
        const QString lesson = QStringLiteral(FLOWLAB_SOURCE_DIR "/lessons/docker-run.json");
        const CliRun run = cli({"--quiet", "run", lesson, "--out", m_out.path()}, 300'000);
        FLOWLAB_VERIFY_RUN(run, 0);
        for (int step = 1; step <= 10; ++step)
            QVERIFY2(run.out.contains(QString("%1 observed").arg(step, 2)), qPrintable(run.out));
        QVERIFY2(
            run.out.contains(
                "runc: unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET) = "
                "0"),
            qPrintable(run.out));
        QVERIFY2(run.out.contains(", 0 dropped"), qPrintable(run.out));
    }

    void traceJsonHoldsTheEvidence()
    {
        QFile file(m_out.filePath("trace.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject trace = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(trace["flowlab_trace"].toInt(), 1);
        QCOMPARE(trace["run"].toObject()["recording"].toBool(), false);
        const QJsonArray steps = trace["steps"].toArray();
        QCOMPARE(steps.size(), 10);
        for (const auto &step : steps)
            QCOMPARE(step.toObject()["status"].toString(), QString("observed"));
        // Every evidence seq names a recorded event.
        QSet<qint64> seqs;
        for (const auto &event : trace["events"].toArray())
            seqs.insert(event.toObject()["seq"].toInteger());
        for (const auto &step : steps)
            for (const auto &evidence : step.toObject()["evidence"].toArray())
                for (const auto &seq : evidence.toObject()["events"].toArray())
                    QVERIFY(seqs.contains(seq.toInteger()));
        // The request step's NAT pair: before DNAT to 192.168.56.10:8080, after to 172.17.0.x:80.
        bool pairSeen = false;
        for (const auto &value : trace["events"].toArray()) {
            const QJsonObject attrs = value.toObject()["attrs"].toObject();
            if (!attrs["nat_pair"].toBool() || attrs["direction"].toString() != "request")
                continue;
            const QString summary = value.toObject()["summary"].toString();
            if (summary.contains("192.168.56.10") && summary.contains("172.17.0.") &&
                summary.contains("DNAT"))
                pairSeen = true;
        }
        QVERIFY(pairSeen);
    }

    void pcapngOpensInTshark()
    {
        if (run("sh", {"-c", "command -v tshark"}).exitCode != 0)
            QSKIP("tshark is not installed");
        const QString pcap = m_out.filePath("capture.pcapng");
        const CliRun count = run("tshark", {"-r", pcap, "-T", "fields", "-e", "frame.number"});
        QCOMPARE(count.exitCode, 0);
        // tshark always notes that it runs as root; anything else is a warning about our file.
        QStringList warnings = count.err.split('\n', Qt::SkipEmptyParts);
        warnings.removeIf([](const QString &line) { return line.contains("Running as user"); });
        QVERIFY2(warnings.isEmpty(), qPrintable("tshark warned: " + warnings.join('\n')));
        QFile file(m_out.filePath("trace.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject trace = QJsonDocument::fromJson(file.readAll()).object();
        const int written = trace["run"].toObject()["evidence"].toObject()["packets"].toInt();
        QCOMPARE(count.out.split('\n', Qt::SkipEmptyParts).size(), written);

        const CliRun comments = run("tshark", {"-r", pcap, "-T", "fields", "-e", "frame.comment"});
        QVERIFY2(comments.out.contains("step 10 request: before DNAT (client side)"),
                 qPrintable(comments.out.left(2000)));
        QVERIFY(comments.out.contains("NAT pair"));
        const CliRun names =
            run("tshark", {"-r", pcap, "-T", "fields", "-e", "frame.interface_name"});
        QVERIFY(names.out.contains("flowlab-client/eth0"));
        QVERIFY(names.out.contains("flowlab-docker/veth"));
    }

    void traceEventsAreChromeTraceFormat()
    {
        QFile file(m_out.filePath("trace-events.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject doc = QJsonDocument::fromJson(file.readAll()).object();
        const QJsonArray events = doc["traceEvents"].toArray();
        QVERIFY(events.size() > 100);
        QStringList processes;
        int flows = 0;
        for (const auto &value : events) {
            const QJsonObject e = value.toObject();
            if (e["ph"].toString() == "M")
                processes << e["args"].toObject()["name"].toString();
            flows += e["ph"].toString() == "s";
        }
        for (const char *component : {"dockerd", "containerd", "runc", "network"})
            QVERIFY2(processes.contains(component), qPrintable(processes.join(", ")));
        QVERIFY(flows > 0);
    }

    void cleanupTestCase()
    {
        if (::geteuid() != 0)
            return;
        cli({"--quiet", "lab", "down"});
        const CliRun census = cli({"lab", "census"});
        QVERIFY2(census.exitCode == 0, qPrintable("the lab leaked:\n" + census.out));
    }
};

QTEST_GUILESS_MAIN(TestLessonDockerRun)
#include "tst_lesson_docker_run.moc"
