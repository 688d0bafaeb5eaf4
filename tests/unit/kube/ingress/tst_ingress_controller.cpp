// flowlab-ingress-controller against a real flowlab-apiserver and Debian's nginx, on loopback
// without root: an Ingress becomes an nginx server that routes by Host, a request for a host no
// rule names gets the default server's 404, the Ingress's status gets the address, a change to
// the Ingress reloads nginx with the new path, and every request nginx served is an evidence
// event naming the Ingress and the Service. The cluster DNS is not running here, so the
// proxied request fails upstream (502) — the lab test follows it on to a pod.

#include "../KubeTestCluster.h"

#include <QProcess>
#include <QTcpServer>
#include <QTest>

using namespace flowlab::kube::test;
using Json = nlohmann::json;

namespace {

int freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

struct HttpAnswer
{
    int status = 0;
    QString body;
};

// curl, so that the Host header is what a browser would send.
HttpAnswer httpGet(int port, const QString &host, const QString &path)
{
    QProcess curl;
    curl.start("curl", {"-s", "-o", "-", "-w", "\n%{http_code}", "-m", "10", "-H", "Host: " + host,
                        QString("http://127.0.0.1:%1%2").arg(port).arg(path)});
    curl.waitForFinished(15000);
    const QString out = QString::fromUtf8(curl.readAllStandardOutput());
    const qsizetype newline = out.lastIndexOf('\n');
    return {out.mid(newline + 1).toInt(), out.left(newline)};
}

} // namespace

class TestIngressController : public QObject
{
    Q_OBJECT

    KubeTestCluster m_cluster;
    std::unique_ptr<QProcess> m_controller;
    int m_port = 0;
    std::string m_evidence;

    Json api(const QString &method, const QString &path, const Json &body = {})
    {
        QProcess curl;
        QStringList args{"-s",
                         "-X",
                         method,
                         "-H",
                         "Authorization: Bearer admin-token",
                         "-H",
                         "Content-Type: application/json",
                         QString::fromStdString(m_cluster.plainUrl()) + path};
        if (!body.is_null())
            args << "--data-binary" << QString::fromStdString(body.dump());
        curl.start("curl", args);
        curl.waitForFinished(15000);
        return Json::parse(curl.readAllStandardOutput().toStdString(), nullptr, false);
    }

    std::vector<Json> evidence() const { return KubeTestCluster::readJsonLines(m_evidence); }

    // Waits until `predicate` holds for the evidence, up to 15 s.
    bool waitForEvidence(const std::function<bool(const Json &)> &predicate)
    {
        return QTest::qWaitFor(
            [&] {
                for (const Json &event : evidence())
                    if (predicate(event))
                        return true;
                return false;
            },
            15000);
    }

private slots:
    void initTestCase()
    {
        const std::string started = m_cluster.start({});
        QVERIFY2(started.empty(), started.c_str());
        KubeTestCluster::write(m_cluster.dir() + "/ingress.token", "admin-token\n");
        m_port = freePort();
        m_evidence = m_cluster.dir() + "/ingress-evidence.jsonl";
        m_controller = std::make_unique<QProcess>();
        m_controller->setProcessChannelMode(QProcess::MergedChannels);
        m_controller->setStandardOutputFile(
            QString::fromStdString(m_cluster.dir() + "/ingress-controller.log"));
        m_controller->start(
            QString(FLOWLAB_BIN_DIR) + "/flowlab-ingress-controller",
            {"--server", QString::fromStdString(m_cluster.plainUrl()), "--token-file",
             QString::fromStdString(m_cluster.dir() + "/ingress.token"), "--listen", "127.0.0.1",
             "--port", QString::number(m_port), "--resolver",
             // Nothing answers there: names do not resolve, upstreams fail with 502.
             QString("127.0.0.1:%1").arg(freePort()), "--state-dir",
             QString::fromStdString(m_cluster.dir() + "/ingress"), "--status-address",
             "192.168.56.110", "--evidence-log", QString::fromStdString(m_evidence)});
        QVERIFY(m_controller->waitForStarted(10000));
    }

    void anIngressRoutesByHost()
    {
        const Json ingress = {
            {"apiVersion", "networking.k8s.io/v1"},
            {"kind", "Ingress"},
            {"metadata", {{"name", "app2-ingress"}, {"namespace", "default"}}},
            {"spec",
             {{"rules",
               {{{"host", "app2.com"},
                 {"http",
                  {{"paths",
                    {{{"path", "/"},
                      {"pathType", "Prefix"},
                      {"backend",
                       {{"service",
                         {{"name", "app2-service"}, {"port", {{"number", 80}}}}}}}}}}}}}}}}}};
        const Json created =
            api("POST", "/apis/networking.k8s.io/v1/namespaces/default/ingresses", ingress);
        QVERIFY2(created.value("kind", "") == "Ingress", created.dump().c_str());
        QVERIFY2(waitForEvidence([](const Json &e) {
                     return e.value("kind", "") == "reconcile" &&
                            e["attrs"].value("action", "") == "nginx started" &&
                            e["attrs"]["desired"].size() == 1;
                 }),
                 "no evidence of nginx serving the Ingress");

        // Host app2.com matches the rule: nginx proxies (and fails upstream: no DNS here).
        const HttpAnswer matched = httpGet(m_port, "app2.com", "/");
        QCOMPARE(matched.status, 502);
        // Any other host: the default server.
        const HttpAnswer unmatched = httpGet(m_port, "other.example", "/");
        QCOMPARE(unmatched.status, 404);
        QVERIFY(unmatched.body.contains("no Ingress rule matches"));

        // Each request is evidence, naming what it matched.
        QVERIFY(waitForEvidence([](const Json &e) {
            return e.value("kind", "") == "api" && e["attrs"].value("host", "") == "app2.com" &&
                   e["attrs"].value("ingress", "") == "default/app2-ingress" &&
                   e["attrs"].value("backend", "") == "app2-service:80" &&
                   e["attrs"].value("status", 0) == 502;
        }));
        QVERIFY(waitForEvidence([](const Json &e) {
            return e.value("kind", "") == "api" &&
                   e["attrs"].value("host", "") == "other.example" &&
                   e["attrs"].value("ingress", "x").empty() && e["attrs"].value("status", 0) == 404;
        }));
    }

    void theIngressGetsTheAddress()
    {
        QVERIFY(QTest::qWaitFor(
            [&] {
                const Json ingress = api(
                    "GET", "/apis/networking.k8s.io/v1/namespaces/default/ingresses/app2-ingress");
                return ingress.value("status", Json::object())
                           .value("loadBalancer", Json::object())
                           .value("ingress", Json::array()) ==
                       Json::array({{{"ip", "192.168.56.110"}}});
            },
            15000));
    }

    void aChangeReloadsNginx()
    {
        const Json patch = {
            {"spec",
             {{"rules",
               {{{"host", "app2.com"},
                 {"http",
                  {{"paths",
                    {{{"path", "/api"},
                      {"pathType", "Exact"},
                      {"backend",
                       {{"service", {{"name", "api"}, {"port", {{"name", "grpc"}}}}}}}}}}}}}}}}}};
        QProcess curl;
        curl.start("curl",
                   {"-s", "-X", "PATCH", "-H", "Authorization: Bearer admin-token", "-H",
                    "Content-Type: application/merge-patch+json",
                    QString::fromStdString(m_cluster.plainUrl()) +
                        "/apis/networking.k8s.io/v1/namespaces/default/ingresses/app2-ingress",
                    "--data-binary", QString::fromStdString(patch.dump())});
        QVERIFY(curl.waitForFinished(15000));
        QVERIFY(waitForEvidence([](const Json &e) {
            return e.value("kind", "") == "reconcile" &&
                   e["attrs"].value("action", "") == "nginx reloaded";
        }));
        // The new table: only Exact /api, whose named port the (missing) Service cannot give.
        QVERIFY(QTest::qWaitFor([&] { return httpGet(m_port, "app2.com", "/api").status == 503; },
                                10000));
        QCOMPARE(httpGet(m_port, "app2.com", "/api/v2").status, 404); // Exact: nothing under it
    }

    void cleanupTestCase()
    {
        if (!m_controller)
            return;
        const qint64 pid = m_controller->processId();
        m_controller->terminate();
        QVERIFY(m_controller->waitForFinished(10000));
        // nginx went with it.
        QVERIFY(QTest::qWaitFor(
            [&] {
                QProcess pgrep;
                pgrep.start("pgrep", {"-P", QString::number(pid)});
                pgrep.waitForFinished(5000);
                return pgrep.readAllStandardOutput().trimmed().isEmpty();
            },
            5000));
        QVERIFY(httpGet(m_port, "app2.com", "/").status == 0); // nothing listens any more
    }
};

QTEST_MAIN(TestIngressController)
#include "tst_ingress_controller.moc"
