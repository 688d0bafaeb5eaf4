#pragma once

// Namespace lifecycle decisions, as pure functions:
//   - namespaces (kubernetes pkg/controller/namespace): a namespace being deleted (it has a
//     deletionTimestamp and is Terminating) loses everything in it, resource by resource;
//     once nothing is left, the controller calls PUT .../namespaces/NAME/finalize without
//     the "kubernetes" finalizer, and the apiserver then deletes the namespace itself.
//   - serviceaccounts (pkg/controller/serviceaccount): every active namespace has a
//     ServiceAccount named "default", which pods run as when they name none.

#include "engine/kube/controllers/Decision.h"

#include <vector>

namespace flowlab::kube {

namespace namespaces {

inline constexpr const char *kComponent = "namespace-controller";
inline constexpr const char *kFinalizer = "kubernetes";

// What is left of one resource in the namespace.
struct Remaining
{
    const ResourceInfo *resource = nullptr;
    std::vector<std::string> names;
};

// Whether namespaces of this kind hold objects of `resource` that the controller deletes:
// stored, namespaced, and deletable.
bool holdsContent(const ResourceInfo &resource);

Decision reconcile(const Json &ns, const std::vector<Remaining> &content);

} // namespace namespaces

namespace serviceaccounts {

inline constexpr const char *kComponent = "serviceaccount-controller";
inline constexpr const char *kDefaultName = "default";

// `defaultAccount` is the namespace's "default" ServiceAccount, or null.
Decision reconcile(const Json &ns, const Json &defaultAccount);

} // namespace serviceaccounts

} // namespace flowlab::kube
