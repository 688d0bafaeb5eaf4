#include "app/desktop/model/Walkthrough.h"

#include "tracer/lesson/LessonLoader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_set>

namespace flowlab {

namespace {

bool runFlag(const nlohmann::json &run, const char *key)
{
    const auto it = run.find(key);
    return it != run.end() && it->is_boolean() && it->get<bool>();
}

// The origin the run record claims. Synthetic wins over everything: made-up events must
// never pass for captured ones, whatever else the record says.
TraceOrigin originOf(const nlohmann::json &run, const Lesson &lesson)
{
    if (!run.is_object())
        return lesson.explainOnly.empty() ? TraceOrigin::Recording : TraceOrigin::ExplainOnly;
    if (runFlag(run, "synthetic"))
        return TraceOrigin::Synthetic;
    if (runFlag(run, "explained_only") || !lesson.explainOnly.empty())
        return TraceOrigin::ExplainOnly;
    if (runFlag(run, "live"))
        return TraceOrigin::Live;
    return TraceOrigin::Recording;
}

// The actions whose windows are still open in a live run (run.open_actions).
std::unordered_set<std::string> openActions(const nlohmann::json &run)
{
    std::unordered_set<std::string> open;
    const auto it = run.find("open_actions");
    if (it != run.end() && it->is_array())
        for (const auto &id : *it)
            if (id.is_string())
                open.insert(id.get<std::string>());
    return open;
}

StepState stateOf(const WalkthroughStep &step, TraceOrigin origin, bool inProgress,
                  const std::unordered_set<std::string> &open)
{
    if (origin == TraceOrigin::ExplainOnly || !step.result ||
        step.result->status == StepStatus::Explained)
        return StepState::Explained;
    if (step.result->status != StepStatus::Observed)
        // Only the run's end (the daemon's check) can say something was never seen.
        return inProgress ? StepState::Waiting : StepState::Missing;
    if (origin == TraceOrigin::Synthetic)
        return StepState::Synthetic;
    if (inProgress)
        for (const EventMatcher &matcher : step.lessonStep->matchers)
            if (matcher.during.empty() || open.count(matcher.during))
                return StepState::SeenSoFar;
    return StepState::Observed;
}

} // namespace

Result<Walkthrough> Walkthrough::open(const std::string &bundleDir)
{
    const std::string tracePath = (std::filesystem::path(bundleDir) / "trace.json").string();
    if (!std::filesystem::exists(tracePath))
        return Error(bundleDir + ": not a Flowlab bundle (no trace.json in it)");
    auto bundle = TraceBundle::readTraceJson(tracePath);
    if (!bundle)
        return bundle.error();
    return fromBundle(std::move(bundle).value(), bundleDir);
}

Result<Walkthrough> Walkthrough::fromLessonFile(const std::string &lessonPath)
{
    auto lesson = loadLesson(lessonPath);
    if (!lesson)
        return lesson.error();
    TraceBundle bundle;
    bundle.lesson = lesson->source;
    bundle.run = {{"lesson", lesson->id}, {"explained_only", true}};
    for (const LessonStep &step : lesson->steps) {
        StepResult result;
        result.stepId = step.id;
        result.status = StepStatus::Explained;
        bundle.steps.push_back(std::move(result));
    }
    return fromBundle(std::move(bundle));
}

Result<Walkthrough> Walkthrough::fromBundle(TraceBundle bundle, std::string bundleDir)
{
    Walkthrough walkthrough;
    walkthrough.m_bundle = std::move(bundle);
    walkthrough.m_bundleDir = std::move(bundleDir);
    const std::string where =
        walkthrough.m_bundleDir.empty() ? std::string("bundle") : walkthrough.m_bundleDir;
    if (!walkthrough.m_bundle.lesson.is_object() || walkthrough.m_bundle.lesson.empty())
        return Error(where + ": the trace has no lesson in it");
    auto lesson = parseLesson(walkthrough.m_bundle.lesson.dump(), where + "/trace.json#/lesson");
    if (!lesson)
        return lesson.error();
    walkthrough.m_lesson = std::move(lesson).value();
    walkthrough.m_origin = originOf(walkthrough.m_bundle.run, walkthrough.m_lesson);
    walkthrough.m_inProgress = walkthrough.m_origin == TraceOrigin::Live &&
                               runFlag(walkthrough.m_bundle.run, "in_progress");
    if (auto indexed = walkthrough.index(); !indexed)
        return indexed.error();
    return walkthrough;
}

void Walkthrough::markLive()
{
    if (m_origin == TraceOrigin::Recording) {
        m_origin = TraceOrigin::Live;
        (void)index(); // cannot fail: it only walks what fromBundle checked
    }
}

Status Walkthrough::index()
{
    const std::unordered_set<std::string> open = openActions(m_bundle.run);
    std::map<std::string, const StepResult *> results;
    for (const StepResult &result : m_bundle.steps)
        results[result.stepId] = &result;

    m_steps.clear();
    m_steps.reserve(m_lesson.steps.size());
    for (const LessonStep &lessonStep : m_lesson.steps) {
        WalkthroughStep step;
        step.lessonStep = &lessonStep;
        if (auto it = results.find(lessonStep.id); it != results.end())
            step.result = it->second;
        if (step.result) {
            for (const MatchedEvidence &matched : step.result->evidence)
                for (std::uint64_t seq : matched.seqs)
                    if (const Event *event = m_bundle.event(seq))
                        step.evidence.push_back({matched.matcher, matched.role, event});
        }
        step.state = stateOf(step, m_origin, m_inProgress, open);
        m_steps.push_back(std::move(step));
    }

    m_eventComponents.clear();
    std::unordered_set<std::string> seen;
    m_firstNs = m_lastNs = 0;
    bool first = true;
    for (const Event &event : m_bundle.events) {
        if (seen.insert(event.source.component).second)
            m_eventComponents.push_back(event.source.component);
        if (first) {
            m_firstNs = m_lastNs = event.monotonicNs;
            first = false;
        }
        m_firstNs = std::min(m_firstNs, event.monotonicNs);
        m_lastNs = std::max(m_lastNs, event.monotonicNs);
    }
    return success();
}

int Walkthrough::observedCount() const
{
    return static_cast<int>(
        std::count_if(m_steps.begin(), m_steps.end(), [](const auto &s) { return s.observed(); }));
}

int Walkthrough::matchedCount() const
{
    return static_cast<int>(
        std::count_if(m_steps.begin(), m_steps.end(), [](const auto &s) { return s.matched(); }));
}

} // namespace flowlab
