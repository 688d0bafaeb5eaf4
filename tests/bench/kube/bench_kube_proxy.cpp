// flowlab-bench-kube-proxy: one kube-proxy full sync (render + one iptables-restore) of N
// Services x 3 endpoints, into a network namespace the caller made (see tests/bench/kube/kube_proxy_sync.sh,
// which makes a scratch one and always deletes it). Prints one line per sync:
//   services=1000 endpoints=3000 rules=11009 chains=5007 input_kb=1234 render_ms=... restore_ms=... total_ms=...
// Then, when asked (--resync), a second sync with one endpoint of every tenth Service
// changed: what a steady-state sync after a rollout step costs.

#include "engine/kube/proxy/ProxySyncer.h"
#include "engine/kube/proxy/RuleApplier.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace flowlab;
using namespace flowlab::kube::proxy;

namespace {

std::string ip(int a, int b, int c, int d)
{
    return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) + "." +
           std::to_string(d);
}

// Made-up Services of the lab's shape: cluster IPs from 10.43.0.0/16, pods from 10.42.0.0/16,
// one in ten a NodePort. Nothing is behind the addresses; only the rules are measured.
std::vector<ServicePort> services(int count, int generation)
{
    std::vector<ServicePort> ports;
    ports.reserve(std::size_t(count));
    for (int i = 0; i < count; ++i) {
        ServicePort port;
        port.ns = "bench";
        port.service = "svc-" + std::to_string(i);
        port.portName = "http";
        port.clusterIP = ip(10, 43, 1 + i / 250, 1 + i % 250);
        port.port = 80;
        if (i % 10 == 0) {
            port.type = "NodePort";
            port.nodePort = 30000 + i % 2768;
        }
        for (int e = 0; e < 3; ++e) {
            const int pod = i * 3 + e + (e == 0 && i % 10 == 0 ? generation * 7 : 0);
            port.endpoints.push_back({ip(10, 42, (pod / 250) % 256, 1 + pod % 250), 8080, {}});
        }
        ports.push_back(std::move(port));
    }
    return ports;
}

void print(const SyncReport &report)
{
    std::printf("services=%zu endpoints=%zu rules=%zu chains=%zu input_kb=%zu render_ms=%.1f "
                "restore_ms=%.1f total_ms=%.1f rules_added=%zu rules_removed=%zu ok=%s\n",
                report.servicePorts, report.endpoints, report.rules, report.chains,
                report.inputBytes / 1024, double(report.renderTime.count()) / 1e6,
                double(report.restoreTime.count()) / 1e6, double(report.totalTime.count()) / 1e6,
                report.diff.rulesAdded, report.diff.rulesRemoved, report.ok ? "yes" : "no");
    if (!report.ok)
        std::fprintf(stderr, "flowlab-bench-kube-proxy: %s\n", report.error.c_str());
}

} // namespace

int main(int argc, char **argv)
{
    int count = 1000;
    std::string netns;
    std::string restore = "iptables-restore";
    bool resync = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--services" && i + 1 < argc)
            count = std::atoi(argv[++i]);
        else if (arg == "--netns" && i + 1 < argc)
            netns = argv[++i];
        else if (arg == "--iptables-restore" && i + 1 < argc)
            restore = argv[++i];
        else if (arg == "--resync")
            resync = true;
        else {
            std::fprintf(stderr,
                         "usage: flowlab-bench-kube-proxy --netns NAME [--services N] "
                         "[--iptables-restore PATH] [--resync]\n"
                         "  Applies the rules of N Services x 3 endpoints in netns NAME (which "
                         "it never\n  creates or deletes: kube_proxy_sync.sh does).\n");
            return 2;
        }
    }
    if (netns.empty() || count <= 0) {
        std::fprintf(stderr, "flowlab-bench-kube-proxy: --netns NAME is required (a scratch "
                             "namespace; see tests/bench/README.md)\n");
        return 2;
    }
    IptablesPrograms programs;
    programs.restore = restore;
    if (const auto slash = restore.rfind("restore"); slash != std::string::npos)
        programs.save = restore.substr(0, slash) + "save" + restore.substr(slash + 7);
    IptablesRestoreApplier applier(programs, netns, 600'000);
    ProxySyncer syncer(applier, SyncOptions{});
    const SyncReport first = syncer.sync(services(count, 0), "benchmark full sync");
    print(first);
    if (!first.ok)
        return 1;
    if (resync) {
        const SyncReport second = syncer.sync(services(count, 1), "benchmark resync");
        print(second);
        if (!second.ok)
            return 1;
    }
    return 0;
}
