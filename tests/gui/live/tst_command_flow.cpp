// The flow of a typed command (CommandFlow.h): only what the command caused counts, from its
// event to the CLI's exit plus what links back into that window; each hop is what such a
// command is expected to do, matched against that evidence, so a hop the evidence lacks shows
// as missing and nothing unrelated becomes a hop. Over FIXTURE events (LiveFixtures.h), then
// over the `docker run` in the recorded docker-run bundle.

#include "../GuiTestSupport.h"
#include "LiveFixtures.h"
#include "app/desktop/library/LessonCatalog.h"
#include "app/desktop/live/CommandFlow.h"

#include <QTemporaryDir>
#include <algorithm>
#include <set>

using namespace flowlab;
using namespace flowlab::test;

namespace {

constexpr std::uint64_t kCommandSeq = 10;
constexpr std::int64_t kEndMs = 1100;

// FIXTURE: `docker run -d nginx` from 1000 ms to its exit at 1100 ms, with what came before
// and after it: an earlier command's answer, a cleanup's Tasks/Kill, and an unrelated exec.
std::vector<Event> dockerRunFixture()
{
    return {
        apiResponse(9, 990, "ContainerList", "GET /containers/json → 200 OK", 8),
        fixtureEvent(kCommandSeq, 1000, EventKind::Command, "docker-cli", "docker run -d nginx",
                     {{"argv", {"run", "-d", "nginx"}}}),
        apiRequest(11, 1010, "ContainerCreate", "POST /containers/create"),
        apiResponse(12, 1020, "ContainerCreate", "POST /containers/create → 201 Created", 11),
        apiRequest(13, 1030, "ContainerStart", "POST /containers/abc/start"),
        apiRequest(14, 1031, "ContainerWait", "POST /containers/abc/wait"),
        grpcStart(15, 1040, "/containerd.services.tasks.v1.Tasks/Create"),
        exec(16, 1050, "containerd-shim", "containerd", "/usr/bin/containerd-shim-runc-v2"),
        // dockerd runs iptables meanwhile: an exec by a component the stage does not show.
        exec(17, 1052, "xtables-nft-multi", "dockerd", "/usr/sbin/xtables-nft-multi"),
        exec(18, 1060, "runc", "containerd-shim", "/usr/sbin/runc"),
        syscall(19, 1070, "runc", "unshare", "runc:[1:CHILD]",
                "unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET) = 0"),
        syscall(20, 1080, "runc", "execve", "runc:[2:INIT]",
                "execve(\"/usr/sbin/nginx\", [\"nginx\"]) = 0"),
        apiResponse(21, 1090, "ContainerStart", "POST /containers/abc/start → 204 No Content", 13),
        // After the CLI exited: the wait it started ends (linked), and later commands' work.
        apiResponse(22, 1200, "ContainerWait", "POST /containers/abc/wait → 200 OK", 14),
        grpcStart(23, 2000, "/containerd.services.tasks.v1.Tasks/Kill"),
        exec(24, 2010, "nginx", "runc", "/usr/sbin/nginx"),
    };
}

std::vector<Event> without(std::vector<Event> events, std::set<std::uint64_t> seqs)
{
    events.erase(std::remove_if(events.begin(), events.end(),
                                [&](const Event &e) { return seqs.count(e.seq) > 0; }),
                 events.end());
    return events;
}

Lesson stage()
{
    auto lesson = loadLesson(FLOWLAB_SOURCE_DIR "/lessons/docker-run.json");
    if (!lesson)
        qFatal("%s", lesson.error().message().c_str());
    return std::move(lesson).value();
}

struct Flow
{
    std::unique_ptr<Walkthrough> walkthrough;

    const WalkthroughStep *step(const std::string &title) const
    {
        for (int i = 0; i < walkthrough->stepCount(); ++i)
            if (walkthrough->step(i).lessonStep->title == title)
                return &walkthrough->step(i);
        return nullptr;
    }
};

Flow flowOf(const CommandSpan &span, const std::vector<Event> &events)
{
    auto bundle = commandFlowBundle(stage(), span, events);
    if (!bundle)
        qFatal("%s", bundle.error().message().c_str());
    auto walkthrough = Walkthrough::fromBundle(std::move(bundle).value());
    if (!walkthrough)
        qFatal("%s", walkthrough.error().message().c_str());
    return {std::make_unique<Walkthrough>(std::move(walkthrough).value())};
}

std::set<std::uint64_t> seqsOf(const std::vector<Event> &events)
{
    std::set<std::uint64_t> seqs;
    for (const Event &event : events)
        seqs.insert(event.seq);
    return seqs;
}

} // namespace

class TestCommandFlow : public QObject
{
    Q_OBJECT

private slots:
    void onlyWhatTheCommandCausedCounts()
    {
        const CommandSpan span{"docker run -d nginx", kCommandSeq, kEndMs * kMs};
        const std::set<std::uint64_t> caused = seqsOf(eventsOfCommand(dockerRunFixture(), span));
        // From the command's own event to the exit, and the late answer to a request it made.
        const std::set<std::uint64_t> expected{10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22};
        QCOMPARE(caused, expected);
        // An unknown command has caused nothing.
        QVERIFY(eventsOfCommand(dockerRunFixture(), {"docker ps", 99, kEndMs * kMs}).empty());
    }

    void everyExpectedHopOfARunIsObserved()
    {
        const Flow flow =
            flowOf({"docker run -d nginx", kCommandSeq, kEndMs * kMs}, dockerRunFixture());
        const auto expected = expectedHops({"run", "-d", "nginx"});
        QCOMPARE(flow.walkthrough->stepCount(), int(expected.size()));
        for (int i = 0; i < flow.walkthrough->stepCount(); ++i) {
            const WalkthroughStep &step = flow.walkthrough->step(i);
            // Titles come from what a run is expected to do, never from an event.
            QCOMPARE(step.lessonStep->title, expected[i].title);
            QVERIFY2(step.observed(), step.lessonStep->title.c_str());
        }
        QCOMPARE(flow.walkthrough->origin(), TraceOrigin::Live);
        // The key evidence of each hop is the event that proves it.
        QCOMPARE(flow.step("The container's first process starts")->keyEvent()->seq,
                 std::uint64_t(20));
        QCOMPARE(flow.step("The shim runs runc")->keyEvent()->seq, std::uint64_t(18));
        // Events of later commands are not in the flow's trace at all.
        const std::set<std::uint64_t> traced = seqsOf(flow.walkthrough->events());
        QVERIFY(!traced.count(23) && !traced.count(24) && !traced.count(9));
    }

    void aHopWithoutEvidenceIsMissing_data()
    {
        QTest::addColumn<QList<quint64>>("removed");
        QTest::addColumn<QString>("missingHop");
        // The exec of dockerd's iptables (17) stays: it must not pass for the container's.
        QTest::newRow("no first process")
            << QList<quint64>{20} << "The container's first process starts";
        QTest::newRow("no runc") << QList<quint64>{18} << "The shim runs runc";
        QTest::newRow("no start request")
            << QList<quint64>{13} << "The CLI asks dockerd to start it";
    }

    void aHopWithoutEvidenceIsMissing()
    {
        QFETCH(QList<quint64>, removed);
        QFETCH(QString, missingHop);
        const Flow flow = flowOf({"docker run -d nginx", kCommandSeq, kEndMs * kMs},
                                 without(dockerRunFixture(), {removed.begin(), removed.end()}));
        const WalkthroughStep *step = flow.step(missingHop.toStdString());
        QVERIFY(step);
        QCOMPARE(step->state, StepState::Missing);
        QVERIFY(!step->observed());
        QVERIFY(flow.walkthrough->observedCount() < flow.walkthrough->stepCount());
    }

    void evidenceAfterTheExitDoesNotCount()
    {
        // The task was created only after the CLI had exited (by a later command): the run's
        // "task" hop has no evidence of its own.
        std::vector<Event> events = without(dockerRunFixture(), {15});
        events.push_back(grpcStart(30, 2100, "/containerd.services.tasks.v1.Tasks/Create"));
        const Flow flow = flowOf({"docker run -d nginx", kCommandSeq, kEndMs * kMs}, events);
        QCOMPARE(flow.step("dockerd asks containerd for a task")->state, StepState::Missing);
    }

    void otherCommandsExpectTheirOwnHops_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("secondHop");
        QTest::newRow("ps") << QStringList{"ps", "-a"} << "The CLI asks for the containers";
        QTest::newRow("container ls")
            << QStringList{"container", "ls"} << "The CLI asks for the containers";
        QTest::newRow("container run") << QStringList{"container", "run", "nginx"}
                                       << "The CLI asks dockerd to create the container";
        QTest::newRow("unknown") << QStringList{"version"} << "The CLI calls the Engine API";
    }

    void otherCommandsExpectTheirOwnHops()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, secondHop);
        std::vector<std::string> argv;
        for (const QString &arg : args)
            argv.push_back(arg.toStdString());
        const auto hops = expectedHops(argv);
        QVERIFY(hops.size() >= 3);
        QCOMPARE(hops[0].title, std::string("You type the command"));
        QCOMPARE(QString::fromStdString(hops[1].title), secondHop);
    }

    void aPsWithoutItsListCallShowsItMissing()
    {
        // FIXTURE: `docker ps` whose only evidence is the version check.
        const std::vector<Event> events{
            fixtureEvent(40, 5000, EventKind::Command, "docker-cli", "docker ps",
                         {{"argv", {"ps"}}}),
            apiRequest(41, 5010, "SystemPingHead", "HEAD /_ping"),
        };
        const Flow flow = flowOf({"docker ps", 40, 5100 * kMs}, events);
        QCOMPARE(flow.step("You type the command")->state, StepState::Observed);
        QCOMPARE(flow.step("The CLI asks for the containers")->state, StepState::Missing);
        QCOMPARE(flow.step("dockerd answers with the list")->state, StepState::Missing);
    }

    void refusesWhatItCannotBound()
    {
        auto noEvent =
            commandFlowBundle(stage(), {"docker ps", 99, kEndMs * kMs}, dockerRunFixture());
        QVERIFY(!noEvent);
        QVERIFY2(noEvent.error().message().find("has not arrived") != std::string::npos,
                 noEvent.error().message().c_str());
        auto noEnd =
            commandFlowBundle(stage(), {"docker run -d nginx", kCommandSeq, 0}, dockerRunFixture());
        QVERIFY(!noEnd);
    }

    void theRecordedRunMakesEveryExpectedHop()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        const Walkthrough recording = openRecordedBundle();
        // The "run" action's command event, and the daemon's event for its end.
        const Event *command = nullptr;
        const Event *done = nullptr;
        for (const Event &event : recording.events()) {
            const auto *action = findPath(event.attributes, "action");
            if (event.kind != EventKind::Command || !action || *action != "run")
                continue;
            (event.links.empty() ? command : done) = &event;
        }
        QVERIFY(command && done);
        const CommandSpan span{command->summary, command->seq, done->monotonicNs};
        const Flow flow = flowOf(span, recording.events());
        QCOMPARE(flow.walkthrough->stepCount(),
                 int(expectedHops({"run", "-d", "-p", "8080:80", "nginx"}).size()));
        for (int i = 0; i < flow.walkthrough->stepCount(); ++i)
            QVERIFY2(flow.walkthrough->step(i).observed(),
                     flow.walkthrough->step(i).lessonStep->title.c_str());
        // The browser's request (the next action) is not part of the command's evidence.
        for (const Event &event : flow.walkthrough->events())
            QVERIFY2(event.kind != EventKind::Command || event.source.component != "curl",
                     event.summary.c_str());
        const WalkthroughStep *firstProcess = flow.step("The container's first process starts");
        QVERIFY(firstProcess && firstProcess->keyEvent());
        QVERIFY(firstProcess->keyEvent()->summary.find("nginx") != std::string::npos);
    }

    void theStageIsFoundWhereverTheLessonsAre()
    {
        // The teacher's lessons elsewhere: docker-run's diagram still comes from the app's own.
        QTemporaryDir teacher;
        QFile other(teacher.filePath("other.json"));
        QVERIFY(other.open(QIODevice::WriteOnly));
        other.write(R"JSON({"flowlab_lesson": 1, "id": "other", "title": "Other (fixture)",
            "summary": "fixture", "level": "beginner", "lab": "none",
            "components": [{"id": "a"}],
            "steps": [{"id": "s", "title": "S", "component": "a", "explanation": "x"}]})JSON");
        other.close();
        qputenv("FLOWLAB_LESSONS_DIR", teacher.path().toLocal8Bit());
        std::vector<std::string> directories = LessonCatalog::defaultDirectories();
        qunsetenv("FLOWLAB_LESSONS_DIR");
        QCOMPARE(directories.front(), teacher.path().toStdString());

        auto notThere = loadCommandFlowStage(directories);
        QVERIFY(!notThere);
        const std::string why = notThere.error().message();
        QVERIFY2(why.find("\"docker-run\"") != std::string::npos, why.c_str());
        QVERIFY2(why.find(teacher.path().toStdString()) != std::string::npos, why.c_str());

        directories.push_back(LessonCatalog::builtinDirectory());
        auto found = loadCommandFlowStage(directories);
        QVERIFY2(found, found ? "" : found.error().message().c_str());
        QCOMPARE(found->id, std::string("docker-run"));
        // Found by id, whatever the file is called.
        QTemporaryDir renamed;
        QVERIFY(QFile::copy(FLOWLAB_SOURCE_DIR "/lessons/docker-run.json",
                            renamed.filePath("my-copy.json")));
        auto byId =
            loadCommandFlowStage({teacher.path().toStdString(), renamed.path().toStdString()});
        QVERIFY2(byId, byId ? "" : byId.error().message().c_str());
    }
};

QTEST_MAIN(TestCommandFlow)
#include "tst_command_flow.moc"
