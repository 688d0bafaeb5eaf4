// The flow diagram over the recorded docker-run: the stage's bands, the active component and
// edge of every step, the label that travels, and a missing step drawn as not observed.

#include "../GuiTestSupport.h"
#include "app/desktop/diagram/DiagramItems.h"
#include "app/desktop/diagram/FlowDiagramView.h"
#include "app/desktop/diagram/FlowScene.h"

#include <QSignalSpy>

using namespace flowlab;
using namespace flowlab::test;

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
            QCOMPARE(scene.tokenLabel(), QString::fromStdString(step.label));
            QVERIFY(!scene.activeStepMissing());
            QVERIFY(scene.componentItem(step.component)->state() == ComponentItem::State::Active);
            saveScreenshot(&view, QString("diagram-step-%1").arg(i + 1, 2, 10, QChar('0')));
        }
        // The runc step: the shim starts runc, which unshares the namespaces.
        scene.showStep(7, false);
        QCOMPARE(scene.activeEdge(), std::make_pair(QString("shim"), QString("runc")));
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
