// A node's containerd config.toml and CNI conflist, as rendered: everything under the node's
// own directories, the lab registry as mirror and sandbox image, and files that the real
// containerd and the real CNI plugins accept (both are asked, neither needs root).

#include "engine/kube/node/NodeRuntimeFiles.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <nlohmann/json.hpp>

using namespace flowlab::kube::node;

class TestNodeFiles : public QObject
{
    Q_OBJECT

private:
    NodeRuntimeLayout node1() const
    {
        return NodeRuntimeLayout::forNode("flowlab-node1", "10.42.0.0/24");
    }

private slots:
    void layoutIsUnderTheNodesDirectories()
    {
        const NodeRuntimeLayout layout = node1();
        QCOMPARE(layout.containerdSocket(),
                 std::string("/run/flowlab/nodes/flowlab-node1/containerd/containerd.sock"));
        QCOMPARE(layout.containerdRoot(),
                 std::string("/var/lib/flowlab/nodes/flowlab-node1/containerd"));
        QCOMPARE(layout.pauseImage(), std::string("192.168.56.5:5000/flowlab/pause:1.0"));
        for (const std::string &dir : layout.directories())
            QVERIFY2(dir.starts_with(layout.runDir) || dir.starts_with(layout.dataDir),
                     dir.c_str());
    }

    void containerdConfigSharesNothingWithOtherContainerds()
    {
        const std::string toml = renderContainerdConfig(node1());
        for (const char *expected :
             {"root = \"/var/lib/flowlab/nodes/flowlab-node1/containerd\"",
              "state = \"/run/flowlab/nodes/flowlab-node1/containerd/state\"",
              "address = \"/run/flowlab/nodes/flowlab-node1/containerd/containerd.sock\"",
              "path = \"/var/lib/flowlab/nodes/flowlab-node1/containerd/opt\"",
              "netns_mounts_under_state_dir = true", "disable_tcp_service = true",
              "restrict_oom_score_adj = true", "SystemdCgroup = false",
              "snapshotter = \"overlayfs\""})
            QVERIFY2(toml.find(expected) != std::string::npos, expected);
        // None of the defaults that another containerd on the machine uses.
        for (const char *shared : {"/run/containerd", "/var/lib/containerd", "/opt/containerd",
                                   "/etc/cni", "/opt/cni", "/var/run/netns"})
            QVERIFY2(toml.find(shared) == std::string::npos, shared);
        // The CRI plugin is on: no disabled_plugins line names it.
        QVERIFY(toml.find("disabled_plugins") == std::string::npos);
    }

    void imagesComeFromTheLabRegistry()
    {
        const std::string toml = renderContainerdConfig(node1());
        QVERIFY(toml.find("sandbox_image = \"192.168.56.5:5000/flowlab/pause:1.0\"") !=
                std::string::npos);
        QVERIFY(toml.find("registry.mirrors.\"docker.io\"]\n  endpoint = "
                          "[\"http://192.168.56.5:5000\"]") != std::string::npos);
        QVERIFY(toml.find("registry.mirrors.\"192.168.56.5:5000\"]\n  endpoint = "
                          "[\"http://192.168.56.5:5000\"]") != std::string::npos);
        QVERIFY(toml.find("bin_dir = \"/usr/lib/cni\"") != std::string::npos);
        QVERIFY(toml.find("conf_dir = \"/run/flowlab/nodes/flowlab-node1/cni/net.d\"") !=
                std::string::npos);
    }

    void realContainerdReadsTheConfig()
    {
        QTemporaryDir dir;
        NodeRuntimeLayout layout = NodeRuntimeLayout::forNode("flowlab-node2", "10.42.1.0/24",
                                                              dir.path().toStdString() + "/lib",
                                                              dir.path().toStdString() + "/run");
        QVERIFY(writeNodeRuntimeFiles(layout).ok());
        QProcess containerd;
        containerd.start(
            "containerd",
            {"--config", QString::fromStdString(layout.containerdConfigPath()), "config", "dump"});
        if (!containerd.waitForStarted())
            QSKIP("containerd is not installed (.ci/install-deps installs it)");
        QVERIFY(containerd.waitForFinished(30000));
        const QString dump = QString::fromUtf8(containerd.readAllStandardOutput());
        QVERIFY2(containerd.exitCode() == 0, qPrintable(containerd.readAllStandardError()));
        // What containerd understood, not just what we wrote.
        QVERIFY2(dump.contains("netns_mounts_under_state_dir = true"), qPrintable(dump));
        QVERIFY(
            dump.contains(QString::fromStdString("conf_dir = \"" + layout.cniConfDir() + "\"")));
        QVERIFY(dump.contains("sandbox_image = \"192.168.56.5:5000/flowlab/pause:1.0\""));
        QVERIFY(dump.contains("endpoint = [\"http://192.168.56.5:5000\"]"));
    }

    void cniConflistWiresTheNodesPodCidr()
    {
        const auto conflist = nlohmann::json::parse(renderCniConflist(node1()));
        QCOMPARE(conflist["cniVersion"].get<std::string>(), std::string("1.0.0"));
        QCOMPARE(conflist["name"].get<std::string>(), std::string("flowlab-pods"));
        const auto &plugins = conflist["plugins"];
        QCOMPARE(plugins.size(), std::size_t(2));
        const auto &bridge = plugins[0];
        QCOMPARE(bridge["type"].get<std::string>(), std::string("bridge"));
        QCOMPARE(bridge["bridge"].get<std::string>(), std::string("cni0"));
        QVERIFY(bridge["isGateway"].get<bool>());
        QVERIFY(!bridge["ipMasq"].get<bool>()); // pods keep their addresses across nodes
        QCOMPARE(bridge["ipam"]["type"].get<std::string>(), std::string("host-local"));
        QCOMPARE(bridge["ipam"]["ranges"][0][0]["subnet"].get<std::string>(),
                 std::string("10.42.0.0/24"));
        QCOMPARE(bridge["ipam"]["dataDir"].get<std::string>(),
                 std::string("/var/lib/flowlab/nodes/flowlab-node1/cni/networks"));
        QCOMPARE(plugins[1]["type"].get<std::string>(), std::string("portmap"));
        QVERIFY(plugins[1]["capabilities"]["portMappings"].get<bool>());
    }

    void debiansPluginsSpeakTheConflistsVersion()
    {
        // CNI_COMMAND=VERSION needs no root and no namespace.
        for (const char *plugin : {"bridge", "host-local", "portmap", "loopback"}) {
            const QString path = QString("/usr/lib/cni/") + plugin;
            if (!QFile::exists(path))
                QSKIP("containernetworking-plugins is not installed (.ci/install-deps)");
            QProcess process;
            QProcessEnvironment env;
            env.insert("CNI_COMMAND", "VERSION");
            process.setProcessEnvironment(env);
            process.start(path, {});
            process.write(R"({"cniVersion":"1.0.0"})");
            process.closeWriteChannel();
            QVERIFY(process.waitForFinished(10000));
            const auto answer =
                nlohmann::json::parse(process.readAllStandardOutput().toStdString());
            const auto &versions = answer["supportedVersions"];
            QVERIFY2(std::find(versions.begin(), versions.end(), kCniVersion) != versions.end(),
                     plugin);
        }
    }
};

QTEST_GUILESS_MAIN(TestNodeFiles)
#include "tst_kube_node_files.moc"
