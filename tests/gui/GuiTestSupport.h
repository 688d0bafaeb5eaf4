#pragma once

// What the offscreen GUI tests share: the recorded bundle they open, and where screenshots go.
//
// The bundle is the one tests/privileged/tst_lesson_docker_run recorded earlier in the same
// CTest run (fixture recorded-docker-run-bundle), in build/test-artifacts/bundles/docker-run;
// that test removes any older recording first, so a stale one is never opened.
// FLOWLAB_TEST_BUNDLE points at another bundle instead, e.g. while working on the GUI alone.
// Screenshots are saved in build/test-artifacts/screenshots/.

#include "app/desktop/model/Walkthrough.h"
#include "tracer/lesson/LessonLoader.h"

#include <QDir>
#include <QFile>
#include <QString>
#include <QTest>
#include <QWidget>

namespace flowlab::test {

inline QString recordedBundleDir()
{
    const QByteArray fromEnvironment = qgetenv("FLOWLAB_TEST_BUNDLE");
    if (!fromEnvironment.isEmpty())
        return QString::fromLocal8Bit(fromEnvironment);
    return QStringLiteral(FLOWLAB_TEST_ARTIFACTS "/bundles/docker-run");
}

// Under CTest (FLOWLAB_REQUIRE_BUNDLE=1, see flowlab_requires_recorded_bundle in
// tests/CMakeLists.txt) a missing recording fails the test: the gui label must not pass on a
// run that recorded nothing. Run by hand, the test skips, naming what to run. The recording
// is never one left from an earlier run: tst_lesson_docker_run removes it before it records
// (or skips, as a non-root user), and fails when it cannot.
#define FLOWLAB_REQUIRE_RECORDED_BUNDLE()                                                          \
    do {                                                                                           \
        if (!QFile::exists(::flowlab::test::recordedBundleDir() + "/trace.json")) {                \
            const QString why = "no recorded bundle in " + ::flowlab::test::recordedBundleDir() +  \
                                ": tst_lesson_docker_run records it, as root (`ctest -L "          \
                                "'privileged|gui'` runs it first), or set FLOWLAB_TEST_BUNDLE "    \
                                "to a bundle directory";                                           \
            if (!qEnvironmentVariableIsEmpty("FLOWLAB_REQUIRE_BUNDLE"))                            \
                QFAIL(qPrintable(why));                                                            \
            QSKIP(qPrintable(why));                                                                \
        }                                                                                          \
    } while (false)

inline Walkthrough openRecordedBundle()
{
    auto walkthrough = Walkthrough::open(recordedBundleDir().toStdString());
    if (!walkthrough)
        qFatal("opening the recorded bundle: %s", walkthrough.error().message().c_str());
    return std::move(walkthrough).value();
}

inline QString screenshotDir()
{
    const QString dir = QStringLiteral(FLOWLAB_TEST_ARTIFACTS "/screenshots");
    QDir().mkpath(dir);
    return dir;
}

// Saves `widget` as screenshots/NAME.png and checks that something was written.
inline void saveScreenshot(QWidget *widget, const QString &name)
{
    const QString path = screenshotDir() + "/" + name + ".png";
    QVERIFY2(widget->grab().save(path), qPrintable("saving " + path));
}

} // namespace flowlab::test
