// The lab's three nodes running real pods, with the real kubectl (issue "Nodes and the service
// network"): pods spread by the scheduler with addresses from each node's pod CIDR; a
// Service's ClusterIP, reached through kube-proxy's iptables DNAT, answered by every
// backend; its name through the cluster DNS at 10.43.0.10; NodePort and LoadBalancer from
// flowlab-client; an Ingress for Host app2.com on node1's port 80; a killed container
// restarted by its kubelet; a deleted pod replaced; and lab down leaving nothing.

#include "../LabTestSupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace flowlab::test;

namespace {

// The page each nginx pod serves names the pod ("served by container NAME").
QString servedBy(const QString &page)
{
    static const QRegularExpression name("served by container ([a-z0-9-]+)");
    return name.match(page).captured(1);
}

} // namespace

class TestKubeNodes : public QObject
{
    Q_OBJECT

    QString m_clusterIp;

    QJsonObject json(const QStringList &args)
    {
        return QJsonDocument::fromJson(kubectl(args + QStringList{"-o", "json"}).out.toUtf8())
            .object();
    }

    // `curl` inside a lab namespace; the body, or "" on failure.
    static QString fetch(const QString &netns, const QString &url, const QString &host = {})
    {
        QStringList args{"netns", "exec", netns, "curl", "-s", "-m", "5"};
        if (!host.isEmpty())
            args << "-H"
                 << "Host: " + host;
        return run("ip", args << url, 20000).out;
    }

    QStringList runningPods(const QString &selector)
    {
        QStringList names;
        for (const auto &item : json({"get", "pods", "-l", selector})["items"].toArray()) {
            const QJsonObject pod = item.toObject();
            if (pod["status"].toObject()["phase"].toString() == "Running" &&
                !pod["metadata"].toObject().contains("deletionTimestamp"))
                names << pod["metadata"].toObject()["name"].toString();
        }
        return names;
    }

    QStringList endpointIps(const QString &service)
    {
        QStringList ips;
        for (const auto &subset : json({"get", "endpoints", service})["subsets"].toArray())
            for (const auto &address : subset.toObject()["addresses"].toArray())
                ips << address.toObject()["ip"].toString();
        ips.sort();
        return ips;
    }

private slots:
    void initTestCase()
    {
        FLOWLAB_REQUIRE_ROOT();
        cli({"--quiet", "lab", "down"});
        const CliRun up = cli({"lab", "up", "--kube"});
        FLOWLAB_VERIFY_RUN(up, 0);
    }

    void threeReplicasRunSpreadOverTheNodes()
    {
        QTRY_COMPARE_WITH_TIMEOUT(kubectl({"get", "nodes", "--no-headers"})
                                      .out.split('\n', Qt::SkipEmptyParts)
                                      .filter(QRegularExpression("^flowlab-node[123]\\s+Ready"))
                                      .size(),
                                  3, 20000);
        FLOWLAB_VERIFY_RUN(
            kubectl({"create", "deployment", "nginx", "--image=nginx", "--replicas=3"}), 0);
        QTRY_COMPARE_WITH_TIMEOUT(runningPods("app=nginx").size(), 3, 60000);

        QSet<QString> nodes;
        for (const auto &item : json({"get", "pods", "-l", "app=nginx"})["items"].toArray()) {
            const QJsonObject pod = item.toObject();
            const QString node = pod["spec"].toObject()["nodeName"].toString();
            const QString ip = pod["status"].toObject()["podIP"].toString();
            nodes << node;
            // Each pod's address is from its own node's CIDR: node1 10.42.0.x, node2 10.42.1.x…
            const int index = node.right(1).toInt() - 1;
            QVERIFY2(ip.startsWith(QString("10.42.%1.").arg(index)),
                     qPrintable(node + " gave its pod " + ip));
        }
        QCOMPARE(nodes.size(), 3); // spread: one pod per node
    }

    void aClusterIpReachesEveryBackend()
    {
        FLOWLAB_VERIFY_RUN(kubectl({"expose", "deployment", "nginx", "--port=80"}), 0);
        m_clusterIp = kubectl({"get", "service", "nginx", "-o", "jsonpath={.spec.clusterIP}"}).out;
        QVERIFY2(m_clusterIp.startsWith("10.43."), qPrintable(m_clusterIp));
        QTRY_COMPARE_WITH_TIMEOUT(endpointIps("nginx").size(), 3, 20000);

        // The name, through the cluster DNS Service (kube-proxy DNATs 10.43.0.10 to it).
        QTRY_COMPARE_WITH_TIMEOUT(run("ip", {"netns", "exec", "flowlab-node2", "dig", "+short",
                                             "@10.43.0.10", "nginx.default.svc.cluster.local"})
                                      .out.trimmed(),
                                  m_clusterIp, 10000);

        // Many requests to the ClusterIP from a node: the random DNAT reaches all three pods.
        QSet<QString> answered;
        for (int i = 0; i < 60 && answered.size() < 3; ++i)
            answered << servedBy(fetch("flowlab-node2", "http://" + m_clusterIp + "/"));
        answered.remove({});
        const QStringList pods = runningPods("app=nginx");
        QCOMPARE(answered, QSet<QString>(pods.begin(), pods.end()));
    }

    void aClientPodReachesEveryBackendByName()
    {
        // A pod asks by the Service's name: its resolv.conf sends it to 10.43.0.10, and the
        // ClusterIP's DNAT spreads its requests. Its output comes back through `kubectl logs`
        // (apiserver → the node's kubelet → the CRI log file).
        FLOWLAB_VERIFY_RUN(
            kubectl({"run", "client", "--image=busybox", "--restart=Never", "--", "sh", "-c",
                     "cat /etc/resolv.conf; for i in $(seq 1 60); do wget -qO- "
                     "http://nginx.default.svc.cluster.local/ | grep -o 'served by container "
                     "[a-z0-9-]*'; done"}),
            0);
        QTRY_COMPARE_WITH_TIMEOUT(
            kubectl({"get", "pod", "client", "-o", "jsonpath={.status.phase}"}).out,
            QString("Succeeded"), 60000);
        const CliRun logs = kubectl({"logs", "client"});
        FLOWLAB_VERIFY_RUN(logs, 0);
        QVERIFY2(logs.out.contains("nameserver 10.43.0.10") &&
                     logs.out.contains("search default.svc.cluster.local svc.cluster.local "
                                       "cluster.local"),
                 qPrintable(logs.out));
        QSet<QString> answered;
        for (const QString &line : logs.out.split('\n'))
            if (!servedBy(line).isEmpty())
                answered << servedBy(line);
        const QStringList pods = runningPods("app=nginx");
        QCOMPARE(answered, QSet<QString>(pods.begin(), pods.end()));
        // The backends saw the client pod's own address: nothing in the lab masquerades.
        const QString clientIp =
            kubectl({"get", "pod", "client", "-o", "jsonpath={.status.podIP}"}).out;
        bool sawClient = false;
        for (const QString &pod : pods)
            sawClient =
                sawClient || kubectl({"logs", "--tail=200", pod}).out.contains(clientIp + " - -");
        QVERIFY2(sawClient, qPrintable("no backend logged a request from " + clientIp));
        FLOWLAB_VERIFY_RUN(kubectl({"delete", "pod", "client", "--wait=false"}), 0);
    }

    void nodePortAndLoadBalancerFromTheClient()
    {
        FLOWLAB_VERIFY_RUN(kubectl({"expose", "deployment", "nginx", "--name=nginx-np",
                                    "--type=NodePort", "--port=80"}),
                           0);
        FLOWLAB_VERIFY_RUN(kubectl({"expose", "deployment", "nginx", "--name=nginx-lb",
                                    "--type=LoadBalancer", "--port=80"}),
                           0);
        const QString nodePort =
            kubectl({"get", "service", "nginx-np", "-o", "jsonpath={.spec.ports[0].nodePort}"}).out;
        QVERIFY2(nodePort.toInt() >= 30000, qPrintable(nodePort));
        for (const char *node : {"192.168.56.110", "192.168.56.112"})
            QTRY_VERIFY_WITH_TIMEOUT(
                !servedBy(fetch("flowlab-client", QString("http://%1:%2/").arg(node, nodePort)))
                     .isEmpty(),
                10000);
        QString lbIp;
        QTRY_VERIFY_WITH_TIMEOUT(!(lbIp = kubectl({"get", "service", "nginx-lb", "-o",
                                                   "jsonpath={.status.loadBalancer.ingress[0].ip}"})
                                              .out)
                                      .isEmpty(),
                                 10000);
        QVERIFY2(lbIp.startsWith("192.168.56.2"), qPrintable(lbIp));
        QTRY_VERIFY_WITH_TIMEOUT(
            !servedBy(fetch("flowlab-client", "http://" + lbIp + "/")).isEmpty(), 10000);
    }

    void anIngressForApp2ServesAConfigMapPage()
    {
        // Seed 004's app2: its page and nginx's configuration come from a ConfigMap volume.
        const QString manifests = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: app2-site
data:
  index.html: "<h1>app2, from a ConfigMap</h1>\n"
  nginx.conf: |
    user www-data;
    worker_processes 1;
    pid /run/nginx.pid;
    error_log /dev/stderr notice;
    events { worker_connections 64; }
    http {
      access_log /dev/stdout;
      server { listen 80; root /site; index index.html; default_type text/html; }
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app2
spec:
  replicas: 2
  selector:
    matchLabels: {app: app2}
  template:
    metadata:
      labels: {app: app2}
    spec:
      volumes:
      - name: site
        configMap: {name: app2-site}
      containers:
      - name: nginx
        image: nginx
        volumeMounts:
        - {name: site, mountPath: /site, readOnly: true}
        - {name: site, mountPath: /etc/nginx/nginx.conf, subPath: nginx.conf, readOnly: true}
---
apiVersion: v1
kind: Service
metadata:
  name: app2-service
spec:
  selector: {app: app2}
  ports:
  - port: 80
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app2-ingress
spec:
  rules:
  - host: app2.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: app2-service
            port:
              number: 80
)";
        FLOWLAB_VERIFY_RUN(kubectl({"apply", "-f", "-"}, manifests), 0);
        QTRY_COMPARE_WITH_TIMEOUT(runningPods("app=app2").size(), 2, 60000);
        // node1's nginx matches the Host, resolves app2-service.default.svc.cluster.local
        // through the cluster DNS and connects to the ClusterIP; kube-proxy DNATs to a pod.
        QString page;
        QElapsedTimer waited;
        waited.start();
        while (!(page = fetch("flowlab-client", "http://192.168.56.110/", "app2.com"))
                    .contains("app2, from a ConfigMap") &&
               waited.elapsed() < 30000)
            QTest::qWait(200);
        QVERIFY2(page.contains("app2, from a ConfigMap"),
                 qPrintable("node1:80 answered for app2.com: " + page + "\ningress controller:\n" +
                            run("tail", {"-n", "4", "/run/flowlab/logs/ingress-controller.log",
                                         "/run/flowlab/kube/ingress/error.log"})
                                .out +
                            run("sh", {"-c", "tail -n 3 "
                                             "/run/flowlab/kube/ingress-controller.evidence.jsonl"
                                             " | cut -c1-400"})
                                .out));
        QVERIFY(fetch("flowlab-client", "http://192.168.56.110/", "other.example")
                    .contains("no Ingress rule matches"));
        QTRY_COMPARE_WITH_TIMEOUT(kubectl({"get", "ingress", "app2-ingress", "-o",
                                           "jsonpath={.status.loadBalancer.ingress[0].ip}"})
                                      .out,
                                  QString("192.168.56.110"), 10000);
    }

    void aMissingConfigMapKeepsThePodCreating()
    {
        const QString manifest = R"(apiVersion: v1
kind: Pod
metadata:
  name: broken
spec:
  volumes:
  - name: site
    configMap: {name: no-such-configmap}
  containers:
  - name: nginx
    image: nginx
    volumeMounts:
    - {name: site, mountPath: /site}
)";
        FLOWLAB_VERIFY_RUN(kubectl({"apply", "-f", "-"}, manifest), 0);
        QTRY_VERIFY_WITH_TIMEOUT(
            kubectl({"get", "events", "--field-selector", "involvedObject.name=broken"})
                .out.contains("configmap \"no-such-configmap\" not found"),
            20000);
        QCOMPARE(kubectl({"get", "pod", "broken", "-o", "jsonpath={.status.phase}"}).out,
                 QString("Pending"));
        FLOWLAB_VERIFY_RUN(kubectl({"delete", "pod", "broken", "--wait=false"}), 0);
    }

    void probesDecideReadinessAndRestarts()
    {
        // Readiness: nothing listens on 81, so the pod runs but is not ready, and its Service
        // has no endpoint.
        const QString notReady = R"(apiVersion: v1
kind: Pod
metadata:
  name: not-ready
  labels: {app: not-ready}
spec:
  containers:
  - name: nginx
    image: nginx
    readinessProbe:
      tcpSocket: {port: 81}
      periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata:
  name: not-ready
spec:
  selector: {app: not-ready}
  ports:
  - port: 80
---
apiVersion: v1
kind: Pod
metadata:
  name: ready
  labels: {app: ready}
spec:
  containers:
  - name: nginx
    image: nginx
    readinessProbe:
      httpGet: {path: /, port: 80}
      periodSeconds: 1
---
apiVersion: v1
kind: Pod
metadata:
  name: not-alive
spec:
  containers:
  - name: nginx
    image: nginx
    livenessProbe:
      httpGet: {path: /, port: 81}
      periodSeconds: 1
      failureThreshold: 2
)";
        FLOWLAB_VERIFY_RUN(kubectl({"apply", "-f", "-"}, notReady), 0);
        QTRY_COMPARE_WITH_TIMEOUT(
            kubectl({"get", "pod", "ready", "-o", "jsonpath={.status.containerStatuses[0].ready}"})
                .out,
            QString("true"), 30000);
        QCOMPARE(kubectl({"get", "pod", "not-ready", "-o", "jsonpath={.status.phase}"}).out,
                 QString("Running"));
        QCOMPARE(kubectl({"get", "pod", "not-ready", "-o",
                          "jsonpath={.status.containerStatuses[0].ready}"})
                     .out,
                 QString("false"));
        QVERIFY(endpointIps("not-ready").isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(
            kubectl({"get", "events", "--field-selector", "involvedObject.name=not-ready"})
                .out.contains("Readiness probe failed"),
            20000);
        // Liveness: two failures in a row and the kubelet restarts the container.
        QTRY_VERIFY_WITH_TIMEOUT(kubectl({"get", "pod", "not-alive", "-o",
                                          "jsonpath={.status.containerStatuses[0].restartCount}"})
                                         .out.toInt() >= 1,
                                 40000);
        QVERIFY(kubectl({"get", "events", "--field-selector", "involvedObject.name=not-alive"})
                    .out.contains("failed liveness probe, will be restarted"));
        FLOWLAB_VERIFY_RUN(
            kubectl({"delete", "pod", "ready", "not-ready", "not-alive", "--wait=false"}), 0);
    }

    void aKilledContainerIsRestarted()
    {
        const QString pod = runningPods("app=nginx").value(0);
        QVERIFY(!pod.isEmpty());
        const QString uid = json({"get", "pod", pod})["metadata"].toObject()["uid"].toString();
        // The container's processes are in the pod's cgroup (named by its UID); kill nginx's
        // master.
        QString masterPid;
        for (const QString &pid : QDir("/proc").entryList(QDir::Dirs)) {
            QFile cgroup("/proc/" + pid + "/cgroup"), cmdline("/proc/" + pid + "/cmdline");
            if (pid.toInt() <= 0 || !cgroup.open(QIODevice::ReadOnly) ||
                !cgroup.readAll().contains(uid.left(8).toUtf8()) ||
                !cmdline.open(QIODevice::ReadOnly))
                continue;
            if (cmdline.readAll().startsWith("nginx: master"))
                masterPid = pid;
        }
        QVERIFY2(!masterPid.isEmpty(), qPrintable("no nginx master in pod " + pod + "'s cgroup"));
        QVERIFY(run("kill", {"-9", masterPid}).exitCode == 0);
        QTRY_VERIFY_WITH_TIMEOUT(kubectl({"get", "pod", pod, "-o",
                                          "jsonpath={.status.containerStatuses[0].restartCount}"})
                                         .out.toInt() >= 1,
                                 30000);
        QTRY_COMPARE_WITH_TIMEOUT(runningPods("app=nginx").size(), 3, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(endpointIps("nginx").size(), 3, 20000);
        // While it was down the pod was not Ready, and the endpoints controller took its
        // address out of the Service's ready addresses (its evidence says so), then back.
        const QString podIp = json({"get", "pod", pod})["status"].toObject()["podIP"].toString();
        bool leftTheEndpoints = false;
        for (const QString &line : cli({"events", "--json"}).out.split('\n', Qt::SkipEmptyParts)) {
            const QJsonObject event = QJsonDocument::fromJson(line.toUtf8()).object();
            const QString summary = event["summary"].toString();
            leftTheEndpoints =
                leftTheEndpoints || (event["kind"].toString() == "reconcile" &&
                                     summary.contains("update Endpoints nginx (2 ready") &&
                                     summary.contains("1 not ready (" + podIp));
        }
        QVERIFY2(leftTheEndpoints, qPrintable("no endpoints reconcile took " + podIp +
                                              " out of the ready addresses"));
    }

    void aDeletedPodIsReplaced()
    {
        const QStringList before = runningPods("app=nginx");
        QCOMPARE(before.size(), 3);
        FLOWLAB_VERIFY_RUN(kubectl({"delete", "pod", before.front(), "--wait=false"}), 0);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const QStringList now = runningPods("app=nginx");
                return now.size() == 3 && !now.contains(before.front());
            }(),
            60000);
        // The replacement joins the Endpoints; the deleted pod's address leaves them.
        QStringList podIps;
        for (const auto &item : json({"get", "pods", "-l", "app=nginx"})["items"].toArray())
            podIps << item.toObject()["status"].toObject()["podIP"].toString();
        podIps.sort();
        QTRY_COMPARE_WITH_TIMEOUT(endpointIps("nginx"), podIps, 20000);
    }

    void labDownLeavesNothing()
    {
        FLOWLAB_VERIFY_RUN(cli({"lab", "down"}, 120000), 0);
        for (const char *name : {"flowlab-kubelet", "flowlab-kube-pro", "containerd-shim"})
            QVERIFY2(!anyProcessNamed(name), name);
        const CliRun census = cli({"lab", "census"});
        QVERIFY2(census.exitCode == 0, qPrintable("the lab leaked:\n" + census.out));
    }

    void cleanupTestCase()
    {
        if (::geteuid() == 0)
            cli({"--quiet", "lab", "down"});
    }
};

QTEST_MAIN(TestKubeNodes)
#include "tst_kube_nodes.moc"
