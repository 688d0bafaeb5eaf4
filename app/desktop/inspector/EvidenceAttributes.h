#pragma once

// Safe reads of an event's attributes for the inspector. A recorded bundle may come from an
// older or newer tracer, so a missing key or an unexpected type yields "nothing" instead of
// the exception nlohmann::json::value() would throw.

#include "tracer/model/Event.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowlab::evidence {

inline const nlohmann::json *member(const nlohmann::json &object, std::string_view key)
{
    if (!object.is_object())
        return nullptr;
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

inline const nlohmann::json *attr(const Event &event, std::string_view key)
{
    return member(event.attributes, key);
}

// A scalar as text: strings as they are, numbers and booleans as JSON writes them; "" for
// anything else or nothing.
inline std::string scalarText(const nlohmann::json *value)
{
    if (!value || value->is_null() || value->is_structured())
        return {};
    if (value->is_string())
        return value->get<std::string>();
    return value->dump();
}

inline std::string memberText(const nlohmann::json &object, std::string_view key)
{
    return scalarText(member(object, key));
}

inline std::string attrText(const Event &event, std::string_view key)
{
    return scalarText(attr(event, key));
}

// A number, or a string holding one ("8080").
inline std::optional<std::int64_t> integerOf(const nlohmann::json *value)
{
    if (!value)
        return std::nullopt;
    if (value->is_number_integer())
        return value->get<std::int64_t>();
    if (value->is_number_float())
        return static_cast<std::int64_t>(value->get<double>());
    if (value->is_string()) {
        const std::string &text = value->get_ref<const std::string &>();
        if (text.empty())
            return std::nullopt;
        std::size_t used = 0;
        try {
            const long long parsed = std::stoll(text, &used);
            if (used == text.size())
                return parsed;
        } catch (const std::exception &) {
        }
    }
    return std::nullopt;
}

inline std::optional<std::int64_t> attrInteger(const Event &event, std::string_view key)
{
    return integerOf(attr(event, key));
}

inline std::optional<double> attrNumber(const Event &event, std::string_view key)
{
    const nlohmann::json *value = attr(event, key);
    if (value && value->is_number())
        return value->get<double>();
    return std::nullopt;
}

inline bool attrIsTrue(const Event &event, std::string_view key)
{
    const nlohmann::json *value = attr(event, key);
    return value && value->is_boolean() && value->get<bool>();
}

// Pretty JSON that never throws: invalid UTF-8 in captured bytes is replaced, not fatal.
inline std::string prettyJson(const nlohmann::json &value, int indent = 2)
{
    return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace flowlab::evidence
