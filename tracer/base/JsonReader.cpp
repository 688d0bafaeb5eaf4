#include "tracer/base/JsonReader.h"

#include <algorithm>

namespace flowlab {

using nlohmann::json;

std::string childPointer(const std::string &pointer, std::string_view key)
{
    std::string out = pointer + "/";
    for (const char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

std::string childPointer(const std::string &pointer, std::size_t index)
{
    return pointer + "/" + std::to_string(index);
}

Result<json> parseJsonDocument(std::string_view text, const std::string &file)
{
    try {
        return json::parse(text);
    } catch (const json::parse_error &e) {
        // what() starts with "[json.exception.parse_error.101] "; the id helps nobody here.
        std::string what = e.what();
        if (const auto end = what.find("] ");
            what.starts_with("[json.") && end != std::string::npos)
            what.erase(0, end + 2);
        return Error(file + ": byte " + std::to_string(e.byte) + ": " + what);
    }
}

Error JsonReader::error(const std::string &pointer, const std::string &problem) const
{
    return Error(m_file + ": " + (pointer.empty() ? std::string("(document)") : pointer) + ": " +
                 problem);
}

Status JsonReader::checkKeys(const json &object, const std::string &pointer,
                             std::initializer_list<std::string_view> allowed) const
{
    for (const auto &[key, value] : object.items()) {
        if (std::find(allowed.begin(), allowed.end(), key) != allowed.end())
            continue;
        std::string list;
        for (const std::string_view word : allowed)
            list += (list.empty() ? "" : ", ") + std::string(word);
        return error(childPointer(pointer, key), "unknown key (allowed here: " + list + ")");
    }
    return success();
}

Status JsonReader::expectType(const json &value, const std::string &pointer, json::value_t type,
                              const char *what) const
{
    if (value.type() == type)
        return success();
    return error(pointer, std::string("expected ") + what + ", got " + value.type_name());
}

Result<const json *> JsonReader::member(const json &object, const std::string &pointer,
                                        std::string_view key, bool required) const
{
    const auto it = object.find(key);
    if (it != object.end())
        return &*it;
    if (required)
        return error(childPointer(pointer, key), "missing required key");
    return static_cast<const json *>(nullptr);
}

Result<std::optional<std::string>> JsonReader::optionalString(const json &object,
                                                              const std::string &pointer,
                                                              std::string_view key) const
{
    auto value = member(object, pointer, key, false);
    if (!value)
        return value.error();
    if (*value == nullptr)
        return std::optional<std::string>();
    if (auto ok =
            expectType(**value, childPointer(pointer, key), json::value_t::string, "a string");
        !ok)
        return ok.error();
    return std::optional<std::string>((*value)->get<std::string>());
}

Result<std::string> JsonReader::requiredString(const json &object, const std::string &pointer,
                                               std::string_view key) const
{
    auto value = member(object, pointer, key, true);
    if (!value)
        return value.error();
    if (auto ok =
            expectType(**value, childPointer(pointer, key), json::value_t::string, "a string");
        !ok)
        return ok.error();
    std::string text = (*value)->get<std::string>();
    if (text.empty())
        return error(childPointer(pointer, key), "must not be empty");
    return text;
}

Result<std::vector<std::string>> JsonReader::stringArray(const json &value,
                                                         const std::string &pointer) const
{
    if (auto ok = expectType(value, pointer, json::value_t::array, "an array of strings"); !ok)
        return ok.error();
    std::vector<std::string> out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (auto ok =
                expectType(value[i], childPointer(pointer, i), json::value_t::string, "a string");
            !ok)
            return ok.error();
        out.push_back(value[i].get<std::string>());
    }
    return out;
}

} // namespace flowlab
