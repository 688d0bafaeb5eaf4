// flowlab-cli lab up | down | status | census

#include "app/cli/CliSupport.h"
#include "engine/lab/Census.h"
#include "engine/lab/Lab.h"

#include <cstdio>
#include <unistd.h>

namespace flowlab::cli {

namespace {

constexpr const char *kLabHelp =
    R"(Usage: flowlab-cli lab up [--kube [--store sqlite|etcd]] | down | status | census [--json]

Manage the lab: the network namespaces, the lab registry, the private Docker Engine and,
with --kube, a Kubernetes control plane.

  up       Create the namespaces flowlab-lab (bridge lab0), flowlab-client (192.168.56.2),
           flowlab-registry (192.168.56.5) and flowlab-docker (192.168.56.10), start the
           registry, containerd and dockerd in them, and push any built images to the
           registry. Idempotent: what already runs is left alone. Needs root (flowlabd is
           started on demand when flowlab-cli runs as root).
           --kube also creates flowlab-cp (192.168.56.100) and runs the control plane there:
           flowlab-apiserver on :6443 with its store, flowlab-controller-manager and
           flowlab-scheduler. kubectl reaches it through flowlabd's relay on
           https://127.0.0.1:6443 with the kubeconfig /run/flowlab/kube/kubeconfig (see
           flowlab-cli kubectl --help). Once a lab has a control plane, a plain `up` keeps it.
           --store picks the apiserver's store: sqlite (default, embedded) or etcd (Debian's
           etcd-server, on flowlab-cp's own loopback).
  down     Stop everything and remove every namespace, mount, cgroup, process and file the
           lab made. Works even after flowlabd was killed (as root, without the daemon).
  status   Show the lab's phase, namespaces and services.
  census   List anything of the lab's left on this host; exits 1 if there is anything.
           The host's root namespace is never given lab addresses, routes or rules.

Options:
  --json   Print machine-readable JSON.
)";

void printLeftovers(const nlohmann::json &leftovers)
{
    for (const auto &leftover : leftovers)
        std::printf("  %-8s %s%s\n", leftover.value("kind", "").c_str(),
                    leftover.value("what", "").c_str(),
                    leftover.contains("detail")
                        ? ("  (" + leftover["detail"].get<std::string>() + ")").c_str()
                        : "");
}

int census(CliContext &context, bool json)
{
    nlohmann::json leftovers;
    auto client = connectDaemon(context, false);
    if (client) {
        auto reply = (*client)->call("lab.census");
        if (!reply)
            return fail(reply.error().message());
        leftovers = (*reply)["leftovers"];
    } else {
        // Without the daemon the census runs here; as non-root it cannot see other users'
        // processes, so say so.
        if (::geteuid() != 0)
            std::fprintf(stderr, "flowlab-cli: note: not root, so processes of other users "
                                 "are not inspected\n");
        auto found = Census(context.paths).take(CensusOptions::forRunningDaemon(context.paths));
        if (!found)
            return fail(found.error().message());
        leftovers = *found;
    }
    if (json)
        std::printf("%s\n", leftovers.dump(2).c_str());
    else if (leftovers.empty())
        std::printf("census: nothing of the lab's is left on this host\n");
    else {
        std::printf("census: %zu leftover(s):\n", leftovers.size());
        printLeftovers(leftovers);
    }
    return leftovers.empty() ? 0 : 1;
}

int down(CliContext &context)
{
    auto client = connectDaemon(context, false);
    if (client) {
        auto reply = (*client)->call("lab.down", {}, progressPrinter(context));
        if (!reply)
            return fail(reply.error().message());
        std::printf("lab is down\n");
        return 0;
    }
    // No daemon (killed, crashed, never started): tear down from here.
    if (::geteuid() != 0)
        return fail(client.error().message());
    if (!context.quiet)
        std::fprintf(stderr, "  · flowlabd is not running; tearing the lab down directly\n");
    LinuxNetworkOps network;
    LinuxProcessLauncher launcher;
    Lab lab(context.paths, network, launcher);
    auto printer = progressPrinter(context);
    if (auto s = lab.down(CensusOptions::forRunningDaemon(context.paths),
                          [&](const std::string &line) {
                              if (printer)
                                  printer(line);
                          });
        !s)
        return fail(s.error().message());
    std::printf("lab is down\n");
    return 0;
}

void printStatus(const nlohmann::json &status)
{
    std::printf("lab: %s", status.value("phase", "unknown").c_str());
    if (!status.value("started_at", "").empty())
        std::printf(" (since %s)", status["started_at"].get<std::string>().c_str());
    std::printf("\n\nnamespaces:\n");
    for (const auto &ns : status.value("namespaces", nlohmann::json::array()))
        std::printf("  %-18s %-17s %-7s %s\n", ns.value("netns", "").c_str(),
                    ns.value("address", "").c_str(),
                    ns.value("present", false) ? "present" : "absent",
                    ns.value("role", "").c_str());
    const auto services = status.value("services", nlohmann::json::array());
    if (!services.empty()) {
        std::printf("\nservices:\n");
        for (const auto &s : services)
            std::printf("  %-11s pid %-7d %-8s in %-17s log %s\n", s.value("name", "").c_str(),
                        s.value("pid", 0), s.value("running", false) ? "running" : "STOPPED",
                        s.value("netns", "").c_str(), s.value("log", "").c_str());
    }
    if (!status.value("docker_tap", "").empty())
        std::printf("\nDocker API tap: %s (%d events recorded)\n",
                    status["docker_tap"].get<std::string>().c_str(), status.value("events", 0));
}

} // namespace

int labCommand(CliContext &context, const Args &args)
{
    if (args.empty() || wantsHelp(args)) {
        std::fputs(kLabHelp, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    bool json = false;
    bool kube = false;
    std::string store = "sqlite";
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--json") {
            json = true;
        } else if (args[i] == "--kube" && args[0] == "up") {
            kube = true;
        } else if ((args[i] == "--store" || args[i].starts_with("--store=")) && args[0] == "up") {
            if (args[i] == "--store") {
                if (i + 1 >= args.size())
                    return fail("lab up: --store needs a value: sqlite or etcd", 2);
                store = args[++i];
            } else {
                store = args[i].substr(8);
            }
            if (store != "sqlite" && store != "etcd")
                return fail("lab up: unknown store \"" + store + "\" (expected sqlite or etcd)", 2);
            kube = true;
        } else {
            return fail("lab " + args[0] + ": unknown option \"" + args[i] + "\"", 2);
        }
    }
    const std::string &verb = args[0];
    if (verb == "census")
        return census(context, json);
    if (verb == "down")
        return down(context);
    if (verb == "up") {
        auto client = connectDaemon(context);
        if (!client)
            return fail(client.error().message());
        nlohmann::json params = nlohmann::json::object();
        if (kube)
            params = {{"kube", true}, {"store", store}};
        auto reply = (*client)->call("lab.up", params, progressPrinter(context));
        if (!reply)
            return fail(reply.error().message());
        if (json) {
            std::printf("%s\n", reply->dump(2).c_str());
        } else {
            std::printf("lab is up: client 192.168.56.2, registry 192.168.56.5:5000, "
                        "docker host 192.168.56.10\n");
            if (reply->contains("kubernetes"))
                std::printf("Kubernetes control plane on 192.168.56.100 (store: %s); kubectl: "
                            "export KUBECONFIG=%s, or flowlab-cli kubectl -- ...\n",
                            (*reply)["kubernetes"].value("store", "").c_str(),
                            (*reply)["kubernetes"].value("kubeconfig", "").c_str());
        }
        return 0;
    }
    if (verb == "status") {
        nlohmann::json status;
        if (auto client = connectDaemon(context, false); client) {
            auto reply = (*client)->call("lab.status");
            if (!reply)
                return fail(reply.error().message());
            status = *reply;
        } else {
            LinuxNetworkOps network;
            LinuxProcessLauncher launcher;
            status = Lab(context.paths, network, launcher).status();
            status["daemon"] = "not running";
        }
        if (json)
            std::printf("%s\n", status.dump(2).c_str());
        else
            printStatus(status);
        return status.value("phase", "") == "up" ? 0 : 3;
    }
    return fail("lab: unknown verb \"" + verb + "\" (expected up, down, status or census)", 2);
}

} // namespace flowlab::cli
