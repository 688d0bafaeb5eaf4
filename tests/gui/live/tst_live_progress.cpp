// A lesson running live (LiveProgress.h): each action's window closes when the daemon reports
// the action's end (plus the settle time), and until then the steps that look in it are only
// "seen so far", never the final ✓; evidence of one action never proves a step of another.
// Over a FIXTURE lesson and FIXTURE events (LiveFixtures.h).

#include "LiveFixtures.h"
#include "app/desktop/diagram/FlowScene.h"
#include "app/desktop/live/LiveProgress.h"
#include "app/desktop/model/Walkthrough.h"
#include "tracer/lesson/LessonLoader.h"

#include <QTest>

using namespace flowlab;
using namespace flowlab::test;

Q_DECLARE_METATYPE(std::vector<flowlab::StepState>)

namespace {

const char *kLesson = R"JSON({
  "flowlab_lesson": 1, "id": "fixture-live", "title": "Fixture: a live run",
  "summary": "FIXTURE for the live progress tests; nothing in it was captured",
  "level": "beginner", "lab": "docker",
  "components": [{"id": "docker-cli", "lane": "user"}, {"id": "dockerd", "lane": "engine"},
                 {"id": "browser", "lane": "network"}],
  "actions": [{"id": "run", "do": "docker", "args": ["run", "-d", "nginx"]},
              {"id": "request", "do": "http", "url": "http://192.168.56.10:8080/"}],
  "steps": [
    {"id": "typed", "title": "Typed", "component": "docker-cli", "explanation": "fixture",
     "match": [{"kind": "command", "component": "docker-cli", "during": "run"}]},
    {"id": "created", "title": "Created", "component": "dockerd", "from": "docker-cli",
     "to": "dockerd", "label": "POST /containers/create", "explanation": "fixture",
     "match": [{"kind": "api", "during": "run"}]},
    {"id": "answered", "title": "Answered", "component": "browser", "explanation": "fixture",
     "match": [{"kind": "packet", "during": "request"}]}
  ]
})JSON";

// FIXTURE: the run action from 1000 to 2000 ms, a stray packet during it (registry traffic),
// then the request action from 3000 to 3200 ms with its packet.
std::vector<Event> events(std::uint64_t upToSeq)
{
    const std::vector<Event> all{
        fixtureEvent(1, 1000, EventKind::Command, "docker-cli", "docker run -d nginx",
                     {{"action", "run"}}),
        apiRequest(2, 1100, "ContainerCreate", "POST /containers/create"),
        fixtureEvent(3, 1500, EventKind::Packet, "network", "TCP → 192.168.56.5:5000"),
        fixtureEvent(4, 2000, EventKind::Command, "docker-cli", "docker run -d nginx → exit 0",
                     {{"action", "run"}, {"exit_code", 0}}, {1}),
        fixtureEvent(5, 3000, EventKind::Command, "curl", "curl http://192.168.56.10:8080/",
                     {{"action", "request"}}),
        fixtureEvent(6, 3100, EventKind::Packet, "network", "TCP → 192.168.56.10:8080 [SYN]"),
        fixtureEvent(7, 3200, EventKind::Command, "curl", "curl … → HTTP/1.1 200 OK",
                     {{"action", "request"}}, {5}),
    };
    std::vector<Event> arrived;
    for (const Event &event : all)
        if (event.seq <= upToSeq)
            arrived.push_back(event);
    return arrived;
}

Lesson lesson()
{
    auto parsed = parseLesson(kLesson, "fixture-live");
    if (!parsed)
        qFatal("%s", parsed.error().message().c_str());
    return std::move(parsed).value();
}

} // namespace

class TestLiveProgress : public QObject
{
    Q_OBJECT

private slots:
    void stepsAreFinalOnlyOnceTheirWindowCloses_data()
    {
        using S = StepState;
        QTest::addColumn<int>("arrived"); // events up to this seq have arrived
        QTest::addColumn<int>("nowMs");
        QTest::addColumn<std::vector<StepState>>("states");
        QTest::addColumn<QStringList>("open");

        // The stray packet of the run action must not prove the request's step.
        QTest::newRow("run going")
            << 3 << 1600 << std::vector<S>{S::SeenSoFar, S::SeenSoFar, S::Waiting}
            << QStringList{"run", "request"};
        QTest::newRow("run ended, settling")
            << 4 << 2200 << std::vector<S>{S::SeenSoFar, S::SeenSoFar, S::Waiting}
            << QStringList{"run", "request"};
        QTest::newRow("run closed")
            << 4 << 2500 << std::vector<S>{S::Observed, S::Observed, S::Waiting}
            << QStringList{"request"};
        QTest::newRow("request going")
            << 6 << 3150 << std::vector<S>{S::Observed, S::Observed, S::SeenSoFar}
            << QStringList{"request"};
        QTest::newRow("all closed")
            << 7 << 3700 << std::vector<S>{S::Observed, S::Observed, S::Observed} << QStringList{};
    }

    void stepsAreFinalOnlyOnceTheirWindowCloses()
    {
        QFETCH(int, arrived);
        QFETCH(int, nowMs);
        QFETCH(std::vector<StepState>, states);
        QFETCH(QStringList, open);
        const Lesson fixture = lesson();
        TraceBundle bundle = liveBundleSoFar(fixture, events(arrived), 900 * kMs, nowMs * kMs);
        QStringList openActions;
        for (const auto &id : bundle.run["open_actions"])
            openActions << QString::fromStdString(id.get<std::string>());
        QCOMPARE(openActions, open);
        auto walkthrough = Walkthrough::fromBundle(std::move(bundle));
        QVERIFY2(walkthrough, walkthrough ? "" : walkthrough.error().message().c_str());
        QVERIFY(walkthrough->inProgress());
        for (int i = 0; i < walkthrough->stepCount(); ++i)
            QCOMPARE(walkthrough->step(i).state, states[i]);
    }

    void theRunWindowEndsWhereTheDaemonSaysItDid()
    {
        const LiveWindows live = liveActionWindows(lesson(), events(7), 900 * kMs, 5000 * kMs);
        QCOMPARE(live.windows.size(), std::size_t(2));
        QCOMPARE(live.windows[0].startNs, 1000 * kMs);
        QCOMPARE(live.windows[0].endNs, 2000 * kMs + kActionSettleNs);
        QCOMPARE(live.windows[1].startNs, 3000 * kMs);
        QVERIFY(live.openActions.empty());
    }

    void theDiagramDoesNotShowAProvisionalStepAsObserved()
    {
        auto walkthrough =
            Walkthrough::fromBundle(liveBundleSoFar(lesson(), events(3), 900 * kMs, 1600 * kMs));
        QVERIFY(walkthrough);
        FlowScene scene;
        scene.setWalkthrough(&*walkthrough);
        scene.showStep(1, false);
        QCOMPARE(walkthrough->step(1).state, StepState::SeenSoFar);
        QVERIFY(CaptionItem::chipText(StepState::SeenSoFar) !=
                CaptionItem::chipText(StepState::Observed));
        QVERIFY(scene.tokenStyle() == TokenItem::Style::Provisional);
        QVERIFY2(scene.tokenLabel().contains("so far"), qPrintable(scene.tokenLabel()));
        // Nothing yet for the request: its token is the lesson's expectation, marked so.
        scene.showStep(2, false);
        QVERIFY(scene.tokenStyle() == TokenItem::Style::Expected);
        QVERIFY(scene.tokenLabel().startsWith("expected: "));
    }
};

QTEST_MAIN(TestLiveProgress)
#include "tst_live_progress.moc"
