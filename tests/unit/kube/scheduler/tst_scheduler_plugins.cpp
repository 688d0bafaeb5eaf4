// The scheduler's pure parts, checked against numbers worked out by hand: resource quantities,
// what a pod requests, each filter plugin's verdict and its exact words, each score plugin's
// arithmetic, a whole cycle's table, tie-breaking, the FailedScheduling message, and the queue.

#include "engine/kube/scheduler/Quantity.h"
#include "engine/kube/scheduler/SchedulingCycle.h"
#include "engine/kube/scheduler/SchedulingQueue.h"

#include <QTest>
#include <random>
#include <set>

using namespace flowlab;
using namespace flowlab::kube;
using namespace flowlab::kube::scheduling;

namespace {

constexpr std::int64_t Mi = 1024 * 1024;
constexpr std::int64_t Gi = 1024 * Mi;

Json parse(const QByteArray &text)
{
    return Json::parse(text.toStdString());
}

// Json compared as its text, which QTest can print when they differ.
QString text(const Json &value)
{
    return QString::fromStdString(value.dump());
}

// A node with allocatable cpu/memory/pods (and any extra), labels and taints as given.
Json node(const std::string &name, const std::string &cpu = "4", const std::string &memory = "8Gi",
          Json extra = Json::object())
{
    Json object = {
        {"apiVersion", "v1"},
        {"kind", "Node"},
        {"metadata", {{"name", name}}},
        {"spec", Json::object()},
        {"status", {{"allocatable", {{"cpu", cpu}, {"memory", memory}, {"pods", "110"}}}}}};
    object.merge_patch(extra);
    return object;
}

// A pod with one container requesting cpu/memory (none when empty), merged with `extra`.
Json pod(const std::string &name, const std::string &cpu = {}, const std::string &memory = {},
         Json extra = Json::object())
{
    Json requests = Json::object();
    if (!cpu.empty())
        requests["cpu"] = cpu;
    if (!memory.empty())
        requests["memory"] = memory;
    Json container = {{"name", "c"}, {"image", "nginx"}};
    if (!requests.empty())
        container["resources"] = {{"requests", requests}};
    Json object = {{"apiVersion", "v1"},
                   {"kind", "Pod"},
                   {"metadata", {{"name", name}, {"namespace", "default"}, {"uid", name + "-uid"}}},
                   {"spec", {{"containers", Json::array({container})}}}};
    object.merge_patch(extra);
    return object;
}

NodeInfo nodeWith(const Json &nodeObject, const std::vector<Json> &pods = {})
{
    NodeInfo info(nodeObject);
    for (const Json &p : pods)
        info.addPod(PodInfo(p));
    return info;
}

TieBreaker first()
{
    return [](std::size_t) { return std::size_t(0); };
}

const FilterPlugin *filterNamed(const QString &name)
{
    for (const FilterPlugin &plugin : filterPlugins())
        if (QString::fromUtf8(plugin.name.data(), int(plugin.name.size())) == name)
            return &plugin;
    return nullptr;
}

} // namespace

class TestSchedulerPlugins : public QObject
{
    Q_OBJECT

private slots:
    void quantities_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("value");
        QTest::addColumn<qint64>("milli");
        QTest::newRow("millicores") << "100m" << qint64(1) << qint64(100);
        QTest::newRow("one") << "1" << qint64(1) << qint64(1000);
        QTest::newRow("decimal fraction") << "0.5" << qint64(1) << qint64(500);
        QTest::newRow("leading point") << ".25" << qint64(1) << qint64(250);
        QTest::newRow("value rounds up") << "1500m" << qint64(2) << qint64(1500);
        QTest::newRow("milli rounds up") << "100u" << qint64(1) << qint64(1);
        QTest::newRow("mebibytes") << "128Mi" << qint64(128 * Mi) << qint64(128 * Mi * 1000);
        QTest::newRow("fractional gibibytes")
            << "1.5Gi" << qint64(3 * Gi / 2) << qint64(3 * Gi / 2 * 1000);
        QTest::newRow("kibibyte") << "1Ki" << qint64(1024) << qint64(1024000);
        QTest::newRow("SI giga") << "1G" << qint64(1000000000) << qint64(1000000000000);
        QTest::newRow("SI kilo") << "2k" << qint64(2000) << qint64(2000000);
        QTest::newRow("exa suffix") << "1E" << qint64(1000000000000000000) << qint64(INT64_MAX);
        QTest::newRow("exponent") << "1e3" << qint64(1000) << qint64(1000000);
        QTest::newRow("capital exponent") << "1E3" << qint64(1000) << qint64(1000000);
        QTest::newRow("negative exponent") << "5e-1" << qint64(1) << qint64(500);
        QTest::newRow("plus sign") << "+5" << qint64(5) << qint64(5000);
        QTest::newRow("zero") << "0" << qint64(0) << qint64(0);
        QTest::newRow("too large saturates") << "100Ei" << qint64(INT64_MAX) << qint64(INT64_MAX);
    }
    void quantities()
    {
        QFETCH(QString, text);
        QFETCH(qint64, value);
        QFETCH(qint64, milli);
        const auto parsed = Quantity::parse(text.toStdString());
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message().c_str());
        QCOMPARE(qint64(parsed->value()), value);
        QCOMPARE(qint64(parsed->milliValue()), milli);
    }

    void badQuantities_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("error");
        const QString format = "quantities must match the regular expression "
                               "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
        QTest::newRow("empty") << "" << format;
        QTest::newRow("no number") << "Mi" << format;
        QTest::newRow("two points") << "1.2.3" << format;
        QTest::newRow("not a suffix letter") << "1Mx" << format;
        QTest::newRow("unknown suffix") << "5K"
                                        << "unable to parse quantity's suffix";
        QTest::newRow("bare e") << "1e"
                                << "unable to parse quantity's suffix";
    }
    void badQuantities()
    {
        QFETCH(QString, text);
        QFETCH(QString, error);
        const auto parsed = Quantity::parse(text.toStdString());
        QVERIFY(!parsed.ok());
        QCOMPARE(QString::fromStdString(parsed.error().message()), error);
    }

    void podRequestsCountInitContainers_data()
    {
        QTest::addColumn<QByteArray>("spec");
        QTest::addColumn<bool>("nonZero");
        QTest::addColumn<qint64>("cpu");
        QTest::addColumn<qint64>("memory");
        // The example in the real fit.go: containers add up (3 cpu, 2G); init containers run
        // one at a time, so the largest counts (3G of memory).
        QTest::newRow("init containers: the larger of sum and largest")
            << QByteArray(R"({"containers":[{"resources":{"requests":{"cpu":"2","memory":"1G"}}},
                                           {"resources":{"requests":{"cpu":"1","memory":"1G"}}}],
                              "initContainers":[{"resources":{"requests":{"cpu":"2","memory":"1G"}}},
                                                {"resources":{"requests":{"cpu":"2","memory":"3G"}}}]})")
            << false << qint64(3000) << qint64(3000000000);
        // A sidecar (200m) runs beside the init container after it (2 cpu: 2.2 while it
        // runs) and beside the app container (1 cpu: 1.2 after).
        QTest::newRow("sidecar counts beside what starts after it")
            << QByteArray(R"({"containers":[{"resources":{"requests":{"cpu":"1"}}}],
                              "initContainers":[{"restartPolicy":"Always","resources":{"requests":{"cpu":"200m"}}},
                                                {"resources":{"requests":{"cpu":"2"}}}]})")
            << false << qint64(2200) << qint64(0);
        QTest::newRow("overhead comes on top")
            << QByteArray(
                   R"({"containers":[{"resources":{"requests":{"cpu":"250m","memory":"64Mi"}}}],
                              "overhead":{"cpu":"50m","memory":"16Mi"}})")
            << false << qint64(300) << qint64(80 * Mi);
        QTest::newRow("no requests count as nothing when filtering")
            << QByteArray(R"({"containers":[{},{}]})") << false << qint64(0) << qint64(0);
        QTest::newRow("no requests count as 100m and 200Mi each when scoring")
            << QByteArray(R"({"containers":[{},{}]})") << true << qint64(200) << qint64(400 * Mi);
        QTest::newRow("an explicit zero stays zero when scoring")
            << QByteArray(R"({"containers":[{"resources":{"requests":{"cpu":"0"}}}]})") << true
            << qint64(0) << qint64(200 * Mi);
    }
    void podRequestsCountInitContainers()
    {
        QFETCH(QByteArray, spec);
        QFETCH(bool, nonZero);
        QFETCH(qint64, cpu);
        QFETCH(qint64, memory);
        const ResourceAmounts requests = podRequests(Json{{"spec", parse(spec)}}, nonZero);
        QCOMPARE(qint64(amount(requests, "cpu")), cpu);
        QCOMPARE(qint64(amount(requests, "memory")), memory);
    }

    void filters_data()
    {
        QTest::addColumn<QString>("plugin");
        QTest::addColumn<QByteArray>("podPatch");
        QTest::addColumn<QByteArray>("nodePatch");
        QTest::addColumn<QByteArray>("podsOnNode");
        QTest::addColumn<QString>("reason"); // empty: passes

        const QByteArray none = "{}";
        const QByteArray noPods = "[]";
        const QByteArray cordoned = R"({"spec":{"unschedulable":true}})";
        QTest::newRow("NodeUnschedulable: schedulable")
            << "NodeUnschedulable" << none << none << noPods << "";
        QTest::newRow("NodeUnschedulable: cordoned")
            << "NodeUnschedulable" << none << cordoned << noPods << "node(s) were unschedulable";
        QTest::newRow("NodeUnschedulable: cordoned, tolerated")
            << "NodeUnschedulable"
            << QByteArray(
                   R"({"spec":{"tolerations":[{"key":"node.kubernetes.io/unschedulable","operator":"Exists","effect":"NoSchedule"}]}})")
            << cordoned << noPods << "";

        QTest::newRow("NodeName: none asked") << "NodeName" << none << none << noPods << "";
        QTest::newRow("NodeName: this node")
            << "NodeName" << QByteArray(R"({"spec":{"nodeName":"node1"}})") << none << noPods << "";
        QTest::newRow("NodeName: another node")
            << "NodeName" << QByteArray(R"({"spec":{"nodeName":"node2"}})") << none << noPods
            << "node(s) didn't match the requested node name";

        const QByteArray controlPlane =
            R"({"spec":{"taints":[{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}]}})";
        const QByteArray dedicated =
            R"({"spec":{"taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]}})";
        QTest::newRow("TaintToleration: untainted")
            << "TaintToleration" << none << none << noPods << "";
        QTest::newRow("TaintToleration: untolerated, empty value")
            << "TaintToleration" << none << controlPlane << noPods
            << "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }";
        QTest::newRow("TaintToleration: Exists on the key")
            << "TaintToleration"
            << QByteArray(
                   R"({"spec":{"tolerations":[{"key":"node-role.kubernetes.io/control-plane","operator":"Exists"}]}})")
            << controlPlane << noPods << "";
        QTest::newRow("TaintToleration: empty key with Exists tolerates everything")
            << "TaintToleration"
            << QByteArray(R"({"spec":{"tolerations":[{"operator":"Exists"}]}})") << dedicated
            << noPods << "";
        QTest::newRow("TaintToleration: Equal, same value")
            << "TaintToleration"
            << QByteArray(
                   R"({"spec":{"tolerations":[{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"}]}})")
            << dedicated << noPods << "";
        QTest::newRow("TaintToleration: no operator means Equal")
            << "TaintToleration"
            << QByteArray(R"({"spec":{"tolerations":[{"key":"dedicated","value":"gpu"}]}})")
            << dedicated << noPods << "";
        QTest::newRow("TaintToleration: Equal, other value")
            << "TaintToleration"
            << QByteArray(
                   R"({"spec":{"tolerations":[{"key":"dedicated","operator":"Equal","value":"db"}]}})")
            << dedicated << noPods << "node(s) had untolerated taint {dedicated: gpu}";
        QTest::newRow("TaintToleration: other effect")
            << "TaintToleration"
            << QByteArray(
                   R"({"spec":{"tolerations":[{"key":"dedicated","operator":"Exists","effect":"NoExecute"}]}})")
            << dedicated << noPods << "node(s) had untolerated taint {dedicated: gpu}";
        QTest::newRow("TaintToleration: NoExecute filters too")
            << "TaintToleration" << none
            << QByteArray(
                   R"({"spec":{"taints":[{"key":"node.kubernetes.io/not-ready","effect":"NoExecute"}]}})")
            << noPods << "node(s) had untolerated taint {node.kubernetes.io/not-ready: }";
        QTest::newRow("TaintToleration: PreferNoSchedule only scores")
            << "TaintToleration" << none
            << QByteArray(
                   R"({"spec":{"taints":[{"key":"spot","value":"yes","effect":"PreferNoSchedule"}]}})")
            << noPods << "";

        const QByteArray labelled = R"({"metadata":{"labels":{"disk":"ssd","cores":"8"}}})";
        const QString affinity = "node(s) didn't match Pod's node affinity/selector";
        auto required = [](const char *terms) {
            return QByteArray(
                       R"({"spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":)") +
                   terms + "}}}}}";
        };
        QTest::newRow("NodeAffinity: nodeSelector matches")
            << "NodeAffinity" << QByteArray(R"({"spec":{"nodeSelector":{"disk":"ssd"}}})")
            << labelled << noPods << "";
        QTest::newRow("NodeAffinity: nodeSelector differs")
            << "NodeAffinity" << QByteArray(R"({"spec":{"nodeSelector":{"disk":"hdd"}}})")
            << labelled << noPods << affinity;
        QTest::newRow("NodeAffinity: nodeSelector label missing")
            << "NodeAffinity" << QByteArray(R"({"spec":{"nodeSelector":{"gpu":"yes"}}})")
            << labelled << noPods << affinity;
        QTest::newRow("NodeAffinity: In")
            << "NodeAffinity"
            << required(
                   R"([{"matchExpressions":[{"key":"disk","operator":"In","values":["nvme","ssd"]}]}])")
            << labelled << noPods << "";
        QTest::newRow("NodeAffinity: In, no value matches")
            << "NodeAffinity"
            << required(
                   R"([{"matchExpressions":[{"key":"disk","operator":"In","values":["hdd"]}]}])")
            << labelled << noPods << affinity;
        QTest::newRow("NodeAffinity: NotIn")
            << "NodeAffinity"
            << required(
                   R"([{"matchExpressions":[{"key":"disk","operator":"NotIn","values":["ssd"]}]}])")
            << labelled << noPods << affinity;
        QTest::newRow("NodeAffinity: NotIn holds when the label is missing")
            << "NodeAffinity"
            << required(
                   R"([{"matchExpressions":[{"key":"zone","operator":"NotIn","values":["a"]}]}])")
            << labelled << noPods << "";
        QTest::newRow("NodeAffinity: Exists")
            << "NodeAffinity"
            << required(R"([{"matchExpressions":[{"key":"disk","operator":"Exists"}]}])")
            << labelled << noPods << "";
        QTest::newRow("NodeAffinity: DoesNotExist")
            << "NodeAffinity"
            << required(R"([{"matchExpressions":[{"key":"disk","operator":"DoesNotExist"}]}])")
            << labelled << noPods << affinity;
        QTest::newRow("NodeAffinity: Gt")
            << "NodeAffinity"
            << required(
                   R"([{"matchExpressions":[{"key":"cores","operator":"Gt","values":["4"]}]}])")
            << labelled << noPods << "";
        QTest::newRow("NodeAffinity: Gt, not greater")
            << "NodeAffinity"
            << required(
                   R"([{"matchExpressions":[{"key":"cores","operator":"Gt","values":["8"]}]}])")
            << labelled << noPods << affinity;
        QTest::newRow("NodeAffinity: Lt")
            << "NodeAffinity"
            << required(
                   R"([{"matchExpressions":[{"key":"cores","operator":"Lt","values":["16"]}]}])")
            << labelled << noPods << "";
        QTest::newRow("NodeAffinity: Lt on a label that is not a number")
            << "NodeAffinity"
            << required(
                   R"([{"matchExpressions":[{"key":"disk","operator":"Lt","values":["16"]}]}])")
            << labelled << noPods << affinity;
        QTest::newRow("NodeAffinity: matchFields metadata.name")
            << "NodeAffinity"
            << required(
                   R"([{"matchFields":[{"key":"metadata.name","operator":"In","values":["node1"]}]}])")
            << labelled << noPods << "";
        QTest::newRow("NodeAffinity: matchFields another name")
            << "NodeAffinity"
            << required(
                   R"([{"matchFields":[{"key":"metadata.name","operator":"In","values":["node2"]}]}])")
            << labelled << noPods << affinity;
        QTest::newRow("NodeAffinity: expressions in a term are ANDed")
            << "NodeAffinity"
            << required(
                   R"([{"matchExpressions":[{"key":"disk","operator":"In","values":["ssd"]},{"key":"cores","operator":"Gt","values":["8"]}]}])")
            << labelled << noPods << affinity;
        QTest::newRow("NodeAffinity: terms are ORed")
            << "NodeAffinity"
            << required(
                   R"([{"matchExpressions":[{"key":"disk","operator":"In","values":["hdd"]}]},{"matchExpressions":[{"key":"cores","operator":"Exists"}]}])")
            << labelled << noPods << "";
        QTest::newRow("NodeAffinity: an empty term matches nothing")
            << "NodeAffinity" << required(R"([{}])") << labelled << noPods << affinity;
        QTest::newRow("NodeAffinity: selector and affinity must both hold")
            << "NodeAffinity"
            << QByteArray(
                   R"({"spec":{"nodeSelector":{"disk":"hdd"},"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"disk","operator":"Exists"}]}]}}}}})")
            << labelled << noPods << affinity;

        auto withPort = [](const char *port) {
            return QByteArray(R"({"spec":{"containers":[{"name":"c","ports":[)") + port + "]}]}}";
        };
        const QByteArray taken80 = "[" + withPort(R"({"containerPort":80,"hostPort":8080})") + "]";
        const QString ports = "node(s) didn't have free ports for the requested pod ports";
        QTest::newRow("NodePorts: free")
            << "NodePorts" << withPort(R"({"containerPort":80,"hostPort":8081})") << none << taken80
            << "";
        QTest::newRow("NodePorts: taken")
            << "NodePorts" << withPort(R"({"containerPort":80,"hostPort":8080})") << none << taken80
            << ports;
        QTest::newRow("NodePorts: other protocol")
            << "NodePorts" << withPort(R"({"containerPort":80,"hostPort":8080,"protocol":"UDP"})")
            << none << taken80 << "";
        QTest::newRow("NodePorts: a specific address clashes with every address")
            << "NodePorts"
            << withPort(R"({"containerPort":80,"hostPort":8080,"hostIP":"10.0.0.1"})") << none
            << taken80 << ports;
        QTest::newRow("NodePorts: two specific addresses")
            << "NodePorts"
            << withPort(R"({"containerPort":80,"hostPort":8080,"hostIP":"10.0.0.1"})") << none
            << "[" + withPort(R"({"containerPort":80,"hostPort":8080,"hostIP":"10.0.0.2"})") + "]"
            << "";

        auto requesting = [](const char *requests) {
            return QByteArray(R"({"spec":{"containers":[{"name":"c","resources":{"requests":)") +
                   requests + "}}]}}";
        };
        const QByteArray halfFull = "[" + requesting(R"({"cpu":"2","memory":"4Gi"})") + "]";
        QTest::newRow("NodeResourcesFit: fits exactly")
            << "NodeResourcesFit" << requesting(R"({"cpu":"2","memory":"4Gi"})") << none << halfFull
            << "";
        QTest::newRow("NodeResourcesFit: cpu")
            << "NodeResourcesFit" << requesting(R"({"cpu":"2100m","memory":"1Gi"})") << none
            << halfFull << "Insufficient cpu";
        QTest::newRow("NodeResourcesFit: cpu and memory")
            << "NodeResourcesFit" << requesting(R"({"cpu":"3","memory":"5Gi"})") << none << halfFull
            << "Insufficient cpu, Insufficient memory";
        QTest::newRow("NodeResourcesFit: ephemeral-storage")
            << "NodeResourcesFit" << requesting(R"({"ephemeral-storage":"20Gi"})")
            << QByteArray(R"({"status":{"allocatable":{"ephemeral-storage":"10Gi"}}})") << noPods
            << "Insufficient ephemeral-storage";
        QTest::newRow("NodeResourcesFit: extended resource")
            << "NodeResourcesFit" << requesting(R"({"example.com/gpu":"1"})") << none << noPods
            << "Insufficient example.com/gpu";
        QTest::newRow("NodeResourcesFit: too many pods")
            << "NodeResourcesFit" << none
            << QByteArray(R"({"status":{"allocatable":{"pods":"1"}}})") << halfFull
            << "Too many pods";
        QTest::newRow("NodeResourcesFit: requesting nothing fits a full node")
            << "NodeResourcesFit" << none << QByteArray(R"({"status":{"allocatable":{"cpu":"1"}}})")
            << halfFull << "";
        QTest::newRow("NodeResourcesFit: init container larger than the node")
            << "NodeResourcesFit"
            << QByteArray(
                   R"({"spec":{"initContainers":[{"name":"i","resources":{"requests":{"cpu":"5"}}}]}})")
            << none << noPods << "Insufficient cpu";
    }
    void filters()
    {
        QFETCH(QString, plugin);
        QFETCH(QByteArray, podPatch);
        QFETCH(QByteArray, nodePatch);
        QFETCH(QByteArray, podsOnNode);
        QFETCH(QString, reason);
        std::vector<Json> existing;
        for (const Json &patch : parse(podsOnNode))
            existing.push_back(pod("existing", {}, {}, patch));
        const NodeInfo target = nodeWith(node("node1", "4", "8Gi", parse(nodePatch)), existing);
        const FilterPlugin *filter = filterNamed(plugin);
        QVERIFY2(filter, qPrintable("no filter plugin " + plugin));
        const FilterResult result =
            filter->filter(PodInfo(pod("web", {}, {}, parse(podPatch))), target);
        QString reasons;
        for (const std::string &r : result.reasons)
            reasons += (reasons.isEmpty() ? "" : ", ") + QString::fromStdString(r);
        QCOMPARE(reasons, reason);
        QCOMPARE(result.passed(), reason.isEmpty());
    }

    void filterCodesSayWhetherPreemptionCouldHelp()
    {
        const FilterResult taint = taintTolerationFilter(
            PodInfo(pod("web")),
            nodeWith(node("n", "4", "8Gi",
                          parse(R"({"spec":{"taints":[{"key":"a","effect":"NoSchedule"}]}})"))));
        QCOMPARE(taint.code, FilterResult::Code::UnschedulableAndUnresolvable);
        const FilterResult cpu =
            nodeResourcesFitFilter(PodInfo(pod("web", "8")), nodeWith(node("n")));
        QCOMPARE(cpu.code, FilterResult::Code::Unschedulable);
    }

    void leastRequestedArithmetic_data()
    {
        QTest::addColumn<qint64>("requested");
        QTest::addColumn<qint64>("capacity");
        QTest::addColumn<qint64>("score");
        QTest::newRow("empty") << qint64(0) << qint64(4000) << qint64(100);
        QTest::newRow("a quarter free") << qint64(3000) << qint64(4000) << qint64(25);
        QTest::newRow("truncates 62.5") << qint64(1500) << qint64(4000) << qint64(62);
        QTest::newRow("full") << qint64(4000) << qint64(4000) << qint64(0);
        QTest::newRow("overfull") << qint64(5000) << qint64(4000) << qint64(0);
        QTest::newRow("nothing allocatable") << qint64(0) << qint64(0) << qint64(0);
    }
    void leastRequestedArithmetic()
    {
        QFETCH(qint64, requested);
        QFETCH(qint64, capacity);
        QFETCH(qint64, score);
        QCOMPARE(qint64(leastRequestedScore(requested, capacity)), score);
    }

    void balancedArithmetic_data()
    {
        QTest::addColumn<std::vector<std::int64_t>>("requested");
        QTest::addColumn<std::vector<std::int64_t>>("capacity");
        QTest::addColumn<qint64>("score");
        // Equal fractions: no deviation.
        QTest::newRow("balanced") << std::vector<std::int64_t>{1500, 3 * Gi}
                                  << std::vector<std::int64_t>{4000, 8 * Gi} << qint64(100);
        // 0.5 and 0.25: std = 0.125, (1 - 0.125) * 100 = 87.5, truncated.
        QTest::newRow("half and quarter") << std::vector<std::int64_t>{2000, 2 * Gi}
                                          << std::vector<std::int64_t>{4000, 8 * Gi} << qint64(87);
        // 1.5 is capped at 1; 1 and 0: std = 0.5.
        QTest::newRow("capped at one") << std::vector<std::int64_t>{6000, 0}
                                       << std::vector<std::int64_t>{4000, 8 * Gi} << qint64(50);
        // 0.2, 0.5, 0.8: mean 0.5, variance 0.06, std 0.2449: 75.5, truncated.
        QTest::newRow("three resources") << std::vector<std::int64_t>{2, 5, 8}
                                         << std::vector<std::int64_t>{10, 10, 10} << qint64(75);
        QTest::newRow("one resource")
            << std::vector<std::int64_t>{3, 0} << std::vector<std::int64_t>{10, 0} << qint64(100);
    }
    void balancedArithmetic()
    {
        QFETCH(std::vector<std::int64_t>, requested);
        QFETCH(std::vector<std::int64_t>, capacity);
        QFETCH(qint64, score);
        QCOMPARE(qint64(balancedAllocationScore(requested, capacity)), score);
    }

    void normalizing()
    {
        std::vector<std::int64_t> scores{2, 5, 0};
        defaultNormalizeScore(scores, false);
        QCOMPARE(scores, (std::vector<std::int64_t>{40, 100, 0}));
        std::vector<std::int64_t> taints{1, 0, 2};
        defaultNormalizeScore(taints, true);
        QCOMPARE(taints, (std::vector<std::int64_t>{50, 100, 0}));
        std::vector<std::int64_t> zeros{0, 0};
        defaultNormalizeScore(zeros, true);
        QCOMPARE(zeros, (std::vector<std::int64_t>{100, 100}));
        std::vector<std::int64_t> noPreferences{0, 0};
        defaultNormalizeScore(noPreferences, false);
        QCOMPARE(noPreferences, (std::vector<std::int64_t>{0, 0}));
    }

    void pluginScores()
    {
        // 4 cpu / 8Gi with 1 cpu / 2Gi used, and a pod of 500m / 1Gi:
        // cpu (4000 - 1500) * 100 / 4000 = 62, memory (8 - 3) * 100 / 8 = 62: LeastAllocated 62.
        // Fractions 0.375 and 0.375: balanced 100.
        const NodeInfo busy = nodeWith(node("n"), {pod("old", "1", "2Gi")});
        const PodInfo web(pod("web", "500m", "1Gi"));
        QCOMPARE(nodeResourcesFitScore(web, busy), std::int64_t(62));
        QCOMPARE(balancedAllocationPluginScore(web, busy), std::int64_t(100));

        // A pod that requests nothing counts as 100m / 200Mi for LeastAllocated:
        // cpu (1000 - 100) * 100 / 1000 = 90, memory (1000Mi - 200Mi) * 100 / 1000Mi = 80: 85.
        const NodeInfo small = nodeWith(node("n", "1", "1000Mi"));
        QCOMPARE(nodeResourcesFitScore(PodInfo(pod("web")), small), std::int64_t(85));
        // ... but as nothing for BalancedAllocation (1.32): 0 and 0, balanced.
        QCOMPARE(balancedAllocationPluginScore(PodInfo(pod("web")), small), std::int64_t(100));

        const NodeInfo tainted = nodeWith(node("n", "4", "8Gi", parse(R"({"spec":{"taints":[
            {"key":"spot","effect":"PreferNoSchedule"},{"key":"slow","effect":"PreferNoSchedule"},
            {"key":"gpu","effect":"NoSchedule"}]}})")));
        QCOMPARE(taintTolerationScore(PodInfo(pod("web")), tainted), std::int64_t(2));
        QCOMPARE(taintTolerationScore(PodInfo(pod("web", {}, {}, parse(R"({"spec":{"tolerations":[
                     {"key":"spot","operator":"Exists","effect":"PreferNoSchedule"},
                     {"key":"slow","operator":"Exists","effect":"NoSchedule"}]}})"))),
                                      tainted),
                 std::int64_t(1)); // a NoSchedule toleration does not cover PreferNoSchedule

        const PodInfo preferring(pod("web", {}, {}, parse(R"({"spec":{"affinity":{"nodeAffinity":{
            "preferredDuringSchedulingIgnoredDuringExecution":[
              {"weight":10,"preference":{"matchExpressions":[{"key":"disk","operator":"In","values":["ssd"]}]}},
              {"weight":5,"preference":{"matchExpressions":[{"key":"zone","operator":"Exists"}]}},
              {"weight":7,"preference":{"matchExpressions":[{"key":"disk","operator":"Exists"}]}}]}}}})")));
        QCOMPARE(
            nodeAffinityScore(preferring,
                              nodeWith(node("n", "4", "8Gi",
                                            parse(R"({"metadata":{"labels":{"disk":"ssd"}}})")))),
            std::int64_t(17));
        QCOMPARE(nodeAffinityScore(preferring, nodeWith(node("n"))), std::int64_t(0));
    }

    void wholeCycle()
    {
        // node1: empty 4 cpu / 8Gi; node2: the same with 2 cpu / 4Gi used; node3: tainted.
        // For a pod of 1 cpu / 2Gi, on node1 and node2:
        //   TaintToleration: no PreferNoSchedule taints anywhere, reversed: 100 each (x3)
        //   NodeAffinity:    no preferences: 0 each (x2)
        //   LeastAllocated:  node1 cpu 3000/4000 free, memory 6/8: 75; node2 1000/4000, 2/8: 25
        //   Balanced:        node1 0.25 and 0.25, node2 0.75 and 0.75: 100 each
        //   weighted:        node1 300 + 0 + 75 + 100 = 475; node2 300 + 0 + 25 + 100 = 425
        const std::vector<NodeInfo> nodes{
            nodeWith(node("node1")), nodeWith(node("node2"), {pod("old", "2", "4Gi")}),
            nodeWith(node(
                "node3", "4", "8Gi",
                parse(
                    R"({"spec":{"taints":[{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}]}})")))};
        const CycleResult result =
            runSchedulingCycle(PodInfo(pod("web", "1", "2Gi")), nodes, first());
        QCOMPARE(result.chosen.value_or(""), std::string("node1"));
        QCOMPARE(result.reason, std::string("highest score"));
        QCOMPARE(result.nodes.size(), std::size_t(3));
        QCOMPARE(result.nodes[0].weighted, std::int64_t(475));
        QCOMPARE(result.nodes[0].scores.at("NodeResourcesFit"), std::int64_t(75));
        QCOMPARE(result.nodes[0].scores.at("TaintToleration"), std::int64_t(100));
        QCOMPARE(result.nodes[1].weighted, std::int64_t(425));
        QCOMPARE(result.nodes[1].scores.at("NodeResourcesFit"), std::int64_t(25));
        QVERIFY(!result.nodes[2].feasible);
        // node3's filters stopped at the one that rejected it.
        QCOMPARE(result.nodes[2].filters.size(), std::size_t(3));
        QCOMPARE(result.nodes[2].filters.back().plugin, std::string("TaintToleration"));
        QCOMPARE(result.nodes[0].filters.size(), filterPlugins().size());

        const Json table = cycleToJson(result);
        QCOMPARE(text(table["chosen"]), text(Json("node1")));
        QCOMPARE(
            text(table["nodes"][2]["filters"][2]),
            text(Json(
                {{"plugin", "TaintToleration"},
                 {"passed", false},
                 {"reason",
                  "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"}})));
        QCOMPARE(text(table["nodes"][2]["weighted"]), text(Json()));
        QCOMPARE(text(table["nodes"][1]["weighted"]), text(Json(425)));
        QCOMPARE(text(table["weights"]["TaintToleration"]), text(Json(3)));
    }

    void oneFeasibleNodeIsNotScored()
    {
        const std::vector<NodeInfo> nodes{nodeWith(node("node1", "1")),
                                          nodeWith(node("node2", "8"))};
        const CycleResult result = runSchedulingCycle(PodInfo(pod("big", "4")), nodes, first());
        QCOMPARE(result.chosen.value_or(""), std::string("node2"));
        QCOMPARE(result.reason, std::string("the only node that passed the filters"));
        QVERIFY(result.nodes[1].scores.empty());
    }

    void tiesAreBrokenOnlyAmongTheBest()
    {
        std::vector<NodeVerdict> nodes(4);
        const std::vector<std::pair<const char *, std::int64_t>> totals{
            {"node1", 300}, {"node2", 475}, {"node3", 475}, {"node4", 474}};
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            nodes[i].node = totals[i].first;
            nodes[i].weighted = totals[i].second;
            nodes[i].feasible = true;
        }
        NodeVerdict infeasible;
        infeasible.node = "node5";
        infeasible.weighted = 999; // never scored, and never chosen
        nodes.push_back(infeasible);

        std::size_t offered = 0;
        const auto second = [&](std::size_t count) {
            offered = count;
            return std::size_t(1);
        };
        QCOMPARE(selectHost(nodes, second).value_or(""), std::string("node3"));
        QCOMPARE(offered, std::size_t(2));

        std::mt19937_64 random(42);
        std::set<std::string> chosen;
        for (int i = 0; i < 200; ++i)
            chosen.insert(*selectHost(nodes, [&](std::size_t count) {
                return std::uniform_int_distribution<std::size_t>(0, count - 1)(random);
            }));
        QCOMPARE(chosen, (std::set<std::string>{"node2", "node3"}));
    }

    void failureMessages_data()
    {
        QTest::addColumn<QByteArray>("podPatch");
        QTest::addColumn<QString>("message");
        QTest::newRow("resources and taints")
            << QByteArray("{}")
            << "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint "
               "{node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 1 "
               "No "
               "preemption victims found for incoming pod, 2 Preemption is not helpful for "
               "scheduling..";
        QTest::newRow("preemptionPolicy Never")
            << QByteArray(R"({"spec":{"preemptionPolicy":"Never"}})")
            << "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint "
               "{node-role.kubernetes.io/control-plane: }. preemption: not eligible due to "
               "preemptionPolicy=Never..";
    }
    void failureMessages()
    {
        QFETCH(QByteArray, podPatch);
        QFETCH(QString, message);
        const Json controlPlane = parse(
            R"({"spec":{"taints":[{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}]}})");
        const std::vector<NodeInfo> nodes{nodeWith(node("node1", "2")),
                                          nodeWith(node("node2", "4", "8Gi", controlPlane)),
                                          nodeWith(node("node3", "4", "8Gi", controlPlane))};
        const CycleResult result =
            runSchedulingCycle(PodInfo(pod("big", "3", {}, parse(podPatch))), nodes, first());
        QVERIFY(!result.chosen);
        QCOMPARE(QString::fromStdString(result.reason), message);
    }

    void noNodesAtAll()
    {
        const CycleResult result = runSchedulingCycle(PodInfo(pod("web")), {}, first());
        QVERIFY(!result.chosen);
        QCOMPARE(result.reason, std::string("no nodes available to schedule pods"));
    }

    void queueOrder()
    {
        SchedulingQueue queue;
        const auto t0 = SchedulingQueue::Clock::time_point{} + std::chrono::hours(1);
        queue.add("default/a", 0, t0);
        queue.add("default/b", 0, t0 + std::chrono::seconds(1));
        queue.add("default/urgent", 1000, t0 + std::chrono::seconds(2));
        const auto now = t0 + std::chrono::seconds(3);
        QCOMPARE(queue.pop(now).value_or(""), std::string("default/urgent"));
        QCOMPARE(queue.pop(now).value_or(""), std::string("default/a"));
        QCOMPARE(queue.pop(now).value_or(""), std::string("default/b"));
        QVERIFY(!queue.pop(now));
    }

    void queueBacksOff()
    {
        using std::chrono::milliseconds;
        QCOMPARE(SchedulingQueue::backoffFor(1), milliseconds(1000));
        QCOMPARE(SchedulingQueue::backoffFor(2), milliseconds(2000));
        QCOMPARE(SchedulingQueue::backoffFor(4), milliseconds(8000));
        QCOMPARE(SchedulingQueue::backoffFor(5), milliseconds(10000));
        QCOMPARE(SchedulingQueue::backoffFor(50), milliseconds(10000));

        SchedulingQueue queue;
        const auto t0 = SchedulingQueue::Clock::time_point{} + std::chrono::hours(1);
        queue.addBackoff("default/web", 0, t0); // first failure: 1 s
        QVERIFY(!queue.pop(t0 + milliseconds(999)));
        QCOMPARE(queue.nextReadyTime(t0).value(), t0 + milliseconds(1000));
        QCOMPARE(queue.pop(t0 + milliseconds(1000)).value_or(""), std::string("default/web"));
        queue.addBackoff("default/web", 0, t0); // second: 2 s
        QVERIFY(!queue.pop(t0 + milliseconds(1999)));
        QVERIFY(queue.pop(t0 + milliseconds(2000)));
    }

    void unschedulablePodsWaitForAChange()
    {
        SchedulingQueue queue;
        const auto t0 = SchedulingQueue::Clock::time_point{} + std::chrono::hours(1);
        queue.addUnschedulable("default/big", 0, t0);
        // Parked: its backoff ends, but nothing changed.
        QVERIFY(!queue.pop(t0 + std::chrono::seconds(30)));
        // A pod status update is not a change; a node added is.
        queue.moveAllToActive();
        QCOMPARE(queue.pop(t0 + std::chrono::seconds(31)).value_or(""), std::string("default/big"));
        // Parked again: after 5 minutes it is tried anyway.
        queue.addUnschedulable("default/big", 0, t0);
        QVERIFY(!queue.pop(t0 + std::chrono::minutes(4)));
        QCOMPARE(queue.nextReadyTime(t0).value(), t0 + std::chrono::minutes(5));
        QVERIFY(queue.pop(t0 + std::chrono::minutes(5)));
        // Removing it forgets its failed tries: the next one starts at 1 s again.
        queue.remove("default/big");
        queue.addBackoff("default/big", 0, t0);
        QVERIFY(queue.pop(t0 + std::chrono::seconds(1)));
    }
};

QTEST_GUILESS_MAIN(TestSchedulerPlugins)
#include "tst_scheduler_plugins.moc"
