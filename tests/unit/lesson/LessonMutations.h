#pragma once

// Structure-aware mutations of a lesson, for the lesson fuzz target (libFuzzer's custom mutator)
// and its replay test. Byte flips mostly turn a lesson into a syntax error, which nlohmann::json
// reports before the loader sees anything; these edits keep the JSON well-formed and put a value
// of another type, or nothing, or a piece of lesson from elsewhere, where the loader expects
// something.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace flowlab::lesson_fuzz {

using nlohmann::json;

inline std::size_t pick(std::mt19937 &random, std::size_t bound)
{
    return bound == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, bound - 1)(random);
}

// Values a hand-written lesson may hold by mistake: each JSON type, integers at the edges of
// int, uint32 and int64, and strings that are special to pointers, regexes or dotted paths.
inline const std::vector<json> &oddValues()
{
    static const std::vector<json> values = json::parse(R"([
        null, true, false, 0, -1, 1, 2, 64, 599, 4294967296, 4294967297, -2147483649,
        18446744073709551615, 1e308, 0.5, "", "a", "x/y~z", "(", "docker", "none", "api",
        "flags.99999999999999999999", [], [null], ["a", "b"], {}, {"a": 1}, {"regex": "a"}])");
    return values;
}

// Every key of the format (lessons/SCHEMA.md), so that edits reach the optional ones.
inline const std::vector<std::string> &lessonKeys()
{
    static const std::vector<std::string> keys = json::parse(R"([
        "flowlab_lesson", "id", "title", "summary", "level", "topics", "lab", "explain_only",
        "components", "label", "lane", "stage", "rows", "capture", "filter", "snaplen",
        "interfaces", "netns", "interface", "description", "setup", "actions", "cleanup", "do",
        "args", "url", "from", "name", "expect_status", "ignore_failure", "retry_for_ms", "count",
        "parallel", "note", "steps", "component", "to", "explanation", "match", "kind", "node",
        "attrs", "during", "role", "equals", "contains", "regex", "exists", "at_least", "quiz",
        "question", "choices", "answer"])");
    return keys;
}

inline void collectPointers(const json &value, const json::json_pointer &at,
                            std::vector<json::json_pointer> &out)
{
    out.push_back(at);
    if (value.is_object())
        for (const auto &[key, child] : value.items())
            collectPointers(child, at / key, out);
    else if (value.is_array())
        for (std::size_t i = 0; i < value.size(); ++i)
            collectPointers(value[i], at / i, out);
}

inline json anyNode(const json &donor, std::mt19937 &random)
{
    std::vector<json::json_pointer> pointers;
    collectPointers(donor, json::json_pointer(), pointers);
    return donor[pointers[pick(random, pointers.size())]];
}

inline json anyValue(const json &donor, std::mt19937 &random)
{
    return pick(random, 2) ? anyNode(donor, random) : oddValues()[pick(random, oddValues().size())];
}

// One edit at a random place of `document`; pieces come from `donor` (another lesson, or a copy
// of this one).
inline void editLesson(json &document, const json &donor, std::mt19937 &random)
{
    std::vector<json::json_pointer> pointers;
    collectPointers(document, json::json_pointer(), pointers);
    const json::json_pointer at = pointers[pick(random, pointers.size())];
    json &node = document[at];
    switch (pick(random, 4)) {
    case 0: // another value: of another type, or a piece of lesson out of place
        node = anyValue(donor, random);
        break;
    case 1: // gone
        if (!at.empty()) {
            json &parent = document[at.parent_pointer()];
            if (parent.is_object())
                parent.erase(at.back());
            else
                parent.erase(std::stoul(at.back()));
        }
        break;
    case 2: // a key of the format, where it may not belong
        if (node.is_object())
            node[lessonKeys()[pick(random, lessonKeys().size())]] = anyValue(donor, random);
        break;
    default: // an element twice, or none
        if (node.is_array() && !node.empty())
            node.push_back(node[pick(random, node.size())]);
        else if (node.is_array() || node.is_object())
            node.clear();
        break;
    }
}

inline void mutateLesson(json &document, const json &donor, std::mt19937 &random)
{
    const std::size_t edits = 1 + pick(random, 4);
    for (std::size_t i = 0; i < edits; ++i)
        editLesson(document, donor, random);
}

} // namespace flowlab::lesson_fuzz
