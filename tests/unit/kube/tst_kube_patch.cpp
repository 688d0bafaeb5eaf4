// The three PATCH bodies kubectl sends: JSON merge patch (label, annotate), JSON patch
// (rollout undo, patch --type=json) and strategic merge patch (apply, set image, edit), with
// the patches kubectl really generates and the errors a real apiserver answers with.

#include "engine/kube/api/Patch.h"

#include <QTest>

using namespace flowlab::kube;

namespace {

Json json(const QString &text)
{
    return Json::parse(text.toStdString());
}

QString qs(const std::string &text)
{
    return QString::fromStdString(text);
}

// A Deployment as kubectl create leaves it, trimmed to what the patches touch.
const QString kDeployment = R"({
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "web", "labels": {"app": "web"}, "finalizers": ["a", "b"],
               "ownerReferences": [{"uid": "u1", "kind": "Thing", "name": "t"}]},
  "spec": {
    "replicas": 2,
    "selector": {"matchLabels": {"app": "web"}},
    "strategy": {"type": "RollingUpdate",
                 "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
    "template": {
      "metadata": {"labels": {"app": "web"}},
      "spec": {
        "containers": [{"name": "web", "image": "nginx:1.24", "args": ["-g", "daemon off;"],
                        "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                        "envFrom": [{"configMapRef": {"name": "cfg"}}],
                        "volumeMounts": [{"name": "data", "mountPath": "/data"}]},
                       {"name": "sidecar", "image": "busybox"}],
        "volumes": [{"name": "data", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "c"}}],
        "tolerations": [{"key": "a", "operator": "Exists"}]
      }
    }
  },
  "status": {"conditions": [{"type": "Available", "status": "False"},
                            {"type": "Progressing", "status": "True"}]}
})";

const QString kNode = R"({
  "apiVersion": "v1", "kind": "Node", "metadata": {"name": "node1"},
  "spec": {"podCIDRs": ["10.244.0.0/24"], "taints": [{"key": "a", "effect": "NoSchedule"}]},
  "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.1"},
                           {"type": "Hostname", "address": "node1"}],
             "conditions": [{"type": "MemoryPressure", "status": "False"},
                            {"type": "Ready", "status": "False"}]}
})";

const QString kPod = R"({
  "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
  "spec": {"containers": [{"name": "web", "image": "nginx:1.24",
                           "volumeDevices": [{"name": "raw", "devicePath": "/dev/xvda"}]}],
           "initContainers": [{"name": "init", "image": "busybox", "command": ["true"]}],
           "imagePullSecrets": [{"name": "regcred"}],
           "hostAliases": [{"ip": "10.1.1.1", "hostnames": ["a.local"]}],
           "topologySpreadConstraints": [{"topologyKey": "zone", "maxSkew": 1}]},
  "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.5"}],
             "conditions": [{"type": "Ready", "status": "False"}]}
})";

// A workload whose template holds one container with args, for the kinds that share the path.
QString workload(const QString &kind, const QString &templatePath)
{
    QString spec = R"({"containers":[{"name":"c","image":"old","args":["x"]}]})";
    const QStringList parts = templatePath.split('.');
    for (auto it = parts.rbegin(); it != parts.rend(); ++it)
        spec = "{\"" + *it + "\":" + spec + "}";
    return "{\"kind\":\"" + kind + "\"," + spec.mid(1);
}

QString patchAt(const QString &templatePath, const QString &leaf)
{
    QString patch = leaf;
    const QStringList parts = templatePath.split('.');
    for (auto it = parts.rbegin(); it != parts.rend(); ++it)
        patch = "{\"" + *it + "\":" + patch + "}";
    return patch;
}

const QString kContainers = "/spec/template/spec/containers";

} // namespace

class TestKubePatch : public QObject
{
    Q_OBJECT

private slots:
    void appliesMergePatches_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("patch");
        QTest::addColumn<QString>("expected");

        // RFC 7386, appendix A, in order.
        QTest::newRow("A1 replace member") << R"({"a":"b"})"
                                           << R"({"a":"c"})"
                                           << R"({"a":"c"})";
        QTest::newRow("A2 add member") << R"({"a":"b"})"
                                       << R"({"b":"c"})"
                                       << R"({"a":"b","b":"c"})";
        QTest::newRow("A3 null removes") << R"({"a":"b"})"
                                         << R"({"a":null})"
                                         << "{}";
        QTest::newRow("A4 null removes one") << R"({"a":"b","b":"c"})"
                                             << R"({"a":null})"
                                             << R"({"b":"c"})";
        QTest::newRow("A5 scalar replaces list") << R"({"a":["b"]})"
                                                 << R"({"a":"c"})"
                                                 << R"({"a":"c"})";
        QTest::newRow("A6 list replaces scalar") << R"({"a":"c"})"
                                                 << R"({"a":["b"]})"
                                                 << R"({"a":["b"]})";
        QTest::newRow("A7 nested merge and delete") << R"({"a":{"b":"c"}})"
                                                    << R"({"a":{"b":"d","c":null}})"
                                                    << R"({"a":{"b":"d"}})";
        QTest::newRow("A8 lists replace whole") << R"({"a":[{"b":"c"}]})"
                                                << R"({"a":[1]})"
                                                << R"({"a":[1]})";
        QTest::newRow("A9 list document") << R"(["a","b"])"
                                          << R"(["c","d"])"
                                          << R"(["c","d"])";
        QTest::newRow("A10 list patch replaces object") << R"({"a":"b"})"
                                                        << R"(["c"])"
                                                        << R"(["c"])";
        QTest::newRow("A11 null patch") << R"({"a":"foo"})"
                                        << "null"
                                        << "null";
        QTest::newRow("A12 string patch") << R"({"a":"foo"})"
                                          << R"("bar")"
                                          << R"("bar")";
        QTest::newRow("A13 existing null kept") << R"({"e":null})"
                                                << R"({"a":1})"
                                                << R"({"e":null,"a":1})";
        QTest::newRow("A14 object patch on a list") << "[1,2]"
                                                    << R"({"a":"b","c":null})"
                                                    << R"({"a":"b"})";
        QTest::newRow("A15 nulls in new members dropped") << "{}"
                                                          << R"({"a":{"bb":{"ccc":null}}})"
                                                          << R"({"a":{"bb":{}}})";
        QTest::newRow("kubectl label")
            << R"({"metadata":{"name":"web","labels":{"app":"web"}}})"
            << R"({"metadata":{"labels":{"tier":"fe"}}})"
            << R"({"metadata":{"name":"web","labels":{"app":"web","tier":"fe"}}})";
        QTest::newRow("kubectl label tier-")
            << R"({"metadata":{"labels":{"app":"web","tier":"fe"}}})"
            << R"({"metadata":{"labels":{"tier":null}}})"
            << R"({"metadata":{"labels":{"app":"web"}}})";
        QTest::newRow("containers replaced whole")
            << R"({"spec":{"containers":[{"name":"a","image":"x"},{"name":"b"}]}})"
            << R"({"spec":{"containers":[{"name":"a","image":"y"}]}})"
            << R"({"spec":{"containers":[{"name":"a","image":"y"}]}})";
    }

    void appliesMergePatches()
    {
        QFETCH(QString, target);
        QFETCH(QString, patch);
        QFETCH(QString, expected);
        QCOMPARE(qs(applyMergePatch(json(target), json(patch)).dump()), qs(json(expected).dump()));
    }

    void appliesJsonPatches_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("operations");
        QTest::addColumn<QString>("expected");

        // RFC 6902, appendix A, where the patch applies.
        QTest::newRow("A1 add member") << R"({"foo":"bar"})"
                                       << R"([{"op":"add","path":"/baz","value":"qux"}])"
                                       << R"({"baz":"qux","foo":"bar"})";
        QTest::newRow("A2 add array element") << R"({"foo":["bar","baz"]})"
                                              << R"([{"op":"add","path":"/foo/1","value":"qux"}])"
                                              << R"({"foo":["bar","qux","baz"]})";
        QTest::newRow("A3 remove member") << R"({"baz":"qux","foo":"bar"})"
                                          << R"([{"op":"remove","path":"/baz"}])"
                                          << R"({"foo":"bar"})";
        QTest::newRow("A4 remove array element") << R"({"foo":["bar","qux","baz"]})"
                                                 << R"([{"op":"remove","path":"/foo/1"}])"
                                                 << R"({"foo":["bar","baz"]})";
        QTest::newRow("A5 replace") << R"({"baz":"qux","foo":"bar"})"
                                    << R"([{"op":"replace","path":"/baz","value":"boo"}])"
                                    << R"({"baz":"boo","foo":"bar"})";
        QTest::newRow("A6 move member")
            << R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})"
            << R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])"
            << R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})";
        QTest::newRow("A7 move array element")
            << R"({"foo":["all","grass","cows","eat"]})"
            << R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])"
            << R"({"foo":["all","cows","eat","grass"]})";
        QTest::newRow("A8 test then nothing")
            << R"({"baz":"qux","foo":["a",2,"c"]})"
            << R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])"
            << R"({"baz":"qux","foo":["a",2,"c"]})";
        QTest::newRow("A10 add nested member")
            << R"({"foo":"bar"})"
            << R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])"
            << R"({"foo":"bar","child":{"grandchild":{}}})";
        QTest::newRow("A14 escapes") << R"({"/":9,"~1":10})"
                                     << R"([{"op":"test","path":"/~01","value":10}])"
                                     << R"({"/":9,"~1":10})";
        QTest::newRow("A16 append with -")
            << R"({"foo":["bar"]})"
            << R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])"
            << R"({"foo":["bar",["abc","def"]]})";
        QTest::newRow("add replaces an existing member")
            << R"({"a":1})"
            << R"([{"op":"add","path":"/a","value":2}])"
            << R"({"a":2})";
        QTest::newRow("add at the end index") << R"({"a":[1]})"
                                              << R"([{"op":"add","path":"/a/1","value":2}])"
                                              << R"({"a":[1,2]})";
        QTest::newRow("add into an empty list") << R"({"a":[]})"
                                                << R"([{"op":"add","path":"/a/0","value":1}])"
                                                << R"({"a":[1]})";
        QTest::newRow("add the whole document") << R"({"a":1})"
                                                << R"([{"op":"add","path":"","value":[1]}])"
                                                << "[1]";
        QTest::newRow("replace the whole document")
            << R"({"a":1})"
            << R"([{"op":"replace","path":"","value":{"b":2}}])"
            << R"({"b":2})";
        QTest::newRow("empty key") << R"({"":1})"
                                   << R"([{"op":"replace","path":"/","value":2}])"
                                   << R"({"":2})";
        QTest::newRow("slash and tilde in keys")
            << R"({"a/b":1,"m~n":2})"
            << R"([{"op":"replace","path":"/a~1b","value":3},{"op":"remove","path":"/m~0n"}])"
            << R"({"a/b":3})";
        QTest::newRow("move to itself") << R"({"a":1})"
                                        << R"([{"op":"move","from":"/a","path":"/a"}])"
                                        << R"({"a":1})";
        QTest::newRow("copy") << R"({"a":{"b":1}})"
                              << R"([{"op":"copy","from":"/a","path":"/c"}])"
                              << R"({"a":{"b":1},"c":{"b":1}})";
        QTest::newRow("test compares numbers by value")
            << R"({"a":1})"
            << R"([{"op":"test","path":"/a","value":1.0}])"
            << R"({"a":1})";
        QTest::newRow("null is a value") << R"({"a":1})"
                                         << R"([{"op":"replace","path":"/a","value":null}])"
                                         << R"({"a":null})";
        QTest::newRow("kubectl rollout undo")
            << R"({"metadata":{"annotations":{"deployment.kubernetes.io/revision":"2"}},
                  "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"web","image":"v2"}]}}}})"
            << R"([{"op":"replace","path":"/spec/template",
                    "value":{"spec":{"containers":[{"name":"web","image":"v1"}]}}},
                   {"op":"replace","path":"/metadata/annotations",
                    "value":{"deployment.kubernetes.io/revision":"1"}}])"
            << R"({"metadata":{"annotations":{"deployment.kubernetes.io/revision":"1"}},
                  "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"web","image":"v1"}]}}}})";
        QTest::newRow("patch --type=json scale")
            << R"({"spec":{"replicas":2}})"
            << R"([{"op":"test","path":"/spec/replicas","value":2},
                   {"op":"replace","path":"/spec/replicas","value":5}])"
            << R"({"spec":{"replicas":5}})";
        QTest::newRow("no operations") << R"({"a":1})"
                                       << "[]"
                                       << R"({"a":1})";
    }

    void appliesJsonPatches()
    {
        QFETCH(QString, target);
        QFETCH(QString, operations);
        QFETCH(QString, expected);
        const auto patched = applyJsonPatch(json(target), json(operations));
        QVERIFY2(patched.ok(), patched.ok() ? "" : patched.error().message().c_str());
        QCOMPARE(qs(patched->dump()), qs(json(expected).dump()));
    }

    void rejectsJsonPatches_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("operations");
        QTest::addColumn<QString>("error");

        QTest::newRow("replace a missing member")
            << R"({"spec":{}})"
            << R"([{"op":"replace","path":"/spec/replicas","value":3}])"
            << "operation 0 (replace /spec/replicas): path not found";
        QTest::newRow("second operation fails")
            << R"({"spec":{}})"
            << R"([{"op":"add","path":"/a","value":1},
                   {"op":"replace","path":"/spec/replicas","value":3}])"
            << "operation 1 (replace /spec/replicas): path not found";
        QTest::newRow("remove a missing member") << R"({"a":1})"
                                                 << R"([{"op":"remove","path":"/x"}])"
                                                 << "operation 0 (remove /x): path not found";
        QTest::newRow("A12 add under a missing parent")
            << R"({"foo":"bar"})"
            << R"([{"op":"add","path":"/baz/bat","value":"qux"}])"
            << "operation 0 (add /baz/bat): path not found";
        QTest::newRow("add past the end")
            << R"({"a":[1]})"
            << R"([{"op":"add","path":"/a/3","value":2}])"
            << "operation 0 (add /a/3): index 3 out of bounds (the array has 1 item)";
        QTest::newRow("replace past the end")
            << R"({"a":[1,2]})"
            << R"([{"op":"replace","path":"/a/2","value":2}])"
            << "operation 0 (replace /a/2): index 2 out of bounds (the array has 2 items)";
        QTest::newRow("remove from an empty list")
            << R"({"a":[]})"
            << R"([{"op":"remove","path":"/a/0"}])"
            << "operation 0 (remove /a/0): index 0 out of bounds (the array has 0 items)";
        QTest::newRow("remove -")
            << R"({"a":[1]})"
            << R"([{"op":"remove","path":"/a/-"}])"
            << "operation 0 (remove /a/-): \"-\" names no element: it points past the end of the "
               "array";
        QTest::newRow("leading zero") << R"({"a":[1,2]})"
                                      << R"([{"op":"add","path":"/a/01","value":2}])"
                                      << "operation 0 (add /a/01): invalid array index \"01\"";
        QTest::newRow("index that is not a number")
            << R"({"a":[1,2]})"
            << R"([{"op":"test","path":"/a/x","value":2}])"
            << "operation 0 (test /a/x): invalid array index \"x\"";
        QTest::newRow("test fails")
            << R"({"spec":{"replicas":3}})"
            << R"([{"op":"test","path":"/spec/replicas","value":2}])"
            << "operation 0 (test /spec/replicas): test failed: found 3, expected 2";
        QTest::newRow("A9 test fails on a string")
            << R"({"baz":"qux"})"
            << R"([{"op":"test","path":"/baz","value":"bar"}])"
            << "operation 0 (test /baz): test failed: found \"qux\", expected \"bar\"";
        QTest::newRow("A15 string is not a number")
            << R"({"/":9,"~1":10})"
            << R"([{"op":"test","path":"/~01","value":"10"}])"
            << "operation 0 (test /~01): test failed: found 10, expected \"10\"";
        QTest::newRow("into a scalar")
            << R"({"a":1})"
            << R"([{"op":"add","path":"/a/b","value":2}])"
            << "operation 0 (add /a/b): /a is neither an object nor an array";
        QTest::newRow("through a scalar")
            << R"({"a":1})"
            << R"([{"op":"replace","path":"/a/b/c","value":2}])"
            << "operation 0 (replace /a/b/c): /a is neither an object nor an array";
        QTest::newRow("pointer without slash")
            << R"({"a":1})"
            << R"([{"op":"add","path":"a","value":2}])"
            << "operation 0 (add a): invalid JSON pointer \"a\": must be empty or start with '/'";
        QTest::newRow("bad escape")
            << R"({"a":1})"
            << R"([{"op":"remove","path":"/a~2"}])"
            << "operation 0 (remove /a~2): invalid JSON pointer \"/a~2\": '~' must be followed by "
               "'0' or '1'";
        QTest::newRow("tilde at the end")
            << R"({"a":1})"
            << R"([{"op":"remove","path":"/a~"}])"
            << "operation 0 (remove /a~): invalid JSON pointer \"/a~\": '~' must be followed by "
               "'0' or '1'";
        QTest::newRow("unknown operation")
            << R"({"a":1})"
            << R"([{"op":"frobnicate","path":"/a"}])"
            << "operation 0 (frobnicate /a): unknown operation \"frobnicate\"";
        QTest::newRow("missing op") << R"({"a":1})"
                                    << R"([{"path":"/a"}])"
                                    << "operation 0: missing \"op\"";
        QTest::newRow("missing path") << R"({"a":1})"
                                      << R"([{"op":"add","value":1}])"
                                      << "operation 0 (add): missing \"path\"";
        QTest::newRow("missing value") << R"({"a":1})"
                                       << R"([{"op":"add","path":"/b"}])"
                                       << "operation 0 (add /b): missing \"value\"";
        QTest::newRow("missing from") << R"({"a":1})"
                                      << R"([{"op":"move","path":"/b"}])"
                                      << "operation 0 (move /b): missing \"from\"";
        QTest::newRow("move from a missing member")
            << R"({"a":1})"
            << R"([{"op":"move","from":"/x","path":"/b"}])"
            << "operation 0 (move /b): from /x: path not found";
        QTest::newRow("copy from a missing member")
            << R"({"a":1})"
            << R"([{"op":"copy","from":"/x/0","path":"/b"}])"
            << "operation 0 (copy /b): from /x/0: path not found";
        QTest::newRow("move into its own child")
            << R"({"a":{"b":{}}})"
            << R"([{"op":"move","from":"/a","path":"/a/b/c"}])"
            << "operation 0 (move /a/b/c): cannot move a value into one of its own children";
        QTest::newRow("remove the document")
            << R"({"a":1})"
            << R"([{"op":"remove","path":""}])"
            << "operation 0 (remove \"\"): cannot remove the whole document";
        QTest::newRow("operation not an object") << R"({"a":1})"
                                                 << "[1]"
                                                 << "operation 0: must be an object, not number";
        QTest::newRow("not a list") << R"({"a":1})"
                                    << R"({"op":"add","path":"/b","value":1})"
                                    << "a JSON patch must be a list of operations, not object";
    }

    void rejectsJsonPatches()
    {
        QFETCH(QString, target);
        QFETCH(QString, operations);
        QFETCH(QString, error);
        const auto patched = applyJsonPatch(json(target), json(operations));
        QVERIFY(!patched.ok());
        QCOMPARE(qs(patched.error().message()), error);
    }

    void appliesStrategicMergePatches_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("patch");
        QTest::addColumn<QString>("pointer"); // where to look in the result
        QTest::addColumn<QString>("expected");

        const QString web = R"({"name":"web","image":"nginx:1.24","args":["-g","daemon off;"],
            "ports":[{"containerPort":80,"protocol":"TCP"}],
            "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
            "envFrom":[{"configMapRef":{"name":"cfg"}}],
            "volumeMounts":[{"name":"data","mountPath":"/data"}]})";
        const auto webWith = [&](const QString &field, const QString &value) {
            Json container = json(web);
            container[field.toStdString()] = json(value);
            return qs(container.dump());
        };
        const QString sidecar = R"({"name":"sidecar","image":"busybox"})";

        QTest::newRow("kubectl set image")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},
                   {"name":"sidecar"}],"containers":[{"image":"nginx:1.25","name":"web"}]}}}})"
            << kContainers << "[" + webWith("image", "\"nginx:1.25\"") + "," + sidecar + "]";
        QTest::newRow("apply adds a container")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},
                   {"name":"sidecar"},{"name":"log"}],"containers":[{"image":"fluentd","name":"log"}]}}}})"
            << kContainers << "[" + web + "," + sidecar + R"(,{"name":"log","image":"fluentd"}])";
        QTest::newRow("apply puts a new container where the order says")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"log"},
                   {"name":"web"},{"name":"sidecar"}],"containers":[{"image":"fluentd","name":"log"}]}}}})"
            << kContainers << R"([{"name":"log","image":"fluentd"},)" + web + "," + sidecar + "]";
        QTest::newRow("without an order, new items come first")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"containers":[{"image":"fluentd","name":"log"}]}}}})"
            << kContainers << R"([{"name":"log","image":"fluentd"},)" + web + "," + sidecar + "]";
        QTest::newRow("apply removes a container")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],
                   "containers":[{"$patch":"delete","name":"sidecar"}]}}}})"
            << kContainers << "[" + web + "]";
        QTest::newRow("delete directive alone")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"containers":[{"$patch":"delete","name":"web"}]}}}})"
            << kContainers << "[" + sidecar + "]";
        QTest::newRow("order alone reorders")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},
                   {"name":"web"}]}}}})"
            << kContainers << "[" + sidecar + "," + web + "]";
        QTest::newRow("replace directive as a list item")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},
                   {"name":"only","image":"x"}]}}}})"
            << kContainers << R"([{"name":"only","image":"x"}])";
        QTest::newRow("apply adds an env var")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},
                   {"name":"sidecar"}],"containers":[{"$setElementOrder/env":[{"name":"A"},
                   {"name":"C"},{"name":"B"}],"env":[{"name":"C","value":"3"}],"name":"web"}]}}}})"
            << kContainers + "/0/env"
            << R"([{"name":"A","value":"1"},{"name":"C","value":"3"},{"name":"B","value":"2"}])";
        QTest::newRow("apply removes an env var")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},
                   {"name":"sidecar"}],"containers":[{"$setElementOrder/env":[{"name":"B"}],
                   "env":[{"$patch":"delete","name":"A"}],"name":"web"}]}}}})"
            << kContainers + "/0/env"
            << R"([{"name":"B","value":"2"}])";
        QTest::newRow("kubectl set env changes a value")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"containers":[{"env":[{"name":"A","value":"9"}],
                   "name":"web"}]}}}})"
            << kContainers + "/0/env"
            << R"([{"name":"A","value":"9"},{"name":"B","value":"2"}])";
        QTest::newRow("apply adds a port")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"containers":[{"$setElementOrder/ports":
                   [{"containerPort":80},{"containerPort":443}],"name":"web",
                   "ports":[{"containerPort":443,"protocol":"TCP"}]}]}}}})"
            << kContainers + "/0/ports"
            << R"([{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP"}])";
        QTest::newRow("apply removes a port")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"containers":[{"$setElementOrder/ports":[],
                   "name":"web","ports":[{"$patch":"delete","containerPort":80}]}]}}}})"
            << kContainers + "/0/ports"
            << "[]";
        QTest::newRow("volume mounts merge by mount path")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"containers":[{"name":"web","volumeMounts":
                   [{"mountPath":"/data","name":"other","readOnly":true}]}]}}}})"
            << kContainers + "/0/volumeMounts"
            << R"([{"name":"other","mountPath":"/data","readOnly":true}])";
        QTest::newRow("envFrom is replaced")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"containers":[{"name":"web",
                   "envFrom":[{"secretRef":{"name":"s"}}]}]}}}})"
            << kContainers + "/0/envFrom"
            << R"([{"secretRef":{"name":"s"}}])";
        QTest::newRow("args are replaced")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"containers":[{"name":"web","args":["-v"]}]}}}})"
            << kContainers + "/0/args"
            << R"(["-v"])";
        QTest::newRow("tolerations are replaced")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}}}})"
            << "/spec/template/spec/tolerations"
            << R"([{"key":"b","operator":"Exists"}])";
        QTest::newRow("volumes merge by name, with retainKeys for the source")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"volumes":[{"$retainKeys":["hostPath","name"],
                   "hostPath":{"path":"/srv"},"name":"data"}]}}}})"
            << "/spec/template/spec/volumes"
            << R"([{"name":"data","hostPath":{"path":"/srv"}},{"name":"cfg","configMap":{"name":"c"}}])";
        QTest::newRow("rollout restart annotates the template")
            << "Deployment" << kDeployment << R"({"spec":{"template":{"metadata":{"annotations":
                   {"kubectl.kubernetes.io/restartedAt":"2024-05-01T10:00:00Z"}}}}})"
            << "/spec/template/metadata"
            << R"({"labels":{"app":"web"},"annotations":
                   {"kubectl.kubernetes.io/restartedAt":"2024-05-01T10:00:00Z"}})";
        QTest::newRow("apply adds a label")
            << "Deployment" << kDeployment << R"({"metadata":{"labels":{"tier":"fe"}}})"
            << "/metadata/labels"
            << R"({"app":"web","tier":"fe"})";
        QTest::newRow("apply removes a label")
            << "Deployment" << kDeployment << R"({"metadata":{"labels":{"app":null}}})"
            << "/metadata/labels"
            << "{}";
        QTest::newRow("null for a missing key does nothing")
            << "Deployment" << kDeployment << R"({"spec":{"paused":null}})"
            << "/spec/paused"
            << "\"absent\"";
        QTest::newRow("strategy to Recreate with retainKeys")
            << "Deployment" << kDeployment
            << R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null}}})"
            << "/spec/strategy"
            << R"({"type":"Recreate"})";
        QTest::newRow("retainKeys clears what it does not list")
            << "Deployment" << kDeployment << R"({"spec":{"strategy":{"$retainKeys":["type"]}}})"
            << "/spec/strategy"
            << R"({"type":"RollingUpdate"})";
        QTest::newRow("replace directive on a map")
            << "Deployment" << kDeployment
            << R"({"spec":{"selector":{"$patch":"replace","matchLabels":{"run":"web"}}}})"
            << "/spec/selector"
            << R"({"matchLabels":{"run":"web"}})";
        QTest::newRow("delete directive on a map")
            << "Deployment" << kDeployment << R"({"spec":{"strategy":{"$patch":"delete"}}})"
            << "/spec/strategy"
            << "{}";
        QTest::newRow("replace directive on the object")
            << "Deployment" << kDeployment
            << R"({"$patch":"replace","kind":"Deployment","metadata":{"name":"x"}})"
            << ""
            << R"({"kind":"Deployment","metadata":{"name":"x"}})";
        QTest::newRow("finalizers merge as a set")
            << "Deployment" << kDeployment << R"({"metadata":{"finalizers":["c","a"]}})"
            << "/metadata/finalizers"
            << R"(["c","a","b"])";
        QTest::newRow("delete from a primitive list")
            << "Deployment" << kDeployment
            << R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}})"
            << "/metadata/finalizers"
            << R"(["b"])";
        QTest::newRow("apply changes finalizers")
            << "Deployment" << kDeployment
            << R"({"metadata":{"$setElementOrder/finalizers":["a","c"],
                   "$deleteFromPrimitiveList/finalizers":["b"],"finalizers":["c"]}})"
            << "/metadata/finalizers"
            << R"(["a","c"])";
        QTest::newRow("delete from a list that is not there")
            << "Pod" << kPod << R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["x"]}})"
            << "/metadata"
            << R"({"name":"web"})";
        QTest::newRow("owner references merge by uid")
            << "Deployment" << kDeployment
            << R"({"metadata":{"ownerReferences":[{"uid":"u1","controller":true}]}})"
            << "/metadata/ownerReferences"
            << R"([{"uid":"u1","kind":"Thing","name":"t","controller":true}])";
        QTest::newRow("status conditions merge by type")
            << "Deployment" << kDeployment
            << R"({"status":{"$setElementOrder/conditions":[{"type":"Available"},
                   {"type":"Progressing"}],"conditions":[{"status":"True","type":"Available"}]}})"
            << "/status"
            << R"({"conditions":[{"type":"Available","status":"True"},{"type":"Progressing","status":"True"}]})";
        QTest::newRow("new subtree loses directives and nulls")
            << "Deployment"
            << R"({"kind":"Deployment","spec":{"template":{}}})"
            << R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],
                   "containers":[{"name":"a","image":"x","command":null,
                   "securityContext":{"$patch":"replace","runAsUser":1}},
                   {"name":"gone","$patch":"delete"}]}}}})"
            << "/spec/template"
            << R"({"spec":{"containers":[{"name":"a","image":"x","securityContext":{"runAsUser":1}}]}})";
        QTest::newRow("a scalar replaces a map")
            << "Deployment" << kDeployment << R"({"spec":{"strategy":"Recreate"}})"
            << "/spec/strategy"
            << R"("Recreate")";
        QTest::newRow("unknown kind: lists are replaced")
            << "Widget" << kDeployment
            << R"({"spec":{"template":{"spec":{"containers":[{"image":"nginx:1.25","name":"web"}]}}}})"
            << kContainers << R"([{"image":"nginx:1.25","name":"web"}])";
        QTest::newRow("unknown kind: metadata still merges")
            << "Widget" << kDeployment << R"({"metadata":{"finalizers":["c"]}})"
            << "/metadata/finalizers"
            << R"(["c","a","b"])";

        // The pod template's place, by kind.
        const QString oneImage = R"({"containers":[{"name":"c","image":"new"}]})";
        const QString merged = R"([{"name":"c","image":"new","args":["x"]}])";
        for (const auto &[kind, path] : {std::pair{"Pod", "spec"},
                                         {"Deployment", "spec.template.spec"},
                                         {"ReplicaSet", "spec.template.spec"},
                                         {"StatefulSet", "spec.template.spec"},
                                         {"DaemonSet", "spec.template.spec"},
                                         {"Job", "spec.template.spec"},
                                         {"CronJob", "spec.jobTemplate.spec.template.spec"}})
            QTest::addRow("pod template of a %s", kind)
                << kind << workload(kind, path) << patchAt(path, oneImage)
                << "/" + QString(path).replace('.', '/') + "/containers" << merged;

        QTest::newRow("pod init containers merge by name")
            << "Pod" << kPod << R"({"spec":{"initContainers":[{"name":"init","image":"alpine"}]}})"
            << "/spec/initContainers"
            << R"([{"name":"init","image":"alpine","command":["true"]}])";
        QTest::newRow("pod volume devices merge by device path")
            << "Pod" << kPod
            << R"({"spec":{"containers":[{"name":"web","volumeDevices":[{"devicePath":"/dev/xvda",
                   "name":"raw2"}]}]}})"
            << "/spec/containers/0/volumeDevices"
            << R"([{"name":"raw2","devicePath":"/dev/xvda"}])";
        QTest::newRow("image pull secrets merge by name")
            << "Pod" << kPod << R"({"spec":{"imagePullSecrets":[{"name":"other"}]}})"
            << "/spec/imagePullSecrets"
            << R"([{"name":"other"},{"name":"regcred"}])";
        QTest::newRow("host aliases merge by ip")
            << "Pod" << kPod
            << R"({"spec":{"hostAliases":[{"ip":"10.1.1.1","hostnames":["b.local"]}]}})"
            << "/spec/hostAliases"
            << R"([{"ip":"10.1.1.1","hostnames":["b.local"]}])";
        QTest::newRow("topology spread constraints merge by topology key")
            << "Pod" << kPod
            << R"({"spec":{"topologySpreadConstraints":[{"topologyKey":"zone","maxSkew":2}]}})"
            << "/spec/topologySpreadConstraints"
            << R"([{"topologyKey":"zone","maxSkew":2}])";
        QTest::newRow("pod status conditions and IPs")
            << "Pod" << kPod << R"({"status":{"conditions":[{"type":"Ready","status":"True"}],
                   "podIPs":[{"ip":"fd00::5"}]}})"
            << "/status"
            << R"({"phase":"Running","conditions":[{"type":"Ready","status":"True"}],
                   "podIPs":[{"ip":"fd00::5"},{"ip":"10.0.0.5"}]})";
        QTest::newRow("kubectl cordon")
            << "Node" << kNode << R"({"spec":{"unschedulable":true}})"
            << "/spec"
            << R"({"podCIDRs":["10.244.0.0/24"],"taints":[{"key":"a","effect":"NoSchedule"}],
                   "unschedulable":true})";
        QTest::newRow("node taints are replaced")
            << "Node" << kNode << R"({"spec":{"taints":[{"key":"b","effect":"NoExecute"}]}})"
            << "/spec/taints"
            << R"([{"key":"b","effect":"NoExecute"}])";
        QTest::newRow("node pod CIDRs merge as a set")
            << "Node" << kNode << R"({"spec":{"podCIDRs":["10.244.0.0/24","fd00::/64"]}})"
            << "/spec/podCIDRs"
            << R"(["10.244.0.0/24","fd00::/64"])";
        QTest::newRow("node addresses merge by type")
            << "Node" << kNode
            << R"({"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.2"}]}})"
            << "/status/addresses"
            << R"([{"type":"InternalIP","address":"10.0.0.2"},{"type":"Hostname","address":"node1"}])";
        QTest::newRow("kubelet heartbeat merges conditions by type")
            << "Node" << kNode
            << R"({"status":{"$setElementOrder/conditions":[{"type":"MemoryPressure"},{"type":"Ready"}],
                   "conditions":[{"type":"Ready","status":"True"}]}})"
            << "/status/conditions"
            << R"([{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}])";
        QTest::newRow("service ports merge by port")
            << "Service"
            << R"({"kind":"Service","spec":{"ports":[{"name":"http","port":80,"targetPort":8080}]}})"
            << R"({"spec":{"$setElementOrder/ports":[{"port":80},{"port":443}],
                   "ports":[{"port":80,"targetPort":9090},{"name":"https","port":443}]}})"
            << "/spec/ports"
            << R"([{"name":"http","port":80,"targetPort":9090},{"name":"https","port":443}])";
        QTest::newRow("service account secrets merge by name")
            << "ServiceAccount"
            << R"({"kind":"ServiceAccount","secrets":[{"name":"a"}]})"
            << R"({"secrets":[{"name":"b"}]})"
            << "/secrets"
            << R"([{"name":"b"},{"name":"a"}])";
        QTest::newRow("namespace conditions merge by type")
            << "Namespace"
            << R"({"kind":"Namespace","status":{"phase":"Active","conditions":[{"type":"A","status":"False"}]}})"
            << R"({"status":{"conditions":[{"type":"B","status":"True"}]}})"
            << "/status/conditions"
            << R"([{"type":"B","status":"True"},{"type":"A","status":"False"}])";
    }

    void appliesStrategicMergePatches()
    {
        QFETCH(QString, kind);
        QFETCH(QString, target);
        QFETCH(QString, patch);
        QFETCH(QString, pointer);
        QFETCH(QString, expected);
        const auto patched =
            applyStrategicMergePatch(json(target), json(patch), kind.toStdString());
        QVERIFY2(patched.ok(), patched.ok() ? "" : patched.error().message().c_str());
        const Json::json_pointer at(pointer.toStdString());
        const Json found = patched->contains(at) ? (*patched)[at] : Json("absent");
        QCOMPARE(qs(found.dump()), qs(json(expected).dump()));
    }

    // Everything the patch does not name is left as it was.
    void strategicMergeKeepsTheRest()
    {
        const Json original = json(kDeployment);
        const auto patched = applyStrategicMergePatch(
            original,
            json(
                R"({"spec":{"template":{"spec":{"containers":[{"image":"nginx:1.25","name":"web"}]}}}})"),
            "Deployment");
        QVERIFY(patched.ok());
        Json expected = original;
        expected["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.25";
        QCOMPARE(qs(patched->dump()), qs(expected.dump()));
    }

    void rejectsStrategicMergePatches_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("patch");
        QTest::addColumn<QString>("error");

        QTest::newRow("container without its merge key")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"containers":[{"image":"nginx:1.25"}]}}}})"
            << "map: map[image:nginx:1.25] does not contain declared merge key: name";
        QTest::newRow("delete item without its merge key")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"containers":[{"$patch":"delete"}]}}}})"
            << "map: map[$patch:delete] does not contain declared merge key: name";
        QTest::newRow("merge directive on a map")
            << "Deployment" << kDeployment
            << R"({"spec":{"strategy":{"$patch":"merge","type":"Recreate"}}})"
            << "unknown patch type: merge in map: map[$patch:merge type:Recreate]";
        QTest::newRow("unknown directive value on a map")
            << "Deployment" << kDeployment << R"({"spec":{"$patch":"bogus"}})"
            << "unknown patch type: bogus in map: map[$patch:bogus]";
        QTest::newRow("directive value not a string")
            << "Deployment" << kDeployment << R"({"spec":{"$patch":1}})"
            << "unknown patch type: %!s(int64=1) in map: map[$patch:1]";
        QTest::newRow("merge directive in a list")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"containers":[{"$patch":"merge","name":"web"}]}}}})"
            << "merging lists cannot yet be specified in the patch";
        QTest::newRow("unknown directive in a list")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"containers":[{"$patch":"bogus","name":"web"}]}}}})"
            << "unknown patch type: bogus in map: map[$patch:bogus name:web]";
        QTest::newRow("retainKeys not a list")
            << "Deployment" << kDeployment << R"({"spec":{"strategy":{"$retainKeys":"type"}}})"
            << "invalid patch format of retainKeys";
        QTest::newRow("retainKeys without a key the patch sets")
            << "Deployment" << kDeployment
            << R"({"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{"maxSurge":1}}}})"
            << "invalid patch format of retainKeys";
        QTest::newRow("order directive without a field")
            << "Deployment" << kDeployment << R"({"metadata":{"$setElementOrder":["a"]}})"
            << "invalid patch format of setElementOrder list";
        QTest::newRow("order directive not a list")
            << "Deployment" << kDeployment << R"({"metadata":{"$setElementOrder/finalizers":"a"}})"
            << "expected a []interface {}, but received a string";
        QTest::newRow("order directive on a field that is not a list")
            << "Deployment" << kDeployment << R"({"metadata":{"$setElementOrder/labels":["a"]}})"
            << "expected a []interface {}, but received a map[string]interface {}";
        QTest::newRow("patch items missing from the order")
            << "Deployment" << kDeployment
            << R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],
                   "containers":[{"name":"x","image":"i"}]}}}})"
            << "The order in patch list:\n[map[image:i name:x]]\n doesn't match $setElementOrder "
               "list:\n[map[name:web]]\n";
        QTest::newRow("delete list directive without a field")
            << "Deployment" << kDeployment
            << R"({"metadata":{"$deleteFromPrimitiveListfinalizers":["a"]}})"
            << "invalid patch format of primitive list";
        QTest::newRow("unknown directive")
            << "Deployment" << kDeployment << R"({"metadata":{"$frobnicate":1}})"
            << "unknown patch directive \"$frobnicate\"";
        QTest::newRow("unknown directive in a new subtree")
            << "Deployment" << kDeployment << R"({"spec":{"template":{"spec":{"$x":{}}}}})"
            << "unknown patch directive \"$x\"";
        QTest::newRow("lists of lists") << "Deployment"
                                        << R"({"kind":"Deployment","metadata":{"finalizers":[]}})"
                                        << R"({"metadata":{"finalizers":[["a"]]}})"
                                        << "lists of lists are not supported";
        QTest::newRow("mixed item types")
            << "Deployment" << kDeployment << R"({"metadata":{"finalizers":[1]}})"
            << "list element types are not identical: [[a b] [1]]";
        QTest::newRow("objects in a set of strings")
            << "Deployment"
            << R"({"kind":"Deployment","metadata":{"finalizers":[]}})"
            << R"({"metadata":{"finalizers":[{"x":1}]}})"
            << "cannot merge lists without merge key for type string";
        QTest::newRow("object entry without its merge key")
            << "Deployment"
            << R"({"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}})"
            << R"({"spec":{"template":{"spec":{"containers":[{"name":"web","image":"y"}]}}}})"
            << "map: map[image:x] does not contain declared merge key: name";
        QTest::newRow("patch not an object") << "Deployment" << kDeployment << R"([{"op":"add"}])"
                                             << "invalid JSON document";
        QTest::newRow("object not an object") << "Deployment"
                                              << "[]"
                                              << "{}"
                                              << "invalid JSON document";
    }

    void rejectsStrategicMergePatches()
    {
        QFETCH(QString, kind);
        QFETCH(QString, target);
        QFETCH(QString, patch);
        QFETCH(QString, error);
        const auto patched =
            applyStrategicMergePatch(json(target), json(patch), kind.toStdString());
        QVERIFY(!patched.ok());
        QCOMPARE(qs(patched.error().message()), error);
    }
};

QTEST_GUILESS_MAIN(TestKubePatch)
#include "tst_kube_patch.moc"
