#include "tracer/lesson/KubectlArguments.h"

#include <algorithm>
#include <regex>
#include <set>

namespace flowlab {

namespace {

const std::set<std::string> kAllowedVerbs = {
    "get",   "describe", "create", "apply",   "delete",       "expose",        "run",
    "scale", "set",      "rollout", "logs",   "label",        "annotate",      "patch",
    "wait",  "auth",     "explain", "version", "cluster-info", "api-resources", "api-versions"};

// Global flags that take their value as the next argument, so that the verb is found after
// them: kubectl --context flowlab-learner delete ...
const std::set<std::string> kFlagsWithValue = {"--context", "--namespace", "-n",     "--token",
                                               "--user",    "--cluster",   "--as",   "--as-group",
                                               "--request-timeout", "-v"};

bool hasPrefix(const std::string &text, const std::string &prefix)
{
    return text.rfind(prefix, 0) == 0;
}

} // namespace

std::optional<ArgumentProblem> kubectlArgumentProblem(const std::vector<std::string> &args)
{
    std::optional<std::size_t> verb;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        // Another cluster or another kubeconfig would send the lesson's requests outside the
        // lab: -s and --server in every spelling, --kubeconfig.
        for (const char *flag : {"--server", "--kubeconfig"})
            if (arg == flag || hasPrefix(arg, std::string(flag) + "="))
                return ArgumentProblem{i, std::string("a lesson's kubectl always talks to the "
                                                      "lab's cluster; drop \"") +
                                              flag + "\""};
        if (hasPrefix(arg, "-s") && !hasPrefix(arg, "--"))
            return ArgumentProblem{
                i, "a lesson's kubectl always talks to the lab's cluster; drop \"-s\""};
        // Files on the host: only a manifest on stdin ("-f -") is read.
        if (arg == "-f" || arg == "--filename") {
            if (i + 1 >= args.size() || args[i + 1] != "-")
                return ArgumentProblem{i, "a lesson's kubectl reads manifests from stdin only: "
                                          "use \"-f -\" with \"stdin\""};
            ++i;
            continue;
        }
        if ((hasPrefix(arg, "-f") && arg != "-f" && !hasPrefix(arg, "--")) ||
            (hasPrefix(arg, "--filename=") && arg != "--filename=-") ||
            hasPrefix(arg, "--from-file") || hasPrefix(arg, "--from-env-file") || arg == "-k" ||
            hasPrefix(arg, "--kustomize"))
            return ArgumentProblem{i, "a lesson's kubectl reads no files from the host (\"" +
                                          arg + "\"): put the content in \"stdin\" or a literal"};
        if (verb)
            continue;
        if (kFlagsWithValue.count(arg)) {
            ++i;
            continue;
        }
        if (hasPrefix(arg, "-"))
            continue;
        if (!kAllowedVerbs.count(arg)) {
            std::string known;
            for (const auto &allowed : kAllowedVerbs)
                known += (known.empty() ? "" : ", ") + allowed;
            return ArgumentProblem{i, "kubectl " + arg + " is not something a lesson may run (" +
                                          known + ")"};
        }
        verb = i;
    }
    if (!verb)
        return ArgumentProblem{0, "name kubectl's subcommand, e.g. [\"get\", \"pods\"]"};
    return std::nullopt;
}

std::vector<std::string> outputPlaceholders(const std::string &text)
{
    static const std::regex placeholder(R"(\{\{([A-Za-z0-9_-]+)\}\})");
    std::vector<std::string> names;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), placeholder);
         it != std::sregex_iterator(); ++it)
        names.push_back((*it)[1]);
    return names;
}

} // namespace flowlab
