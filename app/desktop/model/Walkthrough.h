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

// Where a walkthrough's evidence comes from, which decides how a matched step may be shown.
// Only Live and Recording hold evidence captured by a run; see Walkthrough::origin().
enum class TraceOrigin {
    Live,        // a run happening now, or one that just finished in this window
    Recording,   // a bundle a run wrote earlier, opened from disk
    Synthetic,   // made up (tests, benchmarks, demos): run.synthetic; nothing was captured
    ExplainOnly, // nothing was run: a lesson walked through, or run.explained_only
};

// How a step may be shown. Only Observed is the final "✓ observed": evidence captured in a
// run matched it and every action window its matchers look in was closed.
enum class StepState {
    Observed,  // captured evidence matched; final
    SeenSoFar, // live: matched so far, but a window it looks in is still open
    Waiting,   // live: nothing matched yet, and the run is still going
    Missing,   // the run ended without evidence for it: "✗ not observed"
    Explained, // not run (explain-only, or no result in the trace)
    Synthetic, // matched, but by made-up events: never shown as observed
};

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
    StepState state = StepState::Explained;

    // Final: captured evidence matched it (see StepState).
    bool observed() const { return state == StepState::Observed; }
    // Its matchers matched, whatever the trace's origin and whether its windows are closed.
    bool matched() const { return result && result->status == StepStatus::Observed; }
    // The event that labels the step: its first matcher's first event (the step's
    // key evidence), or null when nothing matched.
    const Event *keyEvent() const
    {
        return matched() && !evidence.empty() ? evidence.front().event : nullptr;
    }
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
    // From the bundle's run record: "synthetic": true makes it Synthetic, "explained_only": true
    // (or an explain-only lesson) ExplainOnly, "live": true Live; any other bundle is a
    // Recording.
    TraceOrigin origin() const { return m_origin; }
    bool isRecording() const { return m_origin == TraceOrigin::Recording; }
    // A recording this window's own run just wrote is shown as live. Synthetic and
    // explain-only bundles stay what they are.
    void markLive();
    // A live run still going: some action windows are open (run.in_progress).
    bool inProgress() const { return m_inProgress; }

    int stepCount() const { return static_cast<int>(m_steps.size()); }
    const WalkthroughStep &step(int index) const { return m_steps.at(index); }
    // Steps shown as observed (StepState::Observed), and steps whose matchers matched.
    int observedCount() const;
    int matchedCount() const;

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
    TraceOrigin m_origin = TraceOrigin::Recording;
    bool m_inProgress = false;
    std::vector<WalkthroughStep> m_steps;
    std::vector<std::string> m_eventComponents;
    std::int64_t m_firstNs = 0;
    std::int64_t m_lastNs = 0;
};

} // namespace flowlab
