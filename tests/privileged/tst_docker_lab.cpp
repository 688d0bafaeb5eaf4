// The foundation, for real: lab up → images → `docker run -d -p 8080:80 nginx` through the
// tap → the page from flowlab-client through DNAT → bad input → lab down → empty census →
// the host's root namespace unchanged. Then the same after kill -9 of flowlabd.

#include "LabTestSupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QThread>
#include <csignal>

using namespace flowlab::test;

class TestDockerLab : public QObject
{
    Q_OBJECT

private:
    QString m_rootBefore;

    QJsonArray eventsJson()
    {
        const CliRun events = cli({"events", "--json"});
        QJsonArray array;
        for (const QString &line : events.out.split('\n', Qt::SkipEmptyParts))
            array.append(QJsonDocument::fromJson(line.toUtf8()).object());
        return array;
    }

    QString curlPage()
    {
        // nginx takes a moment after `docker run -d` returns.
        CliRun page;
        for (int attempt = 0; attempt < 50; ++attempt) {
            page = cli({"curl", "--fail", "--timeout", "2", "http://192.168.56.10:8080/"});
            if (page.exitCode == 0)
                break;
            QThread::msleep(100);
        }
        return page.exitCode == 0 ? page.out : "FAILED: " + page.all();
    }

private slots:
    void initTestCase()
    {
        FLOWLAB_REQUIRE_ROOT();
        // Start from nothing, whatever an earlier run left.
        cli({"--quiet", "lab", "down"});
        FLOWLAB_VERIFY_RUN(cli({"lab", "census"}), 0);
        m_rootBefore = rootNamespaceSnapshot();
    }

    void labNotUpIsAClearError()
    {
        const CliRun curl = cli({"curl", "http://192.168.56.10:8080/"});
        QVERIFY(curl.exitCode != 0);
        QVERIFY2(curl.err.contains("the lab is not up"), qPrintable(curl.all()));
        const CliRun docker = cli({"docker", "--", "ps"});
        QVERIFY(docker.exitCode != 0);
        QVERIFY2(docker.err.contains("lab up"), qPrintable(docker.all()));
        cli({"--quiet", "lab", "down"}); // the daemon started on demand goes away
    }

    void labUpIsIdempotent()
    {
        FLOWLAB_VERIFY_RUN(cli({"lab", "up"}), 0);
        const CliRun again = cli({"lab", "up"});
        FLOWLAB_VERIFY_RUN(again, 0);
        QVERIFY2(again.err.contains("dockerd is already running"), qPrintable(again.all()));
        QVERIFY(!again.err.contains("creating network namespace"));

        const CliRun status = cli({"lab", "status", "--json"});
        FLOWLAB_VERIFY_RUN(status, 0);
        const QJsonObject json = QJsonDocument::fromJson(status.out.toUtf8()).object();
        QCOMPARE(json["phase"].toString(), QString("up"));
        QStringList running;
        for (const auto &service : json["services"].toArray())
            if (service.toObject()["running"].toBool())
                running << service.toObject()["name"].toString();
        QCOMPARE(running, (QStringList{"registry", "containerd", "dockerd"}));

        // The private engine's socket is its own; the system's is not used.
        QVERIFY(QFile::exists("/run/flowlab/docker/docker.sock"));
        // Addresses of the plan, in their namespaces only.
        QVERIFY(run("ip", {"-n", "flowlab-docker", "-o", "addr"}).out.contains("192.168.56.10/24"));
        QVERIFY(run("ip", {"-n", "flowlab-client", "-o", "addr"}).out.contains("192.168.56.2/24"));
        QVERIFY(!run("ip", {"-o", "addr"}).out.contains("192.168.56."));
    }

    void buildsAndPushesImages()
    {
        const CliRun build = cli({"image", "build", "--rebuild", "nginx", "busybox", "pause"});
        FLOWLAB_VERIFY_RUN(build, 0);
        QVERIFY2(build.out.contains("library/nginx:latest"), qPrintable(build.all()));
        QVERIFY(build.out.contains("pushed"));
        // The registry serves the manifest the builder computed.
        const CliRun manifest =
            cli({"curl", "-i", "-H", "Accept: application/vnd.docker.distribution.manifest.v2+json",
                 "http://192.168.56.5:5000/v2/library/nginx/manifests/latest"});
        FLOWLAB_VERIFY_RUN(manifest, 0);
        const QRegularExpression digest("library/nginx:latest\\s+(sha256:[0-9a-f]{64})");
        const auto match = digest.match(build.out);
        QVERIFY(match.hasMatch());
        QVERIFY2(manifest.out.contains("Docker-Content-Digest: " + match.captured(1)),
                 qPrintable(manifest.out.left(600)));
        const QJsonObject body =
            QJsonDocument::fromJson(manifest.out.mid(manifest.out.indexOf("\r\n\r\n") + 4).toUtf8())
                .object();
        QVERIFY2(body["layers"].toArray().size() >= 3, "nginx has at least three layers");
    }

    void dockerRunPublishesNginx()
    {
        const CliRun runNginx = cli({"docker", "--", "run", "-d", "-p", "8080:80", "nginx"});
        FLOWLAB_VERIFY_RUN(runNginx, 0);
        const QString id = runNginx.out.trimmed();
        QVERIFY2(QRegularExpression("^[0-9a-f]{64}$").match(id).hasMatch(),
                 qPrintable(runNginx.all()));
        // Pulled from the lab registry, through the mirror.
        QVERIFY2(runNginx.err.contains("Pulling from library/nginx"), qPrintable(runNginx.err));

        const QString page = curlPage();
        QVERIFY2(page.contains("served by container " + id.left(12)), qPrintable(page));
        // nginx saw the request from the client after DNAT to the container's address.
        QVERIFY2(QRegularExpression("Request from 192\\.168\\.56\\.2 to 172\\.17\\.0\\.\\d+:80")
                     .match(page)
                     .hasMatch(),
                 qPrintable(page));

        // The DNAT rule lives in flowlab-docker's nat table, not the host's.
        const QString nat =
            run("ip", {"netns", "exec", "flowlab-docker", "iptables-save", "-t", "nat"}).out;
        QVERIFY2(QRegularExpression(
                     "-A DOCKER .*--dport 8080 -j DNAT --to-destination 172\\.17\\.0\\.\\d+:80")
                     .match(nat)
                     .hasMatch(),
                 qPrintable(nat));

        // The tap recorded the API calls of the flow: requests with their bodies, responses
        // with their status.
        bool sawCreateRequest = false, sawCreated = false, sawPull = false, sawStart = false;
        bool sawCommand = false;
        for (const auto &value : eventsJson()) {
            const QJsonObject event = value.toObject();
            const QJsonObject attrs = event["attrs"].toObject();
            const QString endpoint = attrs["endpoint"].toString();
            const bool response = attrs["direction"].toString() == "response";
            if (event["kind"].toString() == "command" &&
                event["summary"].toString() == "docker run -d -p 8080:80 nginx")
                sawCommand = true;
            if (endpoint == "/containers/create" && !response &&
                attrs["body"].toObject()["Image"].toString() == "nginx") {
                const QJsonObject hostConfig = attrs["body"].toObject()["HostConfig"].toObject();
                sawCreateRequest = hostConfig["PortBindings"]
                                       .toObject()["80/tcp"]
                                       .toArray()[0]
                                       .toObject()["HostPort"]
                                       .toString() == "8080";
            }
            if (endpoint == "/containers/create" && response && attrs["status"].toInt() == 201)
                sawCreated = attrs["body"].toObject()["Id"].toString() == id;
            if (endpoint == "/images/create" && response && attrs["status"].toInt() == 200 &&
                attrs["streamed"].toBool())
                sawPull = true;
            if (endpoint.endsWith("/start") && response && attrs["status"].toInt() == 204)
                sawStart = true;
        }
        QVERIFY(sawCreateRequest);
        QVERIFY(sawCreated);
        QVERIFY(sawCommand);
        QVERIFY(sawPull);
        QVERIFY(sawStart);
    }

    void portAlreadyPublishedIsRefused()
    {
        const CliRun second = cli({"docker", "--", "run", "-d", "-p", "8080:80", "nginx"});
        QVERIFY(second.exitCode != 0);
        QVERIFY2(second.err.contains("port is already allocated"), qPrintable(second.all()));
        // The refused container is not left running.
        const CliRun ps = cli({"docker", "--", "ps", "-q"});
        QCOMPARE(ps.out.trimmed().split('\n').size(), 1);
    }

    void unknownImageFailsAndIsRecorded()
    {
        const CliRun unknown = cli({"docker", "--", "run", "-d", "flowlab-no-such-image"});
        QVERIFY(unknown.exitCode != 0);
        QVERIFY2(unknown.err.contains("flowlab-no-such-image"), qPrintable(unknown.all()));
        bool recordedFailure = false;
        for (const auto &value : eventsJson()) {
            const QJsonObject attrs = value.toObject()["attrs"].toObject();
            if (attrs["endpoint"].toString() == "/images/create" &&
                attrs["direction"].toString() == "response" &&
                attrs["query"].toObject()["fromImage"].toString().contains(
                    "flowlab-no-such-image") &&
                (attrs["status"].toInt() >= 400 || attrs.contains("error")))
                recordedFailure = true;
        }
        QVERIFY2(recordedFailure, "the failed pull is an event");
    }

    void streamingThroughTheTap()
    {
        // Pull progress streams; logs come back over the tap; attach-style hijack works.
        const CliRun logs = cli({"docker", "--", "logs", "--tail", "5",
                                 cli({"docker", "--", "ps", "-q"}).out.trimmed()});
        FLOWLAB_VERIFY_RUN(logs, 0);
        const CliRun hijack =
            run(binary("flowlab-cli"), {"docker", "--", "run", "--rm", "-i", "busybox", "cat"},
                60'000, "through the hijacked stream\n");
        FLOWLAB_VERIFY_RUN(hijack, 0);
        QCOMPARE(hijack.out, QString("through the hijacked stream\n"));
    }

    void labDownLeavesNothing()
    {
        const QString id = cli({"docker", "--", "ps", "-q"}).out.trimmed();
        FLOWLAB_VERIFY_RUN(cli({"docker", "--", "rm", "-f", id}), 0);
        FLOWLAB_VERIFY_RUN(cli({"lab", "down"}), 0);
        FLOWLAB_VERIFY_RUN(cli({"lab", "census"}), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!anyProcessNamed("flowlabd"), 5000);
        QCOMPARE(rootNamespaceSnapshot(), m_rootBefore);
    }

    void killNineThenDown()
    {
        FLOWLAB_VERIFY_RUN(cli({"lab", "up"}), 0);
        FLOWLAB_VERIFY_RUN(cli({"docker", "--", "run", "-d", "-p", "8080:80", "nginx"}), 0);
        QVERIFY(curlPage().contains("served by container"));

        QFile pidFile("/run/flowlab/flowlabd.pid");
        QVERIFY(pidFile.open(QIODevice::ReadOnly));
        const int pid = pidFile.readAll().trimmed().toInt();
        QVERIFY(pid > 1);
        QCOMPARE(::kill(pid, SIGKILL), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!anyProcessNamed("flowlabd"), 5000);

        // The traced engine dies with its tracer (PTRACE_O_EXITKILL): nothing half-working.
        // What remains (namespaces, mounts, cgroups, files, the untraced registry) is listed.
        CliRun census;
        QTRY_VERIFY_WITH_TIMEOUT((census = cli({"lab", "census"})).exitCode == 1
                                     && !census.out.contains("dockerd --config-file")
                                     && !census.out.contains("containerd --config"),
                                 5000);
        QVERIFY2(census.out.contains("flowlab-docker") && census.out.contains("docker-registry"),
                 qPrintable(census.out));

        const CliRun down = cli({"lab", "down"});
        FLOWLAB_VERIFY_RUN(down, 0);
        QVERIFY2(down.err.contains("tearing the lab down directly"), qPrintable(down.all()));
        FLOWLAB_VERIFY_RUN(cli({"lab", "census"}), 0);
        QCOMPARE(rootNamespaceSnapshot(), m_rootBefore);
    }

    void notRootGetsAClearMessage()
    {
        // Without the daemon: the message says how to start it.
        const QStringList asNobody = {"--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                      binary("flowlab-cli")};
        const CliRun down = run("setpriv", asNobody + QStringList{"lab", "up"});
        QVERIFY(down.exitCode != 0);
        QVERIFY2(down.err.contains("flowlabd is not running") && down.err.contains("root"),
                 qPrintable(down.all()));

        // With the daemon running: access to its socket is by group, and nobody is not in it.
        FLOWLAB_VERIFY_RUN(cli({"lab", "up"}), 0);
        const CliRun status = run("setpriv", asNobody + QStringList{"lab", "up"});
        QVERIFY(status.exitCode != 0);
        QVERIFY2(status.err.contains("denied") && status.err.contains("group flowlab"),
                 qPrintable(status.all()));
        FLOWLAB_VERIFY_RUN(cli({"lab", "down"}), 0);
    }

    void cleanupTestCase()
    {
        if (::geteuid() != 0)
            return;
        cli({"--quiet", "lab", "down"});
        const CliRun census = cli({"lab", "census"});
        QVERIFY2(census.exitCode == 0, qPrintable("the lab leaked:\n" + census.out));
        QTRY_VERIFY_WITH_TIMEOUT(!anyProcessNamed("flowlabd"), 5000);
    }
};

QTEST_GUILESS_MAIN(TestDockerLab)
#include "tst_docker_lab.moc"
