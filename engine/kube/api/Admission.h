#pragma once

// What a real apiserver does to an object between decoding it and storing it, for the
// built-in kinds: defaulting (the values kubectl get -o yaml shows that nobody wrote:
// imagePullPolicy, restartPolicy, a Deployment's strategy, a Service's sessionAffinity) and
// validation (required fields, DNS names, immutable fields). The apiserver's admission chain
// calls these and records each as a stage of the request.

#include "engine/kube/api/ApiStatus.h"
#include "engine/kube/api/Resources.h"

namespace flowlab::kube {

// Fills in defaults the way the real defaulting functions do, for create and update. Returns
// a line per field it set, for the audit evidence ("spec.template.spec.containers[0]
// .imagePullPolicy=Always"). Also what the registry strategies fill in that a learner sees in
// `-o yaml`: a Pod's priority and preemptionPolicy, a Namespace's "kubernetes" finalizer
// (when spec.finalizers is absent, which only a create leaves it), a Job's generated selector
// and labels (which need metadata.uid to be assigned already), a Secret's stringData folded
// into data. Not the ServiceAccount and DefaultTolerationSeconds plugins, nor IP allocation.
std::vector<std::string> applyDefaults(const ResourceInfo &resource, Json &object);

// Validates an object about to be stored, after applyDefaults(). `old` is the stored object
// on update (immutable fields, e.g. a Deployment's spec.selector or a Service's clusterIPs),
// null on create. Everything but metadata.name, which validateName() checks on create and
// which cannot change on update. Empty when valid.
FieldErrors validateObject(const ResourceInfo &resource, const Json &object, const Json &old);

// Name rules shared with the apiserver, with the real messages: RFC 1123 subdomains (most
// objects), RFC 1123 labels (namespaces, statefulsets), RFC 1035 labels (services), path
// segments (RBAC).
FieldErrors validateName(const ResourceInfo &resource, const std::string &name);

} // namespace flowlab::kube
