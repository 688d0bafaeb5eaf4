// Missing programs are reported by package; commands report what failed.

#include "engine/base/Prerequisites.h"
#include "engine/sys/Command.h"

#include <QTest>

using namespace flowlab;

class TestPrerequisites : public QObject
{
    Q_OBJECT

private slots:
    void missingProgramNamesItsPackage()
    {
        const Status status =
            checkPrograms({{"sh", "dash", "a shell"},
                           {"flowlab-no-such-registry", "docker-registry", "the lab registry"},
                           {"flowlab-no-such-dockerd", "docker.io", "the private Docker Engine"}});
        QVERIFY(!status);
        const std::string &message = status.error().message();
        QVERIFY2(message.find("flowlab-no-such-registry is not installed") != std::string::npos,
                 message.c_str());
        QVERIFY(message.find("apt-get install docker-registry docker.io") != std::string::npos);
        QVERIFY(message.find("dash") == std::string::npos);
    }

    void presentProgramsPass() { QVERIFY(checkPrograms({{"sh", "dash", "a shell"}})); }

    void commandCapturesOutputAndExitCode()
    {
        auto result = runCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
        QVERIFY(result);
        QCOMPARE(result->exitCode, 3);
        QCOMPARE(result->out, std::string("out\n"));
        QCOMPARE(result->err, std::string("err\n"));
    }

    void checkedCommandReportsStderr()
    {
        auto result = runChecked({"sh", "-c", "echo 'RTNETLINK answers: File exists' >&2; exit 2"});
        QVERIFY(!result);
        QVERIFY2(result.error().message().find("exit 2: RTNETLINK answers: File exists") !=
                     std::string::npos,
                 result.error().message().c_str());
    }

    void commandFeedsStdin()
    {
        auto result = runCommand({"cat"}, {.stdinData = std::string(200'000, 'x')});
        QVERIFY(result);
        QCOMPARE(result->out.size(), std::size_t(200'000));
    }

    void commandTimesOut()
    {
        auto result = runCommand({"sleep", "5"}, {.timeoutMs = 200});
        QVERIFY(!result);
        QVERIFY(result.error().message().find("timed out") != std::string::npos);
    }

    void unknownProgramIsAnError()
    {
        auto result = runCommand({"flowlab-no-such-program"});
        QVERIFY(!result);
        QVERIFY(result.error().message().find("not found") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestPrerequisites)
#include "tst_prerequisites.moc"
