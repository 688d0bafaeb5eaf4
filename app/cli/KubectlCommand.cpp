// flowlab-cli kubectl -- ARGS...

#include "app/cli/CliSupport.h"
#include "engine/sys/Command.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace flowlab::cli {

namespace {

constexpr const char *kKubectlHelp = R"(Usage: flowlab-cli kubectl [--events] -- KUBECTL-ARGS...

Run the real kubectl against the lab's Kubernetes control plane (flowlab-cli lab up --kube).
kubectl talks to flowlabd's relay on https://127.0.0.1:6443, which records every API request
and response as evidence and forwards it to the apiserver in flowlab-cp (192.168.56.100).
The command itself is recorded too, so lessons and the app can show what it caused.

  --events   After kubectl exits, print the evidence it caused: API calls, the apiserver's
             stages (authentication, authorization, admission, the store write), and the
             controllers' and scheduler's decisions.

The kubeconfig is /run/flowlab/kube/kubeconfig (group flowlab may read it): plain kubectl
works too, with KUBECONFIG set to it. Its contexts are "flowlab" (cluster admin, the
default) and "flowlab-learner" (a user with no rights until a lesson grants some).
kubectl is $FLOWLAB_KUBECTL, or kubectl on PATH.

Examples:
  flowlab-cli kubectl -- create deployment nginx --image=nginx --replicas=3
  flowlab-cli kubectl --events -- get pods -o wide
  flowlab-cli kubectl -- --context flowlab-learner auth can-i list pods
)";

std::string kubectlProgram()
{
    if (const char *fromEnv = std::getenv("FLOWLAB_KUBECTL"); fromEnv && *fromEnv)
        return fromEnv;
    return findProgram("kubectl");
}

} // namespace

int kubectlCommand(CliContext &context, const Args &args)
{
    bool showEvents = false;
    std::size_t i = 0;
    for (; i < args.size() && args[i] != "--"; ++i) {
        if (args[i] == "--events")
            showEvents = true;
        else if (args[i] == "-h" || args[i] == "--help") {
            std::fputs(kKubectlHelp, stdout);
            return 0;
        } else {
            break; // without "--", everything is kubectl's
        }
    }
    if (i < args.size() && args[i] == "--")
        ++i;
    const Args kubectlArgs(args.begin() + long(i), args.end());
    if (kubectlArgs.empty()) {
        std::fputs(kKubectlHelp, stderr);
        return 2;
    }
    const std::string program = kubectlProgram();
    if (program.empty() || program.find('/') == std::string::npos)
        return fail("kubectl is not installed: sudo apt-get install kubernetes-client (or set "
                    "FLOWLAB_KUBECTL)");
    auto daemon = connectDaemon(context);
    if (!daemon)
        return fail(daemon.error().message());
    auto session =
        (*daemon)->call("kubectl.session", {{"argv", kubectlArgs}, {"uid", int(::getuid())}});
    if (!session)
        return fail(session.error().message());
    const std::uint64_t firstSeq = session->value("command_seq", 0ULL);
    const std::string kubeconfig = session->value("kubeconfig", "");

    const pid_t pid = ::fork();
    if (pid < 0)
        return fail("fork: " + std::string(std::strerror(errno)));
    if (pid == 0) {
        ::setenv("KUBECONFIG", kubeconfig.c_str(), 1);
        std::vector<char *> argv{const_cast<char *>(program.c_str())};
        for (const auto &arg : kubectlArgs)
            argv.push_back(const_cast<char *>(arg.c_str()));
        argv.push_back(nullptr);
        ::execve(program.c_str(), argv.data(), environ);
        std::fprintf(stderr, "flowlab-cli: exec %s: %s\n", program.c_str(), std::strerror(errno));
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (showEvents) {
        // The controllers act on what kubectl did a moment after it returns.
        ::usleep(1500 * 1000);
        std::fprintf(stdout, "\nevidence recorded:\n");
        printEvents(context, firstSeq - 1, false);
    }
    return code;
}

} // namespace flowlab::cli
