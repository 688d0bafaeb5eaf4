// Building the lab network against the recording fake: intent, idempotency, and that every
// namespace is in the saved state before it exists (so a crash cannot hide one).

#include "engine/lab/LabNetwork.h"
#include "engine/sys/fakes/RecordingNetworkOps.h"

#include <QTest>

using namespace flowlab;

class TestLabNetwork : public QObject
{
    Q_OBJECT

private slots:
    void buildsTheDockerTopology()
    {
        RecordingNetworkOps ops;
        const LabTopology topology = LabTopology::dockerLab();
        LabState state;
        int saves = 0;
        QVERIFY(LabNetwork(ops, topology)
                    .build(state,
                           [&] {
                               ++saves;
                               return success();
                           },
                           {}));

        QCOMPARE(ops.namespaces(), (std::set<std::string>{"flowlab-lab", "flowlab-client",
                                                          "flowlab-registry", "flowlab-docker"}));
        QCOMPARE(ops.links("flowlab-lab"),
                 (std::set<std::string>{"lo", "lab0", "fl-client", "fl-registry", "fl-docker"}));
        for (const auto &host : topology.hosts) {
            QCOMPARE(ops.masterOf("flowlab-lab", host.switchPort), std::string("lab0"));
            QVERIFY(ops.isUp("flowlab-lab", host.switchPort));
            QVERIFY(ops.isUp(host.netns, "eth0"));
            QVERIFY(ops.isUp(host.netns, "lo"));
            QCOMPARE(ops.addresses(host.netns, "eth0"), std::set<std::string>{host.address});
        }
        QCOMPARE(ops.addresses("flowlab-docker", "eth0"),
                 std::set<std::string>{"192.168.56.10/24"});
        QVERIFY(ops.isUp("flowlab-lab", "lab0"));
        QCOMPARE(state.namespaces.size(), std::size_t(4));
        QCOMPARE(saves, 4);
    }

    void buildsTheKubeNodesWithHostGwRoutes()
    {
        RecordingNetworkOps ops;
        const LabTopology topology = LabTopology::kubeLab();
        LabState state;
        QVERIFY(LabNetwork(ops, topology).build(state, [] { return success(); }, {}));

        const auto nodes = topology.kubeNodes();
        QCOMPARE(nodes.size(), std::size_t(3));
        const std::vector<std::pair<std::string, std::string>> plan = {
            {"flowlab-node1", "10.42.0.0/24"},
            {"flowlab-node2", "10.42.1.0/24"},
            {"flowlab-node3", "10.42.2.0/24"}};
        for (std::size_t i = 0; i < plan.size(); ++i) {
            QCOMPARE(nodes[i]->netns, plan[i].first);
            QCOMPARE(nodes[i]->podCidr, plan[i].second);
            QCOMPARE(ops.addresses(nodes[i]->netns, "eth0"),
                     std::set<std::string>{"192.168.56.11" + std::to_string(i) + "/24"});
        }
        // Each node reaches the other nodes' pods through them, and not its own.
        // And the Service CIDR out of eth0, for the node's own connections to ClusterIPs.
        QCOMPARE(ops.routes("flowlab-node1"),
                 (std::map<std::string, std::string>{{"10.42.1.0/24", "via 192.168.56.111"},
                                                     {"10.42.2.0/24", "via 192.168.56.112"},
                                                     {"10.43.0.0/16", "dev eth0"}}));
        QCOMPARE(ops.routes("flowlab-node3"),
                 (std::map<std::string, std::string>{{"10.42.0.0/24", "via 192.168.56.110"},
                                                     {"10.42.1.0/24", "via 192.168.56.111"},
                                                     {"10.43.0.0/16", "dev eth0"}}));
        // The client reaches pods through their nodes and LoadBalancer addresses through
        // node1; the Docker host routes nothing beyond the lab subnet.
        const std::map<std::string, std::string> clientRoutes{
            {"10.42.0.0/24", "via 192.168.56.110"},
            {"10.42.1.0/24", "via 192.168.56.111"},
            {"10.42.2.0/24", "via 192.168.56.112"},
            {"192.168.56.192/26", "via 192.168.56.110"}};
        QCOMPARE(ops.routes("flowlab-client"), clientRoutes);
        QCOMPARE(ops.routes("flowlab-cp"), clientRoutes);
        QVERIFY(ops.routes("flowlab-docker").empty());

        // Again, on what exists: the same routes, nothing added twice.
        ops.clearCalls();
        QVERIFY(LabNetwork(ops, topology).build(state, [] { return success(); }, {}));
        QCOMPARE(ops.routes("flowlab-node2").size(), std::size_t(3));
    }

    void aRouteThatCannotBeAddedNamesTheHost()
    {
        RecordingNetworkOps ops;
        const LabTopology topology = LabTopology::kubeLab();
        LabState state;
        ops.failNext("replaceRoute flowlab-node2", "Nexthop has invalid gateway");
        auto built = LabNetwork(ops, topology).build(state, [] { return success(); }, {});
        QVERIFY(!built);
        QVERIFY2(built.error().message().find("flowlab-node2") != std::string::npos,
                 built.error().message().c_str());
    }

    void buildIsIdempotent()
    {
        RecordingNetworkOps ops;
        const LabTopology topology = LabTopology::dockerLab();
        LabState state;
        auto save = [] { return success(); };
        QVERIFY(LabNetwork(ops, topology).build(state, save, {}));
        ops.clearCalls();
        QVERIFY(LabNetwork(ops, topology).build(state, save, {}));
        for (const auto &call : ops.calls()) {
            QVERIFY2(call.rfind("addNamespace", 0) != 0, call.c_str());
            QVERIFY2(call.rfind("addVethPair", 0) != 0, call.c_str());
            QVERIFY2(call.rfind("addAddress", 0) != 0, call.c_str());
            QVERIFY2(call.rfind("addBridge", 0) != 0, call.c_str());
        }
    }

    void repairsAMissingPiece()
    {
        RecordingNetworkOps ops;
        const LabTopology topology = LabTopology::dockerLab();
        LabState state;
        auto save = [] { return success(); };
        QVERIFY(LabNetwork(ops, topology).build(state, save, {}));
        // The client namespace vanished (say, deleted by hand): its veth peer went with it.
        QVERIFY(ops.deleteNamespace("flowlab-client"));
        QVERIFY(!ops.links("flowlab-lab").count("fl-client"));
        QVERIFY(LabNetwork(ops, topology).build(state, save, {}));
        QCOMPARE(ops.addresses("flowlab-client", "eth0"), std::set<std::string>{"192.168.56.2/24"});
        QCOMPARE(ops.masterOf("flowlab-lab", "fl-client"), std::string("lab0"));
    }

    void failureNamesTheStepAndKeepsTheState()
    {
        RecordingNetworkOps ops;
        ops.failNext("addVethPair flowlab-lab/fl-registry", "File exists");
        const LabTopology topology = LabTopology::dockerLab();
        LabState state;
        std::vector<std::vector<std::string>> saved;
        auto save = [&] {
            saved.push_back(state.namespaces);
            return success();
        };
        Status status = LabNetwork(ops, topology).build(state, save, {});
        QVERIFY(!status);
        QVERIFY2(status.error().message().find("connecting flowlab-registry") != std::string::npos,
                 status.error().message().c_str());
        QVERIFY(status.error().message().find("File exists") != std::string::npos);
        // Every namespace created so far is known to the saved state.
        QCOMPARE(saved.back().size(), std::size_t(4));
    }

    void namespaceIsSavedBeforeItIsCreated()
    {
        RecordingNetworkOps ops;
        const LabTopology topology = LabTopology::dockerLab();
        LabState state;
        std::vector<std::string> order;
        auto save = [&] {
            order.push_back("save:" + state.namespaces.back());
            return success();
        };
        ops.failNext("addNamespace flowlab-client", "Operation not permitted");
        QVERIFY(!LabNetwork(ops, topology).build(state, save, {}));
        QCOMPARE(order.back(), std::string("save:flowlab-client"));
        QCOMPARE(ops.namespaces(), std::set<std::string>{"flowlab-lab"});
    }

    void savingFailureStopsTheBuild()
    {
        RecordingNetworkOps ops;
        const LabTopology topology = LabTopology::dockerLab();
        LabState state;
        auto save = [] { return Status(Error("rename /run/flowlab/lab.json.tmp: No space left")); };
        QVERIFY(!LabNetwork(ops, topology).build(state, save, {}));
        QVERIFY(ops.namespaces().empty());
    }
};

QTEST_GUILESS_MAIN(TestLabNetwork)
#include "tst_lab_network.moc"
