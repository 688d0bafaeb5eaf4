#include "app/desktop/model/Walkthrough.h"

#include "tracer/lesson/LessonLoader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_set>

namespace flowlab {

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
    auto walkthrough = fromBundle(std::move(bundle));
    if (walkthrough)
        walkthrough->m_recording = false;
    return walkthrough;
}

Result<Walkthrough> Walkthrough::fromBundle(TraceBundle bundle, std::string bundleDir)
{
    Walkthrough walkthrough;
    walkthrough.m_bundle = std::move(bundle);
    walkthrough.m_bundleDir = std::move(bundleDir);
    // A bundle opened from disk is a recording unless the caller says it is live.
    walkthrough.m_recording = true;
    const std::string where =
        walkthrough.m_bundleDir.empty() ? std::string("bundle") : walkthrough.m_bundleDir;
    if (!walkthrough.m_bundle.lesson.is_object() || walkthrough.m_bundle.lesson.empty())
        return Error(where + ": the trace has no lesson in it");
    auto lesson = parseLesson(walkthrough.m_bundle.lesson.dump(), where + "/trace.json#/lesson");
    if (!lesson)
        return lesson.error();
    walkthrough.m_lesson = std::move(lesson).value();
    if (auto indexed = walkthrough.index(); !indexed)
        return indexed.error();
    return walkthrough;
}

Status Walkthrough::index()
{
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

} // namespace flowlab
