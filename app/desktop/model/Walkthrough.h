#pragma once

// A trace bundle opened for stepping through: the lesson as it ran, its steps in order with
// the events that prove each one, and fast lookups for the views (diagram, timeline,
// inspector). Plain C++ so that the benchmark and tests can use it without widgets.

#include "tracer/base/Result.h"
#include "tracer/bundle/TraceBundle.h"
#include "tracer/lesson/Lesson.h"

#include <cstdint>
#include <string>
#include <vector>

namespace flowlab {

// One event that a step's matcher matched, with the role the lesson gives it.
struct StepEvidence
{
    int matcher = 0;
    std::string role; // e.g. "before DNAT (client side)"
    const Event *event = nullptr;
};

struct WalkthroughStep
{
    const LessonStep *lessonStep = nullptr;
    const StepResult *result = nullptr; // null when the bundle has no result for it
    std::vector<StepEvidence> evidence; // in matcher order, then seq order

    bool observed() const { return result && result->status == StepStatus::Observed; }
};

class Walkthrough
{
public:
    // Reads DIR/trace.json (and the lesson it embeds). Errors name the file.
    static Result<Walkthrough> open(const std::string &bundleDir);
    // A lesson walked through without running it: every step is "explained", none observed.
    static Result<Walkthrough> fromLessonFile(const std::string &lessonPath);
    // From a bundle already in memory (tests, the live session, the benchmark generator).
    static Result<Walkthrough> fromBundle(TraceBundle bundle, std::string bundleDir = {});

    Walkthrough(const Walkthrough &) = delete;
    Walkthrough &operator=(const Walkthrough &) = delete;
    Walkthrough(Walkthrough &&) = default;
    Walkthrough &operator=(Walkthrough &&) = default;

    const TraceBundle &bundle() const { return m_bundle; }
    const Lesson &lesson() const { return m_lesson; }
    const std::string &bundleDir() const { return m_bundleDir; }
    // True when the bundle is a recording being replayed, not a run happening now.
    bool isRecording() const { return m_recording; }
    void setRecording(bool recording) { m_recording = recording; }

    int stepCount() const { return static_cast<int>(m_steps.size()); }
    const WalkthroughStep &step(int index) const { return m_steps.at(index); }
    int observedCount() const;

    const std::vector<Event> &events() const { return m_bundle.events; }
    const Event *event(std::uint64_t seq) const { return m_bundle.event(seq); }

    // Components that events came from (source.component), in order of first appearance;
    // the timeline draws a lane for each.
    const std::vector<std::string> &eventComponents() const { return m_eventComponents; }
    std::int64_t firstNs() const { return m_firstNs; }
    std::int64_t lastNs() const { return m_lastNs; }

private:
    Walkthrough() = default;
    Status index();

    TraceBundle m_bundle;
    Lesson m_lesson;
    std::string m_bundleDir;
    bool m_recording = true;
    std::vector<WalkthroughStep> m_steps;
    std::vector<std::string> m_eventComponents;
    std::int64_t m_firstNs = 0;
    std::int64_t m_lastNs = 0;
};

} // namespace flowlab
