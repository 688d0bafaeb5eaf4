// flowlab-apiserver: the Kubernetes API server of Flowlab's lab. In the lab it runs in the
// flowlab-cp namespace on 192.168.56.100:6443, started by flowlabd; it needs no privilege and
// can run anywhere for tests (--listen 127.0.0.1:0).

#include "engine/kube/apiserver/ApiServer.h"
#include "engine/kube/client/StopSignals.h"

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
    QCoreApplication::setApplicationName("flowlab-apiserver");
    QCoreApplication::setApplicationVersion(FLOWLAB_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Flowlab's Kubernetes API server.\n\n"
        "Serves the Kubernetes API (core/v1, apps/v1, batch/v1, networking.k8s.io/v1, RBAC,\n"
        "leases, endpoint slices and access reviews) over plain HTTP to real clients such as\n"
        "kubectl, with bearer-token authentication and RBAC authorization. Every stage of every\n"
        "request (authentication, authorization, admission, validation, the store write) is\n"
        "written to the audit log as an audit.k8s.io/v1 Event, for Flowlab's lessons.\n\n"
        "flowlabd starts it in the lab (flowlab-cli lab up --kube). The store is SQLite by\n"
        "default, or etcd (Debian's etcd-server) through its v3 JSON gateway.");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption listen("listen",
                              "Serve plain HTTP on HOST:PORT (default 192.168.56.100:6443; "
                              "port 0 picks a free one, printed at start; \"\" for none).",
                              "HOST:PORT", "192.168.56.100:6443");
    QCommandLineOption advertise("advertise-address",
                                 "How clients reach this server, for discovery and the "
                                 "`kubernetes` Endpoints (default: --listen).",
                                 "HOST:PORT");
    QCommandLineOption store("store",
                             "The store: sqlite:PATH (default "
                             "sqlite:/var/lib/flowlab/kube/store.db) or etcd:URL (e.g. "
                             "etcd:http://127.0.0.1:2379; loopback or lab addresses only).",
                             "SPEC", "sqlite:/var/lib/flowlab/kube/store.db");
    QCommandLineOption tokens("token-file",
                              "Bearer tokens, one user per line: "
                              "token,user,uid,\"group1,group2\" (required).",
                              "PATH");
    QCommandLineOption audit("audit-log", "Append audit events (JSON lines) to PATH.", "PATH");
    QCommandLineOption serviceCidr("service-cidr",
                                   "Where ClusterIPs come from (default 10.43.0.0/16).", "CIDR",
                                   "10.43.0.0/16");
    QCommandLineOption cacheSize("watch-cache-size",
                                 "Changes kept for watches that resume from a resourceVersion "
                                 "(default 20000).",
                                 "N", "20000");
    QCommandLineOption tlsListen("tls-listen",
                                 "Also serve HTTPS on HOST:PORT (port 0: any), "
                                 "with --tls-cert-file and --tls-private-key-file.",
                                 "HOST:PORT");
    QCommandLineOption tlsCert("tls-cert-file", "The HTTPS certificate (PEM).", "PATH");
    QCommandLineOption tlsKey("tls-private-key-file", "The private key (PEM) of --tls-cert-file.",
                              "PATH");
    QCommandLineOption verbose("verbose", "Log debug messages.");
    for (const auto &option : {listen, advertise, store, tokens, audit, serviceCidr, cacheSize,
                               tlsListen, tlsCert, tlsKey, verbose})
        parser.addOption(option);
    parser.process(app);
    spdlog::set_level(parser.isSet(verbose) ? spdlog::level::debug : spdlog::level::info);

    if (!parser.isSet(tokens)) {
        std::fprintf(stderr, "flowlab-apiserver: --token-file is required (see --help)\n");
        return 2;
    }
    if (parser.isSet(tlsListen) != parser.isSet(tlsCert) ||
        parser.isSet(tlsCert) != parser.isSet(tlsKey)) {
        std::fprintf(stderr, "flowlab-apiserver: --tls-listen, --tls-cert-file and "
                             "--tls-private-key-file go together\n");
        return 2;
    }
    ApiServerOptions options;
    if (parser.isSet(tlsCert))
        options.tls = HttpServer::Tls{parser.value(tlsCert).toStdString(),
                                      parser.value(tlsKey).toStdString()};
    options.listen = parser.value(listen).toStdString();
    options.tlsListen = parser.value(tlsListen).toStdString();
    options.advertiseAddress = parser.value(advertise).toStdString();
    options.tokenFile = parser.value(tokens).toStdString();
    options.auditLog = parser.value(audit).toStdString();
    options.serviceNetwork.cidr = parser.value(serviceCidr).toStdString();
    bool numeric = false;
    options.watchCacheCapacity = parser.value(cacheSize).toULong(&numeric);
    if (!numeric || options.watchCacheCapacity == 0) {
        std::fprintf(stderr, "flowlab-apiserver: --watch-cache-size must be a positive number\n");
        return 2;
    }

    auto opened = openStore(parser.value(store).toStdString());
    if (!opened) {
        std::fprintf(stderr, "flowlab-apiserver: %s\n", opened.error().message().c_str());
        return 1;
    }
    const std::string storeName = (*opened)->describe();
    ApiServer server(options, std::move(*opened));
    if (auto started = server.start(); !started) {
        std::fprintf(stderr, "flowlab-apiserver: %s\n", started.error().message().c_str());
        return 1;
    }
    // The port on its own line first: tests and flowlabd read it when they asked for port 0.
    if (server.port())
        std::printf("listening on port %u\n", unsigned(server.port()));
    if (server.tlsPort())
        std::printf("listening on TLS port %u\n", unsigned(server.tlsPort()));
    std::fflush(stdout);
    spdlog::info("serving the Kubernetes API on {}{}{} (store: {})", options.listen,
                 options.tlsListen.empty() ? "" : " and, with TLS, on ", options.tlsListen,
                 storeName);

    if (auto s = quitOnStopSignals(app); !s) {
        std::fprintf(stderr, "flowlab-apiserver: %s\n", s.error().message().c_str());
        return 1;
    }
    return app.exec();
}
