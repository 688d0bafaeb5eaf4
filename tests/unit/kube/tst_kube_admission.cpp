// applyDefaults() and validateObject()/validateName(): what a real 1.32 apiserver stores for
// what learners write, and the errors it answers with, word for word and field for field.
// Objects go through applyDefaults() before validation, as in the apiserver.
// (moc reads a "//" inside a raw string as a comment: JSON below never holds one.)

#include "engine/kube/api/Admission.h"

#include <QtTest>

using namespace flowlab::kube;

namespace {

const ResourceInfo &resource(const QString &plural)
{
    for (const ResourceInfo &info : ResourceRegistry::builtin().all()) {
        if (QString::fromStdString(info.plural) == plural)
            return info;
    }
    qFatal("no resource %s", qPrintable(plural));
}

Json parsed(const QByteArray &text)
{
    return text.isEmpty() ? Json() : Json::parse(text.toStdString());
}

QString text(const Json &json)
{
    return QString::fromStdString(json.dump());
}

QStringList strings(const std::vector<std::string> &lines)
{
    QStringList out;
    for (const auto &line : lines)
        out << QString::fromStdString(line);
    return out;
}

QStringList messages(const FieldErrors &errors)
{
    QStringList out;
    for (const auto &error : errors)
        out << QString::fromStdString(error.message());
    return out;
}

Json defaulted(const QString &plural, const QByteArray &object)
{
    Json json = parsed(object);
    if (!json.is_null())
        applyDefaults(resource(plural), json);
    return json;
}

FieldErrors validated(const QString &plural, const QByteArray &object, const QByteArray &old = {})
{
    return validateObject(resource(plural), defaulted(plural, object), defaulted(plural, old));
}

const QByteArray kPod =
    R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default"},
    "spec":{"containers":[{"name":"web","image":"nginx","ports":[{"containerPort":80}]}]}})";

// A Deployment as `kubectl create deployment web --image=nginx:1.27 --dry-run=client -o json`.
QByteArray deployment(const char *spec = R"("replicas":2,"selector":{"matchLabels":{"app":"web"}})",
                      const char *labels = R"({"app":"web"})", const char *podSpec = "")
{
    return QByteArray(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web",
        "namespace":"default","labels":{"app":"web"}},"spec":{)") +
           spec + R"(,"template":{"metadata":{"labels":)" + labels +
           R"(},"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}])" + podSpec + "}}}}";
}

QByteArray service(const char *spec)
{
    return QByteArray(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"web",
        "namespace":"default"},"spec":)") +
           spec + "}";
}

const char *const kPodUpdateFields =
    "spec: Forbidden: pod updates may not change fields other than "
    "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
    "`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
    "negative)";

} // namespace

class TestKubeAdmission : public QObject
{
    Q_OBJECT

private slots:
    void podDefaults()
    {
        Json pod = parsed(kPod);
        const auto lines = applyDefaults(resource("pods"), pod);
        QCOMPARE(strings(lines),
                 (QStringList{"spec.enableServiceLinks=true", "spec.dnsPolicy=ClusterFirst",
                              "spec.restartPolicy=Always", "spec.securityContext={}",
                              "spec.terminationGracePeriodSeconds=30",
                              "spec.schedulerName=default-scheduler",
                              "spec.containers[0].imagePullPolicy=Always",
                              "spec.containers[0].terminationMessagePath=/dev/termination-log",
                              "spec.containers[0].terminationMessagePolicy=File",
                              "spec.containers[0].ports[0].protocol=TCP",
                              "spec.containers[0].resources={}", "spec.priority=0",
                              "spec.preemptionPolicy=PreemptLowerPriority"}));
        QCOMPARE(text(pod["spec"]), text(parsed(R"({"containers":[{"name":"web","image":"nginx",
            "imagePullPolicy":"Always","ports":[{"containerPort":80,"protocol":"TCP"}],
            "resources":{},"terminationMessagePath":"/dev/termination-log",
            "terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst",
            "enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority","priority":0,
            "restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},
            "terminationGracePeriodSeconds":30})")));
    }

    void podDefaultsLeaveWhatWasWritten()
    {
        Json pod = parsed(R"({"kind":"Pod","metadata":{"name":"web","namespace":"default"},
            "spec":{"restartPolicy":"Never","dnsPolicy":"Default","containers":[{"name":"web",
            "image":"nginx:1.27","imagePullPolicy":"Never","resources":{"limits":{"cpu":"500m",
            "memory":"128Mi"},"requests":{"cpu":"250m"}},"livenessProbe":{"httpGet":{"port":80}},
            "env":[{"name":"NODE","valueFrom":{"fieldRef":{"fieldPath":"spec.nodeName"}}}]}],
            "volumes":[{"name":"scratch"},{"name":"config","configMap":{"name":"web"}}]}})");
        applyDefaults(resource("pods"), pod);
        const Json &spec = pod["spec"];
        QCOMPARE(spec["restartPolicy"], Json("Never"));
        QCOMPARE(spec["dnsPolicy"], Json("Default"));
        const Json &container = spec["containers"][0];
        QCOMPARE(container["imagePullPolicy"], Json("Never"));
        // Requests default to limits on a Pod, not on a template.
        QCOMPARE(text(container["resources"]["requests"]),
                 text({{"cpu", "250m"}, {"memory", "128Mi"}}));
        QCOMPARE(
            text(container["livenessProbe"]),
            text(parsed(R"({"httpGet":{"port":80,"path":"/","scheme":"HTTP"},"timeoutSeconds":1,
                     "periodSeconds":10,"successThreshold":1,"failureThreshold":3})")));
        QCOMPARE(container["env"][0]["valueFrom"]["fieldRef"]["apiVersion"], Json("v1"));
        QCOMPARE(text(spec["volumes"]), text(parsed(R"([{"name":"scratch","emptyDir":{}},
            {"name":"config","configMap":{"name":"web","defaultMode":420}}])")));
    }

    void imagePullPolicy_data()
    {
        QTest::addColumn<QString>("image");
        QTest::addColumn<QString>("policy");
        QTest::newRow("no tag") << "nginx"
                                << "Always";
        QTest::newRow("latest") << "nginx:latest"
                                << "Always";
        QTest::newRow("tag") << "nginx:1.27"
                             << "IfNotPresent";
        QTest::newRow("registry port, no tag") << "registry.local:5000/team/app"
                                               << "Always";
        QTest::newRow("registry port, tag") << "registry.local:5000/team/app:v2"
                                            << "IfNotPresent";
        QTest::newRow("digest")
            << "nginx@sha256:0f04e4f646a3f14bf31d8bc8d885b6c951fdcf42589d06845f64d18aec6a3c4d"
            << "IfNotPresent";
        QTest::newRow("does not parse") << "Nginx"
                                        << "IfNotPresent";
    }

    void imagePullPolicy()
    {
        QFETCH(QString, image);
        QFETCH(QString, policy);
        Json pod = parsed(kPod);
        pod["spec"]["containers"][0]["image"] = image.toStdString();
        applyDefaults(resource("pods"), pod);
        QCOMPARE(QString::fromStdString(
                     pod["spec"]["containers"][0]["imagePullPolicy"].get<std::string>()),
                 policy);
    }

    void deploymentDefaults()
    {
        const Json object =
            defaulted("deployments", deployment(R"("selector":{"matchLabels":{"app":"web"}})"));
        // What `kubectl get deployment web -o json` shows of the spec.
        QCOMPARE(text(object["spec"]), text(parsed(R"({"progressDeadlineSeconds":600,"replicas":1,
            "revisionHistoryLimit":10,"selector":{"matchLabels":{"app":"web"}},"strategy":{
            "rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"},"type":"RollingUpdate"},
            "template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{
            "containers":[{"image":"nginx:1.27","imagePullPolicy":"IfNotPresent","name":"nginx",
            "resources":{},"terminationMessagePath":"/dev/termination-log",
            "terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst","restartPolicy":"Always",
            "schedulerName":"default-scheduler","securityContext":{},
            "terminationGracePeriodSeconds":30}}})")));
    }

    void defaults_data()
    {
        QTest::addColumn<QString>("plural");
        QTest::addColumn<QByteArray>("object");
        QTest::addColumn<QString>("pointer");
        QTest::addColumn<QByteArray>("expected");

        const QByteArray job = R"({"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi",
            "namespace":"default","uid":"8d5e2a3c-1f4b-4c6d-9e7f-0a1b2c3d4e5f"},"spec":{
            "template":{"spec":{"containers":[{"name":"pi","image":"perl:5.34.0"}],
            "restartPolicy":"Never"}}}})";
        QTest::newRow("job spec") << "jobs" << job << "/spec/backoffLimit" << QByteArray("6");
        QTest::newRow("job selector")
            << "jobs" << job << "/spec/selector"
            << QByteArray(R"({"matchLabels":{"batch.kubernetes.io/controller-uid":
                "8d5e2a3c-1f4b-4c6d-9e7f-0a1b2c3d4e5f"}})");
        QTest::newRow("job labels, copied from its pods")
            << "jobs" << job << "/metadata/labels"
            << QByteArray(
                   R"({"batch.kubernetes.io/controller-uid":"8d5e2a3c-1f4b-4c6d-9e7f-0a1b2c3d4e5f",
                "batch.kubernetes.io/job-name":"pi","controller-uid":
                "8d5e2a3c-1f4b-4c6d-9e7f-0a1b2c3d4e5f","job-name":"pi"})");
        QTest::newRow("job counts")
            << "jobs" << job << "/spec"
            << QByteArray(R"({"backoffLimit":6,"completionMode":"NonIndexed","completions":1,
                "parallelism":1,"podReplacementPolicy":"TerminatingOrFailed","selector":{
                "matchLabels":{"batch.kubernetes.io/controller-uid":
                "8d5e2a3c-1f4b-4c6d-9e7f-0a1b2c3d4e5f"}},"suspend":false,"template":{"metadata":{
                "creationTimestamp":null,"labels":{"batch.kubernetes.io/controller-uid":
                "8d5e2a3c-1f4b-4c6d-9e7f-0a1b2c3d4e5f","batch.kubernetes.io/job-name":"pi",
                "controller-uid":"8d5e2a3c-1f4b-4c6d-9e7f-0a1b2c3d4e5f","job-name":"pi"}},
                "spec":{"containers":[{"image":"perl:5.34.0","imagePullPolicy":"IfNotPresent",
                "name":"pi","resources":{},"terminationMessagePath":"/dev/termination-log",
                "terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst",
                "restartPolicy":"Never","schedulerName":"default-scheduler","securityContext":{},
                "terminationGracePeriodSeconds":30}}})");

        const QByteArray sts =
            R"({"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db",
            "namespace":"default"},"spec":{"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
            "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"postgres",
            "image":"postgres:16"}]}},"volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{
            "accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}})";
        QTest::newRow("statefulset strategy")
            << "statefulsets" << sts << "/spec/updateStrategy"
            << QByteArray(R"({"rollingUpdate":{"partition":0},"type":"RollingUpdate"})");
        QTest::newRow("statefulset policies")
            << "statefulsets" << sts << "/spec/persistentVolumeClaimRetentionPolicy"
            << QByteArray(R"({"whenDeleted":"Retain","whenScaled":"Retain"})");
        QTest::newRow("statefulset claim template")
            << "statefulsets" << sts << "/spec/volumeClaimTemplates/0"
            << QByteArray(R"({"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{
                "creationTimestamp":null,"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],
                "resources":{"requests":{"storage":"1Gi"}},"volumeMode":"Filesystem"},
                "status":{"phase":"Pending"}})");
        QTest::newRow("daemonset strategy")
            << "daemonsets"
            << QByteArray(R"({"kind":"DaemonSet","metadata":{"name":"agent","namespace":"default"},
                "spec":{"selector":{"matchLabels":{"app":"agent"}},"template":{"metadata":{"labels":
                {"app":"agent"}},"spec":{"containers":[{"name":"agent","image":"fluent-bit:3.0"}]}}}})")
            << "/spec/updateStrategy"
            << QByteArray(
                   R"({"rollingUpdate":{"maxSurge":0,"maxUnavailable":1},"type":"RollingUpdate"})");

        QTest::newRow("service, cluster IP")
            << "services"
            << service(R"({"selector":{"app":"web"},"ports":[{"port":80,"targetPort":8080}]})")
            << "/spec" << QByteArray(R"({"internalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],
                "ipFamilyPolicy":"SingleStack","ports":[{"port":80,"protocol":"TCP","targetPort":8080}],
                "selector":{"app":"web"},"sessionAffinity":"None","type":"ClusterIP"})");
        QTest::newRow("service, load balancer")
            << "services"
            << service(R"({"type":"LoadBalancer","ports":[{"name":"https","port":443}]})")
            << "/spec"
            << QByteArray(
                   R"({"allocateLoadBalancerNodePorts":true,"externalTrafficPolicy":"Cluster",
                "internalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack",
                "ports":[{"name":"https","port":443,"protocol":"TCP","targetPort":443}],
                "sessionAffinity":"None","type":"LoadBalancer"})");
        QTest::newRow("service, headless without selector")
            << "services" << service(R"({"clusterIP":"None","ports":[{"port":5432}]})")
            << "/spec/ipFamilyPolicy" << QByteArray(R"("RequireDualStack")");
        QTest::newRow("service, external name")
            << "services" << service(R"({"type":"ExternalName","externalName":"db.example.com"})")
            << "/spec" << QByteArray(R"({"externalName":"db.example.com","sessionAffinity":"None",
                "type":"ExternalName"})");
        QTest::newRow("service, client IP affinity")
            << "services" << service(R"({"sessionAffinity":"ClientIP","ports":[{"port":80}]})")
            << "/spec/sessionAffinityConfig"
            << QByteArray(R"({"clientIP":{"timeoutSeconds":10800}})");
        QTest::newRow("secret, string data folded in")
            << "secrets"
            << QByteArray(R"({"kind":"Secret","metadata":{"name":"db","namespace":"default"},
                "data":{"user":"YWRtaW4="},"stringData":{"password":"s3cr3t!"}})")
            << ""
            << QByteArray(R"({"data":{"password":"czNjcjN0IQ==","user":"YWRtaW4="},"kind":"Secret",
                "metadata":{"name":"db","namespace":"default"},"type":"Opaque"})");
        QTest::newRow("namespace")
            << "namespaces" << QByteArray(R"({"kind":"Namespace","metadata":{"name":"shop"}})")
            << ""
            << QByteArray(R"({"kind":"Namespace","metadata":{"name":"shop"},"spec":{"finalizers":
                ["kubernetes"]},"status":{"phase":"Active"}})");
        QTest::newRow("namespace being finalized keeps an emptied list")
            << "namespaces"
            << QByteArray(
                   R"({"kind":"Namespace","metadata":{"name":"shop"},"spec":{"finalizers":[]},
                "status":{"phase":"Terminating"}})")
            << "/spec/finalizers" << QByteArray("[]");
        QTest::newRow("networkpolicy")
            << "networkpolicies"
            << QByteArray(R"({"kind":"NetworkPolicy","metadata":{"name":"db","namespace":"default"},
                "spec":{"podSelector":{"matchLabels":{"app":"db"}},"egress":[{"ports":[{"port":53,
                "protocol":"UDP"},{"port":5432}]}]}})")
            << "/spec"
            << QByteArray(R"({"egress":[{"ports":[{"port":53,"protocol":"UDP"},{"port":5432,
                "protocol":"TCP"}]}],"podSelector":{"matchLabels":{"app":"db"}},
                "policyTypes":["Ingress","Egress"]})");
        QTest::newRow("rolebinding")
            << "rolebindings"
            << QByteArray(
                   R"({"kind":"RoleBinding","metadata":{"name":"read-pods","namespace":"default"},
                "roleRef":{"kind":"Role","name":"pod-reader"},"subjects":[{"kind":"User","name":"jane"},
                {"kind":"ServiceAccount","name":"ci","namespace":"default"}]})")
            << "" << QByteArray(R"({"kind":"RoleBinding","metadata":{"name":"read-pods",
                "namespace":"default"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io",
                "kind":"Role","name":"pod-reader"},"subjects":[{"apiGroup":
                "rbac.authorization.k8s.io","kind":"User","name":"jane"},{"kind":"ServiceAccount",
                "name":"ci","namespace":"default"}]})");
        QTest::newRow("persistentvolumeclaim")
            << "persistentvolumeclaims"
            << QByteArray(R"({"kind":"PersistentVolumeClaim","metadata":{"name":"data","namespace":
                "default"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{
                "storage":"1Gi"}}}})")
            << "" << QByteArray(R"({"kind":"PersistentVolumeClaim","metadata":{"name":"data",
                "namespace":"default"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{
                "requests":{"storage":"1Gi"}},"volumeMode":"Filesystem"},"status":{"phase":"Pending"}})");
    }

    void defaults()
    {
        QFETCH(QString, plural);
        QFETCH(QByteArray, object);
        QFETCH(QString, pointer);
        QFETCH(QByteArray, expected);
        Json json = parsed(object);
        applyDefaults(resource(plural), json);
        QCOMPARE(text(json.at(Json::json_pointer(pointer.toStdString()))), text(parsed(expected)));
        // Defaulting a defaulted object changes nothing: updates go through it again.
        const Json once = json;
        QCOMPARE(strings(applyDefaults(resource(plural), json)), QStringList());
        QCOMPARE(json, once);
    }

    void validateName_data()
    {
        QTest::addColumn<QString>("plural");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("pod") << "pods"
                             << "web-7d4b9c8f6-x2x9k" << QStringList();
        QTest::newRow("pod, dotted") << "pods"
                                     << "web.v2" << QStringList();
        QTest::newRow("pod, upper case")
            << "pods"
            << "Web_App"
            << QStringList{"metadata.name: Invalid value: \"Web_App\": a lowercase RFC 1123 "
                           "subdomain must consist of lower case alphanumeric characters, '-' or "
                           "'.', and must start and end with an alphanumeric character (e.g. "
                           "'example.com', regex used for validation is "
                           "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"};
        QTest::newRow("namespace, dotted")
            << "namespaces"
            << "team.a"
            << QStringList{
                   "metadata.name: Invalid value: \"team.a\": a lowercase RFC 1123 label "
                   "must consist of lower case alphanumeric characters or '-', and must "
                   "start and end with an alphanumeric character (e.g. 'my-name',  or "
                   "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"};
        QTest::newRow("namespace, too long")
            << "namespaces" << QString(64, 'a')
            << QStringList{"metadata.name: Invalid value: \"" + QString(64, 'a') +
                           "\": must be no more than 63 characters"};
        QTest::newRow("service, leading digit")
            << "services"
            << "1web"
            << QStringList{"metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist "
                           "of lower case alphanumeric characters or '-', start with an alphabetic "
                           "character, and end with an alphanumeric character (e.g. 'my-name',  or "
                           "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"};
        QTest::newRow("clusterrole with colons")
            << "clusterroles"
            << "system:controller:job-controller" << QStringList();
        QTest::newRow("rolebinding with a slash")
            << "rolebindings"
            << "a/b" << QStringList{"metadata.name: Invalid value: \"a/b\": may not contain '/'"};
        QTest::newRow("statefulset, dotted: its pods are host names")
            << "statefulsets"
            << "db.v2"
            << QStringList{
                   "metadata.name: Invalid value: \"db.v2\": a lowercase RFC 1123 label "
                   "must consist of lower case alphanumeric characters or '-', and must "
                   "start and end with an alphanumeric character (e.g. 'my-name',  or "
                   "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"};
        QTest::newRow("missing")
            << "deployments"
            << "" << QStringList{"metadata.name: Required value: name or generateName is required"};
    }

    void validateName()
    {
        QFETCH(QString, plural);
        QFETCH(QString, name);
        QFETCH(QStringList, expected);
        QCOMPARE(messages(flowlab::kube::validateName(resource(plural), name.toStdString())),
                 expected);
    }

    void validateObject_data()
    {
        QTest::addColumn<QString>("plural");
        QTest::addColumn<QByteArray>("object");
        QTest::addColumn<QByteArray>("old");
        QTest::addColumn<QStringList>("expected");

        QTest::newRow("pod") << "pods" << kPod << QByteArray() << QStringList();
        QTest::newRow("pod without containers")
            << "pods"
            << QByteArray(
                   R"({"kind":"Pod","metadata":{"name":"web","namespace":"default"},"spec":{}})")
            << QByteArray() << QStringList{"spec.containers: Required value"};
        QTest::newRow("container without image, badly named")
            << "pods"
            << QByteArray(R"({"kind":"Pod","metadata":{"name":"web","namespace":"default"},"spec":{
                "containers":[{"name":"Web"}]}})")
            << QByteArray()
            << QStringList{
                   "spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 "
                   "label must consist of lower case alphanumeric characters or '-', and "
                   "must start and end with an alphanumeric character (e.g. 'my-name',  "
                   "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                   "spec.containers[0].image: Required value"};
        QTest::newRow("port out of range, names twice")
            << "pods"
            << QByteArray(R"({"kind":"Pod","metadata":{"name":"web","namespace":"default"},"spec":{
                "containers":[{"name":"web","image":"nginx:1.27","ports":[{"containerPort":70000}]},
                {"name":"web","image":"busybox:1.36"}]}})")
            << QByteArray()
            << QStringList{"spec.containers[0].ports[0].containerPort: Invalid value: 70000: must "
                           "be between 1 and 65535, inclusive",
                           "spec.containers[1].name: Duplicate value: \"web\""};
        QTest::newRow("mount of a missing volume")
            << "pods"
            << QByteArray(R"({"kind":"Pod","metadata":{"name":"web","namespace":"default"},"spec":{
                "containers":[{"name":"web","image":"nginx:1.27","volumeMounts":[{"name":"data",
                "mountPath":"/data"}]}],"volumes":[{"name":"cache","emptyDir":{}}]}})")
            << QByteArray()
            << QStringList{"spec.containers[0].volumeMounts[0].name: Not found: \"data\""};
        QTest::newRow("restart policy")
            << "pods"
            << QByteArray(R"({"kind":"Pod","metadata":{"name":"web","namespace":"default"},"spec":{
                "restartPolicy":"Sometimes","containers":[{"name":"web","image":"nginx:1.27"}]}})")
            << QByteArray()
            << QStringList{"spec.restartPolicy: Unsupported value: \"Sometimes\": supported "
                           "values: \"Always\", \"OnFailure\", \"Never\""};
        QTest::newRow("label value with a space, label key with a dash")
            << "pods"
            << QByteArray(R"({"kind":"Pod","metadata":{"name":"web","namespace":"default","labels":{
                "-app":"web","tier":"web server"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}})")
            << QByteArray()
            << QStringList{"metadata.labels: Invalid value: \"-app\": name part must consist of "
                           "alphanumeric characters, '-', '_' or '.', and must start and end with "
                           "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
                           "'123-abc', regex used for validation is "
                           "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                           "metadata.labels: Invalid value: \"web server\": a valid label must be "
                           "an empty string or consist of alphanumeric characters, '-', '_' or "
                           "'.', and must start and end with an alphanumeric character (e.g. "
                           "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                           "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"};
        QTest::newRow("pod update of a port")
            << "pods"
            << QByteArray(R"({"kind":"Pod","metadata":{"name":"web","namespace":"default"},"spec":{
                "containers":[{"name":"web","image":"nginx","ports":[{"containerPort":8080}]}]}})")
            << kPod << QStringList{kPodUpdateFields};
        QTest::newRow("pod update of an image")
            << "pods"
            << QByteArray(R"({"kind":"Pod","metadata":{"name":"web","namespace":"default"},"spec":{
                "containers":[{"name":"web","image":"nginx:1.27","imagePullPolicy":"Always",
                "ports":[{"containerPort":80}]}]}})")
            << kPod << QStringList();

        QTest::newRow("deployment")
            << "deployments" << deployment() << QByteArray() << QStringList();
        QTest::newRow("deployment, negative replicas")
            << "deployments"
            << deployment(R"("replicas":-1,"selector":{"matchLabels":{"app":"web"}})")
            << QByteArray()
            << QStringList{"spec.replicas: Invalid value: -1: must be greater than or equal to 0"};
        QTest::newRow("deployment, pods that never restart")
            << "deployments"
            << deployment(R"("selector":{"matchLabels":{"app":"web"}})", R"({"app":"web"})",
                          R"(,"restartPolicy":"Never")")
            << QByteArray()
            << QStringList{"spec.template.spec.restartPolicy: Unsupported value: \"Never\": "
                           "supported values: \"Always\""};
        QTest::newRow("deployment, scaled")
            << "deployments"
            << deployment(R"("replicas":5,"selector":{"matchLabels":{"app":"web"}})")
            << deployment() << QStringList();

        QTest::newRow("service") << "services"
                                 << service(R"({"selector":{"app":"web"},"ports":[{"port":80}]})")
                                 << QByteArray() << QStringList();
        QTest::newRow("service without ports")
            << "services" << service(R"({"selector":{"app":"web"}})") << QByteArray()
            << QStringList{"spec.ports: Required value"};
        QTest::newRow("service ports without names or a port")
            << "services" << service(R"({"ports":[{"targetPort":8080},{"port":443}]})")
            << QByteArray()
            << QStringList{
                   "spec.ports[0].name: Required value",
                   "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                   "spec.ports[1].name: Required value"};
        QTest::newRow("service type")
            << "services" << service(R"({"type":"Internal","ports":[{"port":80}]})") << QByteArray()
            << QStringList{"spec.type: Unsupported value: \"Internal\": supported values: "
                           "\"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""};
        QTest::newRow("node port on a cluster IP service")
            << "services" << service(R"({"ports":[{"port":80,"nodePort":30080}]})") << QByteArray()
            << QStringList{
                   "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"};

        QTest::newRow("configmap key with a space")
            << "configmaps"
            << QByteArray(R"({"kind":"ConfigMap","metadata":{"name":"web","namespace":"default"},
                "data":{"my key":"1","index.html":"ok"}})")
            << QByteArray()
            << QStringList{"data[my key]: Invalid value: \"my key\": a valid config key must "
                           "consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  "
                           "or 'KEY_NAME',  or 'key-name', regex used for validation is "
                           "'[-._a-zA-Z0-9]+')"};
        QTest::newRow("tls secret without its key")
            << "secrets"
            << QByteArray(R"({"kind":"Secret","metadata":{"name":"web-tls","namespace":"default"},
                "type":"kubernetes.io/tls","data":{"tls.crt":"LS0tLS1CRUdJTg=="}})")
            << QByteArray() << QStringList{"data[tls.key]: Required value"};
        QTest::newRow("immutable configmap")
            << "configmaps"
            << QByteArray(R"({"kind":"ConfigMap","metadata":{"name":"web","namespace":"default"},
                "immutable":true,"data":{"mode":"b"}})")
            << QByteArray(R"({"kind":"ConfigMap","metadata":{"name":"web","namespace":"default"},
                "immutable":true,"data":{"mode":"a"}})")
            << QStringList{"data: Forbidden: field is immutable when `immutable` is set"};

        QTest::newRow("rolebinding to an unknown kind")
            << "rolebindings"
            << QByteArray(R"({"kind":"RoleBinding","metadata":{"name":"read","namespace":"default"},
                "roleRef":{"kind":"Roles","name":"pod-reader"},"subjects":[{"kind":"User","name":"jane"}]})")
            << QByteArray()
            << QStringList{
                   "roleRef.kind: Unsupported value: \"Roles\": supported values: \"Role\", "
                   "\"ClusterRole\""};
        QTest::newRow("clusterrolebinding of a service account without namespace")
            << "clusterrolebindings"
            << QByteArray(R"({"kind":"ClusterRoleBinding","metadata":{"name":"ci"},"roleRef":{
                "kind":"ClusterRole","name":"view"},"subjects":[{"kind":"ServiceAccount","name":"ci"}]})")
            << QByteArray() << QStringList{"subjects[0].namespace: Required value"};
        QTest::newRow("role rule without verbs or resources")
            << "roles"
            << QByteArray(R"({"kind":"Role","metadata":{"name":"r","namespace":"default"},
                "rules":[{"apiGroups":[""]}]})")
            << QByteArray()
            << QStringList{"rules[0].verbs: Required value: verbs must contain at least one value",
                           "rules[0].resources: Required value: resource rules must supply at "
                           "least one resource"};

        QTest::newRow("job that restarts its pods")
            << "jobs"
            << QByteArray(R"({"kind":"Job","metadata":{"name":"pi","namespace":"default","uid":
                "8d5e2a3c-1f4b-4c6d-9e7f-0a1b2c3d4e5f"},"spec":{"template":{"spec":{"containers":[
                {"name":"pi","image":"perl:5.34.0"}]}}}})")
            << QByteArray()
            << QStringList{"spec.template.spec.restartPolicy: Required value: valid values: "
                           "\"OnFailure\", \"Never\""};
        const QByteArray sts =
            R"({"kind":"StatefulSet","metadata":{"name":"db","namespace":"default"},
            "spec":{"replicas":1,"serviceName":"db","selector":{"matchLabels":{"app":"db"}},"template":{
            "metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"pg","image":"postgres:16"}]}}}})";
        QByteArray renamed = sts;
        renamed.replace(R"("serviceName":"db")", R"("serviceName":"postgres")");
        QByteArray scaled = sts;
        scaled.replace(R"("replicas":1)", R"("replicas":3)");
        QTest::newRow("statefulset, scaled") << "statefulsets" << scaled << sts << QStringList();
        QTest::newRow("statefulset, new service name")
            << "statefulsets" << renamed << sts
            << QStringList{"spec: Forbidden: updates to statefulset spec for fields other than "
                           "'replicas', 'ordinals', 'template', 'updateStrategy', "
                           "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
                           "forbidden"};
        QTest::newRow("ingress paths")
            << "ingresses"
            << QByteArray(
                   R"({"kind":"Ingress","metadata":{"name":"web","namespace":"default"},"spec":{
                "rules":[{"host":"web.example.com","http":{"paths":[{"path":"/","backend":{"service":{
                "name":"web","port":{"number":80}}}},{"path":"api","pathType":"Prefix","backend":{
                "service":{"name":"api","port":{"name":"http"}}}}]}}]}})")
            << QByteArray()
            << QStringList{"spec.rules[0].http.paths[0].pathType: Required value: pathType must be "
                           "specified",
                           "spec.rules[0].http.paths[1].path: Invalid value: \"api\": must be an "
                           "absolute path"};
        QTest::newRow("networkpolicy type")
            << "networkpolicies"
            << QByteArray(R"({"kind":"NetworkPolicy","metadata":{"name":"db","namespace":"default"},
                "spec":{"podSelector":{},"policyTypes":["All"]}})")
            << QByteArray()
            << QStringList{"spec.policyTypes[0]: Unsupported value: \"All\": supported values: "
                           "\"Ingress\", \"Egress\""};
        QTest::newRow("daemonset that both surges and takes pods down")
            << "daemonsets"
            << QByteArray(R"({"kind":"DaemonSet","metadata":{"name":"agent","namespace":"default"},
                "spec":{"selector":{"matchLabels":{"app":"agent"}},"updateStrategy":{"type":
                "RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":"10%"}},"template":{
                "metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"name":"agent",
                "image":"fluent-bit:3.0","env":[{"name":"LOG=LEVEL","value":"debug"},
                {"name":"1ST_RUN","value":"yes"}]}]}}}})")
            << QByteArray()
            << QStringList{"spec.template.spec.containers[0].env[0].name: Invalid value: "
                           "\"LOG=LEVEL\": a valid environment variable name must consist only "
                           "of printable ASCII characters other than '='",
                           "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: \"10%\": "
                           "may not be set when maxUnavailable is non-zero"};
    }

    void validateObject()
    {
        QFETCH(QString, plural);
        QFETCH(QByteArray, object);
        QFETCH(QByteArray, old);
        QFETCH(QStringList, expected);
        QCOMPARE(messages(validated(plural, object, old)), expected);
    }

    // Values that are maps or lists: the real message prints them with Go's %#v
    // (map[string]string{"app":"web"}); the error carries them as JSON.
    void selectorsMustMatchTheTemplate()
    {
        const FieldErrors errors = validated("deployments", deployment(R"("replicas":1)"));
        QCOMPARE(errors.size(), std::size_t(2));
        QCOMPARE(errors[0].message(), std::string("spec.selector: Required value"));
        QCOMPARE(errors[1].type, FieldError::Type::Invalid);
        QCOMPARE(errors[1].field, std::string("spec.template.metadata.labels"));
        QCOMPARE(errors[1].value, Json({{"app", "web"}}));
        QCOMPARE(errors[1].detail, std::string("`selector` does not match template `labels`"));

        const FieldErrors mismatch =
            validated("deployments", deployment(R"("selector":{"matchLabels":{"app":"web"}})",
                                                R"({"app":"api"})"));
        QCOMPARE(mismatch.size(), std::size_t(1));
        QCOMPARE(mismatch[0].field, std::string("spec.template.metadata.labels"));
        QCOMPARE(mismatch[0].value, Json({{"app", "api"}}));
    }

    void immutableFields()
    {
        const FieldErrors selector =
            validated("deployments",
                      deployment(R"("selector":{"matchLabels":{"app":"web","tier":"front"}})",
                                 R"({"app":"web","tier":"front"})"),
                      deployment());
        QCOMPARE(selector.size(), std::size_t(1));
        QCOMPARE(selector[0].field, std::string("spec.selector"));
        QCOMPARE(selector[0].detail, std::string("field is immutable"));
        QCOMPARE(selector[0].value, Json::parse(R"({"matchLabels":{"app":"web","tier":"front"}})"));

        const QByteArray allocated = service(R"({"selector":{"app":"web"},"ports":[{"port":80}],
            "clusterIP":"10.96.12.34","clusterIPs":["10.96.12.34"]})");
        QByteArray moved = allocated;
        moved.replace(R"("clusterIP":"10.96.12.34")", R"("clusterIP":"10.96.0.99")");
        const FieldErrors clusterIP = validated("services", moved, allocated);
        QCOMPARE(clusterIP.size(), std::size_t(1));
        QCOMPARE(clusterIP[0].field, std::string("spec.clusterIPs[0]"));
        QCOMPARE(clusterIP[0].detail, std::string("may not change once set"));
        QCOMPARE(clusterIP[0].value, Json::array({"10.96.0.99"}));
        // An update that leaves the allocated address out keeps it.
        QVERIFY(validated("services",
                          service(R"({"selector":{"app":"web"},"ports":[{"port":80}]})"), allocated)
                    .empty());

        const QByteArray binding = R"({"kind":"RoleBinding","metadata":{"name":"read","namespace":
            "default"},"roleRef":{"kind":"Role","name":"pod-reader"},"subjects":[{"kind":"User",
            "name":"jane"}]})";
        QByteArray rebound = binding;
        rebound.replace(R"("kind":"Role",)", R"("kind":"ClusterRole",)");
        const FieldErrors roleRef = validated("rolebindings", rebound, binding);
        QCOMPARE(roleRef.size(), std::size_t(1));
        QCOMPARE(roleRef[0].field, std::string("roleRef"));
        QCOMPARE(roleRef[0].detail, std::string("cannot change roleRef"));
    }

    void invalidStatusAsKubectlPrintsIt()
    {
        Json pod = parsed(R"({"kind":"Pod","metadata":{"name":"web","namespace":"default"},"spec":{
            "containers":[{"name":"web"}]}})");
        applyDefaults(resource("pods"), pod);
        const ApiError error = ApiError::invalid(
            resource("pods"), "web", flowlab::kube::validateObject(resource("pods"), pod, nullptr));
        QCOMPARE(error.code(), 422);
        QCOMPARE(error.message(),
                 std::string("Pod \"web\" is invalid: spec.containers[0].image: Required value"));

        Json job = parsed(R"({"kind":"Job","metadata":{"name":"pi","namespace":"default"},"spec":{
            "backoffLimit":-1,"template":{"spec":{"containers":[{"name":"pi","image":"perl:5.34.0"}]}}}})");
        applyDefaults(resource("jobs"), job);
        const ApiError jobError = ApiError::invalid(
            resource("jobs"), "pi", flowlab::kube::validateObject(resource("jobs"), job, nullptr));
        QCOMPARE(
            jobError.message(),
            std::string("Job.batch \"pi\" is invalid: [spec.backoffLimit: Invalid value: -1: must "
                        "be greater than or equal to 0, spec.template.spec.restartPolicy: Required "
                        "value: valid values: \"OnFailure\", \"Never\"]"));
    }

    void malformedObjectsDoNotThrow()
    {
        Json odd = parsed(R"({"kind":"Deployment","metadata":{"name":"web","namespace":"default"},
            "spec":{"replicas":"three","selector":"app=web","template":[]}})");
        applyDefaults(resource("deployments"), odd);
        QVERIFY(!flowlab::kube::validateObject(resource("deployments"), odd, nullptr).empty());
    }
};

QTEST_GUILESS_MAIN(TestKubeAdmission)
#include "tst_kube_admission.moc"
