#include "tracer/lesson/Lesson.h"

#include <charconv>

namespace flowlab {

const nlohmann::json *findPath(const nlohmann::json &value, const std::string &dottedPath)
{
    const nlohmann::json *current = &value;
    std::size_t start = 0;
    while (start <= dottedPath.size()) {
        const std::size_t dot = std::min(dottedPath.find('.', start), dottedPath.size());
        const std::string key = dottedPath.substr(start, dot - start);
        if (current->is_object()) {
            const auto it = current->find(key);
            if (it == current->end())
                return nullptr;
            current = &*it;
        } else if (current->is_array()) {
            // Digits only; an index too large for size_t names no element either.
            std::size_t index = 0;
            const auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), index);
            if (key.empty() || error != std::errc() || end != key.data() + key.size() ||
                index >= current->size())
                return nullptr;
            current = &(*current)[index];
        } else {
            return nullptr;
        }
        start = dot + 1;
    }
    return current;
}

namespace {

std::string asText(const nlohmann::json &value)
{
    return value.is_string() ? value.get<std::string>() : value.dump();
}

} // namespace

bool ValueTest::test(const nlohmann::json *actual) const
{
    switch (op) {
    case Op::Exists:
        return (actual != nullptr) == expected.get<bool>();
    case Op::Equals:
        if (!actual)
            return false;
        if (*actual == expected)
            return true;
        // "8080" in a lesson equals 8080 in an event, and the other way round.
        return asText(*actual) == asText(expected);
    case Op::Contains:
        if (!actual)
            return false;
        if (actual->is_array()) {
            for (const auto &item : *actual)
                if (asText(item).find(expected.get<std::string>()) != std::string::npos)
                    return true;
            return false;
        }
        return asText(*actual).find(expected.get<std::string>()) != std::string::npos;
    case Op::Regex:
        return actual && std::regex_search(asText(*actual), *regex);
    case Op::AtLeast:
        return actual && actual->is_number() && actual->get<double>() >= expected.get<double>();
    }
    return false;
}

std::string ValueTest::describe() const
{
    switch (op) {
    case Op::Exists:
        return expected.get<bool>() ? "exists" : "is absent";
    case Op::Equals:
        return "= " + asText(expected);
    case Op::Contains:
        return "contains \"" + expected.get<std::string>() + "\"";
    case Op::Regex:
        return "matches /" + pattern + "/";
    case Op::AtLeast:
        return ">= " + asText(expected);
    }
    return {};
}

bool EventMatcher::matches(const Event &event) const
{
    if (event.kind != kind)
        return false;
    if (component && event.source.component != *component)
        return false;
    if (node && event.source.node != *node)
        return false;
    if (summary) {
        const nlohmann::json text = event.summary;
        if (!summary->test(&text))
            return false;
    }
    for (const auto &[path, test] : attrs)
        if (!test.test(findPath(event.attributes, path)))
            return false;
    return true;
}

std::string EventMatcher::describe() const
{
    std::string text = "a " + std::string(toString(kind)) + " event";
    if (component)
        text += " from " + *component;
    if (node)
        text += " on " + *node;
    if (summary)
        text += " whose summary " + summary->describe();
    for (const auto &[path, test] : attrs)
        text += ", " + path + " " + test.describe();
    if (!during.empty())
        text += ", during action \"" + during + "\"";
    if (!after.empty())
        text += ", after action \"" + after + "\" began";
    return text;
}

const LessonComponent *Lesson::component(const std::string &id) const
{
    for (const auto &c : components)
        if (c.id == id)
            return &c;
    return nullptr;
}

const LessonAction *Lesson::action(const std::string &id) const
{
    for (const auto *list : {&setup, &actions, &cleanup})
        for (const auto &a : *list)
            if (a.id == id)
                return &a;
    return nullptr;
}

} // namespace flowlab
