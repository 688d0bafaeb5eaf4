#pragma once

// What a lesson may ask kubectl to do. flowlabd runs a lesson's kubectl as root, against the
// lab's kubeconfig, so a lesson file must not be able to point it elsewhere (--server,
// --kubeconfig), make it read or write files on the host (-f FILE, --from-file, cp, config),
// or wait forever for an editor. Checked when the lesson loads and again after {{ID}}
// substitution, just before kubectl runs.

#include <optional>
#include <string>
#include <vector>

namespace flowlab {

struct ArgumentProblem
{
    std::size_t index; // the offending argument
    std::string message;
};

// The subcommands a lesson may run (get, describe, create, apply, delete, expose, run, scale,
// set, rollout, logs, label, annotate, patch, wait, auth, explain, version, cluster-info,
// api-resources, api-versions).
std::optional<ArgumentProblem> kubectlArgumentProblem(const std::vector<std::string> &args);

// The names in "{{NAME}}" placeholders (letters, digits, '-' and '_' only: kubectl's own
// go-templates, "{{.spec.clusterIP}}", are left alone).
std::vector<std::string> outputPlaceholders(const std::string &text);

} // namespace flowlab
