#include "engine/kube/controllers/ObjectMeta.h"

#include <cstdio>
#include <cstdlib>

namespace flowlab::kube {

namespace {

const Json &nullJson()
{
    static const Json null;
    return null;
}

} // namespace

const ResourceInfo &builtinResource(std::string_view group, std::string_view plural)
{
    const ResourceInfo *found = ResourceRegistry::builtin().find(group, "v1", plural);
    if (!found) {
        std::fprintf(stderr, "no built-in resource %.*s\n", int(plural.size()), plural.data());
        std::abort();
    }
    return *found;
}

const Json &at(const Json &object, std::initializer_list<std::string_view> path)
{
    const Json *here = &object;
    for (std::string_view key : path) {
        if (!here->is_object())
            return nullJson();
        const auto found = here->find(key);
        if (found == here->end())
            return nullJson();
        here = &*found;
    }
    return *here;
}

std::string stringAt(const Json &object, std::initializer_list<std::string_view> path)
{
    const Json &value = at(object, path);
    return value.is_string() ? value.get<std::string>() : std::string();
}

std::int64_t intAt(const Json &object, std::initializer_list<std::string_view> path,
                   std::int64_t fallback)
{
    const Json &value = at(object, path);
    return value.is_number_integer() ? value.get<std::int64_t>() : fallback;
}

std::string nameOf(const Json &object)
{
    return stringAt(object, {"metadata", "name"});
}

std::string namespaceOf(const Json &object)
{
    return stringAt(object, {"metadata", "namespace"});
}

std::string uidOf(const Json &object)
{
    return stringAt(object, {"metadata", "uid"});
}

std::int64_t generationOf(const Json &object)
{
    return intAt(object, {"metadata", "generation"});
}

TimePoint creationTimeOf(const Json &object)
{
    return parseRfc3339(stringAt(object, {"metadata", "creationTimestamp"})).value_or(TimePoint{});
}

std::string annotationOf(const Json &object, std::string_view key)
{
    const Json &value = at(object, {"metadata", "annotations", key});
    return value.is_string() ? value.get<std::string>() : std::string();
}

bool hasFinalizer(const Json &object, std::string_view finalizer)
{
    const Json &finalizers = at(object, {"metadata", "finalizers"});
    if (!finalizers.is_array())
        return false;
    for (const Json &item : finalizers)
        if (item.is_string() && item.get<std::string>() == finalizer)
            return true;
    return false;
}

bool isBeingDeleted(const Json &object)
{
    return !at(object, {"metadata", "deletionTimestamp"}).is_null();
}

const Json *controllerRefOf(const Json &object)
{
    const Json &refs = at(object, {"metadata", "ownerReferences"});
    if (!refs.is_array())
        return nullptr;
    for (const Json &ref : refs)
        if (at(ref, {"controller"}) == true)
            return &ref;
    return nullptr;
}

bool isControlledBy(const Json &object, const std::string &ownerUid)
{
    const Json *ref = controllerRefOf(object);
    return ref && !ownerUid.empty() && stringAt(*ref, {"uid"}) == ownerUid;
}

Json controllerRefTo(const ResourceInfo &resource, const Json &owner)
{
    return {{"apiVersion", resource.apiVersion()},
            {"kind", resource.kind},
            {"name", nameOf(owner)},
            {"uid", uidOf(owner)},
            {"controller", true},
            {"blockOwnerDeletion", true}};
}

ObjectRef refOf(const ResourceInfo &resource, const Json &object)
{
    return {resource.kind, namespaceOf(object), nameOf(object)};
}

} // namespace flowlab::kube
