#pragma once

// Reading hand-written JSON files (image recipes, lessons) so that every problem
// names the file and the JSON pointer of the bad value: "<file>: /layers/1/files/0/from: missing
// required key". Required keys use at()-like semantics, and unknown keys are errors, so a typo
// never silently becomes a default.

#include "tracer/base/Result.h"

#include <cstddef>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab {

// "/layers" + "files" -> "/layers/files", escaping '~' and '/' as RFC 6901 requires.
std::string childPointer(const std::string &pointer, std::string_view key);
std::string childPointer(const std::string &pointer, std::size_t index);

// Arrays and objects nested deeper than this are refused. json::parse copes, but copying,
// comparing or dumping the value recurses once a level, and a hand-written file needs a few.
inline constexpr std::size_t kMaxJsonDepth = 256;

// Parses a whole document. An error names the byte offset: "<file>: byte 57: parse error at
// line 3, column 5: syntax error while parsing ...", "<file>: byte 80: number overflow parsing
// '1e999'", "<file>: byte 300: nested deeper than 256 arrays and objects".
Result<nlohmann::json> parseJsonDocument(std::string_view text, const std::string &file);

class JsonReader
{
public:
    explicit JsonReader(std::string file)
        : m_file(std::move(file))
    {}

    const std::string &file() const { return m_file; }

    // "<file>: <pointer>: <problem>"; the empty pointer (the whole document) reads "(document)".
    Error error(const std::string &pointer, const std::string &problem) const;

    // `object` must be an object, and every key of it one of `allowed`.
    Status checkKeys(const nlohmann::json &object, const std::string &pointer,
                     std::initializer_list<std::string_view> allowed) const;

    // `what` completes "expected ...": "a string", "an object".
    Status expectType(const nlohmann::json &value, const std::string &pointer,
                      nlohmann::json::value_t type, const char *what) const;

    // The value at `key`; nullptr when it is absent and not required.
    Result<const nlohmann::json *> member(const nlohmann::json &object, const std::string &pointer,
                                          std::string_view key, bool required) const;

    // The array at `key`; nullptr when it is absent and not required.
    Result<const nlohmann::json *> arrayMember(const nlohmann::json &object,
                                               const std::string &pointer, std::string_view key,
                                               bool required) const;

    Result<std::optional<std::string>> optionalString(const nlohmann::json &object,
                                                      const std::string &pointer,
                                                      std::string_view key) const;

    // Present, a string, and not empty.
    Result<std::string> requiredString(const nlohmann::json &object, const std::string &pointer,
                                       std::string_view key) const;

    Result<std::vector<std::string>> stringArray(const nlohmann::json &value,
                                                 const std::string &pointer) const;

private:
    std::string m_file;
};

} // namespace flowlab
