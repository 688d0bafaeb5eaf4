#include "engine/kube/controllers/NamespaceReconcile.h"

#include <algorithm>

namespace flowlab::kube {

namespace namespaces {

namespace {

Json specFinalizers(const Json &ns)
{
    const Json &finalizers = at(ns, {"spec", "finalizers"});
    return finalizers.is_array() ? finalizers : Json::array();
}

} // namespace

bool holdsContent(const ResourceInfo &resource)
{
    return resource.namespaced && resource.stored() && resource.hasVerb("list") &&
           resource.hasVerb("delete");
}

Decision reconcile(const Json &ns, const std::vector<Remaining> &content)
{
    const ResourceInfo &namespacesResource = builtinResource("", "namespaces");
    const std::string name = nameOf(ns);
    Decision decision;
    decision.controller = kComponent;
    decision.object = refOf(namespacesResource, ns);
    const Json finalizers = specFinalizers(ns);
    Json remaining = Json::object();
    std::size_t total = 0;
    std::string listed;
    for (const Remaining &left : content) {
        if (left.names.empty())
            continue;
        remaining[left.resource->qualifiedResource()] = left.names.size();
        total += left.names.size();
        listed += (listed.empty() ? "" : ", ") + std::to_string(left.names.size()) + " " +
                  left.resource->qualifiedResource();
    }
    decision.actual = {{"phase", stringAt(ns, {"status", "phase"})},
                       {"remaining", remaining},
                       {"finalizers", finalizers}};
    decision.actualText =
        (total == 0 ? std::string("empty") : listed) + ", finalizers " + finalizers.dump();

    if (!isBeingDeleted(ns)) {
        decision.desired = {{"phase", "Active"}};
        decision.desiredText = "active";
        return decision;
    }
    decision.desired = {{"remaining", Json::object()}, {"finalizers", Json::array()}};
    decision.desiredText = "empty, then finalized";
    if (std::find(finalizers.begin(), finalizers.end(), kFinalizer) == finalizers.end()) {
        decision.note = "no kubernetes finalizer left: waiting for the others";
        return decision;
    }
    for (const Remaining &left : content) {
        if (left.names.empty())
            continue;
        const ResourceInfo &resource = *left.resource;
        if (resource.hasVerb("deletecollection")) {
            // One DELETE of the collection, as the real controller does.
            decision.actions.push_back(Action::remove(resource, name, "", Json(),
                                                      "delete all " + resource.qualifiedResource() +
                                                          " (" + std::to_string(left.names.size()) +
                                                          ")"));
            continue;
        }
        for (const std::string &item : left.names)
            decision.actions.push_back(Action::remove(resource, name, item, Json(),
                                                      "delete " + resource.kind + " " + item));
    }
    if (total == 0) {
        Json finalized = ns;
        Json kept = Json::array();
        for (const Json &finalizer : finalizers)
            if (finalizer != kFinalizer)
                kept.push_back(finalizer);
        finalized["spec"]["finalizers"] = kept;
        decision.actions.push_back(Action::update(namespacesResource, finalized,
                                                  "finalize (remove the kubernetes finalizer)",
                                                  "finalize"));
    }
    return decision;
}

} // namespace namespaces

namespace serviceaccounts {

Decision reconcile(const Json &ns, const Json &defaultAccount)
{
    const ResourceInfo &accounts = builtinResource("", "serviceaccounts");
    Decision decision;
    decision.controller = kComponent;
    decision.object = {"ServiceAccount", nameOf(ns), kDefaultName};
    const bool active = !isBeingDeleted(ns) && stringAt(ns, {"status", "phase"}) != "Terminating";
    decision.actual = {{"exists", !defaultAccount.is_null()},
                       {"namespacePhase", stringAt(ns, {"status", "phase"})}};
    decision.actualText = defaultAccount.is_null() ? "missing" : "present";
    decision.desired = {{"exists", active || !defaultAccount.is_null()}};
    decision.desiredText = active ? "present" : "left alone (the namespace is terminating)";
    if (active && defaultAccount.is_null())
        decision.actions.push_back(
            Action::create(accounts,
                           {{"apiVersion", "v1"},
                            {"kind", "ServiceAccount"},
                            {"metadata", {{"name", kDefaultName}, {"namespace", nameOf(ns)}}}},
                           "create ServiceAccount default"));
    return decision;
}

} // namespace serviceaccounts

} // namespace flowlab::kube
