// Printers for pods and the controllers that run them: pods, deployments, replicasets,
// statefulsets, daemonsets, jobs and controllerrevisions.

#include "engine/kube/api/JsonFields.h"
#include "engine/kube/api/TablePrinter.h"
#include "engine/kube/api/TablePrinters.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace flowlab::kube::printers {

namespace {

using fields::get;
using fields::integer;
using fields::items;
using fields::string;

const char *const kContainersDescription = "Names of each container in the template.";
const char *const kImagesDescription = "Images referenced by each container in the template.";
const char *const kReadyPodsDescription = "Number of the pod with ready state";

Column wideColumn(std::string name, std::string description)
{
    return {std::move(name), "string", "", std::move(description), 1};
}

bool conditionTrue(const Json &conditions, std::string_view type)
{
    for (const Json &condition : items(conditions)) {
        if (string(get(condition, "type")) == type)
            return string(get(condition, "status")) == "True";
    }
    return false;
}

// ---- pods (printPod) ----

using Time = std::optional<std::chrono::sys_seconds>;

void keepLatest(Time &latest, const Json &containerStatus)
{
    const Json &terminated = get(containerStatus, {"lastState", "terminated"});
    if (!terminated.is_object())
        return;
    const Time finished = parseTimestamp(get(terminated, "finishedAt"));
    if (finished && (!latest || *latest < *finished))
        latest = finished;
}

std::string terminatedReason(const Json &terminated, const char *prefix)
{
    const std::string reason = string(get(terminated, "reason"));
    if (!reason.empty())
        return prefix + reason;
    if (const auto signal = integer(get(terminated, "signal")); signal != 0)
        return std::string(prefix) + "Signal:" + std::to_string(signal);
    return std::string(prefix) + "ExitCode:" + std::to_string(integer(get(terminated, "exitCode")));
}

struct PodSummary
{
    std::string reason;
    int ready = 0;
    int total = 0;
    long long restarts = 0;
    Time lastRestart;
};

// Walks the init containers the way printPod does: the first one that has not finished
// decides the status ("Init:0/2", "Init:CrashLoopBackOff", "Init:Error").
bool summarizeInitContainers(const Json &pod, PodSummary &summary, long long &restartableRestarts,
                             Time &lastRestartableRestart)
{
    const Json &initContainers = get(pod, {"spec", "initContainers"});
    std::map<std::string, bool> restartable;
    for (const Json &container : items(initContainers)) {
        const bool always = string(get(container, "restartPolicy")) == "Always";
        restartable[string(get(container, "name"))] = always;
        if (always)
            ++summary.total;
    }

    const Json &statuses = get(pod, {"status", "initContainerStatuses"});
    for (std::size_t i = 0; i < fields::size(statuses); ++i) {
        const Json &status = statuses[i];
        const bool isRestartable = restartable[string(get(status, "name"))];
        summary.restarts += integer(get(status, "restartCount"));
        keepLatest(summary.lastRestart, status);
        if (isRestartable) {
            restartableRestarts += integer(get(status, "restartCount"));
            keepLatest(lastRestartableRestart, status);
        }
        const Json &terminated = get(status, {"state", "terminated"});
        const Json &waiting = get(status, {"state", "waiting"});
        const std::string waitingReason = string(get(waiting, "reason"));
        if (terminated.is_object() && integer(get(terminated, "exitCode")) == 0)
            continue;
        if (isRestartable && fields::boolean(get(status, "started"))) {
            if (fields::boolean(get(status, "ready")))
                ++summary.ready;
            continue;
        }
        if (terminated.is_object()) {
            summary.reason = terminatedReason(terminated, "Init:");
        } else if (waiting.is_object() && !waitingReason.empty() &&
                   waitingReason != "PodInitializing") {
            summary.reason = "Init:" + waitingReason;
        } else {
            summary.reason =
                "Init:" + std::to_string(i) + "/" + std::to_string(fields::size(initContainers));
        }
        return true;
    }
    return false;
}

PodSummary summarizePod(const Json &pod)
{
    const Json &status = get(pod, "status");
    PodSummary summary;
    summary.total = int(fields::size(get(pod, {"spec", "containers"})));
    summary.reason = string(get(status, "phase"));
    if (const std::string reason = string(get(status, "reason")); !reason.empty())
        summary.reason = reason;
    for (const Json &condition : items(get(status, "conditions"))) {
        if (string(get(condition, "type")) == "PodScheduled" &&
            string(get(condition, "reason")) == "SchedulingGated")
            summary.reason = "SchedulingGated";
    }

    long long restartableRestarts = 0;
    Time lastRestartableRestart;
    const bool initializing =
        summarizeInitContainers(pod, summary, restartableRestarts, lastRestartableRestart);

    if (!initializing || conditionTrue(get(status, "conditions"), "Initialized")) {
        summary.restarts = restartableRestarts;
        summary.lastRestart = lastRestartableRestart;
        bool hasRunning = false;
        const Json &statuses = items(get(status, "containerStatuses"));
        for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
            const Json &container = *it;
            summary.restarts += integer(get(container, "restartCount"));
            keepLatest(summary.lastRestart, container);
            const Json &waiting = get(container, {"state", "waiting"});
            const Json &terminated = get(container, {"state", "terminated"});
            if (waiting.is_object() && !string(get(waiting, "reason")).empty()) {
                summary.reason = string(get(waiting, "reason"));
            } else if (terminated.is_object()) {
                summary.reason = terminatedReason(terminated, "");
            } else if (fields::boolean(get(container, "ready")) &&
                       get(container, {"state", "running"}).is_object()) {
                hasRunning = true;
                ++summary.ready;
            }
        }
        // A container still running after another completed keeps the pod "Running".
        if (summary.reason == "Completed" && hasRunning)
            summary.reason =
                conditionTrue(get(status, "conditions"), "Ready") ? "Running" : "NotReady";
    }

    const std::string phase = string(get(status, "phase"));
    const bool deleting = !get(pod, {"metadata", "deletionTimestamp"}).is_null();
    if (deleting && string(get(status, "reason")) == "NodeLost")
        summary.reason = "Unknown";
    else if (deleting && phase != "Succeeded" && phase != "Failed")
        summary.reason = "Terminating";
    return summary;
}

std::string orNone(std::string value)
{
    return value.empty() ? "<none>" : value;
}

std::string readinessGates(const Json &pod)
{
    const Json &gates = get(pod, {"spec", "readinessGates"});
    if (fields::size(gates) == 0)
        return "<none>";
    int trueConditions = 0;
    for (const Json &gate : items(gates)) {
        const std::string type = string(get(gate, "conditionType"));
        for (const Json &condition : items(get(pod, {"status", "conditions"}))) {
            if (string(get(condition, "type")) == type) {
                if (string(get(condition, "status")) == "True")
                    ++trueConditions;
                break;
            }
        }
    }
    return std::to_string(trueConditions) + "/" + std::to_string(fields::size(gates));
}

Json podCells(const Json &pod, const PrintContext &context)
{
    const PodSummary summary = summarizePod(pod);
    std::string restarts = std::to_string(summary.restarts);
    if (summary.restarts != 0 && summary.lastRestart) {
        const auto ago =
            std::chrono::duration_cast<std::chrono::seconds>(context.now - *summary.lastRestart);
        restarts += " (" + humanDuration(ago) + " ago)";
    }
    // status.podIPs[0], as printPod reads it; status.podIP for a kubelet that wrote only that.
    const Json &podIPs = items(get(pod, {"status", "podIPs"}));
    const std::string podIP =
        podIPs.empty() ? string(get(pod, {"status", "podIP"})) : string(get(podIPs[0], "ip"));
    return Json::array(
        {string(get(pod, {"metadata", "name"})),
         std::to_string(summary.ready) + "/" + std::to_string(summary.total), summary.reason,
         restarts, age(get(pod, {"metadata", "creationTimestamp"}), context), orNone(podIP),
         orNone(string(get(pod, {"spec", "nodeName"}))),
         orNone(string(get(pod, {"status", "nominatedNodeName"}))), readinessGates(pod)});
}

Json podConditions(const Json &pod)
{
    const std::string phase = string(get(pod, {"status", "phase"}));
    if (phase != "Succeeded" && phase != "Failed")
        return nullptr;
    return Json::array({{{"type", "Completed"},
                         {"status", "True"},
                         {"reason", phase},
                         {"message", phase == "Succeeded" ? "The pod has completed successfully."
                                                          : "The pod failed."}}});
}

const Printer kPods{
    {nameColumn(),
     {"Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic."},
     {"Status", "string", "", "The aggregate status of the containers in this pod."},
     {"Restarts", "string", "",
      "The number of times the containers in this pod have been restarted and when the last "
      "container in this pod has restarted."},
     ageColumn(),
     wideColumn("IP", "podIP address allocated to the pod. Routable at least within the "
                      "cluster. Empty if not yet allocated."),
     wideColumn("Node",
                "NodeName indicates in which node this pod is scheduled. If empty, this pod is a "
                "candidate for scheduling by the scheduler defined in schedulerName. Once this "
                "field is set, the kubelet for this node becomes responsible for the lifecycle "
                "of this pod. This field should not be used to express a desire for the pod to "
                "be scheduled on a specific node. "
                "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/"
                "#nodename"),
     wideColumn("Nominated Node",
                "nominatedNodeName is set only when this pod preempts other pods on the node, "
                "but it cannot be scheduled right away as preemption victims receive their "
                "graceful termination periods. This field does not guarantee that the pod will "
                "be scheduled on this node. Scheduler may decide to place the pod elsewhere if "
                "other nodes become available sooner. Scheduler may also decide to give the "
                "resources on this node to a higher priority pod that is created after "
                "preemption. As a result, this field may be different than PodSpec.nodeName "
                "when the pod is scheduled."),
     wideColumn("Readiness Gates",
                "If specified, all readiness gates will be evaluated for pod readiness. A pod is "
                "ready when all its containers are ready AND all conditions specified in the "
                "readiness gates have status equal to \"True\" More info: "
                "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates")},
    podCells,
    podConditions};

// ---- controllers ----

Json deploymentCells(const Json &deployment, const PrintContext &context)
{
    const Json &spec = get(deployment, "spec");
    const Json &status = get(deployment, "status");
    const auto [names, images] = containerCells(get(spec, {"template", "spec", "containers"}));
    const Json &selector = get(spec, "selector");
    const auto selectorText = selectorString(selector);
    return Json::array({string(get(deployment, {"metadata", "name"})),
                        std::to_string(integer(get(status, "readyReplicas"))) + "/" +
                            std::to_string(integer(get(spec, "replicas"))),
                        integer(get(status, "updatedReplicas")),
                        integer(get(status, "availableReplicas")),
                        age(get(deployment, {"metadata", "creationTimestamp"}), context), names,
                        images, selectorText ? *selectorText : "<invalid>"});
}

const Printer kDeployments{
    {nameColumn(),
     {"Ready", "string", "", kReadyPodsDescription},
     {"Up-to-date", "string", "",
      "Total number of non-terminated pods targeted by this deployment that have the desired "
      "template spec."},
     {"Available", "string", "",
      "Total number of available pods (ready for at least minReadySeconds) targeted by this "
      "deployment."},
     ageColumn(),
     wideColumn("Containers", kContainersDescription),
     wideColumn("Images", kImagesDescription),
     wideColumn("Selector", "Label selector for pods. Existing ReplicaSets whose pods are "
                            "selected by this will be the ones affected by this deployment.")},
    deploymentCells};

Json replicaSetCells(const Json &replicaSet, const PrintContext &context)
{
    const Json &spec = get(replicaSet, "spec");
    const Json &status = get(replicaSet, "status");
    const auto [names, images] = containerCells(get(spec, {"template", "spec", "containers"}));
    return Json::array({string(get(replicaSet, {"metadata", "name"})),
                        integer(get(spec, "replicas")), integer(get(status, "replicas")),
                        integer(get(status, "readyReplicas")),
                        age(get(replicaSet, {"metadata", "creationTimestamp"}), context), names,
                        images, formatLabelSelector(get(spec, "selector"))});
}

const Printer kReplicaSets{
    {nameColumn(),
     {"Desired", "integer", "",
      "Replicas is the number of desired replicas. This is a pointer to distinguish between "
      "explicit zero and unspecified. Defaults to 1. More info: "
      "https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/"
      "#what-is-a-replicationcontroller"},
     {"Current", "integer", "",
      "Replicas is the most recently observed number of replicas. More info: "
      "https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/"
      "#what-is-a-replicationcontroller"},
     {"Ready", "integer", "", "The number of ready replicas for this replica set."},
     ageColumn(),
     wideColumn("Containers", kContainersDescription),
     wideColumn("Images", kImagesDescription),
     wideColumn("Selector",
                "Selector is a label query over pods that should match the replica count. If "
                "the selector is empty, it is defaulted to the labels present on the pod "
                "template. Label keys and values that must match in order to be controlled by "
                "this replica set. More info: "
                "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/"
                "#label-selectors")},
    replicaSetCells};

Json statefulSetCells(const Json &statefulSet, const PrintContext &context)
{
    const Json &spec = get(statefulSet, "spec");
    const auto [names, images] = containerCells(get(spec, {"template", "spec", "containers"}));
    return Json::array({string(get(statefulSet, {"metadata", "name"})),
                        std::to_string(integer(get(statefulSet, {"status", "readyReplicas"}))) +
                            "/" + std::to_string(integer(get(spec, "replicas"))),
                        age(get(statefulSet, {"metadata", "creationTimestamp"}), context), names,
                        images});
}

const Printer kStatefulSets{{nameColumn(),
                             {"Ready", "string", "", kReadyPodsDescription},
                             ageColumn(),
                             wideColumn("Containers", kContainersDescription),
                             wideColumn("Images", kImagesDescription)},
                            statefulSetCells};

Json daemonSetCells(const Json &daemonSet, const PrintContext &context)
{
    const Json &spec = get(daemonSet, "spec");
    const Json &status = get(daemonSet, "status");
    const auto [names, images] = containerCells(get(spec, {"template", "spec", "containers"}));
    return Json::array(
        {string(get(daemonSet, {"metadata", "name"})),
         integer(get(status, "desiredNumberScheduled")),
         integer(get(status, "currentNumberScheduled")), integer(get(status, "numberReady")),
         integer(get(status, "updatedNumberScheduled")), integer(get(status, "numberAvailable")),
         formatLabels(get(spec, {"template", "spec", "nodeSelector"})),
         age(get(daemonSet, {"metadata", "creationTimestamp"}), context), names, images,
         formatLabelSelector(get(spec, "selector"))});
}

const Printer kDaemonSets{
    {nameColumn(),
     {"Desired", "integer", "",
      "The total number of nodes that should be running the daemon pod (including nodes "
      "correctly running the daemon pod). More info: "
      "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"},
     {"Current", "integer", "",
      "The number of nodes that are running at least 1 daemon pod and are supposed to run the "
      "daemon pod. More info: "
      "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"},
     {"Ready", "integer", "",
      "The number of nodes that should be running the daemon pod and have one or more of the "
      "daemon pod running and ready."},
     {"Up-to-date", "integer", "", "The total number of nodes that are running updated daemon pod"},
     {"Available", "integer", "",
      "The number of nodes that should be running the daemon pod and have one or more of the "
      "daemon pod running and available (ready for at least spec.minReadySeconds)"},
     {"Node Selector", "string", "",
      "NodeSelector is a selector which must be true for the pod to fit on a node. Selector "
      "which must match a node's labels for the pod to be scheduled on that node. More info: "
      "https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"},
     ageColumn(),
     wideColumn("Containers", kContainersDescription),
     wideColumn("Images", kImagesDescription),
     wideColumn("Selector",
                "A label query over pods that are managed by the daemon set. Must match in "
                "order to be controlled. If empty, defaulted to labels on Pod template. More "
                "info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/"
                "#label-selectors")},
    daemonSetCells};

std::string jobStatus(const Json &job)
{
    const Json &conditions = get(job, {"status", "conditions"});
    if (conditionTrue(conditions, "Complete"))
        return "Complete";
    if (conditionTrue(conditions, "Failed"))
        return "Failed";
    if (!get(job, {"metadata", "deletionTimestamp"}).is_null())
        return "Terminating";
    if (conditionTrue(conditions, "Suspended"))
        return "Suspended";
    if (conditionTrue(conditions, "FailureTarget"))
        return "FailureTarget";
    return "Running";
}

std::string jobDuration(const Json &status, const PrintContext &context)
{
    const Time start = parseTimestamp(get(status, "startTime"));
    if (!start)
        return "";
    const Time completion = parseTimestamp(get(status, "completionTime"));
    const auto end =
        completion ? *completion : std::chrono::floor<std::chrono::seconds>(context.now);
    return humanDuration(end - *start);
}

Json jobCells(const Json &job, const PrintContext &context)
{
    const Json &spec = get(job, "spec");
    const Json &status = get(job, "status");
    const std::string succeeded = std::to_string(integer(get(status, "succeeded")));
    std::string completions;
    if (get(spec, "completions").is_number_integer())
        completions = succeeded + "/" + std::to_string(integer(get(spec, "completions")));
    else if (const auto parallelism = integer(get(spec, "parallelism")); parallelism > 1)
        completions = succeeded + "/1 of " + std::to_string(parallelism);
    else
        completions = succeeded + "/1";
    const auto [names, images] = containerCells(get(spec, {"template", "spec", "containers"}));
    return Json::array({string(get(job, {"metadata", "name"})), jobStatus(job), completions,
                        jobDuration(status, context),
                        age(get(job, {"metadata", "creationTimestamp"}), context), names, images,
                        formatLabelSelector(get(spec, "selector"))});
}

const Printer kJobs{
    {nameColumn(),
     {"Status", "string", "", "Status of the job."},
     {"Completions", "string", "",
      "The number of pods which reached phase Succeeded. The value increases monotonically for "
      "a given spec. However, it may decrease in reaction to scale down of elastic indexed "
      "jobs."},
     {"Duration", "string", "", "Time required to complete the job."},
     ageColumn(),
     wideColumn("Containers", kContainersDescription),
     wideColumn("Images", kImagesDescription),
     wideColumn("Selector", "A label query over pods that should match the pod count. Normally, "
                            "the system sets this field for you. More info: "
                            "https://kubernetes.io/docs/concepts/overview/working-with-objects/"
                            "labels/#label-selectors")},
    jobCells};

// "daemonset.apps/fluentd": the controlling owner, as formatResourceName prints it.
std::string controllerName(const Json &object)
{
    for (const Json &owner : items(get(object, {"metadata", "ownerReferences"}))) {
        if (!fields::boolean(get(owner, "controller")))
            continue;
        const std::string apiVersion = string(get(owner, "apiVersion"));
        const auto slash = apiVersion.find('/');
        const std::string group = slash == std::string::npos ? "" : apiVersion.substr(0, slash);
        const std::string kind = string(get(owner, "kind"));
        const std::string name = string(get(owner, "name"));
        if (group.empty() && kind.empty())
            return name;
        std::string groupKind = group.empty() ? kind : kind + "." + group;
        std::transform(groupKind.begin(), groupKind.end(), groupKind.begin(),
                       [](unsigned char c) { return char(std::tolower(c)); });
        return groupKind + "/" + name;
    }
    return "<none>";
}

Json controllerRevisionCells(const Json &revision, const PrintContext &context)
{
    return Json::array({string(get(revision, {"metadata", "name"})), controllerName(revision),
                        integer(get(revision, "revision")),
                        age(get(revision, {"metadata", "creationTimestamp"}), context)});
}

const Printer kControllerRevisions{
    {nameColumn(),
     {"Controller", "string", "", "Controller of the object"},
     {"Revision", "string", "",
      "Revision indicates the revision of the state represented by Data."},
     ageColumn()},
    controllerRevisionCells};

} // namespace

const std::vector<PrinterEntry> &workloadPrinters()
{
    static const std::vector<PrinterEntry> entries{
        {"", "pods", &kPods},
        {"apps", "deployments", &kDeployments},
        {"apps", "replicasets", &kReplicaSets},
        {"apps", "statefulsets", &kStatefulSets},
        {"apps", "daemonsets", &kDaemonSets},
        {"apps", "controllerrevisions", &kControllerRevisions},
        {"batch", "jobs", &kJobs},
    };
    return entries;
}

} // namespace flowlab::kube::printers
