// Container logs as the kubelet serves them (ContainerLogs.h), from CRI log files the test
// writes: partial lines joined, timestamps on request, the newest or the previous attempt,
// the last N lines, and what is said when there is no log.

#include "engine/kube/kubelet/ContainerLogs.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>
#include <fstream>

using namespace flowlab;
using namespace flowlab::kube::kubelet;

class TestKubeletLogs : public QObject
{
    Q_OBJECT

    QTemporaryDir m_root;

    void write(const QString &relative, const std::string &content)
    {
        const QString path = m_root.filePath(relative);
        QDir().mkpath(QFileInfo(path).path());
        std::ofstream(path.toStdString()) << content;
    }

private slots:
    void initTestCase()
    {
        write("shop_web_uid1/nginx/0.log", "2026-12-02T07:00:00.000000001Z stdout F first run\n");
        write("shop_web_uid1/nginx/1.log", "2026-12-02T07:01:00.000000001Z stdout F one\n"
                                           "2026-12-02T07:01:01.000000001Z stderr P two, \n"
                                           "2026-12-02T07:01:01.000000002Z stderr F continued\n"
                                           "2026-12-02T07:01:02.000000001Z stdout F three\n");
    }

    void partialLinesAreJoined()
    {
        QCOMPARE(textOfCriLog("t stdout P a\nt stdout F b\nt stdout F c\n", false),
                 std::string("ab\nc\n"));
        QCOMPARE(textOfCriLog("2026-12-02T07:00:00Z stdout F x\n", true),
                 std::string("2026-12-02T07:00:00Z x\n"));
    }

    void theNewestAttemptAndThePrevious()
    {
        auto now = readContainerLog(m_root.path().toStdString(), {"shop", "web", "nginx"});
        QVERIFY(now);
        QCOMPARE(*now, std::string("one\ntwo, continued\nthree\n"));
        LogRequest previous{"shop", "web", "nginx"};
        previous.previous = true;
        auto before = readContainerLog(m_root.path().toStdString(), previous);
        QVERIFY(before);
        QCOMPARE(*before, std::string("first run\n"));
    }

    void tailLines()
    {
        LogRequest request{"shop", "web", "nginx"};
        request.tailLines = 2;
        QCOMPARE(*readContainerLog(m_root.path().toStdString(), request),
                 std::string("two, continued\nthree\n"));
        request.tailLines = 0;
        QCOMPARE(*readContainerLog(m_root.path().toStdString(), request), std::string());
    }

    void whatIsMissingIsSaid()
    {
        auto noPod = readContainerLog(m_root.path().toStdString(), {"shop", "nope", "nginx"});
        QVERIFY(!noPod);
        QVERIFY(noPod.error().message().find("pod \"nope\"") != std::string::npos);
        // "web" must not match another pod whose name starts with it.
        write("shop_web-2_uid2/nginx/0.log", "t stdout F other pod\n");
        auto exact = readContainerLog(m_root.path().toStdString(), {"shop", "web", "nginx"});
        QVERIFY(exact && exact->find("other pod") == std::string::npos);
        LogRequest previous{"shop", "web-2", "nginx"};
        previous.previous = true;
        auto none = readContainerLog(m_root.path().toStdString(), previous);
        QVERIFY(!none);
        QVERIFY(none.error().message().find("previous terminated container") != std::string::npos);
    }
};

QTEST_MAIN(TestKubeletLogs)
#include "tst_kubelet_logs.moc"
