// kube-proxy's iptables rules without root: the renderer's output applied to FakeIptables, and
// virtual packets traced through it. A cluster IP with three endpoints (the statistic
// probabilities 1/3, 1/2, then the last rule), the spread of 10,000 packets, NodePort and
// LoadBalancer paths, endpoints going away (REJECT), the hooks installed once with other rules
// left alone, and the fake refusing a jump to a missing chain or a malformed line.

#include "ProxyTestObjects.h"
#include "engine/kube/proxy/ChainNames.h"
#include "engine/kube/proxy/FakeIptables.h"
#include "engine/kube/proxy/ProxySyncer.h"
#include "engine/kube/proxy/RuleApplier.h"
#include "engine/kube/proxy/ServiceRuleRenderer.h"

#include <QTest>
#include <algorithm>
#include <map>
#include <random>
#include <sstream>

using namespace flowlab;
using namespace flowlab::kube::proxy;
using namespace flowlab::kube::proxy::test;

#define QCOMPARE_STR(actual, expected)                                                             \
    QCOMPARE(QString::fromStdString(actual), QString::fromStdString(expected))

namespace {

const std::string kNodeIp = "192.168.56.110";

TraceEnvironment environment(std::mt19937 &generator)
{
    TraceEnvironment env;
    env.localAddresses = {kNodeIp};
    env.random = [&generator] { return std::uniform_real_distribution<double>(0, 1)(generator); };
    return env;
}

VirtualPacket packet(const std::string &source, const std::string &destination, int port)
{
    VirtualPacket p;
    p.source = source;
    p.destination = destination;
    p.destinationPort = port;
    return p;
}

bool contains(const std::vector<std::string> &list, const std::string &item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

std::string joinLines(const std::vector<std::string> &lines)
{
    std::string out;
    for (const auto &line : lines)
        out += line + "\n";
    return out;
}

// The web Service of the lesson: three nginx pods behind 10.43.0.20:80.
std::vector<ServicePort> threeEndpointService()
{
    return portsOf({serviceObject("web", "10.43.0.20")},
                   {sliceObject("web", {"10.42.0.5", "10.42.1.6", "10.42.2.7"})});
}

} // namespace

class TestKubeProxyRules : public QObject
{
    Q_OBJECT

private slots:
    void chainNamesAreKubeProxys()
    {
        // The names a real cluster shows for its own Services.
        QCOMPARE_STR(serviceChainName("default/kubernetes:https", "TCP"),
                     "KUBE-SVC-NPX46M4PTMTKRN6Y");
        QCOMPARE_STR(serviceChainName("kube-system/kube-dns:dns", "UDP"),
                     "KUBE-SVC-TCOU7JCQXEZGVUNU");
        QCOMPARE_STR(endpointChainName("ns1/svc1:p80", "TCP", "10.180.0.1:80"),
                     "KUBE-SEP-SXIVWICOYRO3J4NJ");
        QCOMPARE_STR(externalChainName("ns1/svc1:p80", "TCP"), "KUBE-EXT-XPGD46QRK7WJZT7O");
    }

    void threeEndpointsGetProbabilitiesThirdHalfThenLast()
    {
        const auto ports = threeEndpointService();
        QCOMPARE(ports.size(), std::size_t(1));
        QCOMPARE(ports[0].endpoints.size(), std::size_t(3));
        FakeIptables iptables;
        const Status applied = iptables.restore(restoreInput(renderServiceRules(ports)));
        QVERIFY2(applied.ok(), applied.ok() ? "" : applied.error().message().c_str());

        const std::string svc = serviceChainName("default/web:http", "TCP");
        const auto rules = iptables.rules("nat", svc);
        QCOMPARE(rules.size(), std::size_t(4));
        QCOMPARE_STR(rules[0], "-A " + svc +
                                   " -m comment --comment \"default/web:http cluster IP\" -m tcp "
                                   "-p tcp -d 10.43.0.20 --dport 80 ! -s 10.42.0.0/16 -j "
                                   "KUBE-MARK-MASQ");
        const auto sep = [](const std::string &address) {
            return endpointChainName("default/web:http", "TCP", address);
        };
        QCOMPARE_STR(rules[1], "-A " + svc +
                                   " -m comment --comment \"default/web:http -> 10.42.0.5:8080\" "
                                   "-m statistic --mode random --probability 0.3333333333 -j " +
                                   sep("10.42.0.5:8080"));
        QCOMPARE_STR(rules[2], "-A " + svc +
                                   " -m comment --comment \"default/web:http -> 10.42.1.6:8080\" "
                                   "-m statistic --mode random --probability 0.5000000000 -j " +
                                   sep("10.42.1.6:8080"));
        QCOMPARE_STR(rules[3], "-A " + svc +
                                   " -m comment --comment \"default/web:http -> 10.42.2.7:8080\" "
                                   "-j " +
                                   sep("10.42.2.7:8080"));
        QCOMPARE_STR(joinLines(iptables.rules("nat", sep("10.42.1.6:8080"))),
                     "-A " + sep("10.42.1.6:8080") +
                         " -m comment --comment default/web:http -s 10.42.1.6 -j KUBE-MARK-MASQ\n"
                         "-A " +
                         sep("10.42.1.6:8080") +
                         " -m comment --comment default/web:http -m tcp -p tcp -j DNAT "
                         "--to-destination 10.42.1.6:8080\n");
        QVERIFY(contains(iptables.rules("nat", "KUBE-SERVICES"),
                         "-A KUBE-SERVICES -m comment --comment \"default/web:http cluster IP\" "
                         "-m tcp -p tcp -d 10.43.0.20 --dport 80 -j " +
                             svc));
        // The node-ports jump is the last rule of KUBE-SERVICES.
        QVERIFY(QString::fromStdString(iptables.rules("nat", "KUBE-SERVICES").back())
                    .endsWith("-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"));
        QCOMPARE_STR(joinLines(iptables.rules("nat", "KUBE-MARK-MASQ")),
                     "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n");
        QCOMPARE(iptables.rules("nat", "KUBE-POSTROUTING").size(), std::size_t(3));
    }

    void tenThousandPacketsSpreadOverAllThreeEndpoints()
    {
        FakeIptables iptables;
        QVERIFY(iptables.restore(restoreInput(renderServiceRules(threeEndpointService()))).ok());
        // Hooks, so that the walk starts where the kernel starts it.
        QVERIFY(iptables
                    .restore(restoreInput(renderServiceRules(threeEndpointService()),
                                          RestoreExtras{{}, hookRules()}))
                    .ok());
        std::mt19937 generator(20261202);
        const TraceEnvironment env = environment(generator);
        std::map<std::string, int> hits;
        for (int i = 0; i < 10000; ++i) {
            // A client pod on another node: arrives through PREROUTING.
            const PacketTrace trace =
                iptables.trace("nat", "PREROUTING", packet("10.42.1.9", "10.43.0.20", 80), env);
            QCOMPARE_STR(trace.verdict, "DNAT");
            ++hits[trace.dnatAddress];
        }
        QCOMPARE(hits.size(), std::size_t(3));
        for (const auto &[address, count] : hits) {
            // 1/3 each: with 10,000 draws, 3,333 ± 3 sigma (~141).
            QVERIFY2(count > 3100 && count < 3570,
                     (address + " got " + std::to_string(count)).c_str());
        }
        // A packet from a pod keeps its source (no masquerade mark); one from the node itself
        // (outside the pod CIDR) is marked for SNAT; so is a pod that lands on itself (hairpin).
        const PacketTrace fromPod =
            iptables.trace("nat", "PREROUTING", packet("10.42.1.9", "10.43.0.20", 80), env);
        QCOMPARE(fromPod.packet.mark, 0U);
        TraceEnvironment firstEndpoint = env;
        firstEndpoint.random = [] { return 0.0; }; // the first statistic rule matches
        const PacketTrace hairpin = iptables.trace(
            "nat", "PREROUTING", packet("10.42.0.5", "10.43.0.20", 80), firstEndpoint);
        QCOMPARE_STR(hairpin.dnatAddress, "10.42.0.5:8080");
        QCOMPARE(hairpin.packet.mark, 0x4000U);
        const PacketTrace fromNode =
            iptables.trace("nat", "OUTPUT", packet(kNodeIp, "10.43.0.20", 80), env);
        QCOMPARE(fromNode.packet.mark, 0x4000U);
        QCOMPARE_STR(fromNode.chains()[0], "OUTPUT");
        QCOMPARE_STR(fromNode.chains()[1], "KUBE-SERVICES");
    }

    void wrongPortOrAddressIsNotTranslated()
    {
        FakeIptables iptables;
        QVERIFY(iptables
                    .restore(restoreInput(renderServiceRules(threeEndpointService()),
                                          RestoreExtras{{}, hookRules()}))
                    .ok());
        std::mt19937 generator(1);
        const auto env = environment(generator);
        QCOMPARE_STR(
            iptables.trace("nat", "PREROUTING", packet("10.42.1.9", "10.43.0.20", 81), env).verdict,
            "ACCEPT");
        QCOMPARE_STR(
            iptables.trace("nat", "PREROUTING", packet("10.42.1.9", "10.43.0.21", 80), env).verdict,
            "ACCEPT");
    }

    void nodePortGoesThroughExternalChainAndIsMasqueraded()
    {
        const auto ports = portsOf({serviceObject("web", "10.43.0.20", "NodePort", 30080)},
                                   {sliceObject("web", {"10.42.0.5", "10.42.1.6", "10.42.2.7"})});
        FakeIptables iptables;
        const Status applied = iptables.restore(
            restoreInput(renderServiceRules(ports), RestoreExtras{{}, hookRules()}));
        QVERIFY2(applied.ok(), applied.ok() ? "" : applied.error().message().c_str());
        const std::string ext = externalChainName("default/web:http", "TCP");
        QVERIFY(contains(iptables.rules("nat", "KUBE-NODEPORTS"),
                         "-A KUBE-NODEPORTS -m comment --comment default/web:http -m tcp -p tcp "
                         "--dport 30080 -j " +
                             ext));

        std::mt19937 generator(7);
        const auto env = environment(generator);
        // The browser in flowlab-client asks node1's address on the node port.
        const PacketTrace trace =
            iptables.trace("nat", "PREROUTING", packet("192.168.56.2", kNodeIp, 30080), env);
        QCOMPARE_STR(trace.verdict, "DNAT");
        const auto chains = trace.chains();
        const std::vector<std::string> expectedStart = {
            "PREROUTING", "KUBE-SERVICES", "KUBE-NODEPORTS", ext, "KUBE-MARK-MASQ", ext};
        QVERIFY(chains.size() >= expectedStart.size() + 2);
        for (std::size_t i = 0; i < expectedStart.size(); ++i)
            QCOMPARE_STR(chains[i], expectedStart[i]);
        QCOMPARE_STR(chains[expectedStart.size()], serviceChainName("default/web:http", "TCP"));
        QCOMPARE(trace.packet.mark, 0x4000U);
        QCOMPARE(trace.packet.destinationPort, 8080);

        // The mark makes POSTROUTING masquerade it.
        const PacketTrace post = iptables.trace("nat", "POSTROUTING", trace.packet, env);
        QCOMPARE_STR(post.verdict, "MASQUERADE");
        // The node port on an address that is not the node's is not a node port.
        QCOMPARE_STR(
            iptables
                .trace("nat", "PREROUTING", packet("192.168.56.2", "192.168.56.111", 30080), env)
                .verdict,
            "ACCEPT");
    }

    void loadBalancerAddressIsServed()
    {
        const auto ports =
            portsOf({withLoadBalancerIp(serviceObject("web", "10.43.0.20", "LoadBalancer", 31000),
                                        "192.168.56.200")},
                    {sliceObject("web", {"10.42.0.5"})});
        QCOMPARE(ports[0].loadBalancerIPs.size(), std::size_t(1));
        FakeIptables iptables;
        QVERIFY(
            iptables
                .restore(restoreInput(renderServiceRules(ports), RestoreExtras{{}, hookRules()}))
                .ok());
        const std::string ext = externalChainName("default/web:http", "TCP");
        QVERIFY(contains(iptables.rules("nat", "KUBE-SERVICES"),
                         "-A KUBE-SERVICES -m comment --comment \"default/web:http loadbalancer "
                         "IP\" -m tcp -p tcp -d 192.168.56.200 --dport 80 -j " +
                             ext));
        std::mt19937 generator(3);
        const auto env = environment(generator);
        const PacketTrace trace =
            iptables.trace("nat", "PREROUTING", packet("192.168.56.2", "192.168.56.200", 80), env);
        QCOMPARE_STR(trace.verdict, "DNAT");
        QCOMPARE_STR(trace.dnatAddress, "10.42.0.5:8080");
        QVERIFY(contains(trace.chains(), ext));
        // A LoadBalancer Service is a NodePort Service too.
        QCOMPARE_STR(
            iptables.trace("nat", "PREROUTING", packet("192.168.56.2", kNodeIp, 31000), env)
                .dnatAddress,
            "10.42.0.5:8080");
    }

    void externalNameAndHeadlessServicesGetNoRules()
    {
        Json external = serviceObject("db", "");
        external["spec"] = {{"type", "ExternalName"}, {"externalName", "db.example.org"}};
        Json headless = serviceObject("peers", "None");
        const auto ports = portsOf({external, headless}, {sliceObject("peers", {"10.42.0.9"})});
        QVERIFY(ports.empty());
        const Ruleset rules = renderServiceRules(ports);
        // Only the fixed rules: POSTROUTING (3), MARK-MASQ (1), FORWARD (3), node ports jump.
        QCOMPARE(rules.ruleCount(), std::size_t(8));
    }

    void onlyReadyEndpointsCountFromSlicesAndEndpoints()
    {
        const Json service = serviceObject("web", "10.43.0.20");
        const auto fromSlices =
            portsOf({service}, {sliceObject("web", {"10.42.0.10", "10.42.0.9"}, {"10.42.2.2"})});
        const Json endpoints = {
            {"metadata", {{"name", "web"}, {"namespace", "default"}}},
            {"subsets",
             Json::array(
                 {{{"addresses", Json::array({{{"ip", "10.42.0.10"}}, {{"ip", "10.42.0.9"}}})},
                   {"notReadyAddresses", Json::array({{{"ip", "10.42.2.2"}}})},
                   {"ports",
                    Json::array({{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}})}}})}};
        const auto fromEndpoints =
            servicePortsFrom({service}, {endpoints}, EndpointSource::Endpoints);
        for (const auto *ports : {&fromSlices, &fromEndpoints}) {
            QCOMPARE(ports->size(), std::size_t(1));
            const auto &list = (*ports)[0].endpoints;
            QCOMPARE(list.size(), std::size_t(2));
            // Numeric order: .9 before .10.
            QCOMPARE_STR(list[0].address(), "10.42.0.9:8080");
            QCOMPARE_STR(list[1].address(), "10.42.0.10:8080");
        }
    }

    void renderIsDeterministic()
    {
        std::vector<Json> services, slices;
        for (int i = 0; i < 20; ++i) {
            const std::string name = "svc" + std::to_string(i);
            services.push_back(serviceObject(name, "10.43.1." + std::to_string(i + 1)));
            slices.push_back(sliceObject(
                name, {"10.42.0." + std::to_string(i + 1), "10.42.1." + std::to_string(i + 1)}));
        }
        const std::string first = restoreInput(renderServiceRules(portsOf(services, slices)));
        std::mt19937 generator(5);
        std::shuffle(services.begin(), services.end(), generator);
        std::shuffle(slices.begin(), slices.end(), generator);
        QCOMPARE_STR(restoreInput(renderServiceRules(portsOf(services, slices))), first);
    }

    // iptables-nft-restore --noflush is quadratic in the chains an input names unless a
    // command naming no chain comes first in each table (see restoreInput); that command
    // (-Z) zeroes the whole table's counters, so small rulesets go without it.
    void largeRulesetsStartEachTableWithACommandNamingNoChain()
    {
        auto firstLines = [](const std::string &input) {
            std::istringstream lines(input);
            std::string line;
            std::vector<std::string> afterTable;
            while (std::getline(lines, line))
                if (!line.empty() && line[0] == '*') {
                    std::string next;
                    std::getline(lines, next);
                    afterTable.push_back(next);
                }
            return afterTable;
        };
        const Ruleset small = renderServiceRules(threeEndpointService());
        QVERIFY(small.chainCount() <= kZeroCountersAboveChains);
        for (const std::string &line : firstLines(restoreInput(small, RestoreExtras{{}, hookRules()})))
            QVERIFY2(line != "-Z", line.c_str());

        std::vector<Json> services, slices;
        for (int i = 0; i < 300; ++i) {
            const std::string name = "svc" + std::to_string(i);
            const std::string octets = std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
            services.push_back(serviceObject(name, "10.43." + octets));
            slices.push_back(sliceObject(name, {"10.42." + octets, "10.44." + octets}));
        }
        const Ruleset large = renderServiceRules(portsOf(services, slices));
        QVERIFY(large.chainCount() > kZeroCountersAboveChains);
        const auto lines = firstLines(restoreInput(large));
        QCOMPARE(lines.size(), std::size_t(2)); // filter and nat
        for (const std::string &line : lines)
            QCOMPARE_STR(line, "-Z");
    }

    void removingEndpointsRewritesAndFinallyRejects()
    {
        FakeIptables iptables;
        RecordingRuleApplier applier(&iptables);
        ProxySyncer syncer(applier, SyncOptions{});
        const Json service = serviceObject("web", "10.43.0.20", "NodePort", 30080);

        SyncReport first = syncer.sync(
            portsOf({service}, {sliceObject("web", {"10.42.0.5", "10.42.1.6", "10.42.2.7"})}),
            "initial sync");
        QVERIFY2(first.ok, first.error.c_str());
        QCOMPARE(first.hooksInstalled.size(), hookRules().size());

        // Two pods leave (crashed, not Ready): their chains go in the same transaction.
        SyncReport second = syncer.sync(
            portsOf({service}, {sliceObject("web", {"10.42.1.6"}, {"10.42.0.5", "10.42.2.7"})}),
            "endpoints changed");
        QVERIFY2(second.ok, second.error.c_str());
        QVERIFY(second.hooksInstalled.empty());
        QCOMPARE(second.staleChainsRemoved.size(), std::size_t(2));
        QCOMPARE(second.diff.chainsDeleted, std::size_t(2));
        const std::string svc = serviceChainName("default/web:http", "TCP");
        const auto rules = iptables.rules("nat", svc);
        QCOMPARE(rules.size(),
                 std::size_t(2)); // the masquerade rule and one endpoint, no statistic
        QVERIFY(rules[1].find("statistic") == std::string::npos);
        for (const char *gone : {"10.42.0.5:8080", "10.42.2.7:8080"})
            QVERIFY(!iptables.chain("nat", endpointChainName("default/web:http", "TCP", gone)));
        // The diff says so, rule by rule.
        const auto changed = std::find_if(second.diff.chains.begin(), second.diff.chains.end(),
                                          [&](const ChainDiff &c) { return c.chain == svc; });
        QVERIFY(changed != second.diff.chains.end());
        QCOMPARE(changed->removed.size(), std::size_t(3));
        QCOMPARE(changed->added.size(), std::size_t(1));

        std::mt19937 generator(11);
        const auto env = environment(generator);
        for (int i = 0; i < 100; ++i)
            QCOMPARE_STR(
                iptables.trace("nat", "PREROUTING", packet("10.42.1.9", "10.43.0.20", 80), env)
                    .dnatAddress,
                "10.42.1.6:8080");

        // The last one goes: no DNAT any more, and a new connection is rejected.
        SyncReport third = syncer.sync(portsOf({service}, {sliceObject("web", {})}), "endpoints");
        QVERIFY2(third.ok, third.error.c_str());
        QVERIFY(!iptables.chain("nat", svc));
        QVERIFY(!iptables.chain("nat", externalChainName("default/web:http", "TCP")));
        QCOMPARE_STR(
            iptables.trace("nat", "PREROUTING", packet("10.42.1.9", "10.43.0.20", 80), env).verdict,
            "ACCEPT");
        QCOMPARE_STR(joinLines(iptables.rules("filter", "KUBE-SERVICES")),
                     "-A KUBE-SERVICES -m comment --comment \"default/web:http has no endpoints\" "
                     "-m tcp -p tcp -d 10.43.0.20 --dport 80 -j REJECT\n");
        const PacketTrace rejected =
            iptables.trace("filter", "OUTPUT", packet(kNodeIp, "10.43.0.20", 80), env);
        QCOMPARE_STR(rejected.verdict, "REJECT");
        const PacketTrace rejectedNodePort =
            iptables.trace("filter", "INPUT", packet("192.168.56.2", kNodeIp, 30080), env);
        QCOMPARE_STR(rejectedNodePort.verdict, "REJECT");
        QCOMPARE(applier.inputs().size(), std::size_t(3));
    }

    void hooksAreInstalledOnceAndOtherRulesSurvive()
    {
        FakeIptables iptables;
        // What Docker or the CNI portmap plugin may have put there first.
        QVERIFY(iptables
                    .restore("*nat\n:CNI-HOSTPORT-DNAT - [0:0]\n"
                             "-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT\n"
                             "-A CNI-HOSTPORT-DNAT -p tcp --dport 8081 -j DNAT --to-destination "
                             "10.42.0.99:80\nCOMMIT\n",
                             false)
                    .ok());
        RecordingRuleApplier applier(&iptables);
        ProxySyncer syncer(applier, SyncOptions{});
        for (int round = 0; round < 3; ++round) {
            const SyncReport report = syncer.sync(threeEndpointService(), "sync");
            QVERIFY2(report.ok, report.error.c_str());
        }
        QCOMPARE(applier.saves(), 1); // the namespace is read once, at the start
        QVERIFY(applier.inputs()[0].find("-I PREROUTING 1 ") != std::string::npos);
        QVERIFY(applier.inputs()[1].find("-I PREROUTING") == std::string::npos);
        QVERIFY(applier.inputs()[2].find("-I ") == std::string::npos);
        const auto prerouting = iptables.rules("nat", "PREROUTING");
        QCOMPARE(prerouting.size(), std::size_t(2));
        QCOMPARE(std::count_if(prerouting.begin(), prerouting.end(),
                               [](const std::string &r) {
                                   return r.find("-j KUBE-SERVICES") != std::string::npos;
                               }),
                 long(1));
        QCOMPARE(iptables.rules("nat", "CNI-HOSTPORT-DNAT").size(), std::size_t(1));
        for (const char *chain : {"OUTPUT", "POSTROUTING"})
            QCOMPARE(iptables.rules("nat", chain).size(), std::size_t(1));
        QCOMPARE(iptables.rules("filter", "FORWARD").size(), std::size_t(3));

        // A kube-proxy started again on the same node reads the hooks back and adds none.
        RecordingRuleApplier again(&iptables);
        ProxySyncer restarted(again, SyncOptions{});
        QVERIFY(restarted.sync(threeEndpointService(), "restart").ok);
        QVERIFY(again.inputs()[0].find("-I ") == std::string::npos);
        QCOMPARE(iptables.rules("nat", "PREROUTING").size(), std::size_t(2));
    }

    void restartedProxyRemovesChainsOfServicesGoneMeanwhile()
    {
        FakeIptables iptables;
        {
            RecordingRuleApplier applier(&iptables);
            ProxySyncer before(applier, SyncOptions{});
            QVERIFY(before.sync(threeEndpointService()).ok);
        }
        RecordingRuleApplier applier(&iptables);
        ProxySyncer after(applier, SyncOptions{});
        const SyncReport report = after.sync({}, "restart with no services");
        QVERIFY2(report.ok, report.error.c_str());
        QCOMPARE(report.staleChainsRemoved.size(), std::size_t(4)); // SVC and three SEP
        QVERIFY(!iptables.chain("nat", serviceChainName("default/web:http", "TCP")));
    }

    void jumpToMissingChainIsRejectedWhole()
    {
        FakeIptables iptables;
        QVERIFY(iptables.restore(restoreInput(renderServiceRules(threeEndpointService()))).ok());
        const std::string before = iptables.save();
        const Status refused = iptables.restore("*nat\n"
                                                ":KUBE-SERVICES - [0:0]\n"
                                                ":KUBE-SVC-TEST - [0:0]\n"
                                                "-A KUBE-SERVICES -d 10.43.0.9 -p tcp --dport 80 "
                                                "-j KUBE-SVC-TEST\n"
                                                "-A KUBE-SVC-TEST -j KUBE-SEP-MISSING\n"
                                                "COMMIT\n");
        QVERIFY(!refused.ok());
        const std::string message = refused.error().message();
        QVERIFY2(message.find("line 5") != std::string::npos, message.c_str());
        QVERIFY2(message.find("KUBE-SEP-MISSING") != std::string::npos, message.c_str());
        // Nothing of it was applied: KUBE-SERVICES was not emptied, KUBE-SVC-TEST not made.
        QCOMPARE_STR(iptables.save(), before);
    }

    void malformedLinesAreRejectedWithTheirNumber_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("says");
        QTest::newRow("unknown option")
            << "*nat\n:KUBE-X - [0:0]\n-A KUBE-X -p tcp --dportt 80 -j RETURN\nCOMMIT\n"
            << 3 << "unknown option --dportt";
        QTest::newRow("module not loaded")
            << "*nat\n:KUBE-X - [0:0]\n-A KUBE-X --comment hi -j RETURN\nCOMMIT\n"
            << 3 << "--comment";
        QTest::newRow("rule in undeclared chain") << "*nat\n-A KUBE-NOPE -j RETURN\nCOMMIT\n"
                                                  << 2 << "KUBE-NOPE does not exist";
        QTest::newRow("bad probability")
            << "*nat\n:KUBE-X - [0:0]\n\n-A KUBE-X -m statistic --mode random --probability 1.5 "
               "-j RETURN\nCOMMIT\n"
            << 4 << "--probability";
        QTest::newRow("DNAT in filter")
            << "*filter\n:KUBE-X - [0:0]\n-A KUBE-X -p tcp -j DNAT --to-destination 1.2.3.4\n"
               "COMMIT\n"
            << 3 << "cannot be used in table filter";
        QTest::newRow("no COMMIT") << "*nat\n:KUBE-X - [0:0]\n" << 0 << "COMMIT is missing";
        QTest::newRow("unknown command") << "*nat\n:KUBE-X - [0:0]\n-Q KUBE-X -j RETURN\nCOMMIT\n"
                                         << 3 << "unknown command";
        QTest::newRow("deleting a chain still jumped to")
            << "*nat\n:KUBE-A - [0:0]\n:KUBE-B - [0:0]\n-A KUBE-A -j KUBE-B\n-X KUBE-B\nCOMMIT\n"
            << 5 << "still jumped to";
    }

    void malformedLinesAreRejectedWithTheirNumber()
    {
        QFETCH(QString, input);
        QFETCH(int, line);
        QFETCH(QString, says);
        FakeIptables iptables;
        const Status refused = iptables.restore(input.toStdString());
        QVERIFY(!refused.ok());
        const QString message = QString::fromStdString(refused.error().message());
        if (line > 0)
            QVERIFY2(message.contains(QString("line %1:").arg(line)), qPrintable(message));
        QVERIFY2(message.contains(says), qPrintable(message));
        QCOMPARE(iptables.ruleCount(), std::size_t(0));
    }

    void failedRestoreIsReportedAndRetriedFromTheLastGoodState()
    {
        FakeIptables iptables;
        RecordingRuleApplier applier(&iptables);
        ProxySyncer syncer(applier, SyncOptions{});
        applier.failNextRuns(1, "iptables-restore: not found");
        const SyncReport failed = syncer.sync(threeEndpointService(), "initial");
        QVERIFY(!failed.ok);
        QVERIFY(failed.error.find("not found") != std::string::npos);
        const SyncReport retried = syncer.sync(threeEndpointService(), "retry");
        QVERIFY2(retried.ok, retried.error.c_str());
        QCOMPARE(retried.hooksInstalled.size(), hookRules().size());
        QCOMPARE(retried.diff.rulesAdded, retried.rules);
    }

    void evidenceCarriesRenderDiffTimesAndResult()
    {
        FakeIptables iptables;
        RecordingRuleApplier applier(&iptables);
        SyncOptions options;
        options.node = "flowlab-node1";
        options.netns = "flowlab-node1";
        options.maxDiffRules = 5;
        ProxySyncer syncer(applier, options);
        const SyncReport report = syncer.sync(threeEndpointService(), "initial sync");
        const Event event = report.toEvidence(options, syncer.lastInput());
        QCOMPARE_STR(std::string(toString(event.kind)), "rule");
        const auto &a = event.attributes;
        QCOMPARE(a["ok"].get<bool>(), true);
        QCOMPARE(a["service_ports"].get<int>(), 1);
        QCOMPARE(a["endpoints"].get<int>(), 3);
        QCOMPARE(a["render"]["rules"].get<std::size_t>(), report.rules);
        QCOMPARE(a["render"]["tables"]["nat"]["chains"].get<int>(), 4 + 1 + 3);
        QCOMPARE(a["diff"]["rulesAdded"].get<std::size_t>(), report.rules);
        QCOMPARE(a["diff"]["truncated"].get<bool>(), true);
        QCOMPARE(a["hooks_installed"].size(), hookRules().size());
        QCOMPARE(a["iptables_restore"]["exit_code"].get<int>(), 0);
        QVERIFY(a["iptables_restore"]["input"].get<std::string>().find("*nat") !=
                std::string::npos);
        QVERIFY(a.contains("render_ms") && a.contains("restore_ms") && a.contains("total_ms"));
        QVERIFY2(event.summary.find("3 endpoints") != std::string::npos, event.summary.c_str());
    }
};

QTEST_APPLESS_MAIN(TestKubeProxyRules)
#include "tst_kube_proxy_rules.moc"
