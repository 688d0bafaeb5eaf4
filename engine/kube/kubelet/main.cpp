// flowlab-kubelet: the kubelet of one lab node. In the lab it runs in the node's network
// namespace (flowlab-node1..3), started by flowlabd next to the node's own containerd; it
// talks CRI v1 to that containerd and plain HTTP to the apiserver.

#include "engine/kube/client/EvidenceLog.h"
#include "engine/kube/client/KubeClient.h"
#include "engine/kube/client/StopSignals.h"
#include "engine/kube/cri/GrpcContainerRuntime.h"
#include "engine/kube/kubelet/ContainerLogs.h"
#include "engine/kube/kubelet/Kubelet.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSocketNotifier>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <spdlog/spdlog.h>
#include <unistd.h>

using namespace flowlab;
using namespace flowlab::kube;

namespace {

// What runc leaves of a pod's cgroup once its containers are gone: the pod's own directory
// in every hierarchy (cgroupfs driver). Removed bottom-up; a busy one stays.
void removePodCgroup(const std::string &cgroupParent)
{
    std::error_code ec;
    for (const auto &hierarchy : std::filesystem::directory_iterator("/sys/fs/cgroup", ec))
        ::rmdir((hierarchy.path().string() + cgroupParent).c_str());
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("flowlab-kubelet");
    QCoreApplication::setApplicationVersion(FLOWLAB_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Flowlab's kubelet: runs the pods of one lab node.\n\n"
        "It registers the node (capacity, addresses, podCIDR, a Ready condition), renews\n"
        "its Lease in kube-node-lease every 10 s and posts node status every minute. It\n"
        "watches the pods bound to the node (fieldSelector spec.nodeName=NODE) and runs\n"
        "each through the node's container runtime over CRI v1 (gRPC):\n"
        "  PullImage (by imagePullPolicy), RunPodSandbox (the pause container; the CNI\n"
        "  plugins give it its IP, read back with PodSandboxStatus), CreateContainer and\n"
        "  StartContainer;\n"
        "then PATCHes pods/NAME/status: phase, conditions, podIP(s), hostIP and the\n"
        "containers' states and restart counts. A container that exits is restarted by\n"
        "the pod's restartPolicy, after a back-off that starts at 10 s and doubles up to\n"
        "5 min (CrashLoopBackOff meanwhile). A pod marked for deletion is stopped\n"
        "(StopContainer with its grace period, StopPodSandbox), removed (RemoveContainer,\n"
        "RemovePodSandbox) and then deleted for good.\n\n"
        "Every CRI call (a \"grpc\" event with the decoded request and response) and every\n"
        "pod status write (an \"api\" event) is appended to the evidence log.\n\n"
        "Not implemented yet: probes, volumes, kubectl logs/exec.\n\n"
        "flowlabd starts it in the node's namespace (flowlab-cli lab up --kube). It keeps\n"
        "retrying, and says so, while the apiserver or the runtime cannot be reached.\n"
        "SIGTERM or SIGINT stops it; the pods keep running in the runtime and are found\n"
        "again at the next start.");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption server("server", "The apiserver's URL (default http://192.168.56.100:6443).",
                              "URL", "http://192.168.56.100:6443");
    QCommandLineOption tokenFile("token-file",
                                 "A file whose one line is the bearer token, for user "
                                 "system:node:NODE in group system:nodes (required).",
                                 "PATH");
    QCommandLineOption node("node", "The node's name, e.g. flowlab-node1 (required).", "NAME");
    QCommandLineOption nodeIp("node-ip", "The node's InternalIP, e.g. 192.168.56.110 (required).",
                              "IP");
    QCommandLineOption podCidr("pod-cidr", "The node's pod CIDR, e.g. 10.42.0.0/24 (spec.podCIDR).",
                               "CIDR");
    QCommandLineOption criSocket("cri-socket",
                                 "The container runtime's CRI endpoint (required), e.g. "
                                 "/run/flowlab/nodes/flowlab-node1/containerd/containerd.sock.",
                                 "PATH");
    QCommandLineOption evidenceLog(QStringList{"evidence-log", "evidence"},
                                   "Append one evidence event (JSON lines) per CRI call and per "
                                   "pod status write to PATH. Without it nothing is recorded.",
                                   "PATH");
    QCommandLineOption podLogDir("pod-log-dir",
                                 "Where container logs go: PATH/NAMESPACE_NAME_UID/CONTAINER/N.log "
                                 "(default /var/lib/flowlab/nodes/NODE/pod-logs).",
                                 "PATH");
    QCommandLineOption rootDir("root-dir",
                               "The kubelet's own directory; pods' volumes (ConfigMap, Secret, "
                               "emptyDir) go to DIR/pods/UID/volumes (default "
                               "/var/lib/flowlab/nodes/NODE/kubelet).",
                               "DIR");
    QCommandLineOption cgroupRoot("cgroup-root",
                                  "The cgroup parent of the pods (cgroupfs); each pod gets "
                                  "ROOT/podUID (default /flowlab-kubepods/NODE).",
                                  "PATH");
    QCommandLineOption clusterDns("cluster-dns",
                                  "The cluster DNS Service IP for the pods' resolv.conf (e.g. "
                                  "10.43.0.10). Without it pods get the node's resolv.conf.",
                                  "IP");
    QCommandLineOption clusterDomain(
        "cluster-domain", "The cluster domain (default cluster.local).", "DOMAIN", "cluster.local");
    QCommandLineOption workers("workers", "Pods synced at once (default 4).", "N", "4");
    QCommandLineOption verbose("verbose", "Log debug messages.");
    for (const auto &option :
         {server, tokenFile, node, nodeIp, podCidr, criSocket, evidenceLog, podLogDir, rootDir,
          cgroupRoot, clusterDns, clusterDomain, workers, verbose})
        parser.addOption(option);
    parser.process(app);
    spdlog::set_level(parser.isSet(verbose) ? spdlog::level::debug : spdlog::level::info);

    for (const auto *required : {&tokenFile, &node, &nodeIp, &criSocket})
        if (!parser.isSet(*required)) {
            std::fprintf(stderr, "flowlab-kubelet: --%s is required (see --help)\n",
                         required->names().first().toUtf8().constData());
            return 2;
        }
    const std::string nodeName = parser.value(node).toStdString();
    auto config = clientConfigFromFlags(parser.value(server).toStdString(),
                                        parser.value(tokenFile).toStdString(),
                                        "flowlab-kubelet/" FLOWLAB_VERSION);
    if (!config) {
        std::fprintf(stderr, "flowlab-kubelet: %s\n", config.error().message().c_str());
        return 1;
    }
    EvidenceLog evidence;
    if (auto opened = evidence.open(parser.value(evidenceLog).toStdString(), "kubelet", nodeName);
        !opened) {
        std::fprintf(stderr, "flowlab-kubelet: %s\n", opened.error().message().c_str());
        return 1;
    }

    cri::GrpcContainerRuntime runtime({parser.value(criSocket).toStdString()});
    auto version = runtime.waitUntilReady(std::chrono::seconds(60));
    if (!version) {
        std::fprintf(stderr, "flowlab-kubelet: the container runtime: %s\n",
                     version.error().message().c_str());
        return 1;
    }
    spdlog::info("container runtime {} {} (CRI {})", version->runtime_name(),
                 version->runtime_version(), version->runtime_api_version());

    kubelet::KubeletOptions options;
    options.node = kubelet::NodeFacts::ofThisMachine();
    options.node.name = nodeName;
    options.node.internalIp = parser.value(nodeIp).toStdString();
    options.node.podCidr = parser.value(podCidr).toStdString();
    options.node.runtimeVersion = version->runtime_name() + "://" + version->runtime_version();
    options.sync.hostIp = options.node.internalIp;
    options.sync.runtimeName = version->runtime_name();
    options.sync.sandbox.podLogRoot = parser.isSet(podLogDir)
                                          ? parser.value(podLogDir).toStdString()
                                          : "/var/lib/flowlab/nodes/" + nodeName + "/pod-logs";
    options.sync.sandbox.cgroupRoot = parser.isSet(cgroupRoot)
                                          ? parser.value(cgroupRoot).toStdString()
                                          : "/flowlab-kubepods/" + nodeName;
    options.sync.sandbox.clusterDns = parser.value(clusterDns).toStdString();
    options.sync.sandbox.clusterDomain = parser.value(clusterDomain).toStdString();
    options.sync.removePodCgroup = removePodCgroup;
    options.sync.podsDir =
        (parser.isSet(rootDir) ? parser.value(rootDir).toStdString()
                               : "/var/lib/flowlab/nodes/" + nodeName + "/kubelet") +
        "/pods";
    options.workers = parser.value(workers).toInt();

    KubeClient client(*config);
    kubelet::Kubelet kubelet(client, runtime, evidence, options);
    // `kubectl logs`, through the apiserver, which asks this endpoint on the node's address.
    kubelet::ContainerLogServer logs(options.sync.sandbox.podLogRoot);
    if (auto listening = logs.listen(options.node.internalIp, kubelet::kKubeletPort); !listening)
        spdlog::warn("{}; kubectl logs will not work for this node", listening.error().message());

    if (auto s = quitOnStopSignals(app); !s) {
        std::fprintf(stderr, "flowlab-kubelet: %s\n", s.error().message().c_str());
        return 1;
    }

    kubelet.start();
    return app.exec();
}
