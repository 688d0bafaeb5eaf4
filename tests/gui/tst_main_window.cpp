// The desktop window, offscreen: it says clearly when flowlabd is absent, and shows the lab's
// phase and the evidence a (fake) daemon reports.

#include "app/desktop/MainWindow.h"
#include "engine/daemon/DaemonServer.h"

#include <QApplication>
#include <QLabel>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace flowlab;

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
                                  {"kind", "command"},
                                  {"source", {{"component", "docker-cli"}}},
                                  {"summary", "docker run -d -p 8080:80 nginx"}});
                events.push_back({{"seq", 2},
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
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
