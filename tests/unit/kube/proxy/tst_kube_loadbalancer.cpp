// The lab's cloud for LoadBalancer Services: addresses from 192.168.56.200-250, never the same
// twice, back to the pool on delete, and a Warning event when the pool is empty. First the
// pure decisions, then flowlab-controller-manager with flowlab-apiserver and the real kubectl.

#include "../KubeTestCluster.h"
#include "engine/kube/controllers/LoadBalancerReconcile.h"

#include <QTest>
#include <set>

using namespace flowlab;
using namespace flowlab::kube;
using namespace flowlab::kube::loadbalancer;
using namespace flowlab::kube::test;
using Json = nlohmann::json;

namespace {

Json lbService(const std::string &name, const std::string &ingress = {},
               const std::string &type = "LoadBalancer")
{
    Json service = {{"apiVersion", "v1"},
                    {"kind", "Service"},
                    {"metadata", {{"name", name}, {"namespace", "default"}, {"uid", "u-" + name}}},
                    {"spec",
                     {{"type", type},
                      {"clusterIP", "10.43.0.30"},
                      {"ports", Json::array({{{"port", 80}, {"nodePort", 31000}}})}}},
                    {"status", Json::object()}};
    if (!ingress.empty())
        service["status"]["loadBalancer"]["ingress"] = Json::array({{{"ip", ingress}}});
    return service;
}

AddressPool pool(const std::string &range = kDefaultPool)
{
    return AddressPool::parse(range).value();
}

std::string patchedIp(const Decision &decision)
{
    if (decision.actions.size() != 1)
        return "<" + std::to_string(decision.actions.size()) + " actions>";
    return decision.actions[0].body["status"]["loadBalancer"]["ingress"][0].value("ip", "");
}

std::string serviceJson(const KubeTestCluster &cluster, const std::string &name)
{
    return cluster.kubectl({"get", "service", QString::fromStdString(name), "-o", "json"})
        .out.toStdString();
}

std::string ingressOf(const KubeTestCluster &cluster, const std::string &name)
{
    const Json service = Json::parse(serviceJson(cluster, name), nullptr, false);
    const auto ips = ingressIps(service);
    return ips.empty() ? std::string() : ips.front();
}

} // namespace

class TestKubeLoadBalancer : public QObject
{
    Q_OBJECT

private slots:
    void poolIsParsedOrRefused()
    {
        const AddressPool lab = pool();
        QCOMPARE(lab.size(), std::size_t(51));
        QCOMPARE(QString::fromStdString(lab.at(0)), QString("192.168.56.200"));
        QCOMPARE(QString::fromStdString(lab.at(50)), QString("192.168.56.250"));
        QVERIFY(lab.contains("192.168.56.225"));
        QVERIFY(!lab.contains("192.168.56.251"));
        QVERIFY(!AddressPool::parse("192.168.56.250-192.168.56.200").ok());
        const auto bad = AddressPool::parse("192.168.56.200-");
        QVERIFY(!bad.ok());
        QVERIFY(QString::fromStdString(bad.error().message()).contains("FIRST-LAST"));
    }

    void firstFreeAddressIsAllocated()
    {
        const auto result = reconcile("default/web", lbService("web"), {},
                                      {{"192.168.56.200", "default/other"}}, pool());
        QCOMPARE(QString::fromStdString(result.holds), QString("192.168.56.201"));
        QCOMPARE(QString::fromStdString(patchedIp(result.decision)), QString("192.168.56.201"));
        QCOMPARE(QString::fromStdString(result.decision.actions[0].subresource), QString("status"));
        QVERIFY(result.worthRecording);
        QVERIFY(!result.warning);
    }

    void anAddressHeldElsewhereIsNeverGivenTwice()
    {
        // The Service claims .200 (a stale status, or a copy of another's), which
        // default/other holds: it gets another.
        const auto result = reconcile("default/web", lbService("web", "192.168.56.200"), {},
                                      {{"192.168.56.200", "default/other"}}, pool());
        QCOMPARE(QString::fromStdString(result.holds), QString("192.168.56.201"));
        // Its own address is kept, with nothing to do and nothing to record.
        const auto kept = reconcile("default/web", lbService("web", "192.168.56.207"),
                                    "192.168.56.207", {}, pool());
        QCOMPARE(QString::fromStdString(kept.holds), QString("192.168.56.207"));
        QVERIFY(kept.decision.actions.empty());
        QVERIFY(!kept.worthRecording);
    }

    void requestedAddressIsHonouredWhenItCanBe()
    {
        Json wants = lbService("web");
        wants["spec"]["loadBalancerIP"] = "192.168.56.240";
        QCOMPARE(QString::fromStdString(reconcile("default/web", wants, {}, {}, pool()).holds),
                 QString("192.168.56.240"));
        const auto taken =
            reconcile("default/web", wants, {}, {{"192.168.56.240", "default/db"}}, pool());
        QVERIFY(taken.holds.empty());
        QVERIFY(taken.warning);
        QVERIFY(QString::fromStdString(taken.warning->message).contains("default/db"));
        wants["spec"]["loadBalancerIP"] = "10.0.0.1";
        const auto outside = reconcile("default/web", wants, {}, {}, pool());
        QVERIFY(outside.warning &&
                QString::fromStdString(outside.warning->message).contains("outside the pool"));
    }

    void exhaustedPoolSaysSoAndWaits()
    {
        const AddressPool two = pool("192.168.56.200-192.168.56.201");
        const auto result =
            reconcile("default/third", lbService("third"), {},
                      {{"192.168.56.200", "default/a"}, {"192.168.56.201", "default/b"}}, two);
        QVERIFY(result.holds.empty());
        QVERIFY(result.decision.actions.empty());
        QVERIFY(result.warning);
        QCOMPARE(QString::fromStdString(result.warning->type), QString("Warning"));
        QCOMPARE(QString::fromStdString(result.warning->reason), QString("SyncLoadBalancerFailed"));
        QVERIFY2(QString::fromStdString(result.warning->message).contains("no address left"),
                 result.warning->message.c_str());
        QVERIFY(result.decision.requeueAfter.has_value());
    }

    void deletedOrChangedServicesGiveTheirAddressBack()
    {
        const auto deleted = reconcile("default/web", Json(), "192.168.56.203", {}, pool());
        QVERIFY(deleted.holds.empty());
        QVERIFY(deleted.worthRecording);
        QVERIFY(QString::fromStdString(deleted.decision.summary()).contains("192.168.56.203"));
        const auto nowClusterIp =
            reconcile("default/web", lbService("web", "192.168.56.203", "ClusterIP"),
                      "192.168.56.203", {}, pool());
        QVERIFY(nowClusterIp.holds.empty());
        QCOMPARE(nowClusterIp.decision.actions.size(), std::size_t(1));
        QVERIFY(nowClusterIp.decision.actions[0].body ==
                Json({{"status", {{"loadBalancer", Json::object()}}}}));
        // Another implementation's Service is left alone.
        Json other = lbService("web");
        other["spec"]["loadBalancerClass"] = "example.com/metallb";
        QVERIFY(!wantsLoadBalancer(other));
    }

    void controllerManagerAllocatesAndReleases()
    {
        if (kubectlProgram().isEmpty())
            QFAIL("kubectl is needed (.ci/install-deps installs Debian's kubernetes-client)");
        KubeTestCluster cluster;
        KubeTestCluster::Options options;
        options.controllerManager = true;
        options.controllerManagerArgs = {"--load-balancer-pool", "192.168.56.200-192.168.56.201"};
        const std::string started = cluster.start(options);
        QVERIFY2(started.empty(), started.c_str());

        for (const char *name : {"a", "b", "c"}) {
            const auto created =
                cluster.kubectl({"create", "service", "loadbalancer", name, "--tcp", "80:8080"});
            QVERIFY2(created.ok(), created.both().c_str());
        }
        // Two get the pool's two addresses, different ones; the third waits, with an event.
        QTRY_VERIFY_WITH_TIMEOUT(
            !ingressOf(cluster, "a").empty() && !ingressOf(cluster, "b").empty(), 20000);
        std::set<std::string> given = {ingressOf(cluster, "a"), ingressOf(cluster, "b")};
        QCOMPARE(given, std::set<std::string>({"192.168.56.200", "192.168.56.201"}));
        QVERIFY(ingressOf(cluster, "c").empty());
        QTRY_VERIFY_WITH_TIMEOUT(
            cluster.kubectl({"get", "events", "--field-selector", "involvedObject.name=c"})
                .out.contains("SyncLoadBalancerFailed"),
            20000);
        const auto described = cluster.kubectl({"describe", "service", "c"});
        QVERIFY2(described.out.contains("no address left in the pool"), described.both().c_str());
        // kubectl shows the address as the Service's EXTERNAL-IP.
        const auto listed = cluster.kubectl({"get", "service", "a"});
        QVERIFY2(listed.out.contains(QString::fromStdString(ingressOf(cluster, "a"))),
                 listed.both().c_str());

        // a goes: its address goes to c.
        const std::string freed = ingressOf(cluster, "a");
        QVERIFY(cluster.kubectl({"delete", "service", "a"}).ok());
        QTRY_COMPARE_WITH_TIMEOUT(QString::fromStdString(ingressOf(cluster, "c")),
                                  QString::fromStdString(freed), 20000);

        // Evidence: one reconcile per allocation, the release, the exhausted pool.
        int allocations = 0, releases = 0, waits = 0;
        for (const Json &event : cluster.evidence("controller-manager")) {
            if (event["attrs"].value("controller", "") != kComponent)
                continue;
            const std::string action = event["attrs"].value("action", "");
            const std::string summary = event.value("summary", "");
            allocations += action.rfind("allocate ", 0) == 0;
            releases += summary.find("goes back to the pool") != std::string::npos;
            waits += summary.find("no address left") != std::string::npos;
        }
        QCOMPARE(allocations, 3);
        QCOMPARE(releases, 1);
        QVERIFY(waits >= 1);
    }
};

QTEST_GUILESS_MAIN(TestKubeLoadBalancer)
#include "tst_kube_loadbalancer.moc"
