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

namespace {

// A SAX handler that accepts everything and keeps where parsing failed: json::parse reports a
// number too large for a double (out_of_range 406) without the position its SAX parser knows.
struct ErrorPosition
{
    std::size_t byte = 0;

    bool null() { return true; }
    bool boolean(bool) { return true; }
    bool number_integer(json::number_integer_t) { return true; }
    bool number_unsigned(json::number_unsigned_t) { return true; }
    bool number_float(json::number_float_t, const std::string &) { return true; }
    bool string(std::string &) { return true; }
    bool binary(json::binary_t &) { return true; }
    bool start_object(std::size_t) { return true; }
    bool key(std::string &) { return true; }
    bool end_object() { return true; }
    bool start_array(std::size_t) { return true; }
    bool end_array() { return true; }
    bool parse_error(std::size_t position, const std::string &, const json::exception &)
    {
        byte = position;
        return false;
    }
};

// The byte that opens the first array or object nested deeper than kMaxJsonDepth, if any.
std::optional<std::size_t> tooDeep(std::string_view text)
{
    std::size_t depth = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth)
                return i;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return std::nullopt;
}

Error documentError(const std::string &file, std::size_t byte, const json::exception &e)
{
    // what() starts with "[json.exception.parse_error.101] "; the id helps nobody here.
    std::string what = e.what();
    if (const auto end = what.find("] "); what.starts_with("[json.") && end != std::string::npos)
        what.erase(0, end + 2);
    return Error(file + ": byte " + std::to_string(byte) + ": " + what);
}

} // namespace

Result<json> parseJsonDocument(std::string_view text, const std::string &file)
{
    json document;
    try {
        document = json::parse(text); // iterative: safe at any depth
    } catch (const json::parse_error &e) {
        return documentError(file, e.byte, e);
    } catch (const json::out_of_range &e) {
        ErrorPosition where;
        json::sax_parse(text, &where);
        return documentError(file, where.byte, e);
    }
    // Checked once the syntax is known good, so that a syntax error is reported first and the
    // bracket count below never has to understand broken JSON.
    if (const auto byte = tooDeep(text))
        return Error(file + ": byte " + std::to_string(*byte + 1) + ": nested deeper than " +
                     std::to_string(kMaxJsonDepth) + " arrays and objects");
    return document;
}

Error JsonReader::error(const std::string &pointer, const std::string &problem) const
{
    return Error(m_file + ": " + (pointer.empty() ? std::string("(document)") : pointer) + ": " +
                 problem);
}

Status JsonReader::checkKeys(const json &object, const std::string &pointer,
                             std::initializer_list<std::string_view> allowed) const
{
    if (auto ok = expectType(object, pointer, json::value_t::object, "an object"); !ok)
        return ok;
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

Result<const json *> JsonReader::arrayMember(const json &object, const std::string &pointer,
                                             std::string_view key, bool required) const
{
    auto value = member(object, pointer, key, required);
    if (!value || !*value)
        return value;
    if (auto ok = expectType(**value, childPointer(pointer, key), json::value_t::array, "an array");
        !ok)
        return ok.error();
    return value;
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
