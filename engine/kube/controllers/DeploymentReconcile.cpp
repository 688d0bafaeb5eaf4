#include "engine/kube/controllers/DeploymentPlanner.h"
#include "engine/kube/controllers/PodState.h"

#include <algorithm>
#include <cmath>

namespace flowlab::kube::deployment {

namespace detail {

namespace {

// The real controller's maxRevHistoryLengthInChars.
constexpr std::size_t kMaxRevisionHistoryChars = 2000;

// What a ReplicaSet does not copy from its Deployment's annotations (skipCopyAnnotation):
// they describe the Deployment, or the ReplicaSet keeps its own.
bool skipCopyAnnotation(const std::string &key)
{
    return key == "kubectl.kubernetes.io/last-applied-configuration" ||
           key == kRevisionAnnotation || key == kRevisionHistoryAnnotation ||
           key == kDesiredReplicasAnnotation || key == kMaxReplicasAnnotation ||
           key == "deprecated.deployment.rollback.to";
}

} // namespace

Planner::Planner(const Inputs &inputs)
    : m_in(inputs)
    , m_now(toRfc3339(inputs.now))
    , m_fence(fenceposts(inputs.deployment))
    , m_d(inputs.deployment)
{
    const std::string uid = uidOf(m_d);
    for (const Json &rs : inputs.replicaSets)
        if (isControlledBy(rs, uid))
            m_rs.push_back(rs);
    // ReplicaSetsByCreationTimestamp: oldest first, then by name.
    std::stable_sort(m_rs.begin(), m_rs.end(), [](const Json &a, const Json &b) {
        const auto ta = creationTimeOf(a), tb = creationTimeOf(b);
        return ta != tb ? ta < tb : nameOf(a) < nameOf(b);
    });
    m_rsBefore = m_rs;
    m_created.assign(m_rs.size(), false);
    m_deleted.assign(m_rs.size(), false);
    if (!m_d.contains("status") || !m_d["status"].is_object())
        m_d["status"] = Json::object();
}

std::vector<int> Planner::oldIndices() const
{
    std::vector<int> old;
    for (int i = 0; i < int(m_rs.size()); ++i)
        if (i != m_new)
            old.push_back(i);
    return old;
}

std::vector<int> Planner::activeOf(const std::vector<int> &indices) const
{
    std::vector<int> active;
    for (int i : indices)
        if (specReplicas(m_rs[i]) > 0)
            active.push_back(i);
    return active;
}

int Planner::sumOf(const std::vector<int> &indices, int (*count)(const Json &)) const
{
    int sum = 0;
    for (int i : indices)
        sum += count(m_rs[i]);
    return sum;
}

bool Planner::setReplicasAnnotations(Json &rs) const
{
    const std::string wantDesired = std::to_string(desired());
    const std::string wantMax = std::to_string(desired() + m_fence.maxSurge);
    bool changed = false;
    Json &annotations = rs["metadata"]["annotations"];
    if (!annotations.is_object())
        annotations = Json::object();
    for (const auto &[key, value] : {std::pair{kDesiredReplicasAnnotation, wantDesired},
                                     std::pair{kMaxReplicasAnnotation, wantMax}}) {
        if (annotations.value(key, "") != value) {
            annotations[key] = value;
            changed = true;
        }
    }
    return changed;
}

// The ReplicaSet takes the Deployment's annotations (kubernetes.io/change-cause among them,
// which `kubectl rollout history` reads from it) and the next revision. A ReplicaSet that
// comes back (a rollback) keeps its earlier revisions in revision-history.
bool Planner::setNewReplicaSetAnnotations(Json &rs, int newRevision, bool exists) const
{
    bool changed = false;
    Json &annotations = rs["metadata"]["annotations"];
    if (!annotations.is_object())
        annotations = Json::object();
    const Json &own = at(m_d, {"metadata", "annotations"});
    if (own.is_object())
        for (const auto &[key, value] : own.items())
            if (!skipCopyAnnotation(key) && annotations.value(key, Json()) != value) {
                annotations[key] = value;
                changed = true;
            }
    const std::string oldRevision = annotations.value(kRevisionAnnotation, "");
    const int oldRevisionNumber = toInt(oldRevision, 0);
    if (oldRevisionNumber < newRevision) {
        annotations[kRevisionAnnotation] = std::to_string(newRevision);
        changed = true;
        if (!oldRevision.empty()) {
            std::string history = annotations.value(kRevisionHistoryAnnotation, "");
            history = history.empty() ? oldRevision : history + "," + oldRevision;
            while (history.size() > kMaxRevisionHistoryChars &&
                   history.find(',') != std::string::npos)
                history.erase(0, history.find(',') + 1);
            annotations[kRevisionHistoryAnnotation] = history;
        }
    }
    if (!exists && setReplicasAnnotations(rs))
        changed = true;
    return changed;
}

// NewRSNewReplicas: how big the new ReplicaSet may be now. Rolling: up to spec.replicas +
// maxSurge pods in all, never more than spec.replicas in it. Recreate: all of them at once.
int Planner::newReplicaSetReplicas() const
{
    const int current = specReplicas(m_rs[m_new]);
    if (!isRollingUpdate(m_d))
        return desired();
    const int maxSurge =
        scaledValue(at(m_d, {"spec", "strategy", "rollingUpdate", "maxSurge"}), desired(), true)
            .value_or(0);
    const int podCount = sumOf(all(m_rs), specCount);
    const int maxTotal = desired() + maxSurge;
    if (podCount >= maxTotal)
        return current;
    return current + std::min(maxTotal - podCount, desired() - current);
}

void Planner::getNewReplicaSet(bool createIfMissing)
{
    const Json &templ = at(m_d, {"spec", "template"});
    m_new = -1;
    for (int i = 0; i < int(m_rs.size()) && m_new < 0; ++i)
        if (equalIgnoreHash(at(m_rs[i], {"spec", "template"}), templ))
            m_new = i;
    int maxOldRevision = 0;
    for (int i : oldIndices())
        maxOldRevision = std::max(maxOldRevision, revisionOf(m_rs[i]));
    const int newRevision = maxOldRevision + 1;
    Json &status = m_d["status"];

    if (m_new >= 0) {
        Json &rs = m_rs[m_new];
        setNewReplicaSetAnnotations(rs, newRevision, true);
        if (intAt(rs, {"spec", "minReadySeconds"}) != intAt(m_d, {"spec", "minReadySeconds"}))
            rs["spec"]["minReadySeconds"] = intAt(m_d, {"spec", "minReadySeconds"});
        m_d["metadata"]["annotations"][kRevisionAnnotation] = annotationOf(rs, kRevisionAnnotation);
        if (hasProgressDeadline(m_d) && !findCondition(status, "Progressing"))
            setCondition(status,
                         newCondition("Progressing", "True", "FoundNewReplicaSet",
                                      "Found new replica set \"" + nameOf(rs) + "\"", m_now));
        return;
    }
    if (!createIfMissing)
        return;

    const Json &collisions = at(status, {"collisionCount"});
    const std::string hash = podTemplateHash(
        templ, collisions.is_number_integer() ? std::optional(collisions.get<std::int64_t>())
                                              : std::nullopt);
    const std::string name = nameOf(m_d) + "-" + hash;
    for (const Json &other : m_in.replicaSets)
        if (nameOf(other) == name) {
            // Another template (or someone else's ReplicaSet) has this name: count the
            // collision in the status; the next pass hashes with the new count.
            status["collisionCount"] = intAt(status, {"collisionCount"}) + 1;
            m_decision.note = "hash collision with ReplicaSet " + name;
            return;
        }

    Json labels = at(templ, {"metadata", "labels"}).is_object() ? at(templ, {"metadata", "labels"})
                                                                : Json::object();
    labels[kPodTemplateHashLabel] = hash;
    Json rsTemplate = templ;
    rsTemplate["metadata"]["labels"] = labels;
    Json selector = at(m_d, {"spec", "selector"});
    selector["matchLabels"][kPodTemplateHashLabel] = hash;
    Json rs = {{"apiVersion", "apps/v1"},
               {"kind", "ReplicaSet"},
               {"metadata",
                {{"name", name},
                 {"namespace", namespaceOf(m_d)},
                 {"labels", labels},
                 {"ownerReferences", Json::array({controllerRefTo(deployments(), m_d)})}}},
               {"spec",
                {{"replicas", 0},
                 {"minReadySeconds", intAt(m_d, {"spec", "minReadySeconds"})},
                 {"selector", selector},
                 {"template", rsTemplate}}}};
    m_rs.push_back(rs);
    m_created.push_back(true);
    m_deleted.push_back(false);
    m_new = int(m_rs.size()) - 1;
    m_rs[m_new]["spec"]["replicas"] = newReplicaSetReplicas();
    setNewReplicaSetAnnotations(m_rs[m_new], newRevision, false);
    m_d["metadata"]["annotations"][kRevisionAnnotation] = std::to_string(newRevision);
    if (hasProgressDeadline(m_d))
        setCondition(status, newCondition("Progressing", "True", "NewReplicaSetCreated",
                                          "Created new replica set \"" + name + "\"", m_now));
}

bool Planner::scaleReplicaSet(int index, int newScale)
{
    Json &rs = m_rs[index];
    const bool sizeChanges = specReplicas(rs) != newScale;
    rs["spec"]["replicas"] = newScale;
    setReplicasAnnotations(rs);
    return sizeChanges;
}

bool Planner::isScalingEvent() const
{
    for (int i : activeOf(all(m_rs))) {
        const std::string annotated = annotationOf(m_rs[i], kDesiredReplicasAnnotation);
        if (!annotated.empty() && toInt(annotated, -1) != desired())
            return true;
    }
    return false;
}

int Planner::findActiveOrLatest() const
{
    if (m_rs.empty())
        return -1;
    const std::vector<int> active = activeOf(all(m_rs));
    if (active.empty())
        return m_new >= 0 ? m_new : oldIndices().empty() ? -1 : oldIndices().back();
    return active.size() == 1 ? active.front() : -1;
}

// A scaling event (spec.replicas changed, no new template): one active ReplicaSet takes the
// new count; several (a rollout in progress) share the change in proportion to their sizes,
// the largest getting what rounding leaves over.
void Planner::scale()
{
    if (const int only = findActiveOrLatest(); only >= 0) {
        if (specReplicas(m_rs[only]) != desired())
            scaleReplicaSet(only, desired());
        return;
    }
    if (m_new >= 0 && specReplicas(m_rs[m_new]) == desired() &&
        toInt(annotationOf(m_rs[m_new], kDesiredReplicasAnnotation), -1) == desired() &&
        availableReplicas(m_rs[m_new]) == desired()) {
        for (int i : activeOf(oldIndices()))
            scaleReplicaSet(i, 0);
        return;
    }
    if (!isRollingUpdate(m_d))
        return;
    std::vector<int> active = activeOf(all(m_rs));
    const int allowed = desired() > 0 ? desired() + m_fence.maxSurge : 0;
    const int toAdd = allowed - sumOf(active, specCount);
    // Larger first; between equals, newer first when growing and older first when shrinking.
    std::stable_sort(active.begin(), active.end(), [&](int a, int b) {
        if (specReplicas(m_rs[a]) != specReplicas(m_rs[b]))
            return specReplicas(m_rs[a]) > specReplicas(m_rs[b]);
        return toAdd > 0 ? a > b : a < b;
    });
    std::vector<int> sizes;
    int added = 0;
    for (int i : active) {
        int proportion = 0;
        const int size = specReplicas(m_rs[i]);
        if (toAdd != 0 && size != 0 && toAdd != added) {
            int fraction = -size;
            if (desired() != 0) {
                int before = toInt(annotationOf(m_rs[i], kMaxReplicasAnnotation), 0);
                if (before == 0)
                    before = statusCount(m_d, "replicas");
                fraction = before == 0
                               ? 0
                               : int(std::lround(double(size) * (desired() + m_fence.maxSurge) /
                                                 double(before))) -
                                     size;
            }
            proportion =
                toAdd > 0 ? std::min(fraction, toAdd - added) : std::max(fraction, toAdd - added);
        }
        sizes.push_back(size + proportion);
        added += proportion;
    }
    for (std::size_t k = 0; k < active.size(); ++k) {
        if (k == 0 && toAdd != 0)
            sizes[0] = std::max(0, sizes[0] + toAdd - added);
        scaleReplicaSet(active[k], sizes[k]);
    }
}

void Planner::sync()
{
    getNewReplicaSet(false);
    scale();
    if (at(m_d, {"spec", "paused"}) == true)
        cleanupDeployment();
    syncDeploymentStatus();
}

bool Planner::reconcileNewReplicaSet()
{
    const int current = specReplicas(m_rs[m_new]);
    if (current == desired())
        return false;
    if (current > desired())
        return scaleReplicaSet(m_new, desired());
    return scaleReplicaSet(m_new, newReplicaSetReplicas());
}

// Old ReplicaSets shrink only as far as keeps spec.replicas - maxUnavailable pods available,
// counting the new ReplicaSet's pods that are not available yet against that budget.
bool Planner::reconcileOldReplicaSets()
{
    const std::vector<int> old = activeOf(oldIndices());
    if (sumOf(old, specCount) == 0)
        return false;
    const int minAvailable = desired() - m_fence.maxUnavailable;
    const int newUnavailable = specReplicas(m_rs[m_new]) - availableReplicas(m_rs[m_new]);
    const int maxScaledDown = sumOf(all(m_rs), specCount) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0)
        return false;
    const int cleaned = cleanupUnhealthyReplicas(old, maxScaledDown);
    const int scaledDown = scaleDownOldReplicaSetsForRollingUpdate(old);
    return cleaned + scaledDown > 0;
}

// Pods of old ReplicaSets that are not available go first: removing them costs nothing.
int Planner::cleanupUnhealthyReplicas(const std::vector<int> &old, int maxCleanup)
{
    int total = 0;
    for (int i : old) {
        if (total >= maxCleanup)
            break;
        const int size = specReplicas(m_rs[i]);
        const int available = availableReplicas(m_rs[i]);
        if (size == 0 || size == available)
            continue;
        const int down = std::min(maxCleanup - total, size - available);
        scaleReplicaSet(i, size - down);
        total += down;
    }
    return total;
}

int Planner::scaleDownOldReplicaSetsForRollingUpdate(const std::vector<int> &old)
{
    const int minAvailable = desired() - m_fence.maxUnavailable;
    const int available = sumOf(all(m_rs), availableReplicas);
    if (available <= minAvailable)
        return 0;
    const int budget = available - minAvailable;
    int total = 0;
    for (int i : old) {
        if (total >= budget)
            break;
        const int size = specReplicas(m_rs[i]);
        if (size == 0)
            continue;
        const int down = std::min(size, budget - total);
        scaleReplicaSet(i, size - down);
        total += down;
    }
    return total;
}

void Planner::rolloutRolling()
{
    getNewReplicaSet(true);
    if (m_new < 0) { // a hash collision: only the count changes this time
        writeStatus(m_d["status"]);
        return;
    }
    if (reconcileNewReplicaSet() || reconcileOldReplicaSets()) {
        syncRolloutStatus();
        return;
    }
    if (deploymentComplete(m_in.deployment.value("status", Json::object())))
        cleanupDeployment();
    syncRolloutStatus();
}

bool Planner::oldPodsRunning() const
{
    if (sumOf(oldIndices(), statusReplicas) > 0)
        return true;
    const std::string newUid = m_new >= 0 ? uidOf(m_rs[m_new]) : std::string();
    for (const Json &pod : m_in.pods) {
        if (!newUid.empty() && isControlledBy(pod, newUid))
            continue;
        if (!isPodTerminal(pod))
            return true;
    }
    return false;
}

// Recreate: every old pod goes, and only once none is left does the new ReplicaSet start.
void Planner::rolloutRecreate()
{
    getNewReplicaSet(false);
    bool scaledDown = false;
    for (int i : activeOf(oldIndices()))
        scaledDown = scaleReplicaSet(i, 0) || scaledDown;
    if (scaledDown || oldPodsRunning()) {
        syncRolloutStatus();
        return;
    }
    if (m_new < 0) {
        getNewReplicaSet(true);
        if (m_new < 0) {
            writeStatus(m_d["status"]);
            return;
        }
    }
    scaleReplicaSet(m_new, desired());
    if (deploymentComplete(m_in.deployment.value("status", Json::object())))
        cleanupDeployment();
    syncRolloutStatus();
}

// revisionHistoryLimit: the oldest revisions whose ReplicaSets are scaled to zero go.
void Planner::cleanupDeployment()
{
    const Json &limitJson = at(m_d, {"spec", "revisionHistoryLimit"});
    if (!limitJson.is_number_integer())
        return;
    std::vector<int> cleanable;
    for (int i : oldIndices())
        if (!isBeingDeleted(m_rs[i]) && !m_created[i])
            cleanable.push_back(i);
    const int diff = int(cleanable.size()) - int(limitJson.get<std::int64_t>());
    if (diff <= 0)
        return;
    std::stable_sort(cleanable.begin(), cleanable.end(),
                     [&](int a, int b) { return revisionOf(m_rs[a]) < revisionOf(m_rs[b]); });
    for (int k = 0; k < diff; ++k) {
        const Json &rs = m_rs[cleanable[k]];
        if (statusReplicas(rs) != 0 || specReplicas(rs) != 0 ||
            generationOf(rs) > intAt(rs, {"status", "observedGeneration"}))
            continue;
        m_deleted[cleanable[k]] = true;
    }
}

void Planner::describeBefore()
{
    m_decision.controller = kComponent;
    m_decision.object = refOf(deployments(), m_d);
    Json sets = Json::array();
    for (const Json &rs : m_rsBefore)
        sets.push_back({{"name", nameOf(rs)},
                        {"revision", revisionOf(rs)},
                        {"replicas", specReplicas(rs)},
                        {"ready", readyReplicas(rs)},
                        {"available", availableReplicas(rs)}});
    // What the ReplicaSets' own status says now; "up to date" are the pods of the one whose
    // template is the Deployment's (the Deployment's status may still tell the past).
    int replicas = 0, updated = 0, ready = 0, available = 0;
    for (const Json &rs : m_rsBefore) {
        replicas += statusReplicas(rs);
        ready += readyReplicas(rs);
        available += availableReplicas(rs);
        if (equalIgnoreHash(at(rs, {"spec", "template"}), at(m_d, {"spec", "template"})))
            updated += statusReplicas(rs);
    }
    m_decision.actual = {{"replicas", replicas},
                         {"updatedReplicas", updated},
                         {"readyReplicas", ready},
                         {"availableReplicas", available},
                         {"replicaSets", sets}};
}

void Planner::emitActions()
{
    const ResourceInfo &rsResource = replicaSets();
    const std::string revision = annotationOf(m_d, kRevisionAnnotation);
    // The new ReplicaSet first (as the real controller creates it before scaling others),
    // then changes to existing ones, oldest first.
    std::vector<int> order;
    for (int i = 0; i < int(m_rs.size()); ++i)
        if (m_created[i])
            order.push_back(i);
    for (int i = 0; i < int(m_rs.size()); ++i)
        if (!m_created[i])
            order.push_back(i);
    for (int i : order) {
        const Json &rs = m_rs[i];
        const std::string name = nameOf(rs);
        const int to = specReplicas(rs);
        if (m_created[i]) {
            Action create = Action::create(rsResource, rs,
                                           "create ReplicaSet " + name + " (replicas " +
                                               std::to_string(to) + ")");
            std::optional<EventNote> scaled;
            if (to > 0)
                scaled =
                    EventNote{"Normal", "ScalingReplicaSet",
                              "Scaled up replica set " + name + " from 0 to " + std::to_string(to)};
            create.withEvents(
                deployments(), m_in.deployment, scaled,
                EventNote{"Warning", "FailedCreate",
                          "Failed to create new replica set \"" + name + "\": {error}"});
            m_decision.actions.push_back(std::move(create));
            continue;
        }
        if (m_deleted[i]) {
            m_decision.actions.push_back(Action::remove(
                rsResource, namespaceOf(rs), name, Json(),
                "delete ReplicaSet " + name + " (revision " + std::to_string(revisionOf(rs)) +
                    ", beyond revisionHistoryLimit " +
                    std::to_string(intAt(m_d, {"spec", "revisionHistoryLimit"})) + ")"));
            continue;
        }
        const Json &before = m_rsBefore[i];
        if (rs == before)
            continue;
        const int from = specReplicas(before);
        std::string text;
        std::optional<EventNote> event;
        if (from != to) {
            const std::string direction = from < to ? "up" : "down";
            text = "scale " + direction + " ReplicaSet " + name + " from " + std::to_string(from) +
                   " to " + std::to_string(to);
            event = EventNote{"Normal", "ScalingReplicaSet",
                              "Scaled " + direction + " replica set " + name + " from " +
                                  std::to_string(from) + " to " + std::to_string(to)};
        }
        if (revisionOf(rs) != revisionOf(before))
            text += std::string(text.empty() ? "" : ", ") + "set ReplicaSet " + name +
                    " revision " + std::to_string(revisionOf(before)) + " -> " +
                    std::to_string(revisionOf(rs));
        if (text.empty()) {
            std::string keys;
            const Json &now = at(rs, {"metadata", "annotations"});
            const Json &was = at(before, {"metadata", "annotations"});
            if (now.is_object())
                for (const auto &[key, value] : now.items())
                    if (!was.is_object() || !was.contains(key) || was[key] != value)
                        keys += (keys.empty() ? "" : ", ") + key;
            text =
                "copy annotations to ReplicaSet " + name + (keys.empty() ? "" : " (" + keys + ")");
        }
        Action update = Action::update(rsResource, rs, text);
        update.withEvents(deployments(), m_in.deployment, event);
        m_decision.actions.push_back(std::move(update));
    }
    if (m_statusChanged) {
        const Json &status = m_d["status"];
        Json object = m_in.deployment;
        object["status"] = status;
        std::string conditions;
        for (const Json &condition : status.value("conditions", Json::array()))
            conditions += (conditions.empty() ? "" : ", ") + stringAt(condition, {"type"}) + "=" +
                          stringAt(condition, {"status"}) + " " + stringAt(condition, {"reason"});
        m_decision.actions.push_back(
            Action::update(deployments(), object,
                           "update status (" + std::to_string(intAt(status, {"replicas"})) +
                               " replicas, " + std::to_string(intAt(status, {"updatedReplicas"})) +
                               " updated, " + std::to_string(intAt(status, {"availableReplicas"})) +
                               " available; " + conditions + ")",
                           "status"));
    }
    // Our status subresource keeps metadata as it was, so the revision goes in its own patch.
    if (!revision.empty() && revision != annotationOf(m_in.deployment, kRevisionAnnotation))
        m_decision.actions.push_back(
            Action::patch(deployments(), namespaceOf(m_d), nameOf(m_d),
                          {{"metadata", {{"annotations", {{kRevisionAnnotation, revision}}}}}},
                          "set annotation " + std::string(kRevisionAnnotation) + "=" + revision));
}

Decision Planner::run()
{
    describeBefore();
    if (isBeingDeleted(m_d)) {
        getNewReplicaSet(false);
        syncDeploymentStatus();
    } else {
        checkPausedConditions();
        if (at(m_d, {"spec", "paused"}) == true || isScalingEvent())
            sync();
        else if (isRollingUpdate(m_d))
            rolloutRolling();
        else
            rolloutRecreate();
    }
    emitActions();

    const Json &collisions = at(m_d, {"status", "collisionCount"});
    const std::string hash =
        m_new >= 0 && !hashLabelOf(m_rs[m_new]).empty()
            ? hashLabelOf(m_rs[m_new])
            : podTemplateHash(at(m_d, {"spec", "template"}),
                              collisions.is_number_integer()
                                  ? std::optional(collisions.get<std::int64_t>())
                                  : std::nullopt);
    m_decision.desired = {{"replicas", desired()},
                          {"podTemplateHash", hash},
                          {"strategy", isRollingUpdate(m_d) ? "RollingUpdate" : "Recreate"},
                          {"maxSurge", m_fence.maxSurge},
                          {"maxUnavailable", m_fence.maxUnavailable}};
    if (m_new >= 0)
        m_decision.desired["replicaSet"] = nameOf(m_rs[m_new]);
    m_decision.desiredText = std::to_string(desired()) + " replicas of template " + hash;
    const Json &actual = m_decision.actual;
    const int replicas = actual["replicas"].get<int>();
    m_decision.actualText =
        replicas == 0 && actual["replicaSets"].empty()
            ? "0"
            : std::to_string(replicas) + " (" +
                  std::to_string(actual["updatedReplicas"].get<int>()) + " up to date, " +
                  std::to_string(actual["availableReplicas"].get<int>()) + " available)";
    return std::move(m_decision);
}

} // namespace detail

using detail::isRollingUpdate;
using detail::specReplicas;
using detail::toInt;

std::optional<int> scaledValue(const Json &intOrPercent, int total, bool roundUp)
{
    if (intOrPercent.is_number_integer())
        return int(intOrPercent.get<std::int64_t>());
    if (!intOrPercent.is_string())
        return std::nullopt;
    std::string text = intOrPercent.get<std::string>();
    if (text.empty() || text.back() != '%')
        return std::nullopt;
    text.pop_back();
    const int percent = toInt(text, -1);
    if (percent < 0)
        return std::nullopt;
    const double value = double(percent) * total / 100.0;
    return int(roundUp ? std::ceil(value) : std::floor(value));
}

Fenceposts fenceposts(const Json &deployment)
{
    const int replicas = specReplicas(deployment);
    if (!isRollingUpdate(deployment) || replicas == 0)
        return {};
    const Json &rolling = at(deployment, {"spec", "strategy", "rollingUpdate"});
    Fenceposts fence;
    fence.maxSurge = scaledValue(at(rolling, {"maxSurge"}), replicas, true).value_or(0);
    fence.maxUnavailable =
        scaledValue(at(rolling, {"maxUnavailable"}), replicas, false).value_or(0);
    if (fence.maxSurge == 0 && fence.maxUnavailable == 0)
        fence.maxUnavailable = 1; // validation forbids 0/0, but 10% of 5 rounds down to 0
    fence.maxUnavailable = std::min(fence.maxUnavailable, replicas);
    return fence;
}

Decision reconcile(const Inputs &inputs)
{
    return detail::Planner(inputs).run();
}

} // namespace flowlab::kube::deployment
