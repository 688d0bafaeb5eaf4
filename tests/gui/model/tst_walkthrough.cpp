// The walkthrough model over a real recording: every step of docker-run has its lesson text,
// its result and the events that prove it, and bad bundles are refused with the path named.

#include "../GuiTestSupport.h"

#include <QTemporaryDir>

using namespace flowlab;
using namespace flowlab::test;

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
