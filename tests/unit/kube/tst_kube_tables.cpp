// tableFor(): the meta.k8s.io/v1 Table a real 1.32 apiserver returns to `kubectl get`, column
// for column and cell for cell, for objects as `kubectl get -o json` shows them on a cluster.
// Every age is computed against 2024-05-01T12:00:00Z.

#include "engine/kube/api/TablePrinter.h"

#include <QtTest>

using namespace flowlab::kube;
using namespace std::chrono;

namespace {

const sys_seconds kNow = sys_days{2024y / May / 1} + 12h;

const ResourceInfo &resource(const char *plural)
{
    for (const ResourceInfo &info : ResourceRegistry::builtin().all()) {
        if (info.plural == plural)
            return info;
    }
    qFatal("no resource %s", plural);
}

TableOptions options(TableOptions::IncludeObject include = TableOptions::IncludeObject::Metadata)
{
    TableOptions o;
    o.now = kNow;
    o.includeObject = include;
    return o;
}

Json parsed(const QByteArray &text)
{
    return Json::parse(text.toStdString());
}

QString text(const Json &json)
{
    return QString::fromStdString(json.dump());
}

Json rowCells(const char *plural, const QByteArray &object)
{
    return tableFor(resource(plural), {parsed(object)}, options())["rows"][0]["cells"];
}

// "Name:string:name:0": a column definition as the table lists it, description aside.
QStringList columnSummaries(const Json &table)
{
    QStringList out;
    for (const Json &c : table["columnDefinitions"])
        out << QString::fromStdString(
            c["name"].get<std::string>() + ":" + c["type"].get<std::string>() + ":" +
            c["format"].get<std::string>() + ":" + std::to_string(c["priority"].get<int>()));
    return out;
}

// A pod with one container named web and the given status; `extra` adds to metadata/spec.
QByteArray pod(const char *status, const char *metadataExtra = "", const char *specExtra = "")
{
    return QByteArray(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-7d4b9c8f6-x2x9k",
        "namespace":"default","uid":"5f0c3a52-2a8e-4d3e-9d2b-5b1c4f6c8a11",
        "resourceVersion":"48213","creationTimestamp":"2024-05-01T11:55:00Z",
        "labels":{"app":"web","pod-template-hash":"7d4b9c8f6"})") +
           metadataExtra + R"(},"spec":{"containers":[{"name":"web","image":"nginx:1.27",
        "imagePullPolicy":"IfNotPresent"}],"nodeName":"node-1","restartPolicy":"Always")" +
           specExtra + R"(},"status":)" + status + "}";
}

const char *const kRunning =
    R"({"phase":"Running","podIP":"10.42.0.5","podIPs":[{"ip":"10.42.0.5"}],
    "conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"},
                  {"type":"PodScheduled","status":"True"}],
    "containerStatuses":[{"name":"web","ready":true,"restartCount":0,"started":true,
        "image":"nginx:1.27","state":{"running":{"startedAt":"2024-05-01T11:55:04Z"}}}]})";

} // namespace

class TestKubeTables : public QObject
{
    Q_OBJECT

private slots:
    void humanDuration_data()
    {
        QTest::addColumn<qint64>("seconds");
        QTest::addColumn<QString>("expected");
        QTest::newRow("clock skew") << qint64(-1) << "0s";
        QTest::newRow("future") << qint64(-2) << "<invalid>";
        QTest::newRow("now") << qint64(0) << "0s";
        QTest::newRow("seconds up to two minutes") << qint64(119) << "119s";
        QTest::newRow("two minutes") << qint64(120) << "2m";
        QTest::newRow("minutes and seconds") << qint64(182) << "3m2s";
        QTest::newRow("last with seconds") << qint64(599) << "9m59s";
        QTest::newRow("ten minutes") << qint64(600) << "10m";
        QTest::newRow("minutes up to three hours") << qint64(3 * 3600 - 1) << "179m";
        QTest::newRow("three hours") << qint64(3 * 3600) << "3h";
        QTest::newRow("hours and minutes") << qint64(4 * 3600 + 5 * 60 + 30) << "4h5m";
        QTest::newRow("eight hours") << qint64(8 * 3600 + 59 * 60) << "8h";
        QTest::newRow("hours up to two days") << qint64(47 * 3600) << "47h";
        QTest::newRow("two days") << qint64(48 * 3600) << "2d";
        QTest::newRow("days and hours") << qint64(2 * 86400 + 3 * 3600) << "2d3h";
        QTest::newRow("eight days") << qint64(8 * 86400 + 5 * 3600) << "8d";
        QTest::newRow("days up to two years") << qint64(729 * 86400) << "729d";
        QTest::newRow("two years") << qint64(730 * 86400) << "2y";
        QTest::newRow("years and days") << qint64((3 * 365 + 45) * 86400) << "3y45d";
        QTest::newRow("eight years") << qint64(8 * 365 * 86400 + 86400) << "8y";
    }

    void humanDuration()
    {
        QFETCH(qint64, seconds);
        QFETCH(QString, expected);
        QCOMPARE(
            QString::fromStdString(flowlab::kube::humanDuration(std::chrono::seconds(seconds))),
            expected);
    }

    void tableEnvelope()
    {
        const Json object = parsed(pod(kRunning));
        const Json table =
            tableFor(resource("pods"), {object}, options(), "48213", "eyJ2IjoibWV0YS");
        QCOMPARE(table["kind"], Json("Table"));
        QCOMPARE(table["apiVersion"], Json("meta.k8s.io/v1"));
        QCOMPARE(text(table["metadata"]),
                 text({{"resourceVersion", "48213"}, {"continue", "eyJ2IjoibWV0YS"}}));
        QCOMPARE(table["rows"].size(), std::size_t(1));
        // kubectl's default ?includeObject=Metadata: the object's metadata, nothing else.
        QCOMPARE(text(table["rows"][0]["object"]), text({{"kind", "PartialObjectMetadata"},
                                                         {"apiVersion", "meta.k8s.io/v1"},
                                                         {"metadata", object["metadata"]}}));
        QVERIFY(!table["rows"][0].contains("conditions"));

        const Json name = table["columnDefinitions"][0];
        QCOMPARE(name["description"].get<std::string>().rfind(
                     "Name must be unique within a namespace.", 0),
                 std::size_t(0));
    }

    void tableIncludeObjectAndHeaders()
    {
        const Json object = parsed(pod(kRunning));
        const Json full =
            tableFor(resource("pods"), {object}, options(TableOptions::IncludeObject::Object));
        QCOMPARE(full["rows"][0]["object"], object);
        QCOMPARE(full["metadata"], Json::object()); // no list revision given, nothing to say

        TableOptions none = options(TableOptions::IncludeObject::None);
        none.noHeaders = true;
        const Json bare = tableFor(resource("pods"), {object, object}, none, "7");
        QVERIFY(!bare["rows"][0].contains("object"));
        QCOMPARE(bare["rows"].size(), std::size_t(2));
        QCOMPARE(bare["columnDefinitions"], Json::array());

        const Json empty = tableFor(resource("pods"), {}, options(), "7");
        QCOMPARE(empty["rows"], Json::array());
        QCOMPARE(empty["columnDefinitions"].size(), std::size_t(9));
    }

    void columns_data()
    {
        QTest::addColumn<QString>("plural");
        QTest::addColumn<QStringList>("expected");
        const QString name = "Name:string:name:0";
        const QString age = "Age:string::0";
        QTest::newRow("pods") << "pods" << QStringList{name,
                                                       "Ready:string::0",
                                                       "Status:string::0",
                                                       "Restarts:string::0",
                                                       age,
                                                       "IP:string::1",
                                                       "Node:string::1",
                                                       "Nominated Node:string::1",
                                                       "Readiness Gates:string::1"};
        QTest::newRow("deployments")
            << "deployments"
            << QStringList{
                   name, "Ready:string::0",      "Up-to-date:string::0", "Available:string::0",
                   age,  "Containers:string::1", "Images:string::1",     "Selector:string::1"};
        QTest::newRow("replicasets")
            << "replicasets"
            << QStringList{
                   name, "Desired:integer::0",   "Current:integer::0", "Ready:integer::0",
                   age,  "Containers:string::1", "Images:string::1",   "Selector:string::1"};
        QTest::newRow("statefulsets") << "statefulsets"
                                      << QStringList{name, "Ready:string::0", age,
                                                     "Containers:string::1", "Images:string::1"};
        QTest::newRow("daemonsets") << "daemonsets"
                                    << QStringList{name,
                                                   "Desired:integer::0",
                                                   "Current:integer::0",
                                                   "Ready:integer::0",
                                                   "Up-to-date:integer::0",
                                                   "Available:integer::0",
                                                   "Node Selector:string::0",
                                                   age,
                                                   "Containers:string::1",
                                                   "Images:string::1",
                                                   "Selector:string::1"};
        QTest::newRow("jobs") << "jobs" << QStringList{name,
                                                       "Status:string::0",
                                                       "Completions:string::0",
                                                       "Duration:string::0",
                                                       age,
                                                       "Containers:string::1",
                                                       "Images:string::1",
                                                       "Selector:string::1"};
        QTest::newRow("services") << "services" << QStringList{name,
                                                               "Type:string::0",
                                                               "Cluster-IP:string::0",
                                                               "External-IP:string::0",
                                                               "Port(s):string::0",
                                                               age,
                                                               "Selector:string::1"};
        QTest::newRow("nodes") << "nodes"
                               << QStringList{name,
                                              "Status:string::0",
                                              "Roles:string::0",
                                              age,
                                              "Version:string::0",
                                              "Internal-IP:string::1",
                                              "External-IP:string::1",
                                              "OS-Image:string::1",
                                              "Kernel-Version:string::1",
                                              "Container-Runtime:string::1"};
        QTest::newRow("events") << "events"
                                << QStringList{"Last Seen:string::0", "Type:string::0",
                                               "Reason:string::0",    "Object:string::0",
                                               "Subobject:string::1", "Source:string::1",
                                               "Message:string::0",   "First Seen:string::1",
                                               "Count:string::1",     "Name:string:name:1"};
        QTest::newRow("ingresses") << "ingresses" << QStringList{name,
                                                                 "Class:string::0",
                                                                 "Hosts:string::0",
                                                                 "Address:string::0",
                                                                 "Ports:string::0",
                                                                 age};
        QTest::newRow("clusterrolebindings")
            << "clusterrolebindings" << QStringList{name,
                                                    "Role:string::0",
                                                    age,
                                                    "Users:string::1",
                                                    "Groups:string::1",
                                                    "ServiceAccounts:string::1"};
        QTest::newRow("roles, the default table")
            << "roles" << QStringList{name, "Created At:date::0"};
        QTest::newRow("persistentvolumes") << "persistentvolumes"
                                           << QStringList{name,
                                                          "Capacity:string::0",
                                                          "Access Modes:string::0",
                                                          "Reclaim Policy:string::0",
                                                          "Status:string::0",
                                                          "Claim:string::0",
                                                          "StorageClass:string::0",
                                                          "VolumeAttributesClass:string::0",
                                                          "Reason:string::0",
                                                          age,
                                                          "VolumeMode:string::1"};
    }

    void columns()
    {
        QFETCH(QString, plural);
        QFETCH(QStringList, expected);
        const Json table = tableFor(resource(plural.toUtf8().constData()), {}, options());
        QCOMPARE(columnSummaries(table), expected);
    }

    void podCells_data()
    {
        QTest::addColumn<QByteArray>("object");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("running") << pod(kRunning)
                                 << QByteArray(R"(["web-7d4b9c8f6-x2x9k","1/1","Running","0","5m",
                                    "10.42.0.5","node-1","<none>","<none>"])");
        QTest::newRow("unschedulable")
            << pod(R"({"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False",
                  "reason":"Unschedulable","message":"0/2 nodes are available"}]})")
            << QByteArray(R"(["web-7d4b9c8f6-x2x9k","0/1","Pending","0","5m","<none>","node-1",
                  "<none>","<none>"])");
        QTest::newRow("creating")
            << pod(R"({"phase":"Pending","containerStatuses":[{"name":"web","ready":false,
                  "restartCount":0,"state":{"waiting":{"reason":"ContainerCreating"}}}]})")
            << QByteArray(R"(["web-7d4b9c8f6-x2x9k","0/1","ContainerCreating","0","5m","<none>",
                  "node-1","<none>","<none>"])");
        QTest::newRow("image pull back-off")
            << pod(R"({"phase":"Pending","containerStatuses":[{"name":"web","ready":false,
                  "restartCount":0,"state":{"waiting":{"reason":"ImagePullBackOff",
                  "message":"Back-off pulling image nginx:1.277"}}}]})")
            << QByteArray(R"(["web-7d4b9c8f6-x2x9k","0/1","ImagePullBackOff","0","5m","<none>",
                  "node-1","<none>","<none>"])");
        QTest::newRow("crash loop, last restart 25s ago")
            << pod(R"({"phase":"Running","podIPs":[{"ip":"10.42.0.5"}],"containerStatuses":[{
                  "name":"web","ready":false,"restartCount":3,
                  "lastState":{"terminated":{"exitCode":1,"reason":"Error",
                  "startedAt":"2024-05-01T11:59:30Z","finishedAt":"2024-05-01T11:59:35Z"}},
                  "state":{"waiting":{"reason":"CrashLoopBackOff"}}}]})")
            << QByteArray(R"(["web-7d4b9c8f6-x2x9k","0/1","CrashLoopBackOff","3 (25s ago))"
                          R"(",
                  "5m","10.42.0.5","node-1","<none>","<none>"])");
        QTest::newRow("exited without a reason")
            << pod(R"({"phase":"Running","containerStatuses":[{"name":"web","ready":false,
                  "restartCount":0,"state":{"terminated":{"exitCode":137}}}]})")
            << QByteArray(R"(["web-7d4b9c8f6-x2x9k","0/1","ExitCode:137","0","5m","<none>",
                  "node-1","<none>","<none>"])");
        QTest::newRow("terminating")
            << pod(kRunning, R"(,"deletionTimestamp":"2024-05-01T11:59:50Z",
                  "deletionGracePeriodSeconds":30)")
            << QByteArray(R"(["web-7d4b9c8f6-x2x9k","1/1","Terminating","0","5m","10.42.0.5",
                  "node-1","<none>","<none>"])");
        QTest::newRow("node lost")
            << pod(R"({"phase":"Running","reason":"NodeLost"})",
                   R"(,"deletionTimestamp":"2024-05-01T11:59:50Z")")
            << QByteArray(R"(["web-7d4b9c8f6-x2x9k","0/1","Unknown","0","5m","<none>","node-1",
                  "<none>","<none>"])");
        QTest::newRow("first init container running")
            << pod(R"({"phase":"Pending","conditions":[{"type":"Initialized","status":"False"}],
                  "initContainerStatuses":[{"name":"migrate","ready":false,"restartCount":0,
                  "state":{"running":{"startedAt":"2024-05-01T11:55:03Z"}}}],
                  "containerStatuses":[{"name":"web","ready":false,"restartCount":0,
                  "state":{"waiting":{"reason":"PodInitializing"}}}]})",
                   "", R"(,"initContainers":[{"name":"migrate","image":"busybox:1.36"}])")
            << QByteArray(R"(["web-7d4b9c8f6-x2x9k","0/1","Init:0/1","0","5m","<none>","node-1",
                  "<none>","<none>"])");
        QTest::newRow("init container crash loop")
            << pod(R"({"phase":"Pending","initContainerStatuses":[{"name":"migrate","ready":false,
                  "restartCount":2,"lastState":{"terminated":{"exitCode":1,"reason":"Error",
                  "finishedAt":"2024-05-01T11:58:00Z"}},
                  "state":{"waiting":{"reason":"CrashLoopBackOff"}}}]})",
                   "", R"(,"initContainers":[{"name":"migrate","image":"busybox:1.36"}])")
            << QByteArray(R"(["web-7d4b9c8f6-x2x9k","0/1","Init:CrashLoopBackOff","2 (2m ago))"
                          R"(",
                  "5m","<none>","node-1","<none>","<none>"])");
        QTest::newRow("sidecar counts as a container")
            << pod(R"({"phase":"Running","podIPs":[{"ip":"10.42.0.5"}],
                  "conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}],
                  "initContainerStatuses":[{"name":"proxy","ready":true,"started":true,
                  "restartCount":1,"state":{"running":{}}}],
                  "containerStatuses":[{"name":"web","ready":true,"restartCount":0,
                  "state":{"running":{}}}]})",
                   "",
                   R"(,"initContainers":[{"name":"proxy","image":"envoy:1.30","restartPolicy":"Always"}])")
            << QByteArray(R"(["web-7d4b9c8f6-x2x9k","2/2","Running","1","5m","10.42.0.5","node-1",
                  "<none>","<none>"])");
        QTest::newRow("readiness gates and nominated node")
            << pod(R"({"phase":"Running","nominatedNodeName":"node-2","podIPs":[{"ip":"10.42.0.5"}],
                  "conditions":[{"type":"example.com/lb-ready","status":"False"},
                  {"type":"Ready","status":"False"}],
                  "containerStatuses":[{"name":"web","ready":true,"restartCount":0,
                  "state":{"running":{}}}]})",
                   "", R"(,"readinessGates":[{"conditionType":"example.com/lb-ready"},
                  {"conditionType":"example.com/dns-ready"}])")
            << QByteArray(R"(["web-7d4b9c8f6-x2x9k","1/1","Running","0","5m","10.42.0.5","node-1",
                  "node-2","0/2"])");
    }

    void podCells()
    {
        QFETCH(QByteArray, object);
        QFETCH(QByteArray, expected);
        QCOMPARE(text(rowCells("pods", object)), text(parsed(expected)));
    }

    void completedPodsCarryRowConditions()
    {
        const QByteArray completed = pod(R"({"phase":"Succeeded","containerStatuses":[{"name":"web",
            "ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0,
            "reason":"Completed"}}}]})");
        const Json table = tableFor(resource("pods"), {parsed(completed)}, options());
        QCOMPARE(table["rows"][0]["cells"][2], Json("Completed"));
        QCOMPARE(text(table["rows"][0]["conditions"]),
                 text(parsed(R"([{"type":"Completed","status":"True","reason":"Succeeded",
                     "message":"The pod has completed successfully."}])")));
    }

    void cells_data()
    {
        QTest::addColumn<QString>("plural");
        QTest::addColumn<QByteArray>("object");
        QTest::addColumn<QByteArray>("expected");

        const QByteArray meta =
            R"("namespace":"default","uid":"0b6f1f5e-6c53-4a7e-9e5e-3f0d2c1b7a90",
            "resourceVersion":"48100","creationTimestamp":"2024-05-01T11:55:00Z")";
        const QByteArray templ = R"("template":{"metadata":{"labels":{"app":"web"}},"spec":{
            "containers":[{"name":"web","image":"nginx:1.27"},{"name":"log","image":"busybox:1.36"}]}})";

        QTest::newRow("deployment")
            << "deployments"
            << R"({"kind":"Deployment","metadata":{"name":"web",)" + meta +
                   R"(},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},)" + templ +
                   R"(},"status":{"replicas":3,"updatedReplicas":3,"readyReplicas":2,
                   "availableReplicas":2}})"
            << QByteArray(
                   R"(["web","2/3",3,2,"5m","web,log","nginx:1.27,busybox:1.36","app=web"])");
        QTest::newRow("replicaset")
            << "replicasets"
            << R"({"kind":"ReplicaSet","metadata":{"name":"web-7d4b9c8f6",)" + meta +
                   R"(},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web",
                   "pod-template-hash":"7d4b9c8f6"}},)" +
                   templ + R"(},"status":{"replicas":3,"readyReplicas":3,"availableReplicas":3}})"
            << QByteArray(R"(["web-7d4b9c8f6",3,3,3,"5m","web,log","nginx:1.27,busybox:1.36",
                   "app=web,pod-template-hash=7d4b9c8f6"])");
        QTest::newRow("statefulset")
            << "statefulsets"
            << R"({"kind":"StatefulSet","metadata":{"name":"db",)" + meta +
                   R"(},"spec":{"replicas":3,"serviceName":"db","selector":{"matchLabels":
                   {"app":"db"}},"template":{"spec":{"containers":[{"name":"postgres",
                   "image":"postgres:16"}]}}},"status":{"replicas":2,"readyReplicas":1}})"
            << QByteArray(R"(["db","1/3","5m","postgres","postgres:16"])");
        QTest::newRow("daemonset")
            << "daemonsets"
            << QByteArray(
                   R"({"kind":"DaemonSet","metadata":{"name":"kube-proxy","namespace":"kube-system",
                   "creationTimestamp":"2024-04-28T09:00:00Z"},"spec":{"selector":{"matchLabels":
                   {"k8s-app":"kube-proxy"}},"template":{"spec":{"nodeSelector":
                   {"kubernetes.io/os":"linux"},"containers":[{"name":"kube-proxy",
                   "image":"registry.k8s.io/kube-proxy:v1.32.0"}]}}},"status":{
                   "desiredNumberScheduled":2,"currentNumberScheduled":2,"numberReady":2,
                   "updatedNumberScheduled":2,"numberAvailable":1}})")
            << QByteArray(R"(["kube-proxy",2,2,2,2,1,"kubernetes.io/os=linux","3d3h","kube-proxy",
                   "registry.k8s.io/kube-proxy:v1.32.0","k8s-app=kube-proxy"])");
        QTest::newRow("job, complete")
            << "jobs" << QByteArray(R"({"kind":"Job","metadata":{"name":"pi","namespace":"default",
                   "creationTimestamp":"2024-05-01T11:50:00Z"},"spec":{"completions":1,
                   "parallelism":1,"selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":
                   "8d5e2a3c-1f4b-4c6d-9e7f-0a1b2c3d4e5f"}},"template":{"spec":{"containers":[
                   {"name":"pi","image":"perl:5.34.0"}],"restartPolicy":"Never"}}},"status":{
                   "startTime":"2024-05-01T11:50:00Z","completionTime":"2024-05-01T11:50:07Z",
                   "succeeded":1,"conditions":[{"type":"SuccessCriteriaMet","status":"True"},
                   {"type":"Complete","status":"True"}]}})")
            << QByteArray(R"(["pi","Complete","1/1","7s","10m","pi","perl:5.34.0",
                   "batch.kubernetes.io/controller-uid=8d5e2a3c-1f4b-4c6d-9e7f-0a1b2c3d4e5f"])");
        QTest::newRow("job, running in parallel")
            << "jobs"
            << QByteArray(
                   R"({"kind":"Job","metadata":{"name":"work","creationTimestamp":"2024-05-01T11:57:00Z"},
                   "spec":{"parallelism":3,"template":{"spec":{"containers":[{"name":"w",
                   "image":"busybox:1.36"}]}}},"status":{"startTime":"2024-05-01T11:57:00Z",
                   "active":3}})")
            << QByteArray(R"(["work","Running","0/1 of 3","3m","3m","w","busybox:1.36","<none>"])");
        QTest::newRow("service, cluster IP")
            << "services"
            << R"({"kind":"Service","metadata":{"name":"web",)" + meta +
                   R"(},"spec":{"type":"ClusterIP","clusterIP":"10.96.12.34","clusterIPs":
                   ["10.96.12.34"],"ports":[{"port":80,"targetPort":8080,"protocol":"TCP"}],
                   "selector":{"app":"web"}},"status":{"loadBalancer":{}}})"
            << QByteArray(R"(["web","ClusterIP","10.96.12.34","<none>","80/TCP","5m","app=web"])");
        QTest::newRow("service, node ports")
            << "services"
            << R"({"kind":"Service","metadata":{"name":"web",)" + meta +
                   R"(},"spec":{"type":"NodePort","clusterIPs":["10.96.0.20"],"ports":[{"name":"http",
                   "port":80,"nodePort":30080,"protocol":"TCP"},{"name":"dns","port":53,
                   "nodePort":30053,"protocol":"UDP"}],"selector":{"app":"web","tier":"front"}}})"
            << QByteArray(R"(["web","NodePort","10.96.0.20","<none>","80:30080/TCP,53:30053/UDP",
                   "5m","app=web,tier=front"])");
        QTest::newRow("service, load balancer pending")
            << "services"
            << R"({"kind":"Service","metadata":{"name":"web",)" + meta +
                   R"(},"spec":{"type":"LoadBalancer","clusterIPs":["10.96.0.21"],"ports":[{"port":443,
                   "nodePort":31443,"protocol":"TCP"}]},"status":{"loadBalancer":{}}})"
            << QByteArray(R"(["web","LoadBalancer","10.96.0.21","<pending>","443:31443/TCP","5m",
                   "<none>"])");
        QTest::newRow("service, load balancer with addresses")
            << "services"
            << R"({"kind":"Service","metadata":{"name":"web",)" + meta +
                   R"(},"spec":{"type":"LoadBalancer","clusterIPs":["10.96.0.21"],"externalIPs":
                   ["192.168.56.200"],"ports":[{"port":443,"nodePort":31443,"protocol":"TCP"}]},
                   "status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.10","ipMode":"VIP"},
                   {"hostname":"lb.example.com"}]}}})"
            << QByteArray(R"(["web","LoadBalancer","10.96.0.21",
                   "203.0.113.10,lb.example.com,192.168.56.200","443:31443/TCP","5m","<none>"])");
        QTest::newRow("service, headless")
            << "services"
            << R"({"kind":"Service","metadata":{"name":"db",)" + meta +
                   R"(},"spec":{"type":"ClusterIP","clusterIP":"None","clusterIPs":["None"],
                   "ports":[{"port":5432,"protocol":"TCP"}],"selector":{"app":"db"}}})"
            << QByteArray(R"(["db","ClusterIP","None","<none>","5432/TCP","5m","app=db"])");
        QTest::newRow("service, external name")
            << "services"
            << R"({"kind":"Service","metadata":{"name":"api",)" + meta +
                   R"(},"spec":{"type":"ExternalName","externalName":"api.example.com"}})"
            << QByteArray(R"(["api","ExternalName","<none>","api.example.com","<none>","5m",
                   "<none>"])");
        QTest::newRow("endpoints, four addresses")
            << "endpoints"
            << R"({"kind":"Endpoints","metadata":{"name":"web",)" + meta +
                   R"(},"subsets":[{"addresses":[{"ip":"10.42.0.5"},{"ip":"10.42.1.4"}],
                   "ports":[{"port":80,"protocol":"TCP"}]},{"addresses":[{"ip":"10.42.2.7"},
                   {"ip":"fd00::7"}],"ports":[{"port":80,"protocol":"TCP"}]}]})"
            << QByteArray(R"(["web","10.42.0.5:80,10.42.1.4:80,10.42.2.7:80 + 1 more...","5m"])");
        QTest::newRow("endpoints, ipv6 and none ready")
            << "endpoints"
            << R"({"kind":"Endpoints","metadata":{"name":"v6",)" + meta +
                   R"(},"subsets":[{"addresses":[{"ip":"fd00::7"}],"ports":[{"port":8080}]}]})"
            << QByteArray(R"(["v6","[fd00::7]:8080","5m"])");
        QTest::newRow("endpoints, empty")
            << "endpoints"
            << R"({"kind":"Endpoints","metadata":{"name":"web",)" + meta + "}}"
            << QByteArray(R"(["web","<none>","5m"])");
        QTest::newRow("endpointslice")
            << "endpointslices"
            << R"({"kind":"EndpointSlice","metadata":{"name":"web-x7k2p",)" + meta +
                   R"(},"addressType":"IPv4","ports":[{"name":"http","port":80,"protocol":"TCP"}],
                   "endpoints":[{"addresses":["10.42.0.5"],"conditions":{"ready":true}},
                   {"addresses":["10.42.1.4"]}]})"
            << QByteArray(R"(["web-x7k2p","IPv4","80","10.42.0.5,10.42.1.4","5m"])");
        QTest::newRow("node, control plane")
            << "nodes"
            << QByteArray(R"({"kind":"Node","metadata":{"name":"cp-1","creationTimestamp":
                   "2024-04-30T12:00:00Z","labels":{"kubernetes.io/hostname":"cp-1",
                   "node-role.kubernetes.io/control-plane":""}},"spec":{"podCIDR":"10.42.0.0/24"},
                   "status":{"conditions":[{"type":"MemoryPressure","status":"False"},
                   {"type":"Ready","status":"True","reason":"KubeletReady"}],"addresses":[
                   {"type":"InternalIP","address":"192.168.56.10"},{"type":"Hostname",
                   "address":"cp-1"}],"nodeInfo":{"kubeletVersion":"v1.32.0","osImage":
                   "Debian GNU/Linux 12 (bookworm))"
                          R"(","kernelVersion":"6.1.0-21-amd64",
                   "containerRuntimeVersion":"containerd:/)"
                          R"(/1.7.13"}}})")
            << QByteArray(R"(["cp-1","Ready","control-plane","24h","v1.32.0","192.168.56.10",
                   "<none>","Debian GNU/Linux 12 (bookworm))"
                          R"(","6.1.0-21-amd64",
                   "containerd:/)"
                          R"(/1.7.13"])");
        QTest::newRow("node, cordoned worker")
            << "nodes"
            << QByteArray(R"({"kind":"Node","metadata":{"name":"node-1","creationTimestamp":
                   "2024-04-30T12:00:00Z","labels":{"kubernetes.io/role":"worker",
                   "node-role.kubernetes.io/gpu":""}},"spec":{"unschedulable":true},"status":{
                   "conditions":[{"type":"Ready","status":"True"}],"addresses":[{"type":"ExternalIP",
                   "address":"203.0.113.7"}],"nodeInfo":{"kubeletVersion":"v1.32.0"}}})")
            << QByteArray(R"(["node-1","Ready,SchedulingDisabled","gpu,worker","24h","v1.32.0",
                   "<none>","203.0.113.7","<unknown>","<unknown>","<unknown>"])");
        QTest::newRow("node, not ready")
            << "nodes"
            << QByteArray(R"({"kind":"Node","metadata":{"name":"node-2","creationTimestamp":
                   "2024-04-30T12:00:00Z"},"status":{"conditions":[{"type":"Ready",
                   "status":"Unknown","reason":"NodeStatusUnknown"}]}})")
            << QByteArray(R"(["node-2","NotReady","<none>","24h","","<none>","<none>","<unknown>",
                   "<unknown>","<unknown>"])");
        QTest::newRow("namespace")
            << "namespaces"
            << QByteArray(R"({"kind":"Namespace","metadata":{"name":"shop","creationTimestamp":
                   "2024-05-01T11:00:00Z"},"spec":{"finalizers":["kubernetes"]},
                   "status":{"phase":"Active"}})")
            << QByteArray(R"(["shop","Active","60m"])");
        QTest::newRow("configmap")
            << "configmaps"
            << R"({"kind":"ConfigMap","metadata":{"name":"web-config",)" + meta +
                   R"(},"data":{"nginx.conf":"server {}","index.html":"<h1>hi</h1>"},
                   "binaryData":{"logo.png":"iVBORw0KGgo="}})"
            << QByteArray(R"(["web-config",3,"5m"])");
        QTest::newRow("secret")
            << "secrets"
            << R"({"kind":"Secret","metadata":{"name":"web-tls",)" + meta +
                   R"(},"type":"kubernetes.io/tls","data":{"tls.crt":"LS0t","tls.key":"LS0t"}})"
            << QByteArray(R"(["web-tls","kubernetes.io/tls",2,"5m"])");
        QTest::newRow("serviceaccount")
            << "serviceaccounts"
            << R"({"kind":"ServiceAccount","metadata":{"name":"default",)" + meta + "}}"
            << QByteArray(R"(["default",0,"5m"])");
        QTest::newRow("event from the kubelet")
            << "events"
            << R"({"kind":"Event","metadata":{"name":"web-7d4b9c8f6-x2x9k.17cb3a1f2e4d5c6b",)" +
                   meta +
                   R"(},"involvedObject":{"kind":"Pod","namespace":"default","name":"web-7d4b9c8f6-x2x9k",
                   "fieldPath":"spec.containers{web}"},"reason":"BackOff","message":
                   "Back-off restarting failed container web in pod web-7d4b9c8f6-x2x9k  ",
                   "source":{"component":"kubelet","host":"node-1"},"firstTimestamp":
                   "2024-05-01T11:56:00Z","lastTimestamp":"2024-05-01T11:59:30Z","count":4,
                   "type":"Warning"})"
            << QByteArray(R"(["30s","Warning","BackOff","pod/web-7d4b9c8f6-x2x9k",
                   "spec.containers{web}","kubelet, node-1",
                   "Back-off restarting failed container web in pod web-7d4b9c8f6-x2x9k","4m",4,
                   "web-7d4b9c8f6-x2x9k.17cb3a1f2e4d5c6b"])");
        QTest::newRow("event from the scheduler")
            << "events"
            << R"({"kind":"Event","metadata":{"name":"web-7d4b9c8f6-x2x9k.17cb3a1e00000000",)" +
                   meta +
                   R"(},"involvedObject":{"kind":"Pod","name":"web-7d4b9c8f6-x2x9k"},"reason":
                   "Scheduled","message":"Successfully assigned default/web-7d4b9c8f6-x2x9k to node-1",
                   "source":{},"firstTimestamp":null,"lastTimestamp":null,"eventTime":
                   "2024-05-01T11:55:00.123456Z","reportingComponent":"default-scheduler",
                   "reportingController":"default-scheduler","reportingInstance":
                   "default-scheduler-cp-1","type":"Normal"})"
            << QByteArray(R"(["5m","Normal","Scheduled","pod/web-7d4b9c8f6-x2x9k","",
                   "default-scheduler, default-scheduler-cp-1",
                   "Successfully assigned default/web-7d4b9c8f6-x2x9k to node-1","5m",1,
                   "web-7d4b9c8f6-x2x9k.17cb3a1e00000000"])");
        QTest::newRow("ingress with TLS")
            << "ingresses"
            << R"({"kind":"Ingress","metadata":{"name":"web",)" + meta +
                   R"(},"spec":{"ingressClassName":"nginx","tls":[{"hosts":["web.example.com"],
                   "secretName":"web-tls"}],"rules":[{"host":"web.example.com","http":{"paths":[{
                   "path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{
                   "number":80}}}}]}},{"host":"api.example.com"},{"http":{}},{"host":"a.example.com"},
                   {"host":"b.example.com"}]},"status":{"loadBalancer":{"ingress":[
                   {"ip":"192.168.56.10"}]}}})"
            << QByteArray(
                   R"(["web","nginx","web.example.com,api.example.com,a.example.com + 2 more...",
                   "192.168.56.10","80, 443","5m"])");
        QTest::newRow("ingress without class or host")
            << "ingresses"
            << R"({"kind":"Ingress","metadata":{"name":"catch-all",)" + meta +
                   R"(},"spec":{"defaultBackend":{"service":{"name":"web","port":{"number":80}}}}})"
            << QByteArray(R"(["catch-all","<none>","*","","80","5m"])");
        QTest::newRow("networkpolicy")
            << "networkpolicies"
            << R"({"kind":"NetworkPolicy","metadata":{"name":"db-ingress",)" + meta +
                   R"(},"spec":{"podSelector":{"matchLabels":{"app":"db"},"matchExpressions":[
                   {"key":"tier","operator":"In","values":["backend","api"]},{"key":"legacy",
                   "operator":"DoesNotExist"}]},"policyTypes":["Ingress"]}})"
            << QByteArray(R"(["db-ingress","app=db,!legacy,tier in (api,backend))"
                          R"(","5m"])");
        QTest::newRow("networkpolicy, every pod")
            << "networkpolicies"
            << R"({"kind":"NetworkPolicy","metadata":{"name":"deny-all",)" + meta +
                   R"(},"spec":{"podSelector":{},"policyTypes":["Ingress"]}})"
            << QByteArray(R"(["deny-all","<none>","5m"])");
        QTest::newRow("rolebinding")
            << "rolebindings"
            << R"({"kind":"RoleBinding","metadata":{"name":"read-pods",)" + meta +
                   R"(},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role",
                   "name":"pod-reader"},"subjects":[{"kind":"User","name":"jane",
                   "apiGroup":"rbac.authorization.k8s.io"},{"kind":"Group","name":"devs",
                   "apiGroup":"rbac.authorization.k8s.io"},{"kind":"ServiceAccount","name":"ci",
                   "namespace":"default"},{"kind":"User","name":"joe"}]})"
            << QByteArray(
                   R"(["read-pods","Role/pod-reader","5m","jane, joe","devs","default/ci"])");
        QTest::newRow("role, default table")
            << "roles"
            << QByteArray(R"({"kind":"Role","metadata":{"name":"pod-reader","namespace":"default",
                   "creationTimestamp":"2024-05-01T13:55:00+02:00"},"rules":[]})")
            << QByteArray(R"(["pod-reader","2024-05-01T11:55:00Z"])");
        QTest::newRow("lease")
            << "leases"
            << QByteArray(
                   R"({"kind":"Lease","metadata":{"name":"node-1","namespace":"kube-node-lease",
                   "creationTimestamp":"2024-04-30T12:00:00Z"},"spec":{"holderIdentity":"node-1",
                   "leaseDurationSeconds":40,"renewTime":"2024-05-01T11:59:58.000000Z"}})")
            << QByteArray(R"(["node-1","node-1","24h"])");
        QTest::newRow("controllerrevision")
            << "controllerrevisions"
            << QByteArray(R"({"kind":"ControllerRevision","metadata":{"name":"kube-proxy-6d8f7b9c5",
                   "namespace":"kube-system","creationTimestamp":"2024-04-30T12:00:00Z",
                   "ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"kube-proxy",
                   "uid":"4a0e","controller":true,"blockOwnerDeletion":true}]},"revision":1})")
            << QByteArray(R"(["kube-proxy-6d8f7b9c5","daemonset.apps/kube-proxy",1,"24h"])");
        QTest::newRow("persistentvolume")
            << "persistentvolumes"
            << QByteArray(R"({"kind":"PersistentVolume","metadata":{"name":"pv-data",
                   "creationTimestamp":"2024-05-01T11:55:00Z"},"spec":{"capacity":{"storage":"10Gi"},
                   "accessModes":["ReadWriteMany","ReadWriteOnce"],"persistentVolumeReclaimPolicy":
                   "Retain","storageClassName":"standard","volumeMode":"Filesystem","claimRef":{
                   "namespace":"default","name":"data-db-0"},"hostPath":{"path":"/srv/pv"}},
                   "status":{"phase":"Bound"}})")
            << QByteArray(R"(["pv-data","10Gi","RWO,RWX","Retain","Bound","default/data-db-0",
                   "standard","<unset>","","5m","Filesystem"])");
        QTest::newRow("persistentvolumeclaim, bound")
            << "persistentvolumeclaims"
            << R"({"kind":"PersistentVolumeClaim","metadata":{"name":"data-db-0",)" + meta +
                   R"(},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{
                   "storage":"8Gi"}},"storageClassName":"standard","volumeMode":"Filesystem",
                   "volumeName":"pv-data"},"status":{"phase":"Bound","accessModes":["ReadWriteOnce"],
                   "capacity":{"storage":"10Gi"}}})"
            << QByteArray(R"(["data-db-0","Bound","pv-data","10Gi","RWO","standard","<unset>","5m",
                   "Filesystem"])");
        QTest::newRow("persistentvolumeclaim, pending")
            << "persistentvolumeclaims"
            << R"({"kind":"PersistentVolumeClaim","metadata":{"name":"scratch",)" + meta +
                   R"(},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{
                   "storage":"1Gi"}}},"status":{"phase":"Pending"}})"
            << QByteArray(R"(["scratch","Pending","","","","","<unset>","5m","<unset>"])");
    }

    void cells()
    {
        QFETCH(QString, plural);
        QFETCH(QByteArray, object);
        QFETCH(QByteArray, expected);
        QCOMPARE(text(rowCells(plural.toUtf8().constData(), object)), text(parsed(expected)));
    }

    void bindingsOfBothScopes()
    {
        const QByteArray binding = R"({"kind":"ClusterRoleBinding","metadata":{"name":"admins",
            "creationTimestamp":"2024-05-01T11:55:00Z"},"roleRef":{"apiGroup":
            "rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
            "subjects":[{"kind":"Group","name":"system:masters","apiGroup":
            "rbac.authorization.k8s.io"}]})";
        QCOMPARE(
            text(rowCells("clusterrolebindings", binding)),
            text(parsed(R"(["admins","ClusterRole/cluster-admin","5m","","system:masters",""])")));
    }
};

QTEST_GUILESS_MAIN(TestKubeTables)
#include "tst_kube_tables.moc"
