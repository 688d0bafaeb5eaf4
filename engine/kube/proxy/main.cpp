// flowlab-kube-proxy: kube-proxy in iptables mode, one per lab node. flowlabd starts it inside
// the node's namespace or points it there with --netns; for tests it runs unprivileged with
// --iptables-restore pointing at a stand-in program.

#include "engine/kube/client/EvidenceLog.h"
#include "engine/kube/client/KubeClient.h"
#include "engine/kube/client/StopSignals.h"
#include "engine/kube/proxy/ProxyAgent.h"
#include "engine/kube/proxy/ProxySyncer.h"
#include "engine/kube/proxy/RuleApplier.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSocketNotifier>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

using namespace flowlab;
using namespace flowlab::kube;
using namespace flowlab::kube::proxy;

namespace {

const char *kName = "flowlab-kube-proxy";

const char *kDescription =
    "kube-proxy for Flowlab's lab nodes, in iptables mode.\n"
    "\n"
    "Watches Services and their EndpointSlices (discovery.k8s.io/v1; core/v1 Endpoints\n"
    "with --use-endpoints) and, after every change, renders the rules of all of them and\n"
    "applies them with ONE `iptables-restore --noflush` in the node's network namespace, as\n"
    "the real kube-proxy does:\n"
    "  nat     KUBE-SERVICES     cluster IP:port -> KUBE-SVC-<hash>; LoadBalancer and external\n"
    "                            IP:port -> KUBE-EXT-<hash>; last, local addresses ->\n"
    "                            KUBE-NODEPORTS\n"
    "          KUBE-NODEPORTS    node port -> KUBE-EXT-<hash>\n"
    "          KUBE-EXT-<hash>   mark for masquerade, then KUBE-SVC-<hash>\n"
    "          KUBE-SVC-<hash>   one rule per ready endpoint, -m statistic --mode random\n"
    "                            --probability 1/n, 1/(n-1), ..., the last unconditional\n"
    "          KUBE-SEP-<hash>   DNAT --to-destination POD-IP:PORT\n"
    "          KUBE-MARK-MASQ, KUBE-POSTROUTING   mark 0x4000, MASQUERADE what is marked\n"
    "  filter  KUBE-SERVICES, KUBE-EXTERNAL-SERVICES   REJECT for Services without endpoints\n"
    "          KUBE-FORWARD      accept marked and established traffic\n"
    "Chain names are hashed as kube-proxy hashes them (sha256, base32, 16 characters), so\n"
    "they match a real cluster's. ExternalName Services get no rules (DNS answers them), nor\n"
    "do headless ones.\n"
    "\n"
    "Only the KUBE-* chains are declared (and so emptied) by each sync; every other rule in\n"
    "the namespace stays. The jumps from PREROUTING, OUTPUT and POSTROUTING (nat) and from\n"
    "INPUT, FORWARD and OUTPUT (filter) are installed once, with the first sync, where they\n"
    "are missing. Chains of Services that went away are deleted.\n"
    "\n"
    "Every sync is appended to the evidence log as one \"rule\" event (JSON line): the\n"
    "render (chains and rules per table), the diff from the rules applied before (rules added\n"
    "and removed per chain), the time to render and to restore, and iptables-restore's exit\n"
    "status and output.\n"
    "\n"
    "Example (the lab's invocation for node1):\n"
    "  flowlab-kube-proxy --server http://192.168.56.100:6443 \\\n"
    "      --token-file /var/lib/flowlab/kube/kube-proxy.token --node flowlab-node1 \\\n"
    "      --netns flowlab-node1 \\\n"
    "      --evidence-log /run/flowlab/kube/kube-proxy-flowlab-node1.evidence.jsonl\n"
    "\n"
    "Exit status: 0 when stopped by SIGTERM or SIGINT, 1 when it cannot start (an unreadable\n"
    "token file or evidence log), 2 for bad arguments.";

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
    QCommandLineOption tokenFile({"token-file", "token"},
                                 "A file whose one line is the bearer token to authenticate with "
                                 "(required).",
                                 "PATH");
    QCommandLineOption node({"node", "node-name"},
                            "The node this kube-proxy serves, named as the evidence's source "
                            "(required), e.g. flowlab-node1.",
                            "NAME");
    QCommandLineOption netns("netns",
                             "Apply the rules in this network namespace (a name under "
                             "/run/netns, or a path); needs CAP_SYS_ADMIN. Default: the "
                             "namespace kube-proxy runs in.",
                             "NAME");
    QCommandLineOption evidenceLog({"evidence-log", "evidence"},
                                   "Append one \"rule\" evidence event per sync (JSON lines) to "
                                   "PATH. Without it, syncs are only logged.",
                                   "PATH");
    QCommandLineOption restoreProgram("iptables-restore",
                                      "The iptables-restore to run (default iptables-restore: "
                                      "Debian's nf_tables variant, like the iptables Docker and "
                                      "Flowlab's rule monitor use).",
                                      "PATH", "iptables-restore");
    QCommandLineOption saveProgram("iptables-save",
                                   "The iptables-save run once at the start, to find the hooks "
                                   "and chains already there (default iptables-save).",
                                   "PATH", "iptables-save");
    QCommandLineOption clusterCidr("cluster-cidr",
                                   "The pods' CIDR: traffic to a cluster IP from outside it is "
                                   "masqueraded (default 10.42.0.0/16; empty for none).",
                                   "CIDR", "10.42.0.0/16");
    QCommandLineOption useEndpoints("use-endpoints",
                                    "Read core/v1 Endpoints instead of EndpointSlices, as "
                                    "kube-proxy did before Kubernetes 1.19.");
    QCommandLineOption minSyncPeriod("min-sync-period",
                                     "Syncs start at least this many milliseconds apart "
                                     "(default 1000).",
                                     "MS", "1000");
    QCommandLineOption rulesFile("rules-file",
                                 "Write the iptables-restore input of every successful sync to "
                                 "PATH (replaced each time).",
                                 "PATH");
    QCommandLineOption verbose("verbose", "Log debug messages.");
    for (const auto &option :
         {server, tokenFile, node, netns, evidenceLog, restoreProgram, saveProgram, clusterCidr,
          useEndpoints, minSyncPeriod, rulesFile, verbose})
        parser.addOption(option);
    parser.process(app);
    spdlog::set_level(parser.isSet(verbose) ? spdlog::level::debug : spdlog::level::info);

    for (const auto *required : {&tokenFile, &node})
        if (!parser.isSet(*required)) {
            std::fprintf(stderr, "%s: --%s is required (see --help)\n", kName,
                         qPrintable(required->names().first()));
            return 2;
        }
    bool numeric = false;
    const int minSyncMs = parser.value(minSyncPeriod).toInt(&numeric);
    if (!numeric || minSyncMs < 0) {
        std::fprintf(stderr,
                     "%s: --min-sync-period must be a whole number of milliseconds, not "
                     "\"%s\"\n",
                     kName, qPrintable(parser.value(minSyncPeriod)));
        return 2;
    }

    auto config = clientConfigFromFlags(parser.value(server).toStdString(),
                                        parser.value(tokenFile).toStdString(),
                                        std::string(kName) + "/" + FLOWLAB_VERSION);
    if (!config) {
        std::fprintf(stderr, "%s: %s\n", kName, config.error().message().c_str());
        return 1;
    }
    const std::string nodeName = parser.value(node).toStdString();
    EvidenceLog evidence;
    if (auto opened =
            evidence.open(parser.value(evidenceLog).toStdString(), "kube-proxy", nodeName);
        !opened) {
        std::fprintf(stderr, "%s: %s\n", kName, opened.error().message().c_str());
        return 1;
    }

    IptablesRestoreApplier applier(
        {parser.value(restoreProgram).toStdString(), parser.value(saveProgram).toStdString()},
        parser.value(netns).toStdString());
    SyncOptions syncOptions;
    syncOptions.render.clusterCIDR = parser.value(clusterCidr).toStdString();
    syncOptions.node = nodeName;
    syncOptions.netns = parser.value(netns).toStdString();
    ProxySyncer syncer(applier, syncOptions);

    KubeClient client(*config);
    ProxyAgentOptions agentOptions;
    agentOptions.source =
        parser.isSet(useEndpoints) ? EndpointSource::Endpoints : EndpointSource::EndpointSlices;
    agentOptions.minSyncPeriod = std::chrono::milliseconds(minSyncMs);
    agentOptions.rulesFile = parser.value(rulesFile).toStdString();
    ProxyAgent agent(client, syncer, evidence, agentOptions);
    spdlog::info("watching {} at {}; rules go to {}",
                 parser.isSet(useEndpoints) ? "Services and Endpoints"
                                            : "Services and EndpointSlices",
                 parser.value(server).toStdString(), applier.describe());
    agent.start();

    if (auto s = quitOnStopSignals(app); !s) {
        std::fprintf(stderr, "flowlab-kube-proxy: %s\n", s.error().message().c_str());
        return 1;
    }
    return app.exec();
}
