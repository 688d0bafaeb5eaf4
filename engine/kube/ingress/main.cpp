// flowlab-ingress-controller: the lab's Ingress controller. In the lab it runs in
// flowlab-node1's network namespace (host network, as ingress-nginx's hostNetwork mode), started
// by flowlabd, and serves port 80 on node1's address with Debian's nginx.

#include "engine/kube/client/EvidenceLog.h"
#include "engine/kube/client/KubeClient.h"
#include "engine/kube/client/StopSignals.h"
#include "engine/kube/ingress/IngressController.h"

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
    QCoreApplication::setApplicationName("flowlab-ingress-controller");
    QCoreApplication::setApplicationVersion(FLOWLAB_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Flowlab's Ingress controller.\n\n"
        "Serves the cluster's networking.k8s.io/v1 Ingress objects with nginx, the way\n"
        "ingress-nginx does: a server per host, a location per path (Exact, or Prefix matched\n"
        "element by element; the longest path wins), and a default server that answers 404.\n"
        "Each location proxies to its Service by the Service's cluster DNS name, which nginx\n"
        "resolves at request time through the cluster DNS (--resolver) before connecting to\n"
        "the ClusterIP; kube-proxy's DNAT then picks a pod (seed 004's path).\n\n"
        "On every change it renders nginx.conf in --state-dir, checks it with `nginx -t`, and\n"
        "starts nginx or has it reload. Ingresses of class --ingress-class, or of no class, are\n"
        "served; their status.loadBalancer is set to --status-address.\n\n"
        "Evidence (--evidence-log): a \"reconcile\" event per rendered route table, and an\n"
        "\"api\" event per request nginx served (Host, Ingress, Service, upstream, status),\n"
        "from nginx's JSON access log.\n\n"
        "flowlabd starts it in flowlab-node1 (flowlab-cli lab up --kube). nginx is its child\n"
        "and stops with it. SIGTERM or SIGINT stops both.");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption server(
        "server", "The apiserver's URL (default http://192.168.56.100:6443, the lab's).", "URL",
        "http://192.168.56.100:6443");
    QCommandLineOption tokenFile("token-file",
                                 "A file whose one line is the bearer token, as user "
                                 "system:ingress-controller (required).",
                                 "PATH");
    QCommandLineOption listen("listen", "The address nginx listens on (default 0.0.0.0).", "ADDR",
                              "0.0.0.0");
    QCommandLineOption port("port", "The port nginx listens on (default 80).", "PORT", "80");
    QCommandLineOption resolver("resolver",
                                "The cluster DNS nginx resolves Service names with, ADDR or "
                                "ADDR:PORT (default 10.43.0.10, the kube-dns Service).",
                                "ADDR", "10.43.0.10");
    QCommandLineOption stateDir("state-dir",
                                "Where nginx.conf, nginx's pid file, logs and temporary files go "
                                "(required).",
                                "DIR");
    QCommandLineOption nginx("nginx", "The nginx program (default /usr/sbin/nginx).", "PATH",
                             "/usr/sbin/nginx");
    QCommandLineOption ingressClass("ingress-class",
                                    "Serve Ingresses of this class, and those of no class "
                                    "(default flowlab).",
                                    "NAME", "flowlab");
    QCommandLineOption statusAddress("status-address",
                                     "The address written to each served Ingress's "
                                     "status.loadBalancer (default: none).",
                                     "ADDR");
    QCommandLineOption evidenceLog("evidence-log",
                                   "Append evidence events (JSON lines) to PATH. Without it "
                                   "nothing is recorded.",
                                   "PATH");
    QCommandLineOption nodeName("node-name",
                                "The lab node this runs on, named as the evidence's source "
                                "(default flowlab-node1).",
                                "NAME", "flowlab-node1");
    QCommandLineOption verbose("verbose", "Log debug messages.");
    for (const auto &option : {server, tokenFile, listen, port, resolver, stateDir, nginx,
                               ingressClass, statusAddress, evidenceLog, nodeName, verbose})
        parser.addOption(option);
    parser.process(app);
    spdlog::set_level(parser.isSet(verbose) ? spdlog::level::debug : spdlog::level::info);

    for (const auto &[option, name] :
         {std::pair{&tokenFile, "--token-file"}, std::pair{&stateDir, "--state-dir"}})
        if (!parser.isSet(*option)) {
            std::fprintf(stderr, "flowlab-ingress-controller: %s is required (see --help)\n", name);
            return 2;
        }
    bool portOk = false;
    const int portNumber = parser.value(port).toInt(&portOk);
    if (!portOk || portNumber < 1 || portNumber > 65535) {
        std::fprintf(stderr, "flowlab-ingress-controller: --port %s is not a port number\n",
                     qPrintable(parser.value(port)));
        return 2;
    }
    auto config = clientConfigFromFlags(parser.value(server).toStdString(),
                                        parser.value(tokenFile).toStdString(),
                                        "flowlab-ingress-controller/" FLOWLAB_VERSION);
    if (!config) {
        std::fprintf(stderr, "flowlab-ingress-controller: %s\n", config.error().message().c_str());
        return 1;
    }
    EvidenceLog evidence;
    if (auto opened = evidence.open(parser.value(evidenceLog).toStdString(), "ingress-controller",
                                    parser.value(nodeName).toStdString());
        !opened) {
        std::fprintf(stderr, "flowlab-ingress-controller: %s\n", opened.error().message().c_str());
        return 1;
    }

    ingress::ControllerSettings settings;
    settings.nginx.listenAddress = parser.value(listen).toStdString();
    settings.nginx.port = portNumber;
    settings.nginx.resolver = parser.value(resolver).toStdString();
    settings.nginx.stateDir = parser.value(stateDir).toStdString();
    settings.nginxProgram = parser.value(nginx).toStdString();
    settings.ingressClass = parser.value(ingressClass).toStdString();
    settings.nodeName = parser.value(nodeName).toStdString();
    settings.statusAddress = parser.value(statusAddress).toStdString();

    KubeClient client(*config);
    ingress::IngressController controller(client, evidence, settings);
    if (auto started = controller.start(); !started) {
        std::fprintf(stderr, "flowlab-ingress-controller: %s\n", started.error().message().c_str());
        return 1;
    }

    if (auto s = quitOnStopSignals(app); !s) {
        std::fprintf(stderr, "flowlab-ingress-controller: %s\n", s.error().message().c_str());
        return 1;
    }
    return app.exec();
}
