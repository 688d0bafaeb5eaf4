#pragma once

// What the offscreen GUI tests share: the recorded bundle they open, and where screenshots go.
//
// The bundle is the one tests/privileged/tst_lesson_docker_run recorded earlier in the same
// CTest run (fixture recorded-docker-run-bundle), in build/test-artifacts/bundles/docker-run.
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

// Skips, naming what to run, when no recording exists (e.g. a non-root run of the gui label
// alone, where the privileged test that records it cannot run).
#define FLOWLAB_REQUIRE_RECORDED_BUNDLE()                                                          \
    do {                                                                                           \
        if (!QFile::exists(::flowlab::test::recordedBundleDir() + "/trace.json"))                  \
            QSKIP(qPrintable("no recorded bundle in " + ::flowlab::test::recordedBundleDir() +     \
                             ": run tst_lesson_docker_run (as root) first, or set "                \
                             "FLOWLAB_TEST_BUNDLE"));                                              \
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
