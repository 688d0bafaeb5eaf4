// flowlab-dns: the cluster DNS server of Flowlab's Kubernetes lab, what CoreDNS is to a real
// cluster. In the lab it answers at the kube-dns Service's address, 10.43.0.10, for the
// pods' resolv.conf; for tests it runs anywhere with --server pointing at a loopback
// apiserver and --listen on a loopback port. It needs no privilege except for ports below 1024.

#include "engine/kube/client/EvidenceLog.h"
#include "engine/kube/client/KubeClient.h"
#include "engine/kube/client/StopSignals.h"
#include "engine/kube/dns/ClusterResolver.h"
#include "engine/kube/dns/ClusterWatch.h"
#include "engine/kube/dns/DnsResponder.h"
#include "engine/kube/dns/DnsServer.h"

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

const char *kName = "flowlab-dns";
constexpr auto kConnectRetry = std::chrono::seconds(2);

const char *kDescription =
    "The cluster DNS server of Flowlab's Kubernetes lab: it answers the names that\n"
    "\"Kubernetes DNS-Based Service Discovery\" (schema 1.1.0) defines, from the Services\n"
    "and discovery.k8s.io/v1 EndpointSlices it watches on the apiserver (list, then watch):\n"
    "\n"
    "  <svc>.<ns>.svc.<zone>              A     the Service's ClusterIP; for a headless\n"
    "                                           Service (clusterIP: None) its ready endpoints;\n"
    "                                           for an ExternalName Service a CNAME\n"
    "  <host>.<svc>.<ns>.svc.<zone>       A     one endpoint of a headless Service (its\n"
    "                                           hostname, else its IP with dashes)\n"
    "  _<port>._<proto>.<svc>.<ns>.svc.<zone>\n"
    "                                     SRV   each named port of a Service\n"
    "  <a-b-c-d>.<ns>.pod.<zone>          A     a.b.c.d (not checked against the pods)\n"
    "  <d>.<c>.<b>.<a>.in-addr.arpa       PTR   ClusterIPs and headless endpoints in\n"
    "                                           10.42.0.0/16 and 10.43.0.0/16\n"
    "  dns-version.<zone>                 TXT   the schema version\n"
    "\n"
    "Unknown names inside the zone get NXDOMAIN with the zone's SOA; names that exist\n"
    "without the asked type get an empty answer. Names outside the zone are REFUSED: there\n"
    "is no upstream server, so no query leaves the lab. Every record has a TTL of 5 s\n"
    "(--ttl): short enough that a pod leaving its Service's endpoints leaves DNS answers\n"
    "within seconds. Until both watches have listed, cluster names get SERVFAIL.\n"
    "\n"
    "It serves UDP and TCP on the same port. A UDP answer larger than 512 bytes (or than\n"
    "the client's EDNS0 buffer size) is sent truncated (TC): clients then ask over TCP.\n"
    "\n"
    "Every query is written to the evidence log (--evidence-log) as one JSON line, a \"dns\"\n"
    "event: the client's address and port, the transport, the question (dns_name,\n"
    "dns_type), the rcode (dns_rcode), the answers (dns_answers, and every section as zone-\n"
    "file lines) and why (note). Packets that are not DNS queries are recorded as dropped.\n"
    "\n"
    "SIGTERM or SIGINT stops it.\n"
    "\n"
    "Examples:\n"
    "  flowlab-dns --server http://192.168.56.100:6443 \\\n"
    "      --token-file /var/lib/flowlab/kube/dns.token --listen 10.43.0.10:53 \\\n"
    "      --evidence-log /run/flowlab/kube/dns.evidence.jsonl\n"
    "  dig @10.43.0.10 nginx.default.svc.cluster.local\n"
    "  dig @10.43.0.10 _http._tcp.nginx.default.svc.cluster.local SRV\n"
    "\n"
    "Exit status: 0 when stopped by a signal, 1 when it cannot start (the address is in\n"
    "use or not this machine's, an unreadable token file or evidence log), 2 for bad\n"
    "arguments.";

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
                                 "(required). Its user must be allowed to list and watch "
                                 "services and discovery.k8s.io endpointslices.",
                                 "PATH");
    QCommandLineOption listen("listen",
                              "Where to answer, UDP and TCP: ADDRESS:PORT, or [IPV6]:PORT "
                              "(default 0.0.0.0:53). Port 0 picks a free port; the one chosen "
                              "is printed as \"listening on ADDRESS:PORT\".",
                              "ADDRESS:PORT", "0.0.0.0:53");
    QCommandLineOption evidenceLog("evidence-log",
                                   "Append one \"dns\" evidence event (JSON lines) per query to "
                                   "PATH. Without it, queries are only logged with --verbose.",
                                   "PATH");
    QCommandLineOption zone("cluster-domain",
                            "The cluster's DNS zone (default cluster.local), as the kubelet's "
                            "--cluster-domain.",
                            "DOMAIN", "cluster.local");
    QCommandLineOption ttl("ttl",
                           "The TTL of every record and of negative answers, in seconds "
                           "(default 5; 0 disables caching).",
                           "SECONDS", "5");
    QCommandLineOption nodeName("node-name",
                                "The lab node this runs on, recorded as every evidence event's "
                                "source (default flowlab-cp).",
                                "NAME", "flowlab-cp");
    QCommandLineOption verbose("verbose", "Log debug messages: every query and every change "
                                          "seen on the watches.");
    for (const auto &option :
         {server, tokenFile, listen, evidenceLog, zone, ttl, nodeName, verbose})
        parser.addOption(option);
    parser.process(app);
    spdlog::set_level(parser.isSet(verbose) ? spdlog::level::debug : spdlog::level::info);

    if (!parser.isSet(tokenFile)) {
        std::fprintf(stderr, "%s: --token-file is required (see --help)\n", kName);
        return 2;
    }
    auto address = dns::parseListenAddress(parser.value(listen).toStdString());
    if (!address) {
        std::fprintf(stderr, "%s: %s\n", kName, address.error().message().c_str());
        return 2;
    }
    dns::ResolverOptions options;
    options.zone = parser.value(zone).toStdString();
    bool numeric = false;
    const uint ttlSeconds = parser.value(ttl).toUInt(&numeric);
    if (!numeric || ttlSeconds > 3600) {
        std::fprintf(stderr,
                     "%s: --ttl must be a whole number of seconds from 0 to 3600, not "
                     "\"%s\"\n",
                     kName, qPrintable(parser.value(ttl)));
        return 2;
    }
    options.ttl = ttlSeconds;
    if (options.zone.empty() || options.zone.find_first_of(" \t/") != std::string::npos) {
        std::fprintf(stderr, "%s: --cluster-domain \"%s\" is not a domain name\n", kName,
                     options.zone.c_str());
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
    if (auto opened = evidence.open(parser.value(evidenceLog).toStdString(), "dns",
                                    parser.value(nodeName).toStdString());
        !opened) {
        std::fprintf(stderr, "%s: %s\n", kName, opened.error().message().c_str());
        return 1;
    }

    dns::ServiceDirectory directory;
    dns::ClusterResolver resolver(directory, options);
    dns::DnsResponder responder(resolver);
    dns::DnsServer dnsServer(responder,
                             [&evidence](Event event) { evidence.record(std::move(event)); });
    if (auto listening = dnsServer.listen(*address); !listening) {
        std::fprintf(stderr, "%s: %s\n", kName, listening.error().message().c_str());
        return 1;
    }
    address->port = dnsServer.port();
    // Tests and flowlabd read this line to learn the port.
    std::printf("listening on %s (UDP and TCP), zone %s\n", address->text().c_str(),
                options.zone.c_str());
    std::fflush(stdout);

    KubeClient client(*config);
    dns::ClusterWatch watch(client, directory);
    QObject::connect(&watch, &dns::ClusterWatch::synced, &app, [&] {
        spdlog::info("watching {}: {} Services known; answering cluster names", url,
                     directory.services().size());
    });
    QObject::connect(&watch, &dns::ClusterWatch::changed, &app,
                     [](const std::string &what) { spdlog::debug("{}", what); });
    // Say why cluster names get SERVFAIL while the apiserver does not answer (as the
    // controller-manager does), then start the watches; once running they retry on their own.
    std::function<void()> waitForApiserver;
    std::string lastProblem;
    waitForApiserver = [&] {
        client.list(*ResourceRegistry::builtin().find("", "v1", "services"), "", "limit=1",
                    [&](const ClientResult &result) {
                        if (result.ok()) {
                            watch.start();
                            return;
                        }
                        std::string problem =
                            result.code == 0
                                ? "cannot reach the apiserver at " + url + ": " + result.message()
                            : result.code == 401
                                ? "the apiserver at " + url +
                                      " does not accept the token in --token-file (401)"
                                : "the apiserver at " + url + " answered " +
                                      std::to_string(result.code) + ": " + result.message();
                        if (problem != lastProblem)
                            spdlog::warn("{}; cluster names get SERVFAIL until it does; retrying "
                                         "every {} s",
                                         problem, kConnectRetry.count());
                        lastProblem = std::move(problem);
                        QTimer::singleShot(kConnectRetry, &app, waitForApiserver);
                    });
    };
    waitForApiserver();

    if (auto s =
            quitOnStopSignals(app,
                              [&] {
                                  spdlog::info("stopping after {} answers ({} packets dropped)",
                                               dnsServer.answered(), dnsServer.dropped());
                              });
        !s) {
        std::fprintf(stderr, "flowlab-dns: %s\n", s.error().message().c_str());
        return 1;
    }
    return app.exec();
}
