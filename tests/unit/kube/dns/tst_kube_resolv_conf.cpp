// A pod's resolv.conf, as the kubelet decides it from dnsPolicy and dnsConfig. No network.

#include "engine/kube/dns/ResolvConf.h"

#include <QTest>

using namespace flowlab::kube::dns;
using Json = nlohmann::json;

class TestKubeResolvConf : public QObject
{
    Q_OBJECT

private slots:
    void clusterFirstForANamespace();
    void policies_data();
    void policies();
    void limits();
};

void TestKubeResolvConf::clusterFirstForANamespace()
{
    QCOMPARE(QString::fromStdString(renderResolvConf("web")),
             QString("search web.svc.cluster.local svc.cluster.local cluster.local\n"
                     "nameserver 10.43.0.10\n"
                     "options ndots:5\n"));
}

void TestKubeResolvConf::policies_data()
{
    QTest::addColumn<QString>("podJson");
    QTest::addColumn<QString>("expected");

    QTest::newRow("no dnsPolicy: ClusterFirst, in the pod's namespace")
        << R"({"metadata":{"namespace":"shop","name":"p"},"spec":{}})"
        << "search shop.svc.cluster.local svc.cluster.local cluster.local\n"
           "nameserver 10.43.0.10\noptions ndots:5\n";
    QTest::newRow("ClusterFirst on the host network: the node's resolver (none in the lab)")
        << R"({"metadata":{"namespace":"shop"},"spec":{"dnsPolicy":"ClusterFirst","hostNetwork":true}})"
        << "";
    QTest::newRow("ClusterFirstWithHostNet")
        << R"({"metadata":{"namespace":"shop"},"spec":{"dnsPolicy":"ClusterFirstWithHostNet","hostNetwork":true}})"
        << "search shop.svc.cluster.local svc.cluster.local cluster.local\n"
           "nameserver 10.43.0.10\noptions ndots:5\n";
    QTest::newRow("None: only dnsConfig")
        << R"({"metadata":{"namespace":"shop"},"spec":{"dnsPolicy":"None","dnsConfig":{
               "nameservers":["192.168.56.5"],"searches":["lab.example"],
               "options":[{"name":"ndots","value":"2"},{"name":"edns0"}]}}})"
        << "search lab.example\nnameserver 192.168.56.5\noptions ndots:2 edns0\n";
    QTest::newRow("dnsConfig merged into ClusterFirst: appended, options replaced by name")
        << R"({"metadata":{"namespace":"a"},"spec":{"dnsConfig":{
               "searches":["extra.example","svc.cluster.local"],
               "options":[{"name":"ndots","value":"1"},{"name":"single-request-reopen"}]}}})"
        << "search a.svc.cluster.local svc.cluster.local cluster.local extra.example\n"
           "nameserver 10.43.0.10\noptions ndots:1 single-request-reopen\n";
}

void TestKubeResolvConf::policies()
{
    QFETCH(QString, podJson);
    QFETCH(QString, expected);
    const Json pod = Json::parse(podJson.toStdString());
    QCOMPARE(QString::fromStdString(renderResolvConf(podDnsConfig(pod))), expected);
}

void TestKubeResolvConf::limits()
{
    Json pod = {{"metadata", {{"namespace", "a"}}},
                {"spec",
                 {{"dnsPolicy", "None"},
                  {"dnsConfig", {{"nameservers", Json::array()}, {"searches", Json::array()}}}}}};
    for (int i = 0; i < 5; ++i)
        pod["spec"]["dnsConfig"]["nameservers"].push_back("192.168.56." + std::to_string(i + 1));
    for (int i = 0; i < 40; ++i)
        pod["spec"]["dnsConfig"]["searches"].push_back("d" + std::to_string(i) + ".example");
    const PodDnsConfig config = podDnsConfig(pod);
    QCOMPARE(config.nameservers.size(), std::size_t(3)); // glibc reads three
    QCOMPARE(config.searches.size(), std::size_t(32));
    QCOMPARE(config.nameservers.front(), std::string("192.168.56.1"));

    ClusterDnsSettings settings;
    settings.clusterDomain = "lab.internal";
    settings.nameservers = {"10.96.0.10"};
    QCOMPARE(QString::fromStdString(renderResolvConf("kube-system", settings)),
             QString("search kube-system.svc.lab.internal svc.lab.internal lab.internal\n"
                     "nameserver 10.96.0.10\noptions ndots:5\n"));
}

QTEST_APPLESS_MAIN(TestKubeResolvConf)
#include "tst_kube_resolv_conf.moc"
