#pragma once

// The three patch types kubectl sends (PATCH with Content-Type):
//   application/merge-patch+json            RFC 7386: label, annotate, scale's subresource
//   application/json-patch+json             RFC 6902: `rollout undo`, `patch --type=json`
//   application/strategic-merge-patch+json  Kubernetes' own: apply, set image, edit
// Each takes the current object and returns the patched one; the apiserver then validates it.

#include "tracer/base/Result.h"

#include <nlohmann/json.hpp>
#include <string>

namespace flowlab::kube {

using Json = nlohmann::json;

// RFC 7386: objects merge recursively, null deletes, anything else replaces. Never fails.
Json applyMergePatch(Json target, const Json &patch);

// RFC 6902: add, remove, replace, move, copy, test, in order; all or nothing (the operations
// work on `target`, the caller's copy, so a failure leaves nothing half-applied). Errors name
// the operation's index and path, e.g. "operation 1 (replace /spec/replicas): path not found".
Result<Json> applyJsonPatch(Json target, const Json &operations);

// Strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch), for the built-in kinds.
// Like a merge patch, except that lists with a patch merge key merge item by item:
// containers and volumes by name, volumeMounts by mountPath, a container's ports by
// containerPort, a Service's ports by port, env by name, conditions by type, ownerReferences
// by uid; finalizers merge as a set. Lists without one are replaced (tolerations, taints,
// args). Directives, as the apiserver takes them:
//   {"$patch": "replace"|"delete"} in a map or a list item ("merge" is refused there too),
//   {"$patch": "replace"} as a list item (the other items become the list), "$retainKeys",
//   "$setElementOrder/<list>", "$deleteFromPrimitiveList/<list>". Other "$" keys are errors.
// Merged items keep the object's order, items new to it come first unless $setElementOrder
// places them. `kind` is the object's kind ("Deployment"), which says where the pod template
// sits; other kinds merge maps and replace lists. Errors are worded as the apiserver's, e.g.
//   "map: map[image:nginx] does not contain declared merge key: name".
Result<Json> applyStrategicMergePatch(Json target, const Json &patch, const std::string &kind);

} // namespace flowlab::kube
