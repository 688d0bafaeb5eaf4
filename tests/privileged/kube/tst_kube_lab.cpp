// The Kubernetes control plane in the lab, for real: lab up --kube → the real kubectl through
// flowlabd's relay on 127.0.0.1:6443 → a Deployment whose ReplicaSet and Pods the controllers
// create and the scheduler places on three registered nodes → the evidence of each stage
// (the API calls, the apiserver's audit stages and store write, the controllers' and the
// scheduler's decisions) → lab down → nothing left, the host's root namespace unchanged.
// The nodes are the lab's own (flowlab-node1..3, each with its kubelet); what they do with
// the pods is tst_kube_nodes'.

#include "../LabTestSupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QThread>

using namespace flowlab::test;

namespace {} // namespace

class TestKubeLab : public QObject
{
    Q_OBJECT

private:
    QString m_rootBefore;

    std::vector<QJsonObject> events(const QString &kind)
    {
        std::vector<QJsonObject> out;
        for (const QString &line : cli({"events", "--json"}).out.split('\n', Qt::SkipEmptyParts)) {
            const QJsonObject event = QJsonDocument::fromJson(line.toUtf8()).object();
            if (event["kind"].toString() == kind)
                out.push_back(event);
        }
        return out;
    }

private slots:
    void initTestCase()
    {
        FLOWLAB_REQUIRE_ROOT();
        cli({"--quiet", "lab", "down"});
        FLOWLAB_VERIFY_RUN(cli({"lab", "census"}), 0);
        m_rootBefore = rootNamespaceSnapshot();
    }

    void kubectlBeforeTheControlPlaneIsAClearError()
    {
        const CliRun refused = cli({"kubectl", "--", "get", "pods"});
        QVERIFY(refused.exitCode != 0);
        QVERIFY2(refused.err.contains("lab up"), qPrintable(refused.all()));
    }

    void labUpWithTheControlPlane()
    {
        const CliRun up = cli({"lab", "up", "--kube"});
        FLOWLAB_VERIFY_RUN(up, 0);
        QVERIFY2(up.out.contains("Kubernetes control plane on 192.168.56.100"),
                 qPrintable(up.all()));
        const CliRun status = cli({"lab", "status", "--json"});
        const QJsonObject json = QJsonDocument::fromJson(status.out.toUtf8()).object();
        QCOMPARE(json["kubernetes"].toObject()["store"].toString(), QString("sqlite"));
        QStringList services;
        for (const auto &service : json["services"].toArray())
            if (service.toObject()["running"].toBool())
                services << service.toObject()["name"].toString();
        for (const char *name : {"kube-apiserver", "kube-controller-manager", "kube-scheduler",
                                 "cluster-dns", "ingress-controller"})
            QVERIFY2(services.contains(name), qPrintable(services.join(',')));
        // Idempotent, and a plain `up` keeps the control plane.
        FLOWLAB_VERIFY_RUN(cli({"lab", "up"}), 0);
        QVERIFY(cli({"lab", "status", "--json"}).out.contains("\"kube-apiserver\""));
    }

    void realKubectlThroughTheRelay()
    {
        const CliRun version = kubectl({"version"});
        FLOWLAB_VERIFY_RUN(version, 0);
        // kubectl 1.32 prints "Server Version: v1.32.0+flowlab"; 1.20 prints the whole
        // version.Info, with GitVersion:"v1.32.0+flowlab".
        QVERIFY2(version.out.contains(
                     QRegularExpression("Server Version: (v1\\.32\\.0\\+flowlab|version\\.Info.*"
                                        "GitVersion:\"v1\\.32\\.0\\+flowlab\")")),
                 qPrintable(version.all()));
        const CliRun namespaces = kubectl({"get", "namespaces"});
        FLOWLAB_VERIFY_RUN(namespaces, 0);
        QVERIFY(namespaces.out.contains("kube-system"));
        // The learner's context has no rights yet.
        const CliRun learner = kubectl({"--context", "flowlab-learner", "get", "pods"});
        QVERIFY(learner.exitCode != 0);
        QVERIFY2(learner.err.contains("User \"learner\" cannot list resource \"pods\""),
                 qPrintable(learner.all()));
    }

    void theClusterDnsAndTheIngressControllerAnswer()
    {
        // kube-dns is a Service like any other, at the address pods are told to use.
        const CliRun service = kubectl({"-n", "kube-system", "get", "service", "kube-dns", "-o",
                                        "jsonpath={.spec.clusterIP}"});
        QCOMPARE(service.out, QString("10.43.0.10"));
        // The DNS server in flowlab-cp answers for the cluster's Services...
        const CliRun answer =
            run("ip", {"netns", "exec", "flowlab-client", "dig", "+short", "@192.168.56.100",
                       "kubernetes.default.svc.cluster.local"});
        QCOMPARE(answer.out.trimmed(), QString("10.43.0.1"));
        // ...and for nothing outside the cluster: the lab has no way out.
        const CliRun outside =
            run("ip", {"netns", "exec", "flowlab-client", "dig", "@192.168.56.100", "example.com"});
        QVERIFY2(outside.out.contains("status: REFUSED"), qPrintable(outside.all()));
        // The ingress controller's nginx serves node1's port 80; no Ingress yet: 404.
        const CliRun page = cli({"curl", "-i", "http://192.168.56.110/"});
        QVERIFY2(page.out.contains("404") && page.out.contains("no Ingress rule matches"),
                 qPrintable(page.all()));
    }

    void aDeploymentIsPlacedOnThreeNodes()
    {
        // The nodes' kubelets have registered them.
        QTRY_VERIFY_WITH_TIMEOUT(kubectl({"get", "nodes", "--no-headers"})
                                         .out.split('\n', Qt::SkipEmptyParts)
                                         .filter(QRegularExpression("^flowlab-node[123]\\s+Ready"))
                                         .size() == 3,
                                 20000);
        FLOWLAB_VERIFY_RUN(cli({"kubectl", "--", "create", "deployment", "nginx", "--image=nginx",
                                "--replicas=3"}),
                           0);
        // The controllers make a ReplicaSet and three Pods; the scheduler binds each to a node.
        CliRun pods;
        QTRY_VERIFY_WITH_TIMEOUT(
            (pods = kubectl({"get", "pods", "-o",
                             "custom-columns=NAME:.metadata.name,NODE:.spec.nodeName",
                             "--no-headers"}))
                    .out.split('\n', Qt::SkipEmptyParts)
                    .filter(
                        QRegularExpression("^nginx-[a-z0-9]+-[a-z0-9]{5}\\s+flowlab-node[123]$"))
                    .size() == 3,
            20000);
        const CliRun replicaSets = kubectl({"get", "rs", "--no-headers"});
        QVERIFY2(
            replicaSets.out.contains(QRegularExpression("^nginx-[a-z0-9]+\\s+3\\s+3\\s+[0-3]")),
            qPrintable(replicaSets.all()));
        const CliRun describe = kubectl({"describe", "deployment", "nginx"});
        QVERIFY2(describe.out.contains("ScalingReplicaSet"), qPrintable(describe.out));
    }

    void everyStageLeftEvidence()
    {
        // kubectl's calls, through the relay.
        bool sawCreate = false;
        for (const auto &event : events("api")) {
            const QJsonObject a = event["attrs"].toObject();
            sawCreate = sawCreate || (a["verb"].toString() == "create" &&
                                      a["resource"].toString() == "deployments" &&
                                      a["direction"].toString() == "request");
        }
        QVERIFY(sawCreate);
        // The apiserver's stages of that create, and its store write.
        QStringList stages;
        for (const auto &event : events("audit")) {
            const QJsonObject a = event["attrs"].toObject();
            if (a["verb"].toString() == "create" && a["resource"].toString() == "deployments")
                stages << a["stage"].toString();
        }
        for (const char *stage :
             {"Authentication", "Authorization", "MutatingAdmission", "ValidatingAdmission"})
            QVERIFY2(stages.contains(stage), qPrintable(stages.join(',')));
        bool stored = false;
        for (const auto &event : events("store"))
            stored = stored || event["attrs"].toObject()["key"].toString() ==
                                   "/registry/deployments/default/nginx";
        QVERIFY(stored);
        // The controllers' decisions and the scheduler's tables.
        QTRY_VERIFY_WITH_TIMEOUT(!events("reconcile").empty(), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(events("schedule").size() >= 3, 5000);
        const QJsonObject table = events("schedule").front()["attrs"].toObject();
        QCOMPARE(table["nodes"].toArray().size(), 3);
    }

    void labDownLeavesNothing()
    {
        FLOWLAB_VERIFY_RUN(cli({"lab", "down"}), 0);
        FLOWLAB_VERIFY_RUN(cli({"lab", "census"}), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!anyProcessNamed("flowlabd"), 5000);
        for (const char *name : {"flowlab-apiserver", "flowlab-dns", "flowlab-ingress"})
            QVERIFY2(!anyProcessNamed(name), name);
        // The ingress controller's nginx (a system nginx, if any, is not the lab's).
        QVERIFY(run("pgrep", {"-f", "nginx.*/run/flowlab/"}).exitCode != 0);
        QCOMPARE(rootNamespaceSnapshot(), m_rootBefore);
        // The relay is gone with the daemon.
        const CliRun refused = kubectl({"get", "ns"});
        QVERIFY(refused.exitCode != 0);
    }

    void etcdStore()
    {
        FLOWLAB_VERIFY_RUN(cli({"lab", "up", "--kube", "--store", "etcd"}), 0);
        QVERIFY(cli({"lab", "status", "--json"}).out.contains("\"etcd\""));
        FLOWLAB_VERIFY_RUN(kubectl({"create", "configmap", "kept", "--from-literal=a=b"}), 0);
        const CliRun got = kubectl({"get", "configmap", "kept", "-o", "jsonpath={.data.a}"});
        QCOMPARE(got.out, QString("b"));
        // A plain `up` cannot switch stores under a running lab.
        const CliRun switched = cli({"lab", "up", "--kube", "--store", "sqlite"});
        QVERIFY(switched.exitCode != 0);
        QVERIFY2(switched.err.contains("uses the etcd store"), qPrintable(switched.all()));
        FLOWLAB_VERIFY_RUN(cli({"lab", "down"}), 0);
        FLOWLAB_VERIFY_RUN(cli({"lab", "census"}), 0);
    }

    void cleanupTestCase()
    {
        if (::geteuid() != 0)
            return;
        cli({"--quiet", "lab", "down"});
        const CliRun census = cli({"lab", "census"});
        QVERIFY2(census.exitCode == 0, qPrintable("the lab leaked:\n" + census.out));
    }
};

QTEST_GUILESS_MAIN(TestKubeLab)
#include "tst_kube_lab.moc"
