// The desktop window, offscreen: it says clearly when flowlabd is absent, and shows the lab's
// phase and the evidence a (fake) daemon reports.

#include "GuiTestSupport.h"
#include "app/desktop/MainWindow.h"
#include "app/desktop/diagram/DiagramItems.h"
#include "app/desktop/diagram/FlowScene.h"
#include "app/desktop/inspector/EvidenceInspector.h"
#include "app/desktop/inspector/EvidenceModels.h"
#include "app/desktop/live/LivePanel.h"
#include "app/desktop/transport/StepPlayer.h"
#include "app/desktop/transport/TransportBar.h"
#include "engine/daemon/DaemonServer.h"

#include <QApplication>
#include <QComboBox>
#include <QImage>
#include <QLabel>
#include <QProcess>
#include <QScrollBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QThread>

using namespace flowlab;
using namespace flowlab::test;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void saysWhenTheDaemonIsNotRunning()
    {
        QTemporaryDir dir;
        MainWindow window(dir.filePath("flowlabd.sock").toStdString());
        window.show();
        auto *state = window.findChild<QLabel *>("labState");
        QVERIFY(state);
        QVERIFY2(state->text().contains("Not connected to flowlabd"), qPrintable(state->text()));
        QVERIFY(state->text().contains("not running"));
        // A kubectl line is taken, like a docker one, and needs the daemon the same way.
        window.livePanel()->runCommandLine("kubectl get pods");
        const QString refusal = window.findChild<QLabel *>("statusText")->text();
        QVERIFY2(refusal.contains("not connected to flowlabd"), qPrintable(refusal));
        // Anything else is not a lab command, and the box says which ones are.
        window.livePanel()->runCommandLine("ls -l");
        const QString unknown = window.findChild<QLabel *>("statusText")->text();
        QVERIFY2(unknown.contains("docker and kubectl") && unknown.contains("\"ls\""),
                 qPrintable(unknown));
    }

    void showsPhaseAndEvidence()
    {
        QTemporaryDir dir;
        const std::string socket = dir.filePath("flowlabd.sock").toStdString();

        // The daemon answers on its own thread, as the real one answers from its process.
        QThread serverThread;
        auto *server = new DaemonServer;
        server->handle("lab.status", [](const nlohmann::json &, const Reply &reply) {
            reply.result({{"phase", "up"}, {"events", 2}});
        });
        server->handle("events", [](const nlohmann::json &params, const Reply &reply) {
            nlohmann::json events = nlohmann::json::array();
            if (params.value("since", 0) == 0) {
                events.push_back({{"seq", 1},
                                  {"ts_ns", 1000},
                                  {"kind", "command"},
                                  {"source", {{"component", "docker-cli"}}},
                                  {"summary", "docker run -d -p 8080:80 nginx"}});
                events.push_back({{"seq", 2},
                                  {"ts_ns", 2000},
                                  {"kind", "api"},
                                  {"source", {{"component", "dockerd"}}},
                                  {"summary", "POST /containers/create → 201 Created"}});
            }
            reply.result({{"events", events}});
        });
        QVERIFY(server->listen(socket, "no-such-group-flowlab-test"));
        server->moveToThread(&serverThread);
        serverThread.start();

        {
            MainWindow window(socket);
            window.show();
            auto *state = window.findChild<QLabel *>("labState");
            auto *events = window.findChild<QTableWidget *>("events");
            QVERIFY(state && events);
            QTRY_VERIFY(state->text().contains("<b>up</b>"));
            QTRY_COMPARE(events->rowCount(), 2);
            QCOMPARE(events->item(1, 2)->text(), QString("dockerd"));
            QCOMPARE(events->item(1, 3)->text(), QString("POST /containers/create → 201 Created"));
            // Polling again does not duplicate what was shown.
            QTest::qWait(1200);
            QCOMPARE(events->rowCount(), 2);

            const QString artifacts = QStringLiteral(FLOWLAB_TEST_ARTIFACTS);
            QDir().mkpath(artifacts);
            QVERIFY(window.grab().save(artifacts + "/main-window.png"));
        }
        QMetaObject::invokeMethod(
            server,
            [server] {
                server->close();
                delete server;
            },
            Qt::BlockingQueuedConnection);
        serverThread.quit();
        serverThread.wait();
    }

    void stepsThroughARecordingWithTheKeyboard()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        QTemporaryDir dir;
        MainWindow window(dir.filePath("flowlabd.sock").toStdString());
        window.resize(1600, 1000);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.activateWindow();
        QVERIFY(window.openBundle(recordedBundleDir()).ok());
        QVERIFY(window.currentPage() == MainWindow::Page::Walkthrough);
        QVERIFY(window.windowTitle().contains("recording"));
        const Walkthrough &walkthrough = *window.walkthrough();
        QCOMPARE(window.player()->currentStep(), 0);
        QCOMPARE(window.transport()->stepText(), QString("Step 1 of 10"));

        for (int i = 1; i < walkthrough.stepCount(); ++i) {
            QTest::keyClick(&window, Qt::Key_Right);
            QCOMPARE(window.player()->currentStep(), i);
            window.scene()->finishAnimation();
            const LessonStep &step = *walkthrough.step(i).lessonStep;
            QCOMPARE(window.scene()->activeComponent(), QString::fromStdString(step.component));
            QCOMPARE(window.scene()->activeEdge(), std::make_pair(QString::fromStdString(step.from),
                                                                  QString::fromStdString(step.to)));
            QCOMPARE(window.transport()->stepText(), QString("Step %1 of 10").arg(i + 1));
            QTest::qWait(30);
            saveScreenshot(&window, QString("walkthrough-step-%1").arg(i + 1, 2, 10, QChar('0')));
        }
        // What the inspector shows follows the step: the runc step opens on its syscalls.
        window.showStep(7);
        QVERIFY(window.inspector()->currentTab() == EvidenceInspector::Tab::Syscalls);
        window.showStep(1);
        QVERIFY(window.inspector()->currentTab() == EvidenceInspector::Tab::Api);

        QTest::keyClick(&window, Qt::Key_End);
        QCOMPARE(window.player()->currentStep(), 9);
        QTest::keyClick(&window, Qt::Key_Home);
        QCOMPARE(window.player()->currentStep(), 0);
        QTest::keyClick(&window, Qt::Key_Left); // already first: stays
        QCOMPARE(window.player()->currentStep(), 0);
        QTest::keyClick(&window, Qt::Key_PageDown); // a presenter's clicker
        QCOMPARE(window.player()->currentStep(), 1);
        QTest::keyClick(&window, Qt::Key_Space);
        QVERIFY(window.player()->isPlaying());
        QTest::keyClick(&window, Qt::Key_Space);
        QVERIFY(!window.player()->isPlaying());

        // Q opens the quiz; Esc comes back to the walkthrough.
        QTest::keyClick(&window, Qt::Key_Q);
        QVERIFY(window.currentPage() == MainWindow::Page::Quiz);
        QTest::keyClick(&window, Qt::Key_Escape);
        QVERIFY(window.currentPage() == MainWindow::Page::Walkthrough);
    }

    void playingAdvancesOnItsOwn()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        QTemporaryDir dir;
        MainWindow window(dir.filePath("flowlabd.sock").toStdString());
        window.show();
        QVERIFY(window.openBundle(recordedBundleDir()).ok());
        window.player()->setSpeed(8.0);
        window.player()->play();
        QTRY_VERIFY_WITH_TIMEOUT(window.player()->currentStep() >= 2, 10000);
        window.player()->pause();
    }

    void presenterModeAndDarkTheme()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        QTemporaryDir dir;
        MainWindow window(dir.filePath("flowlabd.sock").toStdString());
        window.resize(1600, 1000);
        window.show();
        QVERIFY(window.openBundle(recordedBundleDir()).ok());
        window.showStep(9);
        const double normal = QApplication::font().pointSizeF();
        window.setPresenterMode(true);
        QVERIFY(QApplication::font().pointSizeF() > normal * 1.4);
        QVERIFY(currentTheme().presenter);
        saveScreenshot(&window, "walkthrough-presenter");
        window.setScheme(Theme::Scheme::Dark);
        QVERIFY(currentTheme().scheme == Theme::Scheme::Dark);
        QVERIFY(currentTheme().presenter);
        saveScreenshot(&window, "walkthrough-presenter-dark");
        window.setPresenterMode(false);
        window.setScheme(Theme::Scheme::Light);
        QCOMPARE(QApplication::font().pointSizeF(), normal);
    }

    void presenterModeIsReadableAtFullHd()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        QTemporaryDir dir;
        MainWindow window(dir.filePath("flowlabd.sock").toStdString());
        window.resize(1920, 1080);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openBundle(recordedBundleDir()).ok());
        window.setPresenterMode(true);
        QCoreApplication::processEvents(); // the docks take their presenter sizes
        window.showStep(9);                // the request: the DNAT pair
        QCoreApplication::processEvents();
        // Everything fits the screen: nothing is pushed below its bottom edge.
        QVERIFY2(window.minimumSizeHint().height() <= 1080,
                 qPrintable(QString::number(window.minimumSizeHint().height())));
        EvidenceInspector *inspector = window.inspector();
        QVERIFY2(inspector->width() >= 1920 * 4 / 10,
                 qPrintable(QString::number(inspector->width())));

        // Every tab on show is read whole, and every tab with evidence is on show.
        auto *tabs = inspector->findChild<QTabWidget *>("inspectorTabs");
        QTabBar *bar = tabs->tabBar();
        for (int i = 0; i < tabs->count(); ++i) {
            if (!tabs->isTabVisible(i)) {
                QVERIFY(!tabs->isTabEnabled(i));
                continue;
            }
            QVERIFY2(bar->tabRect(i).right() <= bar->width(), qPrintable(tabs->tabText(i)));
            QVERIFY2(QFontMetrics(bar->font()).horizontalAdvance(tabs->tabText(i)) <
                         bar->tabRect(i).width(),
                     qPrintable(tabs->tabText(i)));
        }

        // The DNAT pair's values are whole: addresses fit their column, and nothing in the
        // pair is elided.
        auto *nat = inspector->findChild<QTableView *>("natPairView");
        QVERIFY(nat->isVisible());
        const QAbstractItemModel *pair = nat->model();
        for (int row = 0; row < pair->rowCount(); ++row)
            for (int column : {1, 2}) {
                const QModelIndex index = pair->index(row, column);
                const QString value = index.data().toString();
                const QFont font = index.data(Qt::FontRole).value<QFont>();
                const QRect cell = nat->visualRect(index);
                const QRect needed = QFontMetrics(font).boundingRect(cell.adjusted(4, 0, -4, 0),
                                                                     Qt::TextWordWrap, value);
                QVERIFY2(needed.width() <= cell.width() && needed.height() <= cell.height(),
                         qPrintable(value));
            }
        saveScreenshot(&window, "presenter-1080p-step-10");

        // Every component's label fits its box.
        const QList<QGraphicsItem *> items = window.scene()->items();
        for (QGraphicsItem *item : items)
            if (auto *component = dynamic_cast<ComponentItem *>(item)) {
                const QRectF rect = component->labelRect();
                const QRectF needed =
                    QFontMetricsF(component->labelFont(rect, true))
                        .boundingRect(rect, Qt::AlignCenter | Qt::TextWordWrap, component->label());
                QVERIFY2(needed.width() <= rect.width() + 0.5, qPrintable(component->label()));
            }

        // The explanation wraps in its column: nothing to scroll sideways to.
        inspector->setCurrentTab(EvidenceInspector::Tab::Explanation);
        QCoreApplication::processEvents();
        auto *explanation = inspector->findChild<QTextBrowser *>("explanation");
        QCOMPARE(explanation->horizontalScrollBar()->maximum(), 0);
        saveScreenshot(&window, "presenter-1080p-explanation");
        for (int step : {1, 7}) {
            window.showStep(step);
            QCoreApplication::processEvents();
            saveScreenshot(&window,
                           QString("presenter-1080p-step-%1").arg(step + 1, 2, 10, QChar('0')));
        }
        window.setPresenterMode(false);
    }

    void syscallArgumentsAreWholeAtTheDefaultSize()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        QTemporaryDir dir;
        MainWindow window(dir.filePath("flowlabd.sock").toStdString());
        window.show(); // the default size
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCoreApplication::processEvents();
        QVERIFY(window.openBundle(recordedBundleDir()).ok());
        window.showStep(7); // runc's unshare, cgroups, pivot_root
        QCoreApplication::processEvents();
        auto *table = window.inspector()->findChild<QTableView *>("syscallTable");
        QVERIFY(table->isVisible());
        const QAbstractItemModel *model = table->model();
        const int column = SyscallTableModel::Arguments;
        // Each flag of the namespace call, and each part of a cgroup path, fits on a line of
        // the column: it wraps between them instead of cutting them.
        int checked = 0;
        for (int row = 0; row < model->rowCount(); ++row) {
            const QModelIndex index = model->index(row, column);
            const QString arguments = index.data().toString();
            if (!arguments.contains("CLONE_NEWPID"))
                continue;
            const QFontMetrics metrics(index.data(Qt::FontRole).value<QFont>());
            for (const QString &flag : arguments.split('|'))
                QVERIFY2(metrics.horizontalAdvance(flag + '|') < table->columnWidth(column),
                         qPrintable(flag));
            QVERIFY(table->rowHeight(row) >= metrics.height() * 2);
            ++checked;
        }
        QVERIFY(checked > 0);
        QVERIFY(!table->isColumnHidden(column));
        QVERIFY(table->columnViewportPosition(column) + table->columnWidth(column) <=
                table->viewport()->width());
        saveScreenshot(&window, "default-size-syscalls");
    }

    void aSyntheticBundleIsLabelledSynthetic()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        // SYNTHETIC: the recording, saved again with run.synthetic set, as a generator of
        // made-up traces (the benchmark's) writes them.
        TraceBundle bundle = openRecordedBundle().bundle();
        bundle.run["synthetic"] = true;
        QTemporaryDir dir;
        QVERIFY(bundle.writeDirectory(dir.path().toStdString()).ok());
        MainWindow window(dir.filePath("flowlabd.sock").toStdString());
        QVERIFY(window.openBundle(dir.path()).ok());
        QVERIFY2(window.windowTitle().contains("SYNTHETIC"), qPrintable(window.windowTitle()));
        QVERIFY(!window.windowTitle().contains("recording"));
        QCOMPARE(window.walkthrough()->observedCount(), 0);
        auto *status = window.findChild<QLabel *>("statusText");
        QVERIFY2(status->text().startsWith("SYNTHETIC"), qPrintable(status->text()));
        window.showStep(1);
        QVERIFY(window.scene()->tokenStyle() == TokenItem::Style::Synthetic);
        QVERIFY(!window.transport()->findChild<QComboBox *>("stepJump")->itemText(1).contains("✓"));

        // Explain-only, likewise: never observed, never a recording.
        TraceBundle explained = openRecordedBundle().bundle();
        explained.run = {{"explained_only", true}};
        QTemporaryDir explainedDir;
        QVERIFY(explained.writeDirectory(explainedDir.path().toStdString()).ok());
        QVERIFY(window.openBundle(explainedDir.path()).ok());
        QVERIFY2(window.windowTitle().contains("explain-only"), qPrintable(window.windowTitle()));
        QCOMPARE(window.walkthrough()->observedCount(), 0);
        QVERIFY(window.scene()->tokenStyle() == TokenItem::Style::Expected);
    }

    void explainingALessonObservesNothing()
    {
        QTemporaryDir dir;
        MainWindow window(dir.filePath("flowlabd.sock").toStdString());
        QVERIFY(window.explainLesson(FLOWLAB_SOURCE_DIR "/lessons/docker-run.json").ok());
        QCOMPARE(window.walkthrough()->stepCount(), 10);
        QCOMPARE(window.walkthrough()->observedCount(), 0);
        QVERIFY(!window.scene()->activeStepMissing()); // explained, not missing
        const Status bad = window.explainLesson(dir.filePath("nope.json"));
        QVERIFY(!bad);
        QVERIFY(bad.error().message().find("nope.json") != std::string::npos);
    }

    void commandLineScreenshotAndSlides()
    {
        FLOWLAB_REQUIRE_RECORDED_BUNDLE();
        QTemporaryDir out;
        const QString app = QStringLiteral(FLOWLAB_BIN_DIR "/flowlab");
        QProcess shot;
        shot.start(app, {"--open", recordedBundleDir(), "--step", "8", "--size", "1280x800",
                         "--screenshot", out.filePath("step8.png")});
        QVERIFY(shot.waitForFinished(30000));
        QVERIFY2(shot.exitCode() == 0, shot.readAllStandardError().constData());
        QImage image(out.filePath("step8.png"));
        QCOMPARE(image.size(), QSize(1280, 800));

        QProcess slides;
        slides.start(app, {"--open", recordedBundleDir(), "--export-slides", out.filePath("deck")});
        QVERIFY(slides.waitForFinished(60000));
        QVERIFY2(slides.exitCode() == 0, slides.readAllStandardError().constData());
        for (int i = 1; i <= 10; ++i) {
            QVERIFY(
                QFile::exists(out.filePath(QString("deck/step-%1.png").arg(i, 2, 10, QChar('0')))));
            QVERIFY(QFileInfo(out.filePath(QString("deck/step-%1.svg").arg(i, 2, 10, QChar('0'))))
                        .size() > 1000);
        }
        QFile index(out.filePath("deck/index.html"));
        QVERIFY(index.open(QIODevice::ReadOnly));
        const QString html = QString::fromUtf8(index.readAll());
        QVERIFY(html.contains("runc builds the container"));
        QVERIFY(html.contains("observed: runc: unshare(CLONE_NEWNS"));

        // Bad input: a directory that is not a bundle, and a step that does not exist.
        QProcess notABundle;
        notABundle.start(app, {"--open", out.path(), "--screenshot", out.filePath("x.png")});
        QVERIFY(notABundle.waitForFinished(30000));
        QCOMPARE(notABundle.exitCode(), 2);
        QVERIFY(notABundle.readAllStandardError().contains("no trace.json"));
        QProcess badStep;
        badStep.start(app, {"--open", recordedBundleDir(), "--step", "11", "--screenshot",
                            out.filePath("x.png")});
        QVERIFY(badStep.waitForFinished(30000));
        QCOMPARE(badStep.exitCode(), 2);
        QVERIFY(badStep.readAllStandardError().contains("the lesson has steps 1 to 10"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
