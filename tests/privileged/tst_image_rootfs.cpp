// Built images really run: their layers are unpacked into a folder and their programs started
// with chroot, with nothing from the host but the kernel. This catches what digests cannot: a
// missing library or loader, a symlink chain cut short, an nginx config that does not load.
// chroot needs root, so the whole test skips itself otherwise.

#include "../unit/images/ImageTestSupport.h"

#include <QDir>
#include <QHostInfo>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>
#include <fstream>
#include <unistd.h>

using namespace flowlab;
using namespace flowlab::test;

namespace {

std::filesystem::path tempPath(const QTemporaryDir &dir)
{
    return dir.path().toStdString();
}

quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

// One HTTP/1.0 GET; the server closes the connection, so the reply is everything read.
QByteArray httpGet(quint16 port, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (!socket.waitForConnected(500)) {
            QThread::msleep(100);
            continue;
        }
        socket.write("GET / HTTP/1.0\r\nHost: flowlab\r\n\r\n");
        QByteArray reply;
        while (socket.state() == QAbstractSocket::ConnectedState && socket.waitForReadyRead(3000))
            reply += socket.readAll();
        return reply + socket.readAll();
    }
    return {};
}

// Children of `parent`, from /proc/<pid>/stat (field 4 is the parent pid).
QList<qint64> childrenOf(qint64 parent)
{
    QList<qint64> children;
    for (const QString &entry : QDir("/proc").entryList(QDir::Dirs)) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        if (!isPid)
            continue;
        QFile stat("/proc/" + entry + "/stat");
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = stat.readAll();
        // The command name may contain spaces; fields after its closing parenthesis are plain.
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.value(1).toLongLong() == parent)
            children << pid;
    }
    return children;
}

QString uidOf(qint64 pid)
{
    QFile status(QString("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return {};
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("Uid:"))
            return QString::fromUtf8(line.mid(4)).simplified().section(' ', 0, 0);
    }
    return {};
}

} // namespace

class TestImageRootfs : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root for chroot");
        QVERIFY(m_cache.isValid());
    }

    void nginxServesFromItsOwnRootfs()
    {
        auto image = buildRealRecipe("nginx", tempPath(m_cache));
        QVERIFY2(image.ok(), image.ok() ? "" : image.error().message().c_str());
        QVERIFY(image->layers.size() >= 3);
        QTemporaryDir dir;
        const std::filesystem::path rootfs = tempPath(dir) / "rootfs";
        QVERIFY(extractImage(*image, rootfs));

        // No ld.so.cache: the loader must find every library on its default paths.
        QVERIFY(!std::filesystem::exists(rootfs / "etc/ld.so.cache"));
        if (std::filesystem::is_symlink("/lib")) {
            QVERIFY(std::filesystem::is_symlink(rootfs / "lib"));
            QCOMPARE(std::filesystem::read_symlink(rootfs / "lib"),
                     std::filesystem::read_symlink("/lib"));
        }
        // Docker provides /dev; here plain files stand in for the container's stdout/stderr.
        std::filesystem::create_directories(rootfs / "dev");
        std::ofstream(rootfs / "dev/stdout");
        std::ofstream(rootfs / "dev/stderr");

        const ShellResult check = shell("chroot " + quoted(rootfs) + " /usr/sbin/nginx -t");
        QVERIFY2(check.exitCode == 0, qPrintable(check.err));
        QVERIFY2(check.err.contains("test is successful"), qPrintable(check.err));

        // The image listens on port 80; only the port changes for the test.
        const quint16 port = freePort();
        QVERIFY(port != 0);
        const std::filesystem::path conf = rootfs / "etc/nginx/nginx.conf";
        QFile confFile(QString::fromStdString(conf.string()));
        QVERIFY(confFile.open(QIODevice::ReadOnly));
        QByteArray text = confFile.readAll();
        confFile.close();
        QCOMPARE(text.count("listen 80;"), 1);
        text.replace("listen 80;", "listen 127.0.0.1:" + QByteArray::number(port) + ";");
        QVERIFY(confFile.open(QIODevice::WriteOnly | QIODevice::Truncate));
        confFile.write(text);
        confFile.close();

        QProcess nginx;
        nginx.start("chroot", {QString::fromStdString(rootfs.string()), "/usr/sbin/nginx", "-g",
                               "daemon off;"});
        QVERIFY(nginx.waitForStarted());
        const QByteArray reply = httpGet(port, 10000);
        const QList<qint64> workers = childrenOf(nginx.processId());
        const QString workerUid = workers.isEmpty() ? QString() : uidOf(workers.first());
        ::kill(pid_t(nginx.processId()), SIGQUIT); // graceful shutdown
        QVERIFY(nginx.waitForFinished(10000));
        const QString errors = QString::fromUtf8(nginx.readAllStandardError());

        QVERIFY2(reply.startsWith("HTTP/1.1 200 OK"), qPrintable(reply + errors));
        QVERIFY2(reply.contains("Hello from Flowlab nginx, served by container " +
                                QHostInfo::localHostName().toUtf8()),
                 reply.constData());
        QVERIFY2(reply.contains("Request from 127.0.0.1 to 127.0.0.1:" + QByteArray::number(port)),
                 reply.constData());
        QVERIFY(reply.contains("Content-Type: text/html"));
        QCOMPARE(nginx.exitCode(), 0);
        // The worker dropped to www-data: /etc/passwd and /etc/group in the image work.
        QCOMPARE(workerUid, QString("33"));

        std::ifstream accessLog(rootfs / "dev/stdout");
        const std::string log((std::istreambuf_iterator<char>(accessLog)), {});
        QVERIFY2(log.find("\"GET / HTTP/1.0\" 200 ") != std::string::npos, log.c_str());
    }

    void busyboxShellRuns()
    {
        auto image = buildRealRecipe("busybox", tempPath(m_cache));
        QVERIFY2(image.ok(), image.ok() ? "" : image.error().message().c_str());
        QTemporaryDir dir;
        const std::filesystem::path rootfs = tempPath(dir) / "rootfs";
        QVERIFY(extractImage(*image, rootfs));
        const ShellResult run = shell("chroot " + quoted(rootfs) +
                                      " /bin/sh -c 'echo hello; id -u; ls -d /tmp; "
                                      "stat -c %a /tmp; head -1 /etc/passwd'");
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QCOMPARE(run.out, QString("hello\n0\n/tmp\n1777\nroot:x:0:0:root:/root:/bin/sh\n"));
    }

    void pauseRunsAloneAndStopsOnTerm()
    {
        auto image = buildRealRecipe("pause", tempPath(m_cache));
        QVERIFY2(image.ok(), image.ok() ? "" : image.error().message().c_str());
        QTemporaryDir dir;
        const std::filesystem::path rootfs = tempPath(dir) / "rootfs";
        QVERIFY(extractImage(*image, rootfs));
        // The image is one file: the static binary needs nothing else.
        QCOMPARE(std::distance(std::filesystem::directory_iterator(rootfs),
                               std::filesystem::directory_iterator()),
                 1);

        QProcess pause;
        pause.start("chroot", {QString::fromStdString(rootfs.string()), "/pause"});
        QVERIFY(pause.waitForStarted());
        QVERIFY2(!pause.waitForFinished(500), qPrintable(pause.readAllStandardError()));
        QCOMPARE(::kill(pid_t(pause.processId()), SIGTERM), 0);
        QVERIFY(pause.waitForFinished(5000));
        QCOMPARE(pause.exitStatus(), QProcess::NormalExit);
        QCOMPARE(pause.exitCode(), 0);
    }

private:
    QTemporaryDir m_cache;
};

QTEST_GUILESS_MAIN(TestImageRootfs)
#include "tst_image_rootfs.moc"
