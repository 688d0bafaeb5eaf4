// flowlab-cli: the headless client of flowlabd. One file per verb; this one only dispatches.

#include "app/cli/CliSupport.h"

#include <cstdio>
#include <cstring>
#include <map>

using namespace flowlab::cli;

namespace {

constexpr const char *kUsage = R"(Usage: flowlab-cli [--quiet] COMMAND [ARGS...]

Flowlab traces what really happens inside Docker and Kubernetes. flowlab-cli drives the
privileged engine, flowlabd, from the command line (and from CI).

Commands:
  lab up [--kube]|down|status|census
                              Build, remove, inspect the lab; census lists leftovers.
                              --kube adds the Kubernetes control plane.
  image build [NAME...]       Build the lab's images and push them to the lab registry.
  docker [--events] -- ARGS   Run the real docker CLI against the lab's private engine,
                              recording every API call.
  kubectl [--events] -- ARGS  Run the real kubectl against the lab's Kubernetes control
                              plane, recording every API call.
  curl [OPTIONS] URL          HTTP request from inside the lab (flowlab-client).
  events [--since N] [--json] The evidence recorded in this lab session.
  run LESSON [--out DIR]      Run a lesson for real; print each step, observed or missing,
                              and write its trace bundle (trace.json, capture.pcapng,
                              trace-events.json).
  lesson check|lint LESSON... Check lessons for real (exit 1 if a step is missing), or lint.
  demo docker-run             The `docker run -p 8080:80 nginx` flow, headless, end to end.
  help COMMAND                Help on one command (also: COMMAND --help).

Options:
  -q, --quiet     No progress lines.
  -V, --version   Print the version.

flowlabd must run as root. As root, flowlab-cli starts it on demand; other users need
membership of group 'flowlab' to use its socket, /run/flowlab/flowlabd.sock.

Exit status: 0 success, 1 failure, 2 usage error, 3 lab not up (lab status).

Example, as root:
  flowlab-cli lab up
  flowlab-cli image build nginx
  flowlab-cli docker -- run -d -p 8080:80 nginx
  flowlab-cli curl http://192.168.56.10:8080/
  flowlab-cli lab up --kube
  flowlab-cli kubectl -- create deployment nginx --image=nginx --replicas=3
  flowlab-cli lab down
)";

using Verb = int (*)(CliContext &, const Args &);

} // namespace

int main(int argc, char **argv)
{
    const std::map<std::string, Verb> verbs = {
        {"lab", labCommand},         {"image", imageCommand}, {"docker", dockerCommand},
        {"kubectl", kubectlCommand}, {"curl", curlCommand},   {"events", eventsCommand},
        {"demo", demoCommand},       {"run", runCommandVerb}, {"lesson", lessonCommand},
    };
    CliContext context;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; ++first) {
        const std::string option = argv[first];
        if (option == "-q" || option == "--quiet") {
            context.quiet = true;
        } else if (option == "-V" || option == "--version") {
            std::printf("flowlab-cli %s\n", FLOWLAB_VERSION);
            return 0;
        } else if (option == "-h" || option == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else {
            return fail("unknown option \"" + option + "\" (see flowlab-cli --help)", 2);
        }
    }
    if (first >= argc) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    std::string command = argv[first];
    Args args(argv + first + 1, argv + argc);
    if (command == "help") {
        if (args.empty()) {
            std::fputs(kUsage, stdout);
            return 0;
        }
        command = args[0];
        args = {"--help"};
    }
    const auto verb = verbs.find(command);
    if (verb == verbs.end())
        return fail("unknown command \"" + command + "\" (see flowlab-cli --help)", 2);
    return verb->second(context, args);
}
