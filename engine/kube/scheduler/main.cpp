// flowlab-scheduler: the scheduler of Flowlab's lab. In the lab it runs in the flowlab-cp
// namespace, started by flowlabd; it needs no privilege and talks to the apiserver over the
// same HTTP API kubectl uses, so it can run anywhere for tests.

#include "engine/kube/client/EvidenceLog.h"
#include "engine/kube/client/KubeClient.h"
#include "engine/kube/client/StopSignals.h"
#include "engine/kube/scheduler/Scheduler.h"

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

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("flowlab-scheduler");
    QCoreApplication::setApplicationVersion(FLOWLAB_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Flowlab's Kubernetes scheduler.\n\n"
        "Places pods that have no node yet (spec.nodeName empty) and name this scheduler\n"
        "(spec.schedulerName), one at a time, the way kube-scheduler's default profile does:\n"
        "  filter  NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts and\n"
        "          NodeResourcesFit decide which nodes the pod may go to;\n"
        "  score   TaintToleration (x3), NodeAffinity (x2), NodeResourcesFit with\n"
        "          LeastAllocated (x1) and NodeResourcesBalancedAllocation (x1) rank them, each\n"
        "          from 0 to 100; the highest weighted total wins, a tie at random;\n"
        "  bind    POST /api/v1/namespaces/NS/pods/NAME/binding, and a Scheduled event.\n"
        "A pod that fits nowhere gets a FailedScheduling event and the condition\n"
        "PodScheduled=False (reason Unschedulable), and is tried again when nodes or pods\n"
        "change. Preemption is not implemented.\n\n"
        "Every decision, with its whole per-node filter and score table, is appended to the\n"
        "evidence log as a \"schedule\" event for Flowlab's lessons.\n\n"
        "flowlabd starts it in the lab (flowlab-cli lab up --kube). It keeps retrying, and says\n"
        "so, while the apiserver cannot be reached. SIGTERM or SIGINT stops it.");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption server(
        "server", "The apiserver's URL (default http://192.168.56.100:6443, the lab's).", "URL",
        "http://192.168.56.100:6443");
    QCommandLineOption tokenFile("token-file",
                                 "A file whose one line is the bearer token to authenticate with, "
                                 "as user system:kube-scheduler (required).",
                                 "PATH");
    QCommandLineOption evidenceLog("evidence-log",
                                   "Append one \"schedule\" evidence event (JSON lines) per "
                                   "scheduling decision to PATH. Without it nothing is recorded.",
                                   "PATH");
    QCommandLineOption schedulerName("scheduler-name",
                                     "Place only pods whose spec.schedulerName is NAME, and sign "
                                     "events with it (default default-scheduler).",
                                     "NAME", "default-scheduler");
    QCommandLineOption nodeName("node-name",
                                "The lab node this runs on, named as the evidence's source and "
                                "in the events' reportingInstance (default flowlab-cp).",
                                "NAME", "flowlab-cp");
    QCommandLineOption verbose("verbose", "Log debug messages.");
    for (const auto &option : {server, tokenFile, evidenceLog, schedulerName, nodeName, verbose})
        parser.addOption(option);
    parser.process(app);
    spdlog::set_level(parser.isSet(verbose) ? spdlog::level::debug : spdlog::level::info);

    if (!parser.isSet(tokenFile)) {
        std::fprintf(stderr, "flowlab-scheduler: --token-file is required (see --help)\n");
        return 2;
    }
    auto config = clientConfigFromFlags(parser.value(server).toStdString(),
                                        parser.value(tokenFile).toStdString(),
                                        "flowlab-scheduler/" FLOWLAB_VERSION);
    if (!config) {
        std::fprintf(stderr, "flowlab-scheduler: %s\n", config.error().message().c_str());
        return 1;
    }
    EvidenceLog evidence;
    if (auto opened = evidence.open(parser.value(evidenceLog).toStdString(), "scheduler",
                                    parser.value(nodeName).toStdString());
        !opened) {
        std::fprintf(stderr, "flowlab-scheduler: %s\n", opened.error().message().c_str());
        return 1;
    }

    KubeClient client(*config);
    scheduling::SchedulerOptions options;
    options.schedulerName = parser.value(schedulerName).toStdString();
    options.nodeName = parser.value(nodeName).toStdString();
    scheduling::Scheduler scheduler(client, evidence, options);

    if (auto s = quitOnStopSignals(app); !s) {
        std::fprintf(stderr, "flowlab-scheduler: %s\n", s.error().message().c_str());
        return 1;
    }

    scheduler.start();
    return app.exec();
}
