// Step matching over recorded events: observed only when every matcher matched, windows
// respected, missing steps say what was not seen and the nearest evidence that was.

#include "tracer/bundle/TraceBundle.h"
#include "tracer/lesson/LessonLoader.h"
#include "tracer/lesson/StepMatcher.h"

// Raw-string fixtures live apart: Qt 6.4's moc misparses some raw string literals.
#include "StepMatcherFixtures.h"

#include <QTemporaryDir>
#include <QTest>
#include <fstream>

using namespace flowlab;

namespace {

Event makeEvent(std::uint64_t seq, EventKind kind, std::string component, std::string summary,
                nlohmann::json attrs = nlohmann::json::object())
{
    Event e;
    e.seq = seq;
    e.monotonicNs = std::int64_t(seq) * 1'000'000;
    e.kind = kind;
    e.source.component = std::move(component);
    e.summary = std::move(summary);
    e.attributes = std::move(attrs);
    return e;
}

Lesson lessonFrom(const char *json)
{
    auto lesson = parseLesson(json, "test.json");
    if (!lesson)
        qFatal("%s", lesson.error().message().c_str());
    return *lesson;
}

} // namespace

class TestStepMatcher : public QObject
{
    Q_OBJECT

private slots:
    void observedMissingAndWindows()
    {
        const Lesson lesson = lessonFrom(kLesson);
        const nlohmann::json body = nlohmann::json::parse(
            R"({"Image": "nginx", "HostConfig": {"PortBindings": {"80/tcp": [{"HostPort": "8080"}]}}})");
        const std::vector<Event> events = {
            makeEvent(1, EventKind::Command, "docker-cli", "docker run nginx"),
            makeEvent(2, EventKind::Api, "dockerd", "POST /containers/create",
                      {{"endpoint", "/containers/create"}, {"body", body}}),
            makeEvent(3, EventKind::Syscall, "runc",
                      "runc: unshare(CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWNET) = 0",
                      {{"syscall", "unshare"}}),
            // The packet comes before the request action's window: it must not count.
            makeEvent(4, EventKind::Packet, "network", "TCP → 192.168.56.10:8080 [SYN]",
                      {{"dport", 8080}}),
            makeEvent(5, EventKind::Command, "curl", "curl http://192.168.56.10:8080/"),
        };
        // makeEvent stamps seq N at N ms.
        const std::vector<ActionWindow> windows = {{"run", 1'000'000, 3'000'000},
                                                   {"request", 5'000'000, 5'000'000}};
        const auto results = matchSteps(lesson, events, windows);
        QCOMPARE(results.size(), std::size_t(3));

        QCOMPARE(toString(results[0].status), std::string("observed"));
        QCOMPARE(results[0].evidence[0].seqs, std::vector<std::uint64_t>{2});
        QCOMPARE(results[0].keyEvidence, std::string("POST /containers/create"));

        // unshare was seen, pivot_root was not: missing, naming what is absent.
        QCOMPARE(toString(results[1].status), std::string("missing"));
        QCOMPARE(results[1].missing.size(), std::size_t(1));
        QVERIFY2(results[1].missing[0].find("attrs.syscall") == std::string::npos &&
                     results[1].missing[0].find("syscall = pivot_root") != std::string::npos,
                 results[1].missing[0].c_str());
        QVERIFY(results[1].keyEvidence.empty());
        QCOMPARE(results[1].lastRelated.size(), std::size_t(1));
        QVERIFY(results[1].lastRelated[0].find("#3 runc: unshare") == 0);

        QCOMPARE(toString(results[2].status), std::string("missing"));
        QVERIFY(results[2].missing[0].find("during action \"request\"") != std::string::npos);
    }

    // `after` takes any event from the action's start on, however late; never one before it.
    void afterTakesEventsFromTheActionsStartOn()
    {
        nlohmann::json lesson = nlohmann::json::parse(kLesson);
        lesson["steps"] = nlohmann::json::array(
            {{{"id", "late"},
              {"title", "ready later"},
              {"component", lesson["components"][0]["id"]},
              {"explanation", "x"},
              {"match", {{{"kind", "reconcile"}, {"summary", "ready"}, {"after", "run"}}}}}});
        const Lesson parsed = lessonFrom(lesson.dump().c_str());
        const std::vector<ActionWindow> windows = {{"run", 5'000'000, 6'000'000}};
        const auto before = matchSteps(
            parsed, {makeEvent(4, EventKind::Reconcile, "controller-manager", "ready")}, windows);
        QCOMPARE(toString(before[0].status), std::string("missing"));
        QVERIFY2(before[0].missing[0].find("after action \"run\" began") != std::string::npos,
                 before[0].missing[0].c_str());
        // Long after the window closed: still counts.
        const auto late = matchSteps(
            parsed, {makeEvent(90, EventKind::Reconcile, "controller-manager", "ready")}, windows);
        QCOMPARE(toString(late[0].status), std::string("observed"));
    }

    // Found by fuzzing: an index too large for size_t threw std::out_of_range from std::stoul.
    void dottedPathsIndexArraysSafely()
    {
        const nlohmann::json value = {{"flags", {"CLONE_NEWNS", "CLONE_NEWPID"}}};
        const nlohmann::json *second = findPath(value, "flags.1");
        QVERIFY(second && *second == "CLONE_NEWPID");
        QVERIFY(!findPath(value, "flags.2"));
        QVERIFY(!findPath(value, "flags.-1"));
        QVERIFY(!findPath(value, "flags.99999999999999999999999"));
    }

    void explainOnlyLessonsAreNeverObserved()
    {
        nlohmann::json doc = nlohmann::json::parse(kLesson);
        doc["explain_only"] = "cannot run on Linux";
        for (auto &step : doc["steps"])
            step.erase("match");
        auto lesson = parseLesson(doc.dump(), "t.json");
        QVERIFY(lesson);
        const auto results =
            matchSteps(*lesson, {makeEvent(1, EventKind::Api, "dockerd", "x")}, {});
        for (const auto &r : results)
            QCOMPARE(toString(r.status), std::string("explained"));
    }

    void bundleRoundTripsAndRejectsTruncation()
    {
        const Lesson lesson = lessonFrom(kLesson);
        TraceBundle bundle;
        bundle.lesson = lesson.source;
        bundle.run = {{"lesson", "t"}, {"recording", false}};
        Event request = makeEvent(10, EventKind::Api, "dockerd", "POST /containers/create");
        Event response = makeEvent(11, EventKind::Api, "dockerd", "→ 201 Created");
        response.links = {10};
        Event syscall =
            makeEvent(12, EventKind::Syscall, "runc", "runc: pivot_root(\".\", \".\") = 0");
        syscall.links = {11};
        bundle.events = {request, response, syscall};
        bundle.steps = matchSteps(lesson, bundle.events, {});

        QTemporaryDir dir;
        QVERIFY(bundle.writeDirectory(dir.path().toStdString()));
        auto read = TraceBundle::readTraceJson(dir.filePath("trace.json").toStdString());
        QVERIFY2(read, read ? "" : read.error().message().c_str());
        QCOMPARE(read->events.size(), std::size_t(3));
        QCOMPARE(read->steps.size(), std::size_t(3));
        QCOMPARE(read->event(11)->links, std::vector<std::uint64_t>{10});
        QCOMPARE(read->run["lesson"].get<std::string>(), std::string("t"));

        // Perfetto: a process per component, a slice for the request/response, a flow arrow
        // from the response (dockerd) to the syscall (runc).
        const nlohmann::json trace = toTraceEvents(*read);
        int processNames = 0, slices = 0, flowStarts = 0, flowEnds = 0;
        for (const auto &e : trace["traceEvents"]) {
            const std::string ph = e["ph"];
            processNames += ph == "M";
            slices += ph == "X";
            flowStarts += ph == "s";
            flowEnds += ph == "f";
        }
        QCOMPARE(processNames, 3); // lesson steps, dockerd, runc
        QCOMPARE(slices, 1);
        QCOMPARE(flowStarts, 1);
        QCOMPARE(flowEnds, 1);

        // A truncated trace is a clear error.
        const std::string path = dir.filePath("trace.json").toStdString();
        std::string text;
        {
            std::ifstream in(path);
            text.assign(std::istreambuf_iterator<char>(in), {});
        }
        std::ofstream(path, std::ios::trunc) << text.substr(0, text.size() / 2);
        auto truncated = TraceBundle::readTraceJson(path);
        QVERIFY(!truncated);
        QVERIFY2(truncated.error().message().find("truncated") != std::string::npos,
                 truncated.error().message().c_str());
    }
};

QTEST_GUILESS_MAIN(TestStepMatcher)
#include "tst_step_matcher.moc"
