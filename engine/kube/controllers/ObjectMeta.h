#pragma once

// What controllers read from any object's metadata: its identity, its owners, its deletion
// state. Objects are the JSON the apiserver sent; nothing here throws on a missing field or
// one of the wrong type: it reads as absent, as a Go client's zero value would.

#include "engine/kube/api/Resources.h"
#include "engine/kube/controllers/Time.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace flowlab::kube {

// A built-in resource by group and plural ("apps", "deployments"); the registry has them all,
// so asking for one it lacks is a programming error (it aborts).
const ResourceInfo &builtinResource(std::string_view group, std::string_view plural);

// object.a.b.c, or null as soon as one step is missing.
const Json &at(const Json &object, std::initializer_list<std::string_view> path);
std::string stringAt(const Json &object, std::initializer_list<std::string_view> path);
std::int64_t intAt(const Json &object, std::initializer_list<std::string_view> path,
                   std::int64_t fallback = 0);

std::string nameOf(const Json &object);
std::string namespaceOf(const Json &object);
std::string uidOf(const Json &object);
std::int64_t generationOf(const Json &object);
// metadata.creationTimestamp; the epoch when absent.
TimePoint creationTimeOf(const Json &object);
std::string annotationOf(const Json &object, std::string_view key);
bool hasFinalizer(const Json &object, std::string_view finalizer);
bool isBeingDeleted(const Json &object); // metadata.deletionTimestamp is set

// The ownerReference with controller: true, if any: the one owner that manages the object.
const Json *controllerRefOf(const Json &object);
bool isControlledBy(const Json &object, const std::string &ownerUid);
// The ownerReference a controller puts on what it creates (metav1.NewControllerRef):
// {apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true}. The kind comes
// from `resource`: items of a list need not carry their own.
Json controllerRefTo(const ResourceInfo &resource, const Json &owner);

// How evidence and events name an object.
struct ObjectRef
{
    std::string kind; // "Deployment"
    std::string ns;   // empty for cluster-scoped objects
    std::string name;

    Json toJson() const { return {{"kind", kind}, {"namespace", ns}, {"name", name}}; }
};

ObjectRef refOf(const ResourceInfo &resource, const Json &object);

} // namespace flowlab::kube
