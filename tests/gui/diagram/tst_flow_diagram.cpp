// The flow diagram over the recorded docker-run: the stage's bands, the active component and
// edge of every step, the label that travels (written from the captured evidence; the
// lesson's label only as the expectation), and a missing step drawn as not observed. Then
// crowded bands, over FIXTURE lessons with many components.

#include "../GuiTestSupport.h"
#include "app/desktop/diagram/DiagramItems.h"
#include "app/desktop/diagram/FlowDiagramView.h"
#include "app/desktop/diagram/FlowScene.h"
#include "app/desktop/model/EventLabel.h"

#include <QDir>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QSignalSpy>

using namespace flowlab;
using namespace flowlab::test;

namespace {

constexpr int kPull = 3; // docker-run's "pull" step (0-based)

Lesson dockerRun()
{
    auto lesson = loadLesson(FLOWLAB_SOURCE_DIR "/lessons/docker-run.json");
    if (!lesson)
        qFatal("%s", lesson.error().message().c_str());
    return std::move(lesson).value();
}

// FIXTURE: docker-run with only its pull step matched, by packets whose request lines differ
// from the lesson's label (a mirror adds ?ns=docker.io), and the given run record.
TraceBundle pullFixture(nlohmann::json run)
{
    TraceBundle bundle;
    bundle.lesson = dockerRun().source;
    bundle.run = std::move(run);
    auto packet = [](std::uint64_t seq, const std::string &http) {
        Event event;
        event.seq = seq;
        event.monotonicNs = std::int64_t(seq) * 1000;
        event.kind = EventKind::Packet;
        event.source.component = "network";
        event.summary = "TCP 192.168.56.10 → 192.168.56.5:5000 " + http + " (fixture)";
        event.attributes = {{"http", http}, {"dst", "192.168.56.5"}, {"dport", 5000}};
        return event;
    };
    bundle.events = {
        packet(1, "HEAD /v2/library/nginx/manifests/latest?ns=docker.io HTTP/1.1"),
        packet(2, "GET /v2/library/nginx/manifests/sha256:" + std::string(64, 'a') + " HTTP/1.1"),
    };
    for (const LessonStep &step : dockerRun().steps) {
        StepResult result;
        result.stepId = step.id;
        result.status = StepStatus::Missing;
        result.missing = {step.matchers.front().describe()};
        if (step.id == "pull") {
            result.status = StepStatus::Observed;
            result.keyEvidence = bundle.events[0].summary;
            result.missing.clear();
            result.evidence = {{0, "which digest is latest?", {1}},
                               {1, "the manifest, by digest", {2}}};
        }
        bundle.steps.push_back(result);
    }
    return bundle;
}

// FIXTURE: one band of `count` components with realistic labels.
Lesson crowdedLesson(int count)
{
    nlohmann::json components = nlohmann::json::array();
    nlohmann::json ids = nlohmann::json::array();
    for (int i = 0; i < count; ++i) {
        const std::string id = "node-" + std::to_string(i + 1);
        components.push_back({{"id", id}, {"label", "kubelet on flowlab-" + id}, {"lane", "n"}});
        ids.push_back(id);
    }
    const nlohmann::json lesson = {
        {"flowlab_lesson", 1},
        {"id", "crowded"},
        {"title", "Crowded (fixture)"},
        {"summary", "fixture"},
        {"level", "beginner"},
        {"lab", "none"},
        {"explain_only", "a fixture for the layout"},
        {"components", components},
        {"stage", {{"rows", {{{"label", "nodes"}, {"components", ids}}}}}},
        {"steps",
         {{{"id", "s"}, {"title", "S"}, {"component", "node-1"}, {"explanation", "fixture"}}}}};
    auto parsed = parseLesson(lesson.dump(), "crowded fixture");
    if (!parsed)
        qFatal("%s", parsed.error().message().c_str());
    return std::move(parsed).value();
}

} // namespace

class TestFlowDiagram : public QObject
{
    Q_OBJECT

private slots:
    void layoutFollowsTheStage()
    {
        auto lesson = loadLesson(FLOWLAB_SOURCE_DIR "/lessons/docker-run.json");
        QVERIFY(lesson);
        const DiagramLayout layout = DiagramLayout::compute(*lesson);
        QCOMPARE(layout.bands.size(), std::size_t(6));
        QCOMPARE(layout.boxes.size(), lesson->components.size());
        // The seed's layers, top to bottom: the CLI above dockerd above runc above the kernel.
        auto top = [&](const char *id) { return layout.box(id)->rect.top(); };
        QVERIFY(top("docker-cli") < top("dockerd"));
        QVERIFY(top("dockerd") < top("runc"));
        QVERIFY(top("runc") < top("kernel"));
        QVERIFY(top("kernel") < top("container"));
        QCOMPARE(top("containerd"), top("runc")); // one band, side by side
        // No two boxes overlap.
        for (const auto &a : layout.boxes)
            for (const auto &b : layout.boxes)
                QVERIFY2(&a == &b || !a.rect.intersects(b.rect), (a.id + " / " + b.id).c_str());
    }

    void withoutAStageEachLaneIsABand()
    {
        auto lesson = loadLesson(FLOWLAB_SOURCE_DIR "/lessons/docker-run.json");
        QVERIFY(lesson);
        lesson->stage.rows.clear();
        const DiagramLayout layout = DiagramLayout::compute(*lesson);
        // docker-run's lanes: user, engine, network, kernel, container.
        QCOMPARE(layout.bands.size(), std::size_t(5));
        QCOMPARE(layout.bands[1].label, QString("engine"));
        QCOMPARE(layout.box("dockerd")->band, layout.box("runc")->band);
    }

    void everyStepShowsItsComponentEdgeAndLabel()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        Walkthrough walkthrough = openRecordedBundle();
        FlowScene scene;
        scene.setWalkthrough(&walkthrough);
        FlowDiagramView view(&scene);
        view.resize(1600, 900);
        view.show();
        for (int i = 0; i < walkthrough.stepCount(); ++i) {
            const LessonStep &step = *walkthrough.step(i).lessonStep;
            scene.showStep(i, false);
            QCOMPARE(scene.activeComponent(), QString::fromStdString(step.component));
            if (!step.from.empty() && !step.to.empty())
                QCOMPARE(scene.activeEdge(), std::make_pair(QString::fromStdString(step.from),
                                                            QString::fromStdString(step.to)));
            // Observed: the token says what was captured (its key evidence), in full colour.
            const Event *key = walkthrough.step(i).keyEvent();
            QVERIFY2(key, step.id.c_str());
            QCOMPARE(scene.tokenLabel(), QString::fromStdString(eventLabel(*key)));
            QVERIFY(scene.tokenStyle() == TokenItem::Style::Captured);
            QVERIFY(!scene.activeStepMissing());
            QVERIFY(scene.componentItem(step.component)->state() == ComponentItem::State::Active);
            saveScreenshot(&view, QString("diagram-step-%1").arg(i + 1, 2, 10, QChar('0')));
        }
        // The runc step: the shim starts runc, which unshares the namespaces.
        scene.showStep(7, false);
        QCOMPARE(scene.activeEdge(), std::make_pair(QString("shim"), QString("runc")));
        QVERIFY2(scene.tokenLabel().startsWith("unshare(NEWNS|NEWUTS|NEWIPC|NEWPID|NEWNET"),
                 qPrintable(scene.tokenLabel()));
        // The request: the browser's SYN as it left the client.
        scene.showStep(9, false);
        QCOMPARE(scene.tokenLabel(), QString("SYN 192.168.56.2 → 192.168.56.10:8080"));
    }

    void theTokenSaysWhatWasCaptured()
    {
        auto walkthrough = Walkthrough::fromBundle(pullFixture({{"recording", false}}));
        QVERIFY2(walkthrough, walkthrough ? "" : walkthrough.error().message().c_str());
        FlowScene scene;
        scene.setWalkthrough(&*walkthrough);
        scene.showStep(kPull, false);
        const QString label = QString::fromStdString(walkthrough->step(kPull).lessonStep->label);
        QCOMPARE(scene.tokenLabel(),
                 QString("HEAD /v2/library/nginx/manifests/latest?ns=docker.io"));
        QVERIFY(scene.tokenLabel() != label);
        QVERIFY(scene.tokenStyle() == TokenItem::Style::Captured);
        // A step nothing was captured for shows the lesson's label as the expectation.
        scene.showStep(kPull + 1, false);
        QVERIFY(scene.activeStepMissing());
        QVERIFY(scene.tokenStyle() == TokenItem::Style::Missing);
        QVERIFY2(scene.tokenLabel().startsWith("✗ expected: "), qPrintable(scene.tokenLabel()));
    }

    void anExplainedLessonShowsOnlyExpectations()
    {
        auto walkthrough =
            Walkthrough::fromLessonFile(FLOWLAB_SOURCE_DIR "/lessons/docker-run.json");
        QVERIFY(walkthrough);
        QCOMPARE(walkthrough->origin(), TraceOrigin::ExplainOnly);
        FlowScene scene;
        scene.setWalkthrough(&*walkthrough);
        for (int i = 0; i < walkthrough->stepCount(); ++i) {
            scene.showStep(i, false);
            const LessonStep &step = *walkthrough->step(i).lessonStep;
            QCOMPARE(scene.tokenLabel(), "expected: " + QString::fromStdString(step.label));
            QVERIFY(scene.tokenStyle() == TokenItem::Style::Expected);
        }
    }

    void aSyntheticTraceIsNeverShownAsObserved()
    {
        auto walkthrough = Walkthrough::fromBundle(pullFixture({{"synthetic", true}}), "fixture");
        QVERIFY(walkthrough);
        QCOMPARE(walkthrough->origin(), TraceOrigin::Synthetic);
        QCOMPARE(walkthrough->observedCount(), 0);
        QCOMPARE(walkthrough->step(kPull).state, StepState::Synthetic);
        FlowScene scene;
        scene.setWalkthrough(&*walkthrough);
        FlowDiagramView view(&scene);
        view.resize(1600, 900);
        scene.showStep(kPull, false);
        QVERIFY(scene.tokenStyle() == TokenItem::Style::Synthetic);
        QVERIFY2(scene.tokenLabel().startsWith("SYNTHETIC"), qPrintable(scene.tokenLabel()));
        QVERIFY(!CaptionItem::chipText(StepState::Synthetic).contains("observed"));
        saveScreenshot(&view, "diagram-synthetic-step");
    }

    // Every lesson in lessons/ plays: its diagram places each component once without
    // overlaps, a Kubernetes lesson draws the control plane above the nodes, and each step
    // (explained, without a run) shows its component.
    void everyLessonPlays_data()
    {
        QTest::addColumn<QString>("path");
        const QDir lessons(FLOWLAB_SOURCE_DIR "/lessons");
        const QStringList files = lessons.entryList({"*.json"}, QDir::Files, QDir::Name);
        QVERIFY(files.size() >= 10);
        for (const QString &file : files)
            QTest::newRow(qPrintable(file)) << lessons.filePath(file);
    }

    void everyLessonPlays()
    {
        QFETCH(QString, path);
        auto lesson = loadLesson(path.toStdString());
        QVERIFY2(lesson, lesson ? "" : lesson.error().message().c_str());
        const DiagramLayout layout = DiagramLayout::compute(*lesson);
        QCOMPARE(layout.boxes.size(), lesson->components.size());
        for (const auto &a : layout.boxes) {
            QVERIFY2(layout.bounds.contains(a.rect), a.id.c_str());
            for (const auto &b : layout.boxes)
                QVERIFY2(&a == &b || !a.rect.intersects(b.rect), (a.id + " / " + b.id).c_str());
        }
        if (lesson->lab == "kube") {
            int controlPlane = -1, nodes = -1;
            for (std::size_t i = 0; i < layout.bands.size(); ++i) {
                if (layout.bands[i].label.contains("control plane") && controlPlane < 0)
                    controlPlane = int(i);
                if (layout.bands[i].label.contains("node") && nodes < 0)
                    nodes = int(i);
            }
            QVERIFY2(controlPlane >= 0, "a control-plane band");
            // (A lesson that never reaches a node, such as apiserver-security, has none.)
            if (nodes >= 0)
                QVERIFY(layout.bands[std::size_t(controlPlane)].rect.bottom() <=
                        layout.bands[std::size_t(nodes)].rect.top());
        }
        auto walkthrough = Walkthrough::fromLessonFile(path.toStdString());
        QVERIFY(walkthrough);
        FlowScene scene;
        scene.setWalkthrough(&*walkthrough);
        FlowDiagramView view(&scene);
        view.resize(1920, 1080);
        view.show();
        for (int i = 0; i < walkthrough->stepCount(); ++i) {
            scene.showStep(i, false);
            QCOMPARE(scene.activeComponent(),
                     QString::fromStdString(walkthrough->step(i).lessonStep->component));
        }
        scene.showStep(0, false);
        saveScreenshot(&view, "lesson-" + QFileInfo(path).completeBaseName());
    }

    void crowdedBandsKeepBoxesReadable_data()
    {
        QTest::addColumn<int>("count");
        for (int count : {1, 6, 7, 8, 12, 60})
            QTest::addRow("%d components", count) << count;
    }

    void crowdedBandsKeepBoxesReadable()
    {
        QFETCH(int, count);
        const Lesson lesson = crowdedLesson(count);
        const DiagramLayout layout = DiagramLayout::compute(lesson);
        QCOMPARE(layout.boxes.size(), std::size_t(count));
        QCOMPARE(layout.bands.size(), std::size_t(1));
        const QRectF band = layout.bands.front().rect;
        for (const auto &box : layout.boxes) {
            QVERIFY2(box.rect.width() >= DiagramLayout::kMinBoxWidth, box.id.c_str());
            QVERIFY2(band.contains(box.rect), box.id.c_str());
            QVERIFY2(layout.bounds.contains(box.rect), box.id.c_str());
            // Its label fits in two lines at the box's font.
            QFont font;
            font.setPixelSize(18);
            const QRectF text = QFontMetricsF(font).boundingRect(
                box.rect.adjusted(10, 4, -10, -4), Qt::AlignCenter | Qt::TextWordWrap, box.label);
            QVERIFY2(text.width() <= box.rect.width() - 20 && text.height() <= box.rect.height(),
                     box.id.c_str());
        }
        for (const auto &a : layout.boxes)
            for (const auto &b : layout.boxes)
                QVERIFY2(&a == &b || !a.rect.intersects(b.rect), (a.id + " / " + b.id).c_str());
        // The scene grows to hold them; the view scales it to fit.
        QVERIFY(layout.bounds.height() >= band.bottom());
        if (count <= 7)
            QCOMPARE(band.height(), DiagramLayout::kBandHeight);
        else
            QVERIFY(band.height() > DiagramLayout::kBandHeight);
        if (count == 60) {
            FlowScene scene;
            TraceBundle bundle;
            bundle.lesson = lesson.source;
            bundle.run = {{"explained_only", true}};
            auto crowded = Walkthrough::fromBundle(bundle, "fixture");
            QVERIFY(crowded);
            scene.setWalkthrough(&*crowded);
            scene.showStep(0, false);
            FlowDiagramView view(&scene);
            view.resize(1600, 900);
            view.show();
            saveScreenshot(&view, "diagram-60-components");
            scene.setWalkthrough(nullptr);
        }
    }

    void theTokenTravelsAndArrives()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        Walkthrough walkthrough = openRecordedBundle();
        FlowScene scene;
        scene.setWalkthrough(&walkthrough);
        scene.setSpeed(8.0);
        QSignalSpy arrived(&scene, &FlowScene::animationFinished);
        scene.showStep(1, true);
        QVERIFY(scene.isAnimating());
        QVERIFY(arrived.wait(5000));
        QVERIFY(!scene.isAnimating());
    }

    void aMissingStepIsRedAndSaysNotObserved()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        // A copy of the recording with one step's result turned to missing: synthetic, to see
        // how the diagram shows what a broken run would look like.
        TraceBundle bundle = openRecordedBundle().bundle();
        bundle.steps[3].status = StepStatus::Missing;
        bundle.steps[3].missing = {"an api event (synthetic: removed for this test)"};
        auto walkthrough = Walkthrough::fromBundle(bundle);
        QVERIFY(walkthrough);
        FlowScene scene;
        scene.setWalkthrough(&*walkthrough);
        FlowDiagramView view(&scene);
        view.resize(1600, 900);
        scene.showStep(3, false);
        QVERIFY(scene.activeStepMissing());
        QVERIFY(scene.tokenLabel().contains("not observed"));
        const std::string component = walkthrough->step(3).lessonStep->component;
        QVERIFY(scene.componentItem(component)->state() == ComponentItem::State::ActiveMissing);
        saveScreenshot(&view, "diagram-missing-step");
    }
};

QTEST_MAIN(TestFlowDiagram)
#include "tst_flow_diagram.moc"
