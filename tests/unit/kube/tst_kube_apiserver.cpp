// flowlab-apiserver judged by the real kubectl: discovery, create/get/apply/patch/delete,
// server-side tables, errors as Kubernetes prints them, RBAC, the audit stages of a request,
// watches, and no acknowledged write lost to a kill -9, on SQLite and on etcd.

#include "KubeTestCluster.h"
#include "engine/kube/client/KubeClient.h"

#include <QEventLoop>
#include <QTimer>
#include <set>

using namespace flowlab;
using namespace flowlab::kube;
using namespace flowlab::kube::test;

namespace {

const char *kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        ports: [{containerPort: 80}]
)";

nlohmann::json parse(const QString &text)
{
    return nlohmann::json::parse(text.toStdString(), nullptr, false);
}

// Waits on the event loop for a client call; QTest's loop keeps running meanwhile.
ClientResult await(const std::function<void(KubeClient::Callback)> &call)
{
    ClientResult result;
    QEventLoop loop;
    bool done = false;
    call([&](const ClientResult &r) {
        result = r;
        done = true;
        loop.quit();
    });
    if (!done) {
        QTimer::singleShot(30000, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return result;
}

} // namespace

class TestKubeApiserver : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (kubectlProgram().isEmpty())
            QFAIL(
                "kubectl is not installed (.ci/install-deps installs Debian's kubernetes-client)");
        const std::string started = m_cluster.start({});
        QVERIFY2(started.empty(), started.c_str());
    }

    void cleanupTestCase() { m_cluster.stop(); }

    void discoveryAndVersion()
    {
        const auto version = m_cluster.kubectl({"version", "-o", "json"});
        QVERIFY2(version.ok(), version.both().c_str());
        QCOMPARE(parse(version.out)["serverVersion"]["gitVersion"].get<std::string>(),
                 std::string("v1.32.0+flowlab"));
        const auto resources = m_cluster.kubectl({"api-resources", "--no-headers"});
        QVERIFY2(resources.ok(), resources.both().c_str());
        static const QRegularExpression deployments(
            "^deployments\\s+deploy\\s+apps/v1\\s+true\\s+Deployment$",
            QRegularExpression::MultilineOption);
        QVERIFY2(deployments.match(resources.out).hasMatch(), qPrintable(resources.out));
        const auto namespaces = m_cluster.kubectl(
            {"get", "namespaces", "--no-headers", "-o", "custom-columns=NAME:.metadata.name"});
        QCOMPARE(namespaces.out.split('\n', Qt::SkipEmptyParts),
                 QStringList({"default", "kube-node-lease", "kube-public", "kube-system"}));
    }

    void applyGetPatchAndDelete()
    {
        auto applied = m_cluster.kubectl({"apply", "-f", "-"}, kDeployment);
        QVERIFY2(applied.ok(), applied.both().c_str());
        QCOMPARE(applied.out.trimmed(), QString("deployment.apps/web created"));

        // Defaults the server filled in, and the metadata it owns.
        const auto json = parse(m_cluster.kubectl({"get", "deploy", "web", "-o", "json"}).out);
        QCOMPARE(json["spec"]["strategy"]["type"].get<std::string>(), std::string("RollingUpdate"));
        QCOMPARE(
            json["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"].get<std::string>(),
            std::string("Always"));
        QCOMPARE(json["metadata"]["generation"].get<int>(), 1);
        QVERIFY(!json["metadata"]["uid"].get<std::string>().empty());

        // The server-side table, as kubectl prints it.
        const auto table = m_cluster.kubectl({"get", "deploy", "-o", "wide"});
        QVERIFY2(
            table.out.startsWith(
                "NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES   SELECTOR"),
            qPrintable(table.out));

        // Strategic merge patch (set image), merge patch (scale), label: generation moves
        // with the spec only.
        QVERIFY(m_cluster.kubectl({"set", "image", "deployment/web", "web=nginx:1.25"}).ok());
        QVERIFY(m_cluster.kubectl({"scale", "deployment", "web", "--replicas=4"}).ok());
        QVERIFY(m_cluster.kubectl({"label", "deployment", "web", "tier=front"}).ok());
        const auto after = parse(m_cluster.kubectl({"get", "deploy", "web", "-o", "json"}).out);
        QCOMPARE(after["spec"]["template"]["spec"]["containers"][0]["image"].get<std::string>(),
                 std::string("nginx:1.25"));
        QCOMPARE(after["spec"]["template"]["spec"]["containers"].size(), std::size_t(1));
        QCOMPARE(after["spec"]["replicas"].get<int>(), 4);
        QCOMPARE(after["metadata"]["labels"]["tier"].get<std::string>(), std::string("front"));
        QCOMPARE(after["metadata"]["generation"].get<int>(), 3);

        // apply again with a change: a 3-way strategic merge patch.
        QString changed = kDeployment;
        changed.replace("replicas: 2", "replicas: 1");
        const auto reapplied = m_cluster.kubectl({"apply", "-f", "-"}, changed);
        QVERIFY2(reapplied.ok(), reapplied.both().c_str());
        QCOMPARE(reapplied.out.trimmed(), QString("deployment.apps/web configured"));

        const auto removed = m_cluster.kubectl({"delete", "deployment", "web"});
        QVERIFY2(removed.ok(), removed.both().c_str());
        QCOMPARE(removed.out.trimmed(), QString("deployment.apps \"web\" deleted"));
        const auto gone = m_cluster.kubectl({"get", "deployment", "web"});
        QVERIFY(!gone.ok());
        QCOMPARE(gone.err.trimmed(),
                 QString("Error from server (NotFound): deployments.apps \"web\" not found"));
    }

    void applyTheKindsLessonsUse()
    {
        const QString manifests = R"(apiVersion: v1
kind: ConfigMap
metadata: {name: page}
data: {index.html: "<h1>app2</h1>"}
---
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Service
metadata: {name: app2-service}
spec:
  selector: {app: app2}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app2}
spec:
  rules:
  - host: app2.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: app2-service, port: {number: 80}}}}
---
apiVersion: v1
kind: Pod
metadata: {name: app2, labels: {app: app2}}
spec:
  containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]
)";
        const auto applied = m_cluster.kubectl({"apply", "-f", "-"}, manifests);
        QVERIFY2(applied.ok(), applied.both().c_str());
        QCOMPARE(applied.out.split('\n', Qt::SkipEmptyParts),
                 QStringList({"configmap/page created", "secret/db created",
                              "service/app2-service created",
                              "ingress.networking.k8s.io/app2 created", "pod/app2 created"}));
        // stringData became base64 data, as a real apiserver stores it.
        QCOMPARE(m_cluster.kubectl({"get", "secret", "db", "-o", "jsonpath={.data.password}"}).out,
                 QString("czNjcmV0"));
        const auto ingress = m_cluster.kubectl({"get", "ingress", "app2", "--no-headers"});
        QVERIFY2(ingress.out.contains(QRegularExpression("^app2\\s+<none>\\s+app2.com\\s+80")),
                 ingress.both().c_str());
        const auto clusterIp =
            m_cluster.kubectl({"get", "svc", "app2-service", "-o", "jsonpath={.spec.clusterIP}"});
        QVERIFY2(clusterIp.out.startsWith("10.43."), qPrintable(clusterIp.out));
        const auto wide = m_cluster.kubectl({"get", "pods", "-o", "wide"});
        QVERIFY2(wide.out.startsWith(
                     "NAME   READY   STATUS    RESTARTS   AGE   IP       NODE     NOMINATED NODE"),
                 qPrintable(wide.out));
        const auto describe = m_cluster.kubectl({"describe", "pod", "app2"});
        // (kubectl 1.20 aligns the columns differently and prints no service account.)
        QVERIFY2(describe.ok() && describe.out.contains(QRegularExpression("Status:\\s+Pending")),
                 describe.both().c_str());
        QCOMPARE(m_cluster.kubectl({"get", "pod", "app2", "-o",
                                    "jsonpath={.spec.serviceAccountName}"})
                     .out,
                 QString("default"));
        // Applying the same again changes nothing.
        const auto again = m_cluster.kubectl({"apply", "-f", "-"}, manifests);
        QVERIFY2(again.out.contains("pod/app2 unchanged"), again.both().c_str());
        QVERIFY(m_cluster.kubectl({"delete", "-f", "-"}, manifests).ok());
    }

    void errorsReadAsAgainstACluster_data()
    {
        QTest::addColumn<QString>("manifest");
        QTest::addColumn<QString>("expected");
        QTest::newRow("invalid name")
            << R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}})"
            << R"(The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain)";
        QTest::newRow("missing fields")
            << R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"template":{"spec":{"containers":[{"name":"a"}]}}}})"
            << "* spec.template.spec.containers[0].image: Required value";
        QTest::newRow("unknown kind") << "apiVersion: v1\nkind: Foo\nmetadata: {name: x}\n"
                                      << R"(no matches for kind "Foo" in version "v1")";
        QTest::newRow("malformed yaml") << "apiVersion: v1\nkind: [ConfigMap\n"
                                        << "error converting YAML to JSON";
    }
    void errorsReadAsAgainstACluster()
    {
        QFETCH(QString, manifest);
        QFETCH(QString, expected);
        const auto result = m_cluster.kubectl({"apply", "-f", "-"}, manifest);
        QVERIFY(!result.ok());
        QVERIFY2(result.err.contains(expected), qPrintable(result.err));
    }

    void conflictsAndAlreadyExists()
    {
        const QString configMap =
            R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}})";
        QVERIFY(m_cluster.kubectl({"create", "-f", "-"}, configMap).ok());
        const auto again = m_cluster.kubectl({"create", "-f", "-"}, configMap);
        QCOMPARE(again.err.trimmed(),
                 QString("Error from server (AlreadyExists): error when creating \"STDIN\": "
                         "configmaps \"c\" already exists"));
        // A replace that carries a stale resourceVersion is refused.
        auto current = parse(m_cluster.kubectl({"get", "cm", "c", "-o", "json"}).out);
        QVERIFY(m_cluster.kubectl({"label", "cm", "c", "moved=yes"}).ok());
        current["data"]["a"] = "2";
        const auto stale =
            m_cluster.kubectl({"replace", "-f", "-"}, QString::fromStdString(current.dump()));
        QVERIFY(!stale.ok());
        QVERIFY2(stale.err.contains("Error from server (Conflict)") &&
                     stale.err.contains("the object has been modified"),
                 qPrintable(stale.err));
    }

    void rbacRefusesTheLearner()
    {
        const auto refused = m_cluster.kubectl({"--context", "learner", "get", "pods"});
        QVERIFY(!refused.ok());
        QCOMPARE(
            refused.err.trimmed(),
            QString("Error from server (Forbidden): pods is forbidden: User \"learner\" cannot "
                    "list resource \"pods\" in API group \"\" in the namespace \"default\""));
        // Granting view in default is enough.
        QVERIFY(m_cluster
                    .kubectl({"apply", "-f", "-"},
                             R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding",
                                      "metadata":{"name":"learner-view","namespace":"default"},
                                      "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
                                      "subjects":[{"kind":"User","name":"learner","apiGroup":"rbac.authorization.k8s.io"}]})")
                    .ok());
        QTRY_VERIFY_WITH_TIMEOUT(m_cluster.kubectl({"--context", "learner", "get", "pods"}).ok(),
                                 5000);
        QVERIFY(
            !m_cluster.kubectl({"--context", "learner", "get", "pods", "-n", "kube-system"}).ok());
    }

    void everyStageOfACreateIsAudited()
    {
        QVERIFY(m_cluster.kubectl({"apply", "-f", "-"}, kDeployment).ok());
        const auto events = m_cluster.auditEvents();
        // The POST that created it, and its stages in order.
        std::string auditId;
        for (const auto &event : events)
            if (event.value("verb", "") == "create" &&
                event["objectRef"].value("resource", "") == "deployments" &&
                event.value("stage", "") == "Storage")
                auditId = event["auditID"];
        QVERIFY(!auditId.empty());
        QStringList stages;
        nlohmann::json storage;
        for (const auto &event : events) {
            if (event["auditID"] != auditId)
                continue;
            stages << QString::fromStdString(event["stage"]);
            if (event["stage"] == "Storage")
                storage = event["annotations"];
            if (event["stage"] == "Authorization")
                QVERIFY(
                    event["annotations"]["authorization.k8s.io/reason"]
                        .get<std::string>()
                        .starts_with(
                            "RBAC: allowed by ClusterRoleBinding \"cluster-admin\" of ClusterRole "
                            "\"cluster-admin\" to Group \"system:masters\""));
        }
        QCOMPARE(stages, QStringList({"Authentication", "RequestReceived", "Authorization",
                                      "MutatingAdmission", "ValidatingAdmission", "Storage",
                                      "ResponseComplete"}));
        QCOMPARE(storage["flowlab.dev/store-key"].get<std::string>(),
                 std::string("/registry/deployments/default/web"));
        QCOMPARE(storage["flowlab.dev/store-operation"].get<std::string>(), std::string("create"));
    }

    void watchSeesChanges()
    {
        QVERIFY(m_cluster.kubectl({"apply", "-f", "-"}, kDeployment).ok());
        QProcess watcher;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("KUBECONFIG", QString::fromStdString(m_cluster.kubeconfigPath()));
        env.insert("HOME", QString::fromStdString(m_cluster.dir()));
        watcher.setProcessEnvironment(env);
        watcher.start(kubectlProgram(),
                      {"get", "deploy", "web", "-w", "--no-headers", "-o",
                       "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas"});
        QVERIFY(watcher.waitForStarted());
        QString seen;
        QTRY_VERIFY_WITH_TIMEOUT(
            (seen += QString::fromUtf8(watcher.readAllStandardOutput())).contains("web"), 10000);
        QVERIFY(m_cluster.kubectl({"scale", "deployment", "web", "--replicas=7"}).ok());
        QTRY_VERIFY_WITH_TIMEOUT((seen += QString::fromUtf8(watcher.readAllStandardOutput()))
                                     .contains(QRegularExpression("web\\s+7")),
                                 10000);
        watcher.kill();
        watcher.waitForFinished();
    }

    void debiansKubectl120WorksToo()
    {
        const QString old = debianKubectlProgram();
        if (old.isEmpty())
            QFAIL("Debian's kubectl 1.20 is missing: .ci/install-deps installs kubernetes-client "
                  "(or unpacks it into /opt/flowlab/kubernetes-client beside a newer kubectl)");
        const auto version = m_cluster.kubectl({"version", "--short"}, {}, old);
        QVERIFY2(version.ok() && version.out.contains("Client Version: v1.20."),
                 version.both().c_str());
        // Its validation reads /openapi/v2 (protobuf), then it creates, changes and deletes.
        QString manifest = kDeployment;
        manifest.replace("name: web", "name: old");
        const auto applied = m_cluster.kubectl({"apply", "-f", "-"}, manifest, old);
        QVERIFY2(applied.ok(), applied.both().c_str());
        QVERIFY(
            m_cluster.kubectl({"create", "deployment", "older", "--image=nginx"}, {}, old).ok());
        QVERIFY(m_cluster.kubectl({"scale", "deployment", "older", "--replicas=2"}, {}, old).ok());
        QVERIFY(m_cluster.kubectl({"set", "image", "deployment/older", "nginx=nginx:1.25"}, {}, old)
                    .ok());
        const auto table = m_cluster.kubectl({"get", "deploy", "older", "--no-headers"}, {}, old);
        QVERIFY2(table.out.contains(QRegularExpression("^older\\s+0/2")), table.both().c_str());
        const auto image = m_cluster.kubectl(
            {"get", "deploy", "older", "-o", "jsonpath={.spec.template.spec.containers[0].image}"},
            {}, old);
        QCOMPARE(image.out, QString("nginx:1.25"));
        QCOMPARE(m_cluster.kubectl({"auth", "can-i", "create", "pods"}, {}, old).out.trimmed(),
                 QString("yes"));
        QVERIFY(m_cluster.kubectl({"delete", "deployment", "older", "old"}, {}, old).ok());
    }

    void protobufBodiesFromKubectl132()
    {
        // kubectl 1.32's typed clients send protobuf: create generators and auth can-i.
        QVERIFY(m_cluster.kubectl({"create", "namespace", "team-a"}).ok());
        QVERIFY(
            m_cluster
                .kubectl({"create", "configmap", "settings", "-n", "team-a", "--from-literal=a=b"})
                .ok());
        QCOMPARE(
            m_cluster.kubectl({"get", "cm", "settings", "-n", "team-a", "-o", "jsonpath={.data.a}"})
                .out,
            QString("b"));
        QCOMPARE(m_cluster.kubectl({"auth", "can-i", "create", "pods"}).out.trimmed(),
                 QString("yes"));
        const auto learner = m_cluster.kubectl(
            {"--context", "learner", "auth", "can-i", "create", "pods", "-n", "team-a"});
        QCOMPARE(learner.out.trimmed(), QString("no"));
        QVERIFY(m_cluster.kubectl({"delete", "namespace", "team-a", "--wait=false"}).ok());
    }

    void noAcknowledgedWriteIsLostToKill9_data()
    {
        QTest::addColumn<QString>("store");
        QTest::newRow("sqlite") << "sqlite";
        QTest::newRow("etcd") << "etcd";
    }
    void noAcknowledgedWriteIsLostToKill9()
    {
        QFETCH(QString, store);
        KubeTestCluster cluster;
        KubeTestCluster::Options options;
        options.store = store.toStdString();
        const std::string started = cluster.start(options);
        QVERIFY2(started.empty(), started.c_str());
        ClientConfig config;
        config.server = cluster.plainUrl();
        config.token = "admin-token";
        KubeClient client(config);
        const ResourceInfo &configMaps = *ResourceRegistry::builtin().find("", "v1", "configmaps");
        // 500 writes, each acknowledged before the next; then the server is killed.
        for (int i = 0; i < 500; ++i) {
            const nlohmann::json object = {{"apiVersion", "v1"},
                                           {"kind", "ConfigMap"},
                                           {"metadata", {{"name", "w" + std::to_string(i)}}},
                                           {"data", {{"i", std::to_string(i)}}}};
            const auto created = await([&](KubeClient::Callback done) {
                client.create(configMaps, "default", object, done);
            });
            QVERIFY2(created.code == 201, created.message().c_str());
        }
        const std::string restarted = cluster.restartApiserverAfterKill();
        QVERIFY2(restarted.empty(), restarted.c_str());
        const auto listed =
            await([&](KubeClient::Callback done) { client.list(configMaps, "default", "", done); });
        QVERIFY2(listed.ok(), listed.message().c_str());
        std::set<std::string> names;
        for (const auto &item : listed.body["items"])
            names.insert(item["metadata"]["name"].get<std::string>());
        for (int i = 0; i < 500; ++i)
            QVERIFY2(names.contains("w" + std::to_string(i)),
                     ("lost w" + std::to_string(i)).c_str());
    }

private:
    KubeTestCluster m_cluster;
};

QTEST_GUILESS_MAIN(TestKubeApiserver)
#include "tst_kube_apiserver.moc"
