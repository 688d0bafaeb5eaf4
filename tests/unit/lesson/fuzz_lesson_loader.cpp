// libFuzzer target for the lesson loader. Whatever the bytes, parseLesson returns a lesson or an
// error that names the file; it never throws or crashes. A lesson it accepts must hold what the
// runner relies on (every component, action and answer it names exists) and the numbers as
// written, and its matchers are run over a small event and described, as `lesson check` does, so
// that the tests and dotted paths the loader built are exercised too. Most mutations edit the
// parsed JSON (LessonMutations.h): byte flips alone rarely get past the JSON parser.

#include "LessonMutations.h"
#include "tracer/base/JsonReader.h"
#include "tracer/lesson/LessonLoader.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>

using namespace flowlab;

namespace {

constexpr const char *kFile = "fuzz.json";

void require(bool condition)
{
    if (!condition)
        std::abort();
}

bool declared(const Lesson &lesson, const std::string &component)
{
    return component.empty() || lesson.component(component) != nullptr;
}

// Only the lesson's actions are traced: a matcher may wait for no other.
bool traced(const Lesson &lesson, const std::string &actionId)
{
    return std::any_of(lesson.actions.begin(), lesson.actions.end(),
                       [&actionId](const LessonAction &a) { return a.id == actionId; });
}

void checkAccepted(const Lesson &lesson)
{
    require(!lesson.steps.empty());
    std::set<std::string> placed;
    for (const StageRow &row : lesson.stage.rows)
        for (const std::string &id : row.components)
            require(lesson.component(id) && placed.insert(id).second);
    require(lesson.stage.rows.empty() || placed.size() == lesson.components.size());
    for (const LessonStep &step : lesson.steps) {
        require(!step.component.empty() && declared(lesson, step.component));
        require(declared(lesson, step.from) && declared(lesson, step.to));
        require(!step.matchers.empty() || !lesson.explainOnly.empty());
        for (const EventMatcher &matcher : step.matchers)
            require(matcher.during.empty() || traced(lesson, matcher.during));
    }
    for (std::size_t i = 0; i < lesson.quiz.size(); ++i) {
        const QuizQuestion &question = lesson.quiz[i];
        require(question.answer >= 0 && std::size_t(question.answer) < question.choices.size());
        require(lesson.source["quiz"][i]["answer"] == question.answer);
    }
    require(lesson.source["flowlab_lesson"] == kLessonFormatVersion);
    if (lesson.source.contains("capture") && lesson.source["capture"].contains("snaplen"))
        require(lesson.source["capture"]["snaplen"] == lesson.capture.snapLength);
}

// An event of the matcher's own kind and component, with attributes of every JSON type, so
// that each test and path meets a value it can compare. The texts are short: a lesson's regex
// may backtrack, and the loader does not promise to bound that.
Event sampleEvent(const EventMatcher &matcher)
{
    Event event;
    event.kind = matcher.kind;
    event.source = {matcher.component.value_or("dockerd"), matcher.node.value_or("host"), 7, ""};
    event.summary = "unshare(CLONE_NEWNS)";
    static const nlohmann::json attributes = nlohmann::json::parse(R"({
        "status": 200, "port": "8080", "ratio": 0.5, "ok": true, "none": null,
        "flags": ["CLONE_NEWNS", "CLONE_NEWPID"], "args": {"argv": ["run", "-d"], "0": 1}})");
    event.attributes = attributes;
    return event;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    const Result<Lesson> lesson = parseLesson(text, kFile);
    if (!lesson) {
        require(lesson.error().message().starts_with(std::string(kFile) + ": "));
        return 0;
    }
    checkAccepted(*lesson);
    for (const LessonStep &step : lesson->steps) {
        for (const EventMatcher &matcher : step.matchers) {
            (void)matcher.matches(sampleEvent(matcher));
            require(!matcher.describe().empty());
        }
    }
    return 0;
}

// libFuzzer's own byte mutator; linked only into the libFuzzer binary (the replay test never
// calls the custom mutator below).
extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t *data, std::size_t size, std::size_t maxSize)
    __attribute__((weak));

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t *data, std::size_t size,
                                               std::size_t maxSize, unsigned seed)
{
    std::mt19937 random(seed);
    // The loader's own parser, which refuses nesting deep enough to overflow the edits' stack.
    auto document = parseJsonDocument({reinterpret_cast<const char *>(data), size}, kFile);
    if (!document || lesson_fuzz::pick(random, 4) == 0)
        return LLVMFuzzerMutate(data, size, maxSize);
    const nlohmann::json donor = *document;
    lesson_fuzz::mutateLesson(*document, donor, random);
    const std::string text = document->dump();
    if (text.size() > maxSize)
        return LLVMFuzzerMutate(data, size, maxSize);
    std::memcpy(data, text.data(), text.size());
    return text.size();
}
