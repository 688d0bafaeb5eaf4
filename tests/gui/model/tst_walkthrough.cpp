// The walkthrough model over a real recording: every step of docker-run has its lesson text,
// its result and the events that prove it, and bad bundles are refused with the path named.
// Then, over a FIXTURE lesson and hand-made results: what a bundle's run record says about
// where its evidence comes from decides how each step may be shown (only captured evidence
// whose windows are closed is "observed").

#include "../GuiTestSupport.h"

#include <QTemporaryDir>

using namespace flowlab;
using namespace flowlab::test;

Q_DECLARE_METATYPE(nlohmann::json)
Q_DECLARE_METATYPE(flowlab::TraceOrigin)
Q_DECLARE_METATYPE(std::vector<flowlab::StepState>)

namespace {

// FIXTURE: two actions, one step looking in each.
const char *kFixtureLesson = R"JSON({
  "flowlab_lesson": 1, "id": "fixture-origins", "title": "Fixture: origins",
  "summary": "FIXTURE for the walkthrough's origin tests; nothing in it was captured",
  "level": "beginner", "lab": "docker",
  "components": [{"id": "docker-cli", "lane": "user"}, {"id": "dockerd", "lane": "engine"}],
  "actions": [{"id": "run", "do": "docker", "args": ["ps"]},
              {"id": "request", "do": "http", "url": "http://192.168.56.10:8080/"}],
  "steps": [
    {"id": "typed", "title": "Typed", "component": "docker-cli", "from": "docker-cli",
     "to": "dockerd", "label": "docker ps", "explanation": "fixture",
     "match": [{"kind": "command", "during": "run"}]},
    {"id": "answered", "title": "Answered", "component": "dockerd", "explanation": "fixture",
     "match": [{"kind": "packet", "during": "request"}]}
  ]
})JSON";

// The fixture run: step "typed" matched event 1, step "answered" matched nothing.
TraceBundle fixtureBundle(nlohmann::json run)
{
    TraceBundle bundle;
    bundle.lesson = nlohmann::json::parse(kFixtureLesson);
    bundle.run = std::move(run);
    Event command;
    command.seq = 1;
    command.monotonicNs = 1'000;
    command.kind = EventKind::Command;
    command.source.component = "docker-cli";
    command.summary = "docker ps (fixture)";
    bundle.events.push_back(command);
    StepResult typed;
    typed.stepId = "typed";
    typed.status = StepStatus::Observed;
    typed.keyEvidence = command.summary;
    typed.evidence.push_back({0, "", {1}});
    StepResult answered;
    answered.stepId = "answered";
    answered.status = StepStatus::Missing;
    answered.missing = {"a packet event"};
    bundle.steps = {typed, answered};
    return bundle;
}

} // namespace

class TestWalkthrough : public QObject
{
    Q_OBJECT

private slots:
    void opensTheRecordedDockerRun()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        Walkthrough walkthrough = openRecordedBundle();
        QCOMPARE(walkthrough.lesson().id, std::string("docker-run"));
        QCOMPARE(walkthrough.stepCount(), 10);
        QCOMPARE(walkthrough.observedCount(), 10);
        QVERIFY(walkthrough.isRecording());
        for (int i = 0; i < walkthrough.stepCount(); ++i) {
            const WalkthroughStep &step = walkthrough.step(i);
            QVERIFY(step.lessonStep);
            QVERIFY2(!step.evidence.empty(), step.lessonStep->id.c_str());
            for (const StepEvidence &evidence : step.evidence)
                QVERIFY(evidence.event);
        }
        // The last step pairs the packet before DNAT with the one after it.
        const WalkthroughStep &request = walkthrough.step(9);
        QCOMPARE(request.lessonStep->id, std::string("request"));
        QVERIFY(request.evidence.front().event->kind == EventKind::Packet);
        QVERIFY(walkthrough.lastNs() > walkthrough.firstNs());
        const auto &components = walkthrough.eventComponents();
        QVERIFY(std::find(components.begin(), components.end(), "runc") != components.end());
    }

    void theRunRecordDecidesHowStepsShow_data()
    {
        using S = StepState;
        QTest::addColumn<nlohmann::json>("run");
        QTest::addColumn<TraceOrigin>("origin");
        QTest::addColumn<std::vector<StepState>>("states");
        QTest::addColumn<int>("observed");

        QTest::newRow("a recording")
            << nlohmann::json{{"recording", false}} << TraceOrigin::Recording
            << std::vector<S>{S::Observed, S::Missing} << 1;
        QTest::newRow("synthetic") << nlohmann::json{{"synthetic", true}} << TraceOrigin::Synthetic
                                   << std::vector<S>{S::Synthetic, S::Missing} << 0;
        QTest::newRow("synthetic, even if it says live")
            << nlohmann::json{{"synthetic", true}, {"live", true}, {"recording", false}}
            << TraceOrigin::Synthetic << std::vector<S>{S::Synthetic, S::Missing} << 0;
        QTest::newRow("explained only, whatever its results say")
            << nlohmann::json{{"explained_only", true}} << TraceOrigin::ExplainOnly
            << std::vector<S>{S::Explained, S::Explained} << 0;
        QTest::newRow("live, finished") << nlohmann::json{{"live", true}} << TraceOrigin::Live
                                        << std::vector<S>{S::Observed, S::Missing} << 1;
        QTest::newRow("live, its window closed, the next one open")
            << nlohmann::json{{"live", true}, {"in_progress", true}, {"open_actions", {"request"}}}
            << TraceOrigin::Live << std::vector<S>{S::Observed, S::Waiting} << 1;
        QTest::newRow("live, every window open")
            << nlohmann::json{{"live", true},
                              {"in_progress", true},
                              {"open_actions", {"run", "request"}}}
            << TraceOrigin::Live << std::vector<S>{S::SeenSoFar, S::Waiting} << 0;
    }

    void theRunRecordDecidesHowStepsShow()
    {
        QFETCH(nlohmann::json, run);
        QFETCH(TraceOrigin, origin);
        QFETCH(std::vector<StepState>, states);
        QFETCH(int, observed);
        auto walkthrough = Walkthrough::fromBundle(fixtureBundle(run), "fixture");
        QVERIFY2(walkthrough, walkthrough ? "" : walkthrough.error().message().c_str());
        QCOMPARE(walkthrough->origin(), origin);
        QCOMPARE(walkthrough->stepCount(), int(states.size()));
        for (int i = 0; i < walkthrough->stepCount(); ++i)
            QCOMPARE(walkthrough->step(i).state, states[i]);
        QCOMPARE(walkthrough->observedCount(), observed);
        // Made-up or unrun evidence never turns into observed by being called live.
        walkthrough->markLive();
        QCOMPARE(walkthrough->observedCount(), observed);
    }

    void aBundleOnDiskKeepsWhatItSays_data()
    {
        QTest::addColumn<nlohmann::json>("run");
        QTest::addColumn<TraceOrigin>("origin");
        QTest::newRow("recording")
            << nlohmann::json{{"recording", false}} << TraceOrigin::Recording;
        QTest::newRow("synthetic") << nlohmann::json{{"synthetic", true}} << TraceOrigin::Synthetic;
        QTest::newRow("explain-only")
            << nlohmann::json{{"explained_only", true}} << TraceOrigin::ExplainOnly;
    }

    void aBundleOnDiskKeepsWhatItSays()
    {
        QFETCH(nlohmann::json, run);
        QFETCH(TraceOrigin, origin);
        QTemporaryDir dir;
        QVERIFY(fixtureBundle(run).writeDirectory(dir.path().toStdString()).ok());
        auto walkthrough = Walkthrough::open(dir.path().toStdString());
        QVERIFY2(walkthrough, walkthrough ? "" : walkthrough.error().message().c_str());
        QCOMPARE(walkthrough->origin(), origin);
        QCOMPARE(walkthrough->isRecording(), origin == TraceOrigin::Recording);
        QCOMPARE(walkthrough->step(0).observed(), origin == TraceOrigin::Recording);
    }

    void refusesADirectoryWithoutATrace()
    {
        QTemporaryDir dir;
        auto walkthrough = Walkthrough::open(dir.path().toStdString());
        QVERIFY(!walkthrough);
        QVERIFY2(walkthrough.error().message().find("no trace.json") != std::string::npos,
                 walkthrough.error().message().c_str());
    }

    void refusesATruncatedTrace()
    {
        QTemporaryDir dir;
        QFile file(dir.filePath("trace.json"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"flowlab_trace": 1, "events": [{"seq": 1, "kind")");
        file.close();
        auto walkthrough = Walkthrough::open(dir.path().toStdString());
        QVERIFY(!walkthrough);
        QVERIFY2(walkthrough.error().message().find("truncated") != std::string::npos,
                 walkthrough.error().message().c_str());
    }
};

QTEST_MAIN(TestWalkthrough)
#include "tst_walkthrough.moc"
