// The event log: numbering, JSON round trip, the background file writer, listeners, and
// truncated files.

#include "tracer/model/EventLog.h"

#include <QTemporaryDir>
#include <QTest>
#include <fstream>
#include <thread>

using namespace flowlab;

class TestEventLog : public QObject
{
    Q_OBJECT

private slots:
    void numbersAndStampsEvents()
    {
        EventLog log;
        Event a;
        a.kind = EventKind::Command;
        a.source = {"docker-cli", "host"};
        a.summary = "docker run -d -p 8080:80 nginx";
        const auto first = log.append(a);
        const auto second = log.append(a);
        QCOMPARE(first, 1ULL);
        QCOMPARE(second, 2ULL);
        const auto events = log.snapshot();
        QVERIFY(events[0].monotonicNs > 0);
        QVERIFY(events[1].monotonicNs >= events[0].monotonicNs);
    }

    void roundTripsThroughJsonLines()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("events.jsonl").toStdString();
        EventLog log;
        Event request;
        request.kind = EventKind::Api;
        request.source = {"dockerd", "flowlab-docker", 0, "flowlab-docker"};
        request.summary = "POST /containers/create";
        request.attributes = {{"method", "POST"}, {"body", {{"Image", "nginx"}}}};
        const auto seq = log.append(request); // before the file: written when it opens
        QVERIFY(log.openFile(path));
        Event response = request;
        response.summary = "POST /containers/create → 201 Created";
        response.links = {seq};
        log.append(response);
        log.closeFile();

        auto read = EventLog::readFile(path);
        QVERIFY2(read, read ? "" : read.error().message().c_str());
        QCOMPARE(read->size(), std::size_t(2));
        QCOMPARE((*read)[0].attributes["body"]["Image"].get<std::string>(), std::string("nginx"));
        QCOMPARE((*read)[1].links, std::vector<std::uint64_t>{1});
        QCOMPARE((*read)[1].source, request.source);
        QCOMPARE(toString((*read)[1].kind), std::string_view("api"));
    }

    void fileWriterKeepsEveryEventInOrder()
    {
        // Four threads append at once, as the capture threads and the tracer do; the file
        // must hold every event exactly once, in seq order, once flush() returns.
        QTemporaryDir dir;
        const std::string path = dir.filePath("events.jsonl").toStdString();
        EventLog log;
        QVERIFY(log.openFile(path));
        constexpr int kThreads = 4;
        constexpr int kEach = 2500;
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&log, t] {
                for (int i = 0; i < kEach; ++i) {
                    Event e;
                    e.kind = EventKind::Packet;
                    e.summary = "thread " + std::to_string(t) + " packet " + std::to_string(i);
                    log.append(std::move(e));
                }
            });
        }
        for (auto &thread : threads)
            thread.join();
        log.flush();
        auto written = EventLog::readFile(path);
        QVERIFY2(written, written ? "" : written.error().message().c_str());
        QCOMPARE(written->size(), std::size_t(kThreads * kEach));
        for (std::size_t i = 0; i < written->size(); ++i)
            QCOMPARE((*written)[i].seq, std::uint64_t(i + 1));
        QCOMPARE(log.snapshot().back().summary, written->back().summary);

        // Events after a flush reach the file within the writer's interval, without a flush.
        Event late;
        late.summary = "late";
        log.append(late);
        const auto linesInFile = [&path] {
            auto read = EventLog::readFile(path); // may catch the writer mid-line: no count
            return read ? read->size() : std::size_t(0);
        };
        QTRY_COMPARE_WITH_TIMEOUT(linesInFile(), std::size_t(kThreads * kEach + 1), 5000);
        log.closeFile();
    }

    void closingWritesWhatIsPending()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("events.jsonl").toStdString();
        {
            EventLog log;
            QVERIFY(log.openFile(path));
            for (int i = 0; i < 1000; ++i) {
                Event e;
                e.summary = "event " + std::to_string(i);
                log.append(std::move(e));
            }
        } // the destructor closes the file
        auto written = EventLog::readFile(path);
        QVERIFY(written);
        QCOMPARE(written->size(), std::size_t(1000));
        QCOMPARE(written->back().summary, std::string("event 999"));
    }

    void listenersSeeNewEvents()
    {
        EventLog log;
        std::vector<std::string> seen;
        log.addListener([&](const Event &e) { seen.push_back(e.summary); });
        Event e;
        e.summary = "one";
        log.append(e);
        QCOMPARE(seen, std::vector<std::string>{"one"});
    }

    void truncatedFileNamesTheLine()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("events.jsonl").toStdString();
        // (No raw string literals here: Qt 6.4's moc misreads an unbalanced one.)
        const std::string complete =
            "{\"seq\":1,\"ts_ns\":5,\"kind\":\"api\",\"source\":{\"component\":\"dockerd\"},"
            "\"summary\":\"x\"}\n";
        std::ofstream(path) << complete << "{\"seq\":2,\"ts_ns\":6,\"kind\":\"api\",\"sour";
        auto read = EventLog::readFile(path);
        QVERIFY(!read);
        QVERIFY2(read.error().message().find(path + ":2:") != std::string::npos,
                 read.error().message().c_str());
    }

    void unknownKindIsRejected()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("events.jsonl").toStdString();
        std::ofstream(path)
            << R"({"seq":1,"ts_ns":5,"kind":"telepathy","source":{"component":"x"},"summary":"x"})";
        auto read = EventLog::readFile(path);
        QVERIFY(!read);
        QVERIFY(read.error().message().find("telepathy") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestEventLog)
#include "tst_event_log.moc"
