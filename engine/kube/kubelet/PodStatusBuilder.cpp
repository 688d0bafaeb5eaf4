#include "engine/kube/kubelet/PodStatusBuilder.h"

#include "engine/kube/api/JsonFields.h"
#include "engine/kube/controllers/Time.h"

namespace flowlab::kube::kubelet {

using namespace fields;

namespace {

std::string timeOfNs(std::int64_t ns)
{
    return toRfc3339(TimePoint(std::chrono::duration_cast<TimePoint::duration>(
        std::chrono::nanoseconds(ns))));
}

Json terminatedState(const v1::ContainerStatus &status, const std::string &containerId)
{
    std::string reason = status.reason();
    if (reason.empty())
        reason = status.exit_code() == 0 ? "Completed" : "Error";
    Json terminated = {{"exitCode", status.exit_code()},
                       {"reason", reason},
                       {"startedAt", status.started_at() ? Json(timeOfNs(status.started_at())) : Json()},
                       {"finishedAt", timeOfNs(status.finished_at())},
                       {"containerID", containerId}};
    if (!status.message().empty())
        terminated["message"] = status.message();
    return {{"terminated", terminated}};
}

Json containerStatus(const Json &container, const ContainerRuntimeState &state,
                     const StatusContext &context)
{
    const auto idOf = [&](const v1::ContainerStatus &status) {
        return context.runtimeName + "://" + status.id();
    };
    Json out = {{"name", string(get(container, "name"))},
                {"image", string(get(container, "image"))},
                {"imageID", ""},
                {"ready", false},
                {"started", false},
                {"restartCount", 0},
                {"state", Json::object()},
                {"lastState", Json::object()}};
    if (state.current) {
        const v1::ContainerStatus &current = *state.current;
        out["containerID"] = idOf(current);
        out["imageID"] = current.image_ref();
        out["restartCount"] = current.metadata().attempt();
    }
    const bool running = state.current && state.current->state() == v1::CONTAINER_RUNNING;
    if (!state.waitingReason.empty() && !running) {
        Json waiting = {{"reason", state.waitingReason}};
        if (!state.waitingMessage.empty())
            waiting["message"] = state.waitingMessage;
        out["state"] = {{"waiting", waiting}};
    } else if (!state.current || state.current->state() == v1::CONTAINER_CREATED ||
               state.current->state() == v1::CONTAINER_UNKNOWN) {
        out["state"] = {{"waiting", {{"reason", "ContainerCreating"}}}};
    } else if (running) {
        out["state"] = {{"running", {{"startedAt", timeOfNs(state.current->started_at())}}}};
        out["started"] = true;
        out["ready"] = state.ready;
    } else {
        out["state"] = terminatedState(*state.current, idOf(*state.current));
    }
    // The last run that ended: the current instance while it waits out its back-off, else
    // the one before it.
    if (state.current && state.current->state() == v1::CONTAINER_EXITED &&
        out["state"].contains("waiting"))
        out["lastState"] = terminatedState(*state.current, idOf(*state.current));
    else if (state.previous && state.previous->state() == v1::CONTAINER_EXITED)
        out["lastState"] = terminatedState(*state.previous, idOf(*state.previous));
    return out;
}

// A condition keeps its lastTransitionTime while its status stays the same.
Json condition(const Json &oldConditions, const std::string &type, bool status,
               const std::string &reason, const std::string &message, const std::string &now)
{
    const std::string value = status ? "True" : "False";
    std::string since = now;
    for (const Json &old : items(oldConditions))
        if (string(get(old, "type")) == type && string(get(old, "status")) == value &&
            !string(get(old, "lastTransitionTime")).empty())
            since = string(get(old, "lastTransitionTime"));
    Json out = {{"type", type}, {"status", value}, {"lastProbeTime", nullptr},
                {"lastTransitionTime", since}};
    if (!reason.empty())
        out["reason"] = reason;
    if (!message.empty())
        out["message"] = message;
    return out;
}

} // namespace

std::string podPhase(const Json &pod, const Json &containerStatuses)
{
    int running = 0, waiting = 0, stopped = 0, succeeded = 0;
    for (const Json &status : items(containerStatuses)) {
        const Json &state = get(status, "state");
        if (state.contains("running")) {
            ++running;
        } else if (state.contains("terminated")) {
            ++stopped;
            if (integer(get(state, {"terminated", "exitCode"}), -1) == 0)
                ++succeeded;
        } else if (get(status, "lastState").contains("terminated")) {
            ++stopped; // waiting to restart: it has run before
        } else {
            ++waiting;
        }
    }
    if (waiting > 0)
        return "Pending";
    if (running > 0)
        return "Running";
    if (stopped > 0) {
        const std::string policy = string(get(pod, {"spec", "restartPolicy"}));
        if (policy == "Always" || policy.empty())
            return "Running";
        if (stopped == succeeded)
            return "Succeeded";
        if (policy == "Never")
            return "Failed";
        return "Running"; // OnFailure: the failed ones restart
    }
    return "Pending";
}

Json buildPodStatus(const Json &pod, const PodRuntimeState &state, const StatusContext &context)
{
    const Json &old = get(pod, "status");
    Json status = old.is_object() ? old : Json::object();
    const std::string now = toRfc3339(context.now);

    Json containerStatuses = Json::array();
    std::vector<std::string> unready;
    for (const Json &container : items(get(pod, {"spec", "containers"}))) {
        const std::string name = string(get(container, "name"));
        const auto found = state.containers.find(name);
        const ContainerRuntimeState empty;
        Json one = containerStatus(container, found == state.containers.end() ? empty : found->second,
                                   context);
        if (!boolean(get(one, "ready")))
            unready.push_back(name);
        containerStatuses.push_back(std::move(one));
    }
    const std::string phase = podPhase(pod, containerStatuses);

    std::string unreadyMessage;
    for (const std::string &name : unready)
        unreadyMessage += (unreadyMessage.empty() ? "" : " ") + name;
    unreadyMessage = "containers with unready status: [" + unreadyMessage + "]";
    const bool ready = unready.empty() && phase == "Running";
    const Json &oldConditions = get(old, "conditions");
    Json conditions = Json::array();
    for (const Json &kept : items(oldConditions)) {
        const std::string type = string(get(kept, "type"));
        if (type != "Initialized" && type != "Ready" && type != "ContainersReady" &&
            type != "PodReadyToStartContainers")
            conditions.push_back(kept); // PodScheduled, and anything else others own
    }
    conditions.push_back(condition(oldConditions, "PodReadyToStartContainers", state.sandboxReady,
                                   "", "", now));
    conditions.push_back(condition(oldConditions, "Initialized", true, "", "", now));
    conditions.push_back(condition(oldConditions, "Ready", ready,
                                   ready ? "" : "ContainersNotReady", ready ? "" : unreadyMessage,
                                   now));
    conditions.push_back(condition(oldConditions, "ContainersReady", ready,
                                   ready ? "" : "ContainersNotReady", ready ? "" : unreadyMessage,
                                   now));

    status["phase"] = phase;
    status["conditions"] = conditions;
    status["containerStatuses"] = containerStatuses;
    if (!context.hostIp.empty()) {
        status["hostIP"] = context.hostIp;
        status["hostIPs"] = Json::array({{{"ip", context.hostIp}}});
    }
    if (!state.podIps.empty()) {
        status["podIP"] = state.podIps.front();
        Json ips = Json::array();
        for (const std::string &ip : state.podIps)
            ips.push_back({{"ip", ip}});
        status["podIPs"] = ips;
    }
    if (string(get(old, "startTime")).empty())
        status["startTime"] = now;
    return status;
}

} // namespace flowlab::kube::kubelet
