#include "tracer/lesson/LessonLoader.h"

#include "tracer/base/JsonReader.h"
#include "tracer/lesson/AttributeTestCheck.h"
#include "tracer/lesson/KubectlArguments.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace flowlab {

namespace {

const std::set<std::string> kActionKinds = {"docker", "http", "reset-docker", "image", "kubectl"};
constexpr std::size_t kMaxRegexLength = 1000;

std::string knownKinds()
{
    std::string names;
    for (int k = int(EventKind::Command); k <= int(EventKind::Log); ++k)
        names += (names.empty() ? "" : ", ") + std::string(toString(EventKind(k)));
    return names;
}

class LessonParser
{
public:
    explicit LessonParser(const std::string &file)
        : m_reader(file)
    {}

    Result<Lesson> parse(const nlohmann::json &document);

private:
    Result<std::string> text(const nlohmann::json &object, const std::string &pointer,
                             std::string_view key, bool required);
    Result<ValueTest> valueTest(const nlohmann::json &value, const std::string &pointer);
    Status kubectlAction(const nlohmann::json &value, const std::string &pointer,
                         LessonAction &action);
    Result<EventMatcher> matcher(const nlohmann::json &value, const std::string &pointer);
    Status actions(const nlohmann::json &document, const std::string &key,
                   std::vector<LessonAction> &out);
    Status steps(const nlohmann::json &document, Lesson &lesson);
    Status components(const nlohmann::json &document, Lesson &lesson);
    Status stage(const nlohmann::json &document, Lesson &lesson);
    Status capture(const nlohmann::json &document, Lesson &lesson);
    Status quiz(const nlohmann::json &document, Lesson &lesson);
    Status checkComponent(const Lesson &lesson, const std::string &id, const std::string &pointer);
    Status checkDuring(const Lesson &lesson, const std::string &id, const std::string &pointer);
    Status outputReferences(const Lesson &lesson);
    Status httpAction(const nlohmann::json &value, const std::string &pointer);
    // Absent, or an integer from `min` to `max`.
    Status optionalInteger(const nlohmann::json &object, const std::string &pointer,
                           std::string_view key, long long min, long long max);

    JsonReader m_reader;
};

// Strings, or arrays of strings joined by newlines (long Markdown reads better as lines).
Result<std::string> LessonParser::text(const nlohmann::json &object, const std::string &pointer,
                                       std::string_view key, bool required)
{
    auto member = m_reader.member(object, pointer, key, required);
    if (!member)
        return member.error();
    if (!*member)
        return std::string();
    const nlohmann::json &value = **member;
    const std::string at = childPointer(pointer, key);
    if (value.is_string())
        return value.get<std::string>();
    if (value.is_array()) {
        auto lines = m_reader.stringArray(value, at);
        if (!lines)
            return lines.error();
        std::string joined;
        for (const auto &line : *lines)
            joined += (joined.empty() ? "" : "\n") + line;
        return joined;
    }
    return m_reader.error(at, "expected a string or an array of strings");
}

Result<ValueTest> LessonParser::valueTest(const nlohmann::json &value, const std::string &pointer)
{
    ValueTest test;
    if (!value.is_object()) {
        if (value.is_null() || value.is_array())
            return m_reader.error(pointer, "expected a value or a test object");
        test.expected = value;
        return test;
    }
    if (value.size() != 1)
        return m_reader.error(pointer, "a test object has exactly one of equals, contains, "
                                       "regex, exists, at_least");
    // Not `*value.items().begin()`: that names a temporary that is gone by the next line.
    const auto only = value.begin();
    const std::string &op = only.key();
    const nlohmann::json &operand = only.value();
    const std::string at = childPointer(pointer, op);
    if (op == "equals") {
        test.expected = operand;
    } else if (op == "contains") {
        if (!operand.is_string())
            return m_reader.error(at, "expected a string");
        test.op = ValueTest::Op::Contains;
        test.expected = operand;
    } else if (op == "regex") {
        if (!operand.is_string())
            return m_reader.error(at, "expected a string");
        test.op = ValueTest::Op::Regex;
        test.pattern = operand.get<std::string>();
        // std::regex compiles by recursion: some 20,000 nested groups overflow the stack.
        if (test.pattern.size() > kMaxRegexLength)
            return m_reader.error(at, "expected a regex of at most " +
                                          std::to_string(kMaxRegexLength) + " characters");
        try {
            test.regex.emplace(test.pattern, std::regex::ECMAScript);
        } catch (const std::regex_error &e) {
            return m_reader.error(at, std::string("invalid regex: ") + e.what());
        }
    } else if (op == "exists") {
        if (!operand.is_boolean())
            return m_reader.error(at, "expected true or false");
        test.op = ValueTest::Op::Exists;
        test.expected = operand;
    } else if (op == "at_least") {
        if (!operand.is_number())
            return m_reader.error(at, "expected a number");
        test.op = ValueTest::Op::AtLeast;
        test.expected = operand;
    } else {
        return m_reader.error(at, "unknown test \"" + op +
                                      "\" (expected equals, contains, regex, exists or at_least)");
    }
    return test;
}

Result<EventMatcher> LessonParser::matcher(const nlohmann::json &value, const std::string &pointer)
{
    if (auto s = m_reader.expectType(value, pointer, nlohmann::json::value_t::object, "an object");
        !s)
        return s.error();
    for (const auto &[key, unused] : value.items())
        if (key != "kind" && key != "component" && key != "node" && key != "summary" &&
            key != "attrs" && key != "during" && key != "after" && key != "role")
            return m_reader.error(childPointer(pointer, key),
                                  "unknown matcher field \"" + key +
                                      "\" (expected kind, component, node, summary, attrs, "
                                      "during, after or role)");
    EventMatcher matcher;
    auto kindName = m_reader.requiredString(value, pointer, "kind");
    if (!kindName)
        return kindName.error();
    const auto kind = eventKindFromString(*kindName);
    if (!kind)
        return m_reader.error(childPointer(pointer, "kind"), "unknown event kind \"" + *kindName +
                                                                 "\" (known: " + knownKinds() +
                                                                 ")");
    matcher.kind = *kind;
    for (auto [key, slot] :
         {std::pair{"component", &matcher.component}, std::pair{"node", &matcher.node}}) {
        auto field = m_reader.optionalString(value, pointer, key);
        if (!field)
            return field.error();
        *slot = *field;
    }
    for (auto [key, slot] :
         {std::pair{"during", &matcher.during}, std::pair{"after", &matcher.after},
          std::pair{"role", &matcher.role}}) {
        auto field = m_reader.optionalString(value, pointer, key);
        if (!field)
            return field.error();
        *slot = field->value_or("");
    }
    if (value.contains("summary")) {
        auto test = valueTest(value["summary"], childPointer(pointer, "summary"));
        if (!test)
            return test.error();
        if (test->op == ValueTest::Op::Equals) {
            // A summary is matched by substring, which only a string can be.
            if (!test->expected.is_string())
                return m_reader.error(childPointer(pointer, "summary"),
                                      "expected a string (a summary is matched by substring)");
            test->op = ValueTest::Op::Contains;
        }
        matcher.summary = *test;
    }
    if (value.contains("attrs")) {
        const std::string at = childPointer(pointer, "attrs");
        if (auto s = m_reader.expectType(value["attrs"], at, nlohmann::json::value_t::object,
                                         "an object");
            !s)
            return s.error();
        for (const auto &[path, operand] : value["attrs"].items()) {
            auto test = valueTest(operand, childPointer(at, path));
            if (!test)
                return test.error();
            if (auto problem = impossibleAttributeTest(matcher.kind, path, *test)) {
                std::string where = childPointer(at, path);
                if (!problem->test.empty())
                    where = childPointer(where, problem->test);
                return m_reader.error(where, problem->message);
            }
            matcher.attrs.emplace_back(path, *test);
        }
    }
    return matcher;
}

Status LessonParser::actions(const nlohmann::json &document, const std::string &key,
                             std::vector<LessonAction> &out)
{
    auto list = m_reader.arrayMember(document, "", key, false);
    if (!list)
        return list.error();
    if (!*list)
        return success();
    const std::string pointer = childPointer("", key);
    for (std::size_t i = 0; i < (*list)->size(); ++i) {
        const nlohmann::json &value = (**list)[i];
        const std::string at = childPointer(pointer, i);
        if (auto s =
                m_reader.checkKeys(value, at,
                                   {"id", "do", "args", "url", "from", "name", "expect_status",
                                    "ignore_failure", "retry_for_ms", "count", "parallel", "note",
                                    "stdin", "until", "expect_exit", "host"});
            !s)
            return s;
        LessonAction action;
        auto kind = m_reader.requiredString(value, at, "do");
        if (!kind)
            return kind.error();
        if (!kActionKinds.count(*kind))
            return m_reader.error(childPointer(at, "do"),
                                  "unknown action \"" + *kind +
                                      "\" (expected docker, http, reset-docker, image or kubectl)");
        action.kind = *kind;
        auto id = m_reader.optionalString(value, at, "id");
        if (!id)
            return id.error();
        action.id = id->value_or(key + "-" + std::to_string(i + 1));
        if (value.contains("ignore_failure")) {
            if (!value["ignore_failure"].is_boolean())
                return m_reader.error(childPointer(at, "ignore_failure"), "expected true or false");
            action.ignoreFailure = value["ignore_failure"].get<bool>();
        }
        action.params = value;
        if (action.kind == "docker") {
            auto args = m_reader.member(value, at, "args", true);
            if (!args)
                return args.error();
            if (auto list = m_reader.stringArray(**args, childPointer(at, "args")); !list)
                return list.error();
        } else if (action.kind == "http") {
            if (auto s = httpAction(value, at); !s)
                return s;
        } else if (action.kind == "image") {
            if (auto name = m_reader.requiredString(value, at, "name"); !name)
                return name.error();
        } else if (action.kind == "kubectl") {
            if (auto s = kubectlAction(value, at, action); !s)
                return s;
        }
        if (action.kind != "kubectl")
            for (const char *kubectlOnly : {"stdin", "until", "expect_exit"})
                if (value.contains(kubectlOnly))
                    return m_reader.error(childPointer(at, kubectlOnly),
                                          std::string("only a kubectl action takes \"") +
                                              kubectlOnly + "\"");
        if (action.kind != "http")
            for (const char *httpOnly : {"count", "parallel", "host"})
                if (value.contains(httpOnly))
                    return m_reader.error(childPointer(at, httpOnly),
                                          std::string("only an http action takes \"") + httpOnly +
                                              "\"");
        // A key another kind of action takes would be silently ignored here: say so.
        static const std::map<std::string, std::set<std::string>> kKeysOfKind = {
            {"docker", {"args"}},
            {"http", {"url", "from", "host", "expect_status", "retry_for_ms", "count", "parallel"}},
            {"reset-docker", {}},
            {"image", {"name"}},
            {"kubectl", {"args", "stdin", "until", "retry_for_ms", "expect_exit"}}};
        const auto &own = kKeysOfKind.at(action.kind);
        for (const auto &[key, unused] : value.items())
            if (key != "id" && key != "do" && key != "ignore_failure" && key != "note" &&
                !own.count(key)) {
                std::string takes;
                for (const auto &k : own)
                    takes += (takes.empty() ? "" : ", ") + k;
                return m_reader.error(childPointer(at, key),
                                      "a " + action.kind + " action takes no \"" + key +
                                          "\" (it takes " +
                                          (takes.empty() ? std::string("nothing but id and note")
                                                         : takes) +
                                          ")");
            }
        out.push_back(std::move(action));
    }
    return success();
}

Status LessonParser::httpAction(const nlohmann::json &value, const std::string &pointer)
{
    if (auto url = m_reader.requiredString(value, pointer, "url"); !url)
        return url.error();
    if (auto from = m_reader.optionalString(value, pointer, "from"); !from)
        return from.error();
    auto host = m_reader.optionalString(value, pointer, "host");
    if (!host)
        return host.error();
    if (*host && (*host)->find_first_of("\r\n") != std::string::npos)
        return m_reader.error(childPointer(pointer, "host"), "a Host header is one line");
    // Bounded, so that a lesson's load stays a small one inside the lab.
    if (auto s = optionalInteger(value, pointer, "expect_status", 100, 599); !s)
        return s;
    if (auto s = optionalInteger(value, pointer, "retry_for_ms", 0, 600'000); !s)
        return s;
    if (auto s = optionalInteger(value, pointer, "count", 1, 100'000); !s)
        return s;
    return optionalInteger(value, pointer, "parallel", 1, 64);
}

Status LessonParser::kubectlAction(const nlohmann::json &value, const std::string &pointer,
                                   LessonAction &action)
{
    auto args = m_reader.member(value, pointer, "args", true);
    if (!args)
        return args.error();
    auto list = m_reader.stringArray(**args, childPointer(pointer, "args"));
    if (!list)
        return list.error();
    if (list->empty())
        return m_reader.error(childPointer(pointer, "args"),
                              "name kubectl's arguments, e.g. [\"get\", \"pods\"]");
    if (auto problem = kubectlArgumentProblem(*list))
        return m_reader.error(childPointer(childPointer(pointer, "args"), problem->index),
                              problem->message);
    if (value.contains("stdin")) {
        const auto &input = value["stdin"];
        const bool lines = input.is_array() && std::all_of(input.begin(), input.end(),
                                                           [](const auto &l) { return l.is_string(); });
        if (!input.is_string() && !lines)
            return m_reader.error(childPointer(pointer, "stdin"),
                                  "expected a string or an array of lines (a manifest for "
                                  "`apply -f -`)");
    }
    if (value.contains("until")) {
        auto until = valueTest(value["until"], childPointer(pointer, "until"));
        if (!until)
            return until.error();
        action.until = std::move(*until);
    }
    if (auto s = optionalInteger(value, pointer, "retry_for_ms", 0, 600'000); !s)
        return s;
    return optionalInteger(value, pointer, "expect_exit", 0, 255);
}

Status LessonParser::optionalInteger(const nlohmann::json &object, const std::string &pointer,
                                     std::string_view key, long long min, long long max)
{
    auto member = m_reader.member(object, pointer, key, false);
    if (!member)
        return member.error();
    if (!*member)
        return success();
    const nlohmann::json &value = **member;
    if (!value.is_number_integer() || value.get<long long>() < min || value.get<long long>() > max)
        return m_reader.error(childPointer(pointer, key), "expected an integer from " +
                                                              std::to_string(min) + " to " +
                                                              std::to_string(max));
    return success();
}

Status LessonParser::checkComponent(const Lesson &lesson, const std::string &id,
                                    const std::string &pointer)
{
    if (id.empty() || lesson.component(id))
        return success();
    std::string known;
    for (const auto &c : lesson.components)
        known += (known.empty() ? "" : ", ") + c.id;
    return m_reader.error(pointer,
                          "unknown component \"" + id + "\" (the lesson declares: " + known + ")");
}

// "{{ID}}" in a kubectl argument or an http URL must name a kubectl action that runs before
// it (setup, then actions, then cleanup), whose output it stands for.
Status LessonParser::outputReferences(const Lesson &lesson)
{
    std::set<std::string> earlier;
    for (auto [key, list] :
         {std::pair{"setup", &lesson.setup}, std::pair{"actions", &lesson.actions},
          std::pair{"cleanup", &lesson.cleanup}}) {
        for (std::size_t i = 0; i < list->size(); ++i) {
            const LessonAction &action = (*list)[i];
            const std::string at = childPointer(childPointer("", key), i);
            std::vector<std::pair<std::string, std::string>> texts; // pointer, text
            if (action.kind == "kubectl") {
                const auto args = action.params["args"].get<std::vector<std::string>>();
                for (std::size_t a = 0; a < args.size(); ++a)
                    texts.emplace_back(childPointer(childPointer(at, "args"), a), args[a]);
            } else if (action.kind == "http") {
                texts.emplace_back(childPointer(at, "url"), action.params.value("url", ""));
            }
            for (const auto &[pointer, text] : texts)
                for (const std::string &name : outputPlaceholders(text))
                    if (!earlier.count(name))
                        return m_reader.error(pointer, "\"{{" + name +
                                                           "}}\" names no kubectl action run "
                                                           "before this one");
            if (action.kind == "kubectl")
                earlier.insert(action.id);
        }
    }
    return success();
}

// Evidence is captured, and windows kept, only while the lesson's `actions` run (LessonRunner):
// a matcher `during` a setup or cleanup action would never see an event.
Status LessonParser::checkDuring(const Lesson &lesson, const std::string &id,
                                 const std::string &pointer)
{
    if (id.empty())
        return success();
    std::string known;
    for (const LessonAction &action : lesson.actions) {
        if (action.id == id)
            return success();
        known += (known.empty() ? "" : ", ") + action.id;
    }
    const std::string actions =
        known.empty() ? "the lesson has no actions" : "the lesson's actions are " + known;
    for (auto [phase, list] :
         {std::pair{"setup", &lesson.setup}, std::pair{"cleanup", &lesson.cleanup}})
        for (const LessonAction &action : *list)
            if (action.id == id)
                return m_reader.error(pointer, "\"" + id + "\" is a " + phase +
                                                   " action, which is not traced (" + actions +
                                                   ")");
    return m_reader.error(pointer, "no action has the id \"" + id + "\" (" + actions + ")");
}

Status LessonParser::components(const nlohmann::json &document, Lesson &lesson)
{
    auto list = m_reader.arrayMember(document, "", "components", true);
    if (!list)
        return list.error();
    for (std::size_t i = 0; i < (*list)->size(); ++i) {
        const nlohmann::json &value = (**list)[i];
        const std::string at = childPointer("/components", i);
        if (auto s = m_reader.checkKeys(value, at, {"id", "label", "lane"}); !s)
            return s;
        LessonComponent component;
        auto id = m_reader.requiredString(value, at, "id");
        if (!id)
            return id.error();
        if (lesson.component(*id))
            return m_reader.error(childPointer(at, "id"),
                                  "component \"" + *id + "\" is declared twice");
        auto label = m_reader.optionalString(value, at, "label");
        if (!label)
            return label.error();
        auto lane = m_reader.optionalString(value, at, "lane");
        if (!lane)
            return lane.error();
        component.id = *id;
        component.label = label->value_or(*id);
        component.lane = lane->value_or("");
        lesson.components.push_back(component);
    }
    return success();
}

Status LessonParser::stage(const nlohmann::json &document, Lesson &lesson)
{
    auto stage = m_reader.member(document, "", "stage", false);
    if (!stage)
        return stage.error();
    if (!*stage)
        return success(); // optional: the app lays the components out by lane
    if (auto s = m_reader.checkKeys(**stage, "/stage", {"rows"}); !s)
        return s;
    auto rows = m_reader.arrayMember(**stage, "/stage", "rows", true);
    if (!rows)
        return rows.error();
    std::set<std::string> placed;
    for (std::size_t i = 0; i < (*rows)->size(); ++i) {
        const nlohmann::json &value = (**rows)[i];
        const std::string at = childPointer("/stage/rows", i);
        if (auto s = m_reader.checkKeys(value, at, {"label", "components"}); !s)
            return s;
        StageRow row;
        auto label = text(value, at, "label", false);
        if (!label)
            return label.error();
        row.label = *label;
        auto members = m_reader.member(value, at, "components", true);
        if (!members)
            return members.error();
        auto ids = m_reader.stringArray(**members, childPointer(at, "components"));
        if (!ids)
            return ids.error();
        for (std::size_t j = 0; j < ids->size(); ++j) {
            const std::string where = childPointer(childPointer(at, "components"), j);
            if (auto s = checkComponent(lesson, (*ids)[j], where); !s)
                return s;
            if (!placed.insert((*ids)[j]).second)
                return m_reader.error(where, "component \"" + (*ids)[j] +
                                                 "\" is already placed in another row");
        }
        row.components = std::move(*ids);
        lesson.stage.rows.push_back(std::move(row));
    }
    // A component left out of the stage would vanish from the diagram: say which.
    for (const LessonComponent &component : lesson.components)
        if (!placed.count(component.id))
            return m_reader.error("/stage/rows",
                                  "component \"" + component.id + "\" is not placed in any row");
    return success();
}

Status LessonParser::steps(const nlohmann::json &document, Lesson &lesson)
{
    auto list = m_reader.arrayMember(document, "", "steps", true);
    if (!list)
        return list.error();
    std::set<std::string> ids;
    for (std::size_t i = 0; i < (*list)->size(); ++i) {
        const nlohmann::json &value = (**list)[i];
        const std::string at = childPointer("/steps", i);
        if (auto s = m_reader.checkKeys(
                value, at,
                {"id", "title", "component", "from", "to", "label", "explanation", "match"});
            !s)
            return s;
        LessonStep step;
        for (auto [key, slot] : {std::pair{"id", &step.id}, std::pair{"title", &step.title},
                                 std::pair{"component", &step.component}}) {
            auto field = m_reader.requiredString(value, at, key);
            if (!field)
                return field.error();
            *slot = *field;
        }
        if (!ids.insert(step.id).second)
            return m_reader.error(childPointer(at, "id"), "step \"" + step.id + "\" appears twice");
        for (auto [key, slot] : {std::pair{"from", &step.from}, std::pair{"to", &step.to},
                                 std::pair{"label", &step.label}}) {
            auto field = m_reader.optionalString(value, at, key);
            if (!field)
                return field.error();
            *slot = field->value_or("");
        }
        auto explanation = text(value, at, "explanation", true);
        if (!explanation)
            return explanation.error();
        step.explanation = *explanation;
        for (auto [key, id] : {std::pair{"component", step.component}, std::pair{"from", step.from},
                               std::pair{"to", step.to}})
            if (auto s = checkComponent(lesson, id, childPointer(at, key)); !s)
                return s;
        auto match = m_reader.arrayMember(value, at, "match", false);
        if (!match)
            return match.error();
        if (*match) {
            const std::string matchAt = childPointer(at, "match");
            for (std::size_t m = 0; m < (*match)->size(); ++m) {
                auto parsed = matcher((**match)[m], childPointer(matchAt, m));
                if (!parsed)
                    return parsed.error();
                for (auto [key, id] : {std::pair{"during", &parsed->during},
                                       std::pair{"after", &parsed->after}})
                    if (auto s = checkDuring(lesson, *id,
                                             childPointer(childPointer(matchAt, m), key));
                        !s)
                        return s;
                step.matchers.push_back(std::move(*parsed));
            }
        }
        if (step.matchers.empty() && lesson.explainOnly.empty())
            return m_reader.error(at, "a step of a runnable lesson needs at least one matcher "
                                      "(only explain-only lessons have steps without evidence)");
        lesson.steps.push_back(std::move(step));
    }
    if (lesson.steps.empty())
        return m_reader.error("/steps", "a lesson needs at least one step");
    return success();
}

Status LessonParser::capture(const nlohmann::json &document, Lesson &lesson)
{
    if (!document.contains("capture"))
        return success();
    const nlohmann::json &value = document["capture"];
    if (auto s = m_reader.checkKeys(value, "/capture", {"filter", "snaplen", "interfaces"}); !s)
        return s;
    auto filter = m_reader.optionalString(value, "/capture", "filter");
    if (!filter)
        return filter.error();
    lesson.capture.filter = filter->value_or("");
    if (value.contains("snaplen")) {
        // Compared as JSON numbers: get<std::uint32_t>() would wrap 2^32 + 64 to 64.
        const nlohmann::json &snaplen = value["snaplen"];
        if (!snaplen.is_number_unsigned() || snaplen < 64 ||
            snaplen > std::numeric_limits<std::uint32_t>::max())
            return m_reader.error("/capture/snaplen",
                                  "expected a number of bytes, from 64 to 4294967295");
        lesson.capture.snapLength = snaplen.get<std::uint32_t>();
    }
    auto interfaces = m_reader.arrayMember(value, "/capture", "interfaces", false);
    if (!interfaces)
        return interfaces.error();
    if (!*interfaces)
        return success();
    for (std::size_t i = 0; i < (*interfaces)->size(); ++i) {
        const nlohmann::json &entry = (**interfaces)[i];
        const std::string at = childPointer("/capture/interfaces", i);
        if (auto s = m_reader.checkKeys(entry, at, {"netns", "interface", "description"}); !s)
            return s;
        CaptureInterface interface;
        auto netns = m_reader.requiredString(entry, at, "netns");
        if (!netns)
            return netns.error();
        auto name = m_reader.requiredString(entry, at, "interface");
        if (!name)
            return name.error();
        interface.netns = *netns;
        interface.interface = *name;
        auto description = m_reader.optionalString(entry, at, "description");
        if (!description)
            return description.error();
        interface.description = description->value_or("");
        lesson.capture.interfaces.push_back(interface);
    }
    return success();
}

Status LessonParser::quiz(const nlohmann::json &document, Lesson &lesson)
{
    auto list = m_reader.arrayMember(document, "", "quiz", false);
    if (!list)
        return list.error();
    if (!*list)
        return success();
    for (std::size_t i = 0; i < (*list)->size(); ++i) {
        const nlohmann::json &value = (**list)[i];
        const std::string at = childPointer("/quiz", i);
        if (auto s =
                m_reader.checkKeys(value, at, {"question", "choices", "answer", "explanation"});
            !s)
            return s;
        QuizQuestion question;
        auto q = m_reader.requiredString(value, at, "question");
        if (!q)
            return q.error();
        question.question = *q;
        auto choices = m_reader.member(value, at, "choices", true);
        if (!choices)
            return choices.error();
        auto list = m_reader.stringArray(**choices, childPointer(at, "choices"));
        if (!list)
            return list.error();
        question.choices = *list;
        if (question.choices.size() < 2)
            return m_reader.error(childPointer(at, "choices"),
                                  "a question needs two choices or more");
        if (!value.contains("answer") || !value["answer"].is_number_integer())
            return m_reader.error(childPointer(at, "answer"),
                                  "expected the index of the right choice");
        // Compared as JSON numbers: get<int>() would wrap 2^32 to 0, a valid answer.
        const nlohmann::json &answer = value["answer"];
        if (answer < 0 || answer >= question.choices.size())
            return m_reader.error(childPointer(at, "answer"),
                                  "answer " + answer.dump() + " is not one of the " +
                                      std::to_string(question.choices.size()) +
                                      " choices (0-based)");
        question.answer = answer.get<int>();
        auto explanation = text(value, at, "explanation", false);
        if (!explanation)
            return explanation.error();
        question.explanation = *explanation;
        lesson.quiz.push_back(question);
    }
    return success();
}

Result<Lesson> LessonParser::parse(const nlohmann::json &document)
{
    if (auto s = m_reader.checkKeys(document, "",
                                    {"flowlab_lesson", "id", "title", "summary", "level", "topics",
                                     "lab", "explain_only", "components", "stage", "capture",
                                     "setup", "actions", "cleanup", "steps", "quiz"});
        !s)
        return s.error();
    if (!document.contains("flowlab_lesson") || !document["flowlab_lesson"].is_number_integer())
        return m_reader.error("/flowlab_lesson",
                              "missing the format version (\"flowlab_lesson\": 1)");
    if (document["flowlab_lesson"] != kLessonFormatVersion) // 2^32 + 1 is not 1
        return m_reader.error("/flowlab_lesson", "unsupported lesson format " +
                                                     document["flowlab_lesson"].dump() +
                                                     "; this Flowlab reads format " +
                                                     std::to_string(kLessonFormatVersion));
    Lesson lesson;
    lesson.source = document;
    lesson.path = m_reader.file();
    for (auto [key, slot] : {std::pair{"id", &lesson.id}, std::pair{"title", &lesson.title},
                             std::pair{"level", &lesson.level}, std::pair{"lab", &lesson.lab}}) {
        auto field = m_reader.requiredString(document, "", key);
        if (!field)
            return field.error();
        *slot = *field;
    }
    if (lesson.level != "beginner" && lesson.level != "intermediate" &&
        lesson.level != "advanced")
        return m_reader.error("/level", "unknown level \"" + lesson.level +
                                            "\" (expected beginner, intermediate or advanced)");
    // The id names directories (bundles, lesson check's output): a plain name, never a path.
    static const std::regex plainName("^[a-z0-9][a-z0-9-]{0,63}$");
    if (!std::regex_match(lesson.id, plainName))
        return m_reader.error("/id", "\"" + lesson.id +
                                         "\" is not a lesson id: use lowercase letters, digits "
                                         "and '-', e.g. \"docker-run\"");
    if (lesson.lab != "docker" && lesson.lab != "kube" && lesson.lab != "none")
        return m_reader.error("/lab", "unknown lab \"" + lesson.lab +
                                          "\" (expected docker, kube, or none for explain-only)");
    auto summary = text(document, "", "summary", true);
    if (!summary)
        return summary.error();
    lesson.summary = *summary;
    if (document.contains("topics")) {
        auto topics = m_reader.stringArray(document["topics"], "/topics");
        if (!topics)
            return topics.error();
        lesson.topics = *topics;
    }
    auto explainOnly = text(document, "", "explain_only", false);
    if (!explainOnly)
        return explainOnly.error();
    lesson.explainOnly = *explainOnly;

    if (auto s = components(document, lesson); !s)
        return s.error();
    if (auto s = stage(document, lesson); !s)
        return s.error();
    if (auto s = capture(document, lesson); !s)
        return s.error();
    for (auto [key, list] :
         {std::pair{"setup", &lesson.setup}, std::pair{"actions", &lesson.actions},
          std::pair{"cleanup", &lesson.cleanup}})
        if (auto s = actions(document, key, *list); !s)
            return s.error();
    if (auto s = outputReferences(lesson); !s)
        return s.error();
    if (auto s = steps(document, lesson); !s)
        return s.error();
    if (auto s = quiz(document, lesson); !s)
        return s.error();
    return lesson;
}

} // namespace

Result<Lesson> parseLesson(std::string_view text, const std::string &file)
{
    auto document = parseJsonDocument(text, file);
    if (!document)
        return document.error();
    return LessonParser(file).parse(*document);
}

Result<Lesson> loadLesson(const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        return Error::fromErrno("opening lesson " + path);
    std::stringstream content;
    content << in.rdbuf();
    return parseLesson(content.str(), path);
}

} // namespace flowlab
