// The lab's lifecycle and its state file.

#include "engine/lab/LabState.h"

#include <QTemporaryDir>
#include <QTest>
#include <fstream>

using namespace flowlab;

Q_DECLARE_METATYPE(LabPhase)

class TestLabState : public QObject
{
    Q_OBJECT

private slots:
    void transitions_data()
    {
        QTest::addColumn<LabPhase>("from");
        QTest::addColumn<LabPhase>("to");
        QTest::addColumn<bool>("allowed");
        QTest::newRow("down→starting") << LabPhase::Down << LabPhase::Starting << true;
        QTest::newRow("starting→up") << LabPhase::Starting << LabPhase::Up << true;
        QTest::newRow("starting→failed") << LabPhase::Starting << LabPhase::Failed << true;
        QTest::newRow("up→starting (repair)") << LabPhase::Up << LabPhase::Starting << true;
        QTest::newRow("starting→starting (resume)")
            << LabPhase::Starting << LabPhase::Starting << true;
        QTest::newRow("up→stopping") << LabPhase::Up << LabPhase::Stopping << true;
        QTest::newRow("failed→stopping") << LabPhase::Failed << LabPhase::Stopping << true;
        QTest::newRow("stopping→down") << LabPhase::Stopping << LabPhase::Down << true;
        QTest::newRow("down→up") << LabPhase::Down << LabPhase::Up << false;
        QTest::newRow("up→down (skipping stop)") << LabPhase::Up << LabPhase::Down << false;
        QTest::newRow("down→stopping") << LabPhase::Down << LabPhase::Stopping << false;
        QTest::newRow("stopping→starting") << LabPhase::Stopping << LabPhase::Starting << false;
    }
    void transitions()
    {
        QFETCH(LabPhase, from);
        QFETCH(LabPhase, to);
        QFETCH(bool, allowed);
        QCOMPARE(canTransition(from, to), allowed);
        LabState state;
        state.phase = from;
        const Status status = state.transition(to);
        QCOMPARE(bool(status), allowed);
        QCOMPARE(toString(state.phase), toString(allowed ? to : from));
    }

    void roundTripsThroughTheFile()
    {
        QTemporaryDir dir;
        LabStateStore store(dir.filePath("lab.json").toStdString());
        auto missing = store.load();
        QVERIFY(missing);
        QCOMPARE(toString(missing->phase), std::string("down"));

        LabState state;
        QVERIFY(state.transition(LabPhase::Starting));
        state.addNamespace("flowlab-client");
        state.addNamespace("flowlab-client");
        state.setService({"dockerd", "flowlab-docker", 4242, 99, "/run/flowlab/logs/dockerd.log"});
        state.setService({"dockerd", "flowlab-docker", 4343, 100, "/run/flowlab/logs/dockerd.log"});
        state.addHostPath("/etc/docker/key.json");
        QVERIFY(store.save(state));

        auto loaded = store.load();
        QVERIFY(loaded);
        QCOMPARE(toString(loaded->phase), std::string("starting"));
        QCOMPARE(loaded->namespaces, std::vector<std::string>{"flowlab-client"});
        QCOMPARE(loaded->services.size(), std::size_t(1));
        QCOMPARE(loaded->service("dockerd")->pid, 4343);
        QCOMPARE(loaded->service("dockerd")->startTime, 100ULL);
        QCOMPARE(loaded->hostPathsCreated, std::vector<std::string>{"/etc/docker/key.json"});
        QVERIFY(!QFile::exists(dir.filePath("lab.json.tmp")));
    }

    void corruptFileIsAClearError()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("lab.json").toStdString();
        std::ofstream(path) << "{\"version\": 1, \"phase\": \"up\", \"namesp";
        auto loaded = LabStateStore(path).load();
        QVERIFY(!loaded);
        QVERIFY2(loaded.error().message().find(path) != std::string::npos,
                 loaded.error().message().c_str());
    }

    void unknownPhaseIsRejected()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("lab.json").toStdString();
        std::ofstream(path) << R"({"version": 1, "phase": "exploding"})";
        auto loaded = LabStateStore(path).load();
        QVERIFY(!loaded);
        QVERIFY(loaded.error().message().find("exploding") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestLabState)
#include "tst_lab_state.moc"
