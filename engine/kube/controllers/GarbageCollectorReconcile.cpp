#include "engine/kube/controllers/GarbageCollectorReconcile.h"

namespace flowlab::kube::gc {

namespace {

const char *stateName(OwnerState state)
{
    switch (state) {
    case OwnerState::Present:
        return "present";
    case OwnerState::Absent:
        return "absent";
    case OwnerState::WaitingForDependents:
        return "deleting its dependents first";
    }
    return "?";
}

std::string ownerName(const Json &ref)
{
    return stringAt(ref, {"kind"}) + " " + stringAt(ref, {"name"});
}

// Deleting with the uid as a precondition: if the object was replaced by a new one of the
// same name meanwhile, the new one is left alone.
Json deleteOptions(const std::string &policy, const std::string &uid)
{
    return {{"kind", "DeleteOptions"},
            {"apiVersion", "v1"},
            {"propagationPolicy", policy},
            {"preconditions", {{"uid", uid}}}};
}

// A strategic merge patch that removes the ownerReferences with these uids (merged by uid),
// as the real collector sends; the object's own uid guards against a replacement.
Json removeOwnerReferences(const Json &object, const std::vector<std::string> &ownerUids)
{
    Json refs = Json::array();
    for (const auto &uid : ownerUids)
        refs.push_back({{"$patch", "delete"}, {"uid", uid}});
    return {{"metadata", {{"ownerReferences", refs}, {"uid", uidOf(object)}}}};
}

// A merge patch with the finalizers that remain, and the resourceVersion they were read at.
Json withoutFinalizer(const Json &object, const std::string &finalizer)
{
    Json kept = Json::array();
    for (const Json &item : at(object, {"metadata", "finalizers"}))
        if (item != finalizer)
            kept.push_back(item);
    return {{"metadata",
             {{"finalizers", kept},
              {"resourceVersion", stringAt(object, {"metadata", "resourceVersion"})}}}};
}

const Json *referenceTo(const Json &dependent, const std::string &ownerUid)
{
    const Json &refs = at(dependent, {"metadata", "ownerReferences"});
    if (refs.is_array())
        for (const Json &ref : refs)
            if (stringAt(ref, {"uid"}) == ownerUid)
                return &ref;
    return nullptr;
}

std::string kindName(const ResourceInfo &resource, const Json &object)
{
    return resource.kind + " " + nameOf(object);
}

} // namespace

Decision decideDependent(const ResourceInfo &resource, const Json &dependent,
                         const std::vector<Owner> &owners, bool hasDependents)
{
    Decision decision;
    decision.controller = kComponent;
    decision.object = refOf(resource, dependent);
    std::vector<const Owner *> solid, dangling, waiting;
    Json ownersJson = Json::array();
    for (const Owner &owner : owners) {
        ownersJson.push_back({{"kind", stringAt(owner.ref, {"kind"})},
                              {"name", stringAt(owner.ref, {"name"})},
                              {"uid", stringAt(owner.ref, {"uid"})},
                              {"state", stateName(owner.state)}});
        (owner.state == OwnerState::Present  ? solid
         : owner.state == OwnerState::Absent ? dangling
                                             : waiting)
            .push_back(&owner);
    }
    decision.actual = {{"owners", ownersJson}};
    std::string actualText;
    for (const Owner &owner : owners)
        actualText +=
            (actualText.empty() ? "" : ", ") + ownerName(owner.ref) + " " + stateName(owner.state);
    decision.actualText = actualText.empty() ? "no owners" : actualText;

    if (isBeingDeleted(dependent) || (dangling.empty() && waiting.empty())) {
        decision.desired = {{"exists", true}};
        decision.desiredText = "kept";
        decision.note = isBeingDeleted(dependent) ? "already being deleted" : "its owners exist";
        return decision;
    }
    if (!solid.empty()) {
        // Another owner remains: only the references to the gone (or going) ones are dropped.
        std::vector<std::string> uids;
        std::string names;
        for (const auto *list : {&dangling, &waiting})
            for (const Owner *owner : *list) {
                uids.push_back(stringAt(owner->ref, {"uid"}));
                names += (names.empty() ? "" : ", ") + ownerName(owner->ref);
            }
        decision.desired = {{"exists", true}, {"removeOwnerReferences", uids}};
        decision.desiredText = "kept for its remaining owners";
        decision.actions.push_back(Action::patch(
            resource, namespaceOf(dependent), nameOf(dependent),
            removeOwnerReferences(dependent, uids), "remove ownerReferences to " + names,
            "application/strategic-merge-patch+json"));
        return decision;
    }
    // Every owner is gone or going: the dependent goes too. Under an owner that waits for its
    // dependents, one that has dependents of its own is deleted in the foreground as well, so
    // that the wait covers the whole tree.
    std::string policy = "Background";
    if (!waiting.empty() && hasDependents)
        policy = "Foreground";
    else if (hasFinalizer(dependent, "orphan"))
        policy = "Orphan";
    else if (hasFinalizer(dependent, "foregroundDeletion"))
        policy = "Foreground";
    decision.desired = {{"exists", false}, {"propagationPolicy", policy}};
    decision.desiredText = "deleted (its owners are gone)";
    decision.actions.push_back(Action::remove(resource, namespaceOf(dependent), nameOf(dependent),
                                              deleteOptions(policy, uidOf(dependent)),
                                              "delete " + kindName(resource, dependent) +
                                                  " (propagationPolicy " + policy + ")"));
    return decision;
}

Decision decideOwner(const ResourceInfo &resource, const Json &owner,
                     const std::vector<Dependent> &dependents, TimePoint)
{
    Decision decision;
    decision.controller = kComponent;
    decision.object = refOf(resource, owner);
    const std::string uid = uidOf(owner);
    Json names = Json::array();
    for (const Dependent &dependent : dependents)
        names.push_back(kindName(*dependent.resource, dependent.object));
    decision.actual = {{"dependents", names},
                       {"finalizers", at(owner, {"metadata", "finalizers"})}};
    decision.actualText =
        std::to_string(dependents.size()) + (dependents.size() == 1 ? " dependent" : " dependents");

    if (hasFinalizer(owner, "foregroundDeletion")) {
        // Only dependents that block their owner's deletion are waited for.
        int blocking = 0;
        for (const Dependent &dependent : dependents) {
            const Json *ref = referenceTo(dependent.object, uid);
            if (!ref || at(*ref, {"blockOwnerDeletion"}) != true)
                continue;
            ++blocking;
            if (isBeingDeleted(dependent.object))
                continue;
            const std::string policy = dependent.hasDependents ? "Foreground" : "Background";
            decision.actions.push_back(Action::remove(
                *dependent.resource, namespaceOf(dependent.object), nameOf(dependent.object),
                deleteOptions(policy, uidOf(dependent.object)),
                "delete " + kindName(*dependent.resource, dependent.object) +
                    " (propagationPolicy " + policy + ")"));
        }
        decision.desired = {{"blockingDependents", 0}, {"finalizer", "foregroundDeletion removed"}};
        decision.desiredText = "no blocking dependents, then no foregroundDeletion finalizer";
        if (blocking == 0)
            decision.actions.push_back(Action::patch(resource, namespaceOf(owner), nameOf(owner),
                                                     withoutFinalizer(owner, "foregroundDeletion"),
                                                     "remove finalizer foregroundDeletion"));
        else if (decision.actions.empty())
            decision.note = "waiting for " + std::to_string(blocking) + " dependents to go";
        return decision;
    }
    if (hasFinalizer(owner, "orphan")) {
        for (const Dependent &dependent : dependents)
            decision.actions.push_back(Action::patch(
                *dependent.resource, namespaceOf(dependent.object), nameOf(dependent.object),
                removeOwnerReferences(dependent.object, {uid}),
                "orphan " + kindName(*dependent.resource, dependent.object),
                "application/strategic-merge-patch+json"));
        decision.actions.push_back(Action::patch(resource, namespaceOf(owner), nameOf(owner),
                                                 withoutFinalizer(owner, "orphan"),
                                                 "remove finalizer orphan"));
        decision.desired = {{"dependentsOrphaned", true}, {"finalizer", "orphan removed"}};
        decision.desiredText = "dependents without a reference to it, then no orphan finalizer";
        return decision;
    }
    decision.desired = {{"finalizers", at(owner, {"metadata", "finalizers"})}};
    decision.desiredText = "nothing for the garbage collector";
    return decision;
}

Decision decideOrphanedPod(const Json &pod, bool nodeExists, TimePoint now)
{
    const ResourceInfo &pods = builtinResource("", "pods");
    const std::string node = stringAt(pod, {"spec", "nodeName"});
    Decision decision;
    decision.controller = kPodGcComponent;
    decision.object = refOf(pods, pod);
    decision.actual = {{"nodeName", node}, {"nodeExists", nodeExists}};
    decision.actualText = "bound to node " + node + (nodeExists ? "" : ", which does not exist");
    if (nodeExists || node.empty()) {
        decision.desired = {{"exists", true}};
        decision.desiredText = "kept";
        return decision;
    }
    decision.desired = {{"exists", false}, {"gracePeriodSeconds", 0}};
    decision.desiredText = "deleted at once (no kubelet will stop it)";
    const Json status = {
        {"status",
         {{"phase", "Failed"},
          {"conditions", Json::array({{{"type", "DisruptionTarget"},
                                       {"status", "True"},
                                       {"lastTransitionTime", toRfc3339(now)},
                                       {"reason", "DeletionByPodGC"},
                                       {"message", "PodGC: node no longer exists"}}})}}}};
    decision.actions.push_back(Action::patch(pods, namespaceOf(pod), nameOf(pod), status,
                                             "mark Failed (DisruptionTarget: DeletionByPodGC)",
                                             "application/strategic-merge-patch+json", "status"));
    decision.actions.push_back(
        Action::remove(pods, namespaceOf(pod), nameOf(pod),
                       {{"kind", "DeleteOptions"},
                        {"apiVersion", "v1"},
                        {"gracePeriodSeconds", 0},
                        {"preconditions", {{"uid", uidOf(pod)}}}},
                       "delete pod " + nameOf(pod) + " (gracePeriodSeconds 0)"));
    return decision;
}

} // namespace flowlab::kube::gc
