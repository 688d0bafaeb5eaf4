// flowlab-controller-manager: the controllers of Flowlab's Kubernetes control plane. In the
// lab, flowlabd starts it in the flowlab-cp namespace next to the apiserver; for tests it
// runs anywhere with --server pointing at a loopback apiserver. It needs no privilege.

#include "engine/kube/client/EvidenceLog.h"
#include "engine/kube/client/KubeClient.h"
#include "engine/kube/client/StopSignals.h"
#include "engine/kube/controllers/ControllerManager.h"
#include "engine/kube/controllers/LoadBalancerReconcile.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimer>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

using namespace flowlab;
using namespace flowlab::kube;

namespace {

const char *kName = "flowlab-controller-manager";
constexpr auto kConnectRetry = std::chrono::seconds(2);

const char *kDescription =
    "The controllers of Flowlab's Kubernetes control plane.\n"
    "\n"
    "Each controller watches the apiserver (list, then watch) and, whenever what exists\n"
    "differs from what is wanted, makes the API requests that close the gap:\n"
    "  deployment-controller          Deployments -> ReplicaSets named "
    "<name>-<pod-template-hash>;\n"
    "                                 rolling updates (maxSurge, maxUnavailable), Recreate,\n"
    "                                 revisions and rollbacks, the status `kubectl rollout\n"
    "                                 status` waits on\n"
    "  replicaset-controller          ReplicaSets -> Pods (created from the template, the least\n"
    "                                 useful deleted first)\n"
    "  statefulset-controller         StatefulSets -> pods <set>-0, <set>-1... one at a time,\n"
    "                                 each Ready before the next, with a claim per\n"
    "                                 volumeClaimTemplate; scale down from the highest\n"
    "  persistentvolume-binder        a Pending claim gets a hostPath PersistentVolume under\n"
    "                                 --volume-dir, bound to it (the lab's provisioner)\n"
    "  endpoint-controller            Services with a selector -> Endpoints of their pods\n"
    "  endpointslice-controller       the same, as discovery.k8s.io/v1 EndpointSlices\n"
    "  namespace-controller           a deleted namespace is emptied, then finalized\n"
    "  serviceaccount-controller      a \"default\" ServiceAccount in every namespace\n"
    "  garbage-collector-controller   dependents of deleted owners (ownerReferences) go too;\n"
    "                                 foreground and orphan deletion\n"
    "  pod-garbage-collector          pods bound to nodes that no longer exist\n"
    "  node-controller                nodes whose kubelet went silent become NotReady\n"
    "                                 (Ready=Unknown) and are tainted unreachable\n"
    "  service-controller             LoadBalancer Services get an address from\n"
    "                                 --load-balancer-pool (the lab's cloud)\n"
    "\n"
    "Every decision is written to the evidence log (--evidence-log) as one JSON line, a\n"
    "\"reconcile\" event with the controller, the object, what is desired, what is\n"
    "actual, and the action taken (or \"none\"). The controllers also write core/v1 Events\n"
    "(ScalingReplicaSet, SuccessfulCreate, NodeNotReady...) that `kubectl describe` shows.\n"
    "\n"
    "The apiserver need not be up first: until it answers, the controller-manager says so\n"
    "every few seconds and keeps trying. SIGTERM or SIGINT stops it.\n"
    "\n"
    "Example (the lab's own invocation):\n"
    "  flowlab-controller-manager --server http://192.168.56.100:6443 \\\n"
    "      --token-file /var/lib/flowlab/kube/controller-manager.token \\\n"
    "      --evidence-log /run/flowlab/kube/controller-manager.evidence.jsonl\n"
    "\n"
    "Exit status: 0 when stopped by a signal, 1 when it cannot start (an unreadable token\n"
    "file or evidence log), 2 for bad arguments.";

int positiveSeconds(const QCommandLineParser &parser, const QCommandLineOption &option, bool *ok)
{
    bool numeric = false;
    const int value = parser.value(option).toInt(&numeric);
    *ok = numeric && value > 0;
    if (!*ok)
        std::fprintf(stderr, "%s: --%s must be a whole number of seconds above 0, not \"%s\"\n",
                     kName, qPrintable(option.names().first()), qPrintable(parser.value(option)));
    return value;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(kName);
    QCoreApplication::setApplicationVersion(FLOWLAB_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription(kDescription);
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption server("server", "The apiserver's URL (default http://192.168.56.100:6443).",
                              "URL", "http://192.168.56.100:6443");
    QCommandLineOption tokenFile("token-file",
                                 "A file whose one line is the bearer token to authenticate with "
                                 "(required; the lab's is system:kube-controller-manager's).",
                                 "PATH");
    QCommandLineOption evidenceLog(
        "evidence-log",
        "Append one reconcile evidence event per decision (JSON lines) to "
        "PATH. Without it, decisions are only logged.",
        "PATH");
    QCommandLineOption gracePeriod(
        "node-monitor-grace-period",
        "How long a node's kubelet may stay silent (no Ready heartbeat, no "
        "Lease renewal) before the node is marked NotReady (default 40).",
        "SECONDS", "40");
    QCommandLineOption monitorPeriod("node-monitor-period",
                                     "How often every node's heartbeat is checked (default 5).",
                                     "SECONDS", "5");
    QCommandLineOption nodeName("node-name",
                                "The lab node this runs on, recorded as every evidence event's "
                                "source (default flowlab-cp).",
                                "NAME", "flowlab-cp");
    QCommandLineOption loadBalancerPool(
        "load-balancer-pool",
        "The addresses handed to LoadBalancer Services, FIRST-LAST (default "
        "192.168.56.200-192.168.56.250, on the lab's underlay).",
        "RANGE", loadbalancer::kDefaultPool);
    QCommandLineOption volumeDir(
        "volume-dir",
        "Where the directories of provisioned PersistentVolumes go (default "
        "/var/lib/flowlab/volumes; the kubelets mount them from there).",
        "DIR", "/var/lib/flowlab/volumes");
    QCommandLineOption verbose("verbose",
                               "Log debug messages (every request that failed, conflicts too).");
    for (const auto &option : {server, tokenFile, evidenceLog, gracePeriod, monitorPeriod, nodeName,
                               loadBalancerPool, volumeDir, verbose})
        parser.addOption(option);
    parser.process(app);
    spdlog::set_level(parser.isSet(verbose) ? spdlog::level::debug : spdlog::level::info);

    if (!parser.isSet(tokenFile)) {
        std::fprintf(stderr, "%s: --token-file is required (see --help)\n", kName);
        return 2;
    }
    ControllerManagerOptions options;
    bool ok = false;
    options.nodeMonitorGracePeriod =
        std::chrono::seconds(positiveSeconds(parser, gracePeriod, &ok));
    if (!ok)
        return 2;
    options.nodeMonitorPeriod = std::chrono::seconds(positiveSeconds(parser, monitorPeriod, &ok));
    if (!ok)
        return 2;
    options.loadBalancerPool = parser.value(loadBalancerPool).toStdString();
    options.volumeDir = parser.value(volumeDir).toStdString();
    if (auto pool = loadbalancer::AddressPool::parse(options.loadBalancerPool); !pool) {
        std::fprintf(stderr, "%s: --load-balancer-pool: %s\n", kName,
                     pool.error().message().c_str());
        return 2;
    }

    const std::string url = parser.value(server).toStdString();
    auto config = clientConfigFromFlags(url, parser.value(tokenFile).toStdString(),
                                        std::string(kName) + "/" + FLOWLAB_VERSION);
    if (!config) {
        std::fprintf(stderr, "%s: %s\n", kName, config.error().message().c_str());
        return 1;
    }
    EvidenceLog evidence;
    if (auto opened = evidence.open(parser.value(evidenceLog).toStdString(), "controller-manager",
                                    parser.value(nodeName).toStdString());
        !opened) {
        std::fprintf(stderr, "%s: %s\n", kName, opened.error().message().c_str());
        return 1;
    }

    KubeClient client(*config);
    ControllerManager manager(client, evidence, options);
    QObject::connect(&manager, &ControllerManager::running, &app,
                     [] { spdlog::info("caches synced: controllers running"); });

    // Wait for the apiserver, saying why while it does not answer (as kube-controller-manager
    // does), then start the informers. Once running, the informers retry on their own.
    std::function<void()> waitForApiserver;
    std::string lastProblem;
    waitForApiserver = [&] {
        client.list(
            builtinResource("", "namespaces"), "", "limit=1", [&](const ClientResult &result) {
                if (result.ok()) {
                    spdlog::info("connected to the apiserver at {}; starting {} controllers", url,
                                 manager.controllerNames().size());
                    manager.start();
                    return;
                }
                std::string problem;
                if (result.code == 0)
                    problem = "cannot reach the apiserver at " + url + ": " + result.message();
                else if (result.code == 401)
                    problem = "the apiserver at " + url +
                              " does not accept the token in --token-file (401 Unauthorized)";
                else
                    problem = "the apiserver at " + url + " answered " +
                              std::to_string(result.code) + ": " + result.message();
                if (problem != lastProblem)
                    spdlog::warn("{}; retrying every {} s", problem, kConnectRetry.count());
                else
                    spdlog::debug("{}", problem);
                lastProblem = problem;
                QTimer::singleShot(kConnectRetry, &app, waitForApiserver);
            });
    };
    waitForApiserver();

    if (auto s = quitOnStopSignals(app); !s) {
        std::fprintf(stderr, "flowlab-controller-manager: %s\n", s.error().message().c_str());
        return 1;
    }
    return app.exec();
}
