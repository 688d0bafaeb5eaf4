#include "engine/kube/controllers/PodState.h"

#include "engine/kube/controllers/ObjectMeta.h"

#include <algorithm>

namespace flowlab::kube {

namespace {

const Json *readyCondition(const Json &pod)
{
    const Json &conditions = at(pod, {"status", "conditions"});
    if (!conditions.is_array())
        return nullptr;
    for (const Json &condition : conditions)
        if (stringAt(condition, {"type"}) == "Ready")
            return &condition;
    return nullptr;
}

} // namespace

bool isPodReady(const Json &pod)
{
    const Json *ready = readyCondition(pod);
    return ready && stringAt(*ready, {"status"}) == "True";
}

std::optional<TimePoint> podReadySince(const Json &pod)
{
    const Json *ready = readyCondition(pod);
    if (!ready || stringAt(*ready, {"status"}) != "True")
        return std::nullopt;
    return parseRfc3339(stringAt(*ready, {"lastTransitionTime"}));
}

bool isPodAvailable(const Json &pod, int minReadySeconds, TimePoint now)
{
    if (!isPodReady(pod))
        return false;
    if (minReadySeconds <= 0)
        return true;
    const auto since = podReadySince(pod);
    return since && *since + std::chrono::seconds(minReadySeconds) < now;
}

bool isPodTerminal(const Json &pod)
{
    const std::string phase = stringAt(pod, {"status", "phase"});
    return phase == "Succeeded" || phase == "Failed";
}

bool isPodActive(const Json &pod)
{
    return !isPodTerminal(pod) && !isBeingDeleted(pod);
}

int podRestarts(const Json &pod)
{
    int most = 0;
    const Json &statuses = at(pod, {"status", "containerStatuses"});
    if (statuses.is_array())
        for (const Json &status : statuses)
            most = std::max(most, int(intAt(status, {"restartCount"})));
    return most;
}

} // namespace flowlab::kube
