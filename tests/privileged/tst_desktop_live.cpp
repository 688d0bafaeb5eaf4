// The desktop app as an ordinary user drives a live lesson through the root daemon: it runs
// as `nobody` with only group flowlab, runs docker-run for real and sees every step observed.
// Without the group, it is refused with a message that says so.

#include "LabTestSupport.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <grp.h>

using namespace flowlab::test;

class TestDesktopLive : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_home;
    QString m_groupId;

    // The app as `nobody`, with `groups` as its only supplementary groups (empty: none).
    CliRun app(const QStringList &groups, const QStringList &args)
    {
        QStringList command = {"--reuid=nobody", "--regid=nogroup"};
        command << (groups.isEmpty() ? QStringList{"--clear-groups"}
                                     : QStringList{"--groups=" + groups.join(',')});
        command << "env" << "HOME=" + m_home.path() << "XDG_RUNTIME_DIR=" + m_home.path()
                << "QT_QPA_PLATFORM=offscreen" << binary("flowlab") << args;
        return run("setpriv", command, 300'000);
    }

private slots:
    void initTestCase()
    {
        FLOWLAB_REQUIRE_ROOT();
        const struct group *flowlab = ::getgrnam("flowlab");
        if (!flowlab)
            QSKIP("group flowlab does not exist: .ci/install-deps creates it");
        m_groupId = QString::number(flowlab->gr_gid);
        // nobody writes its screenshot and settings here.
        QFile::setPermissions(m_home.path(), QFile::ReadOwner | QFile::WriteOwner |
                                                 QFile::ExeOwner | QFile::ReadOther |
                                                 QFile::WriteOther | QFile::ExeOther);
        cli({"--quiet", "lab", "down"});
        // Root starts the daemon and the lab; the app never needs root.
        FLOWLAB_VERIFY_RUN(cli({"--quiet", "lab", "up"}, 300'000), 0);
    }

    void aUserOutsideTheGroupIsTurnedAway()
    {
        const CliRun denied =
            app({}, {"--run", FLOWLAB_SOURCE_DIR "/lessons/docker-run.json", "--quit-when-done"});
        QCOMPARE(denied.exitCode, 2);
        QVERIFY2(denied.all().contains("flowlab") &&
                     (denied.all().contains("denied") || denied.all().contains("permission")),
                 qPrintable(denied.all()));
    }

    void anUnprivilegedAppRunsTheLessonLive()
    {
        const QString shot = m_home.filePath("live.png");
        const CliRun live = app({m_groupId}, {"--run", FLOWLAB_SOURCE_DIR "/lessons/docker-run.json",
                                              "--quit-when-done", "--size", "1600x1000",
                                              "--screenshot", shot});
        FLOWLAB_VERIFY_RUN(live, 0);
        QVERIFY2(live.out.contains("10 of 10 steps observed"), qPrintable(live.all()));
        QVERIFY(QImage(shot).size() == QSize(1600, 1000));
        const QString artifacts = QStringLiteral(FLOWLAB_TEST_ARTIFACTS "/screenshots");
        QDir().mkpath(artifacts);
        QFile::remove(artifacts + "/live-run-as-nobody.png");
        QVERIFY(QFile::copy(shot, artifacts + "/live-run-as-nobody.png"));
    }

    void cleanupTestCase()
    {
        if (::geteuid() != 0)
            return;
        FLOWLAB_VERIFY_RUN(cli({"--quiet", "lab", "down"}), 0);
        const CliRun census = cli({"lab", "census"});
        QVERIFY2(census.exitCode == 0, qPrintable("the lab leaked:\n" + census.out));
    }
};

QTEST_GUILESS_MAIN(TestDesktopLive)
#include "tst_desktop_live.moc"
