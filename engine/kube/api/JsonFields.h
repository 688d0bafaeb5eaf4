#pragma once

// Reading Kubernetes objects that nobody has type-checked yet: a field of the wrong type reads
// as absent instead of throwing, the way Go's decoder would have rejected it long before the
// printers and validators run. Internal to flowlab_kube_api.

#include "engine/kube/api/Resources.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace flowlab::kube::fields {

inline const Json &nullJson()
{
    static const Json null;
    return null;
}

// object[key], or null when `object` is not an object or has no such key.
inline const Json &get(const Json &object, std::string_view key)
{
    if (!object.is_object())
        return nullJson();
    const auto it = object.find(key);
    return it == object.end() ? nullJson() : *it;
}

// object.a.b.c, or null as soon as one step is missing.
inline const Json &get(const Json &object, std::initializer_list<std::string_view> keys)
{
    const Json *at = &object;
    for (std::string_view key : keys)
        at = &get(*at, key);
    return *at;
}

inline std::string string(const Json &value)
{
    return value.is_string() ? value.get<std::string>() : std::string();
}

inline std::int64_t integer(const Json &value, std::int64_t fallback = 0)
{
    return value.is_number_integer() ? value.get<std::int64_t>() : fallback;
}

inline bool boolean(const Json &value, bool fallback = false)
{
    return value.is_boolean() ? value.get<bool>() : fallback;
}

// The elements of an array, or nothing: `for (const Json &c : items(spec["containers"]))`.
inline const Json &items(const Json &value)
{
    static const Json empty = Json::array();
    return value.is_array() ? value : empty;
}

// Go's len() of a map or slice field.
inline std::size_t size(const Json &value)
{
    return value.is_object() || value.is_array() ? value.size() : 0;
}

} // namespace flowlab::kube::fields
