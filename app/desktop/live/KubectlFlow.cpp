#include "app/desktop/live/KubectlFlow.h"

#include "tracer/lesson/LessonLoader.h"

#include <set>

namespace flowlab {

namespace {

// The stage: one band per layer of the seed's control-plane diagram.
constexpr const char *kStageJson = R"json({
  "flowlab_lesson": 1,
  "id": "kubectl-command-stage",
  "title": "A kubectl command",
  "summary": "The path of one kubectl command through the control plane.",
  "level": "beginner",
  "lab": "none",
  "explain_only": "A diagram only: each command's flow brings its own steps.",
  "components": [
    {"id": "user", "label": "You", "lane": "user"},
    {"id": "kubectl", "label": "kubectl", "lane": "user"},
    {"id": "apiserver", "label": "kube-apiserver 192.168.56.100:6443", "lane": "control-plane"},
    {"id": "store", "label": "store (SQLite or etcd)", "lane": "control-plane"},
    {"id": "controller-manager", "label": "controller-manager", "lane": "controllers"},
    {"id": "scheduler", "label": "scheduler", "lane": "controllers"},
    {"id": "kubelet", "label": "kubelet (on the node)", "lane": "nodes"},
    {"id": "runtime", "label": "containerd, runc, CNI", "lane": "nodes"}
  ],
  "stage": {
    "rows": [
      {"label": "you", "components": ["user"]},
      {"label": "client", "components": ["kubectl"]},
      {"label": "control plane", "components": ["apiserver", "store"]},
      {"label": "controllers", "components": ["controller-manager", "scheduler"]},
      {"label": "nodes", "components": ["kubelet", "runtime"]}
    ]
  },
  "steps": [
    {"id": "stage", "title": "The control plane", "component": "apiserver",
     "explanation": "Every kubectl command is a call to the apiserver."}
  ]
})json";

// The first word that is not a flag, and the one after it: `create deployment`, `get pods`.
std::pair<std::string, std::string> verbsOf(const std::vector<std::string> &args)
{
    std::vector<std::string> words;
    for (std::size_t i = 0; i < args.size() && words.size() < 2; ++i) {
        const std::string &arg = args[i];
        if (arg.empty() || arg.front() == '-') {
            // A flag with its value as the next word: skip the value too.
            static const std::set<std::string> withValue = {
                "-n",       "--namespace", "--context",  "--kubeconfig", "-o",
                "--output", "-l",          "--selector", "-f",           "--filename"};
            if (withValue.count(arg))
                ++i;
            continue;
        }
        words.push_back(arg);
    }
    return {words.size() > 0 ? words[0] : "", words.size() > 1 ? words[1] : ""};
}

// The HTTP verbs (as the apiserver names them) of a command's main request.
std::string requestVerbsOf(const std::string &command)
{
    if (command == "create" || command == "run" || command == "expose")
        return "create";
    if (command == "delete")
        return "delete|deletecollection";
    if (command == "apply")
        return "create|patch|update";
    if (command == "scale" || command == "label" || command == "annotate" || command == "set" ||
        command == "patch" || command == "edit" || command == "rollout" || command == "cordon" ||
        command == "uncordon" || command == "taint")
        return "patch|update";
    if (command == "replace")
        return "update";
    return "get|list|watch";
}

// A test on an API call's verb, as the apiserver names it (create, list, patch…).
nlohmann::json verbIs(const std::string &verbs)
{
    return {{"regex", "^(" + verbs + ")$"}};
}

// The calls on resources: kubectl's discovery (GET /api, /apis/...) names none, so it never
// stands in for the command's own request.
constexpr const char *kOnAResource = "resource";

nlohmann::json auditStage(const std::string &stage, const std::string &verbs)
{
    return {
        {"kind", "audit"},
        {"attrs", {{"stage", stage}, {"verb", verbIs(verbs)}, {kOnAResource, {{"exists", true}}}}}};
}

ExpectedHop pipelineHop(std::string title, std::string label, std::string explanation,
                        nlohmann::json matcher)
{
    // A stage inside the apiserver: the box lights up, nothing travels.
    return {std::move(title),  "", "", "apiserver", std::move(label), std::move(explanation),
            std::move(matcher)};
}

} // namespace

const Lesson &kubectlCommandStage()
{
    static const Lesson stage = [] {
        auto parsed = parseLesson(kStageJson, "built-in kubectl stage");
        if (!parsed) // a defect in the text above, which tst_command_flow would catch
            throw std::logic_error(parsed.error().message());
        return std::move(parsed).value();
    }();
    return stage;
}

std::vector<ExpectedHop> kubectlHops(const std::vector<std::string> &args)
{
    std::string line = "kubectl";
    for (const std::string &arg : args)
        line += " " + arg;
    const auto [command, object] = verbsOf(args);
    const std::string verbs = requestVerbsOf(command);
    const bool writes = verbs.find("get") == std::string::npos;

    std::vector<ExpectedHop> hops;
    hops.push_back({"You type the command",
                    "user",
                    "kubectl",
                    "kubectl",
                    line,
                    "`kubectl` reads the kubeconfig (the server, its CA and your token), asks the "
                    "apiserver what resources it serves (discovery), and turns the command into "
                    "REST calls.",
                    {{"kind", "command"}, {"component", "kubectl"}}});
    hops.push_back(
        {"kubectl calls the apiserver",
         "kubectl",
         "apiserver",
         "apiserver",
         "the " + command + " request",
         "An HTTPS request with your bearer token, to the apiserver at 192.168.56.100:6443 "
         "(through flowlabd's relay on 127.0.0.1:6443, which records it).",
         {{"kind", "api"},
          {"attrs",
           {{"direction", "request"}, {"verb", verbIs(verbs)}, {kOnAResource, {{"exists", true}}}}},
          {"role", "the request"}}});
    hops.push_back(pipelineHop(
        "Authentication: who is asking?", "authentication",
        "The apiserver maps the bearer token to a user and groups. A token it does not know "
        "ends the request here with 401 Unauthorized.",
        auditStage("Authentication", verbs)));
    hops.push_back(pipelineHop(
        "Authorization: may they do it?", "RBAC",
        "RBAC looks for a Role or ClusterRole bound to the user or one of their groups that "
        "allows this verb on this resource. Without one: 403 Forbidden, with the reason.",
        auditStage("Authorization", verbs)));
    if (writes) {
        if (command != "delete") {
            hops.push_back(pipelineHop(
                "Mutating admission fills in defaults", "defaults",
                "Admission plugins may change the object before it is stored: the service "
                "account, image pull policy, a Service's ClusterIP, default tolerations.",
                auditStage("MutatingAdmission", verbs)));
            hops.push_back(pipelineHop(
                "Validating admission checks the object", "validation",
                "Required fields, name rules, immutable fields: an invalid object is refused "
                "with 422 Invalid and the causes.",
                auditStage("ValidatingAdmission", verbs)));
        }
        hops.push_back({"The object is written to the store",
                        "apiserver",
                        "store",
                        "store",
                        "/registry/…",
                        "The apiserver writes the object under `/registry/<resource>/<namespace>/"
                        "<name>`; the store's new revision becomes its resourceVersion, and "
                        "every watcher hears of it.",
                        {{"kind", "store"}, {"role", "the write"}}});
    }
    hops.push_back({"The apiserver answers",
                    "apiserver",
                    "kubectl",
                    "apiserver",
                    "the answer",
                    "kubectl prints what it needs from the answer: a line for a write, a table "
                    "the apiserver rendered for a read.",
                    {{"kind", "api"},
                     {"attrs",
                      {{"direction", "response"},
                       {"phase", "complete"},
                       {"verb", verbIs(verbs)},
                       {kOnAResource, {{"exists", true}}}}},
                     {"role", "the answer"}}});

    // What the controllers and the scheduler do once the object is stored.
    const bool workload = object.rfind("deploy", 0) == 0 || command == "scale" ||
                          command == "run" || command == "rollout" || command == "set";
    if (writes && command != "delete" && workload) {
        if (command != "run") {
            hops.push_back(
                {"The Deployment controller reconciles",
                 "apiserver",
                 "controller-manager",
                 "controller-manager",
                 "watch: Deployment",
                 "The deployment controller hears of the change through its watch, compares the "
                 "desired state with what exists, and creates or scales a ReplicaSet.",
                 {{"kind", "reconcile"}, {"attrs", {{"object.kind", "Deployment"}}}}});
            hops.push_back({"The ReplicaSet controller creates pods",
                            "controller-manager",
                            "apiserver",
                            "controller-manager",
                            "POST pods",
                            "The ReplicaSet controller sees too few pods for its replicas and "
                            "creates them, each owned by the ReplicaSet.",
                            {{"kind", "reconcile"}, {"attrs", {{"object.kind", "ReplicaSet"}}}}});
        }
        hops.push_back({"The scheduler binds each pod to a node",
                        "scheduler",
                        "apiserver",
                        "scheduler",
                        "POST pods/binding",
                        "The scheduler filters the nodes that can run the pod, scores the rest "
                        "and binds the pod to the best one.",
                        // An unschedulable pod (no node fits, or none has joined) is a
                        // schedule event without a binding: the hop stays missing.
                        {{"kind", "schedule"},
                         {"attrs", {{"binding", {{"exists", true}}}}},
                         {"role", "a placement"}}});
        // On the node the pod was bound to.
        hops.push_back({"The kubelet asks for the pod's sandbox",
                        "kubelet",
                        "runtime",
                        "runtime",
                        "RunPodSandbox",
                        "The node's kubelet sees the pod bound to it and asks its container "
                        "runtime over CRI for a sandbox: the pause container, holding the pod's "
                        "network namespace, which the CNI bridge plugin wires to cni0 with an "
                        "address from the node's pod CIDR.",
                        {{"kind", "grpc"},
                         {"component", "kubelet"},
                         {"attrs", {{"method", "RunPodSandbox"}, {"status_code", 0}}},
                         {"role", "the sandbox"}}});
        hops.push_back({"The container starts in the sandbox",
                        "kubelet",
                        "runtime",
                        "runtime",
                        "StartContainer",
                        "CreateContainer then StartContainer: runc starts the image's command "
                        "inside the sandbox's namespaces.",
                        {{"kind", "grpc"},
                         {"component", "kubelet"},
                         {"attrs", {{"method", "StartContainer"}, {"status_code", 0}}},
                         {"role", "the container"}}});
        hops.push_back({"The kubelet reports the pod Running",
                        "kubelet",
                        "apiserver",
                        "kubelet",
                        "PATCH pods/status",
                        "The kubelet PATCHes the pod's status: phase Running, its IP, its "
                        "containers ready. kubectl get pods shows it; the endpoints controller "
                        "adds it to its Services.",
                        {{"kind", "api"},
                         {"component", "kubelet"},
                         {"attrs", {{"method", "PATCH"}, {"body.status.phase", "Running"}}},
                         {"role", "the status"}}});
    }
    return hops;
}

} // namespace flowlab
