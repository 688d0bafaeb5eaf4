#pragma once

// While a lesson runs live, the steps matched so far, with the daemon's own rule for what an
// action caused (lessons/SCHEMA.md): evidence stamped from the action's start until 400 ms
// after it ends. The daemon reports an action's start and end as command events carrying
// attributes.action (the `docker` and `http` actions do), so each window closes as soon as
// its end is reported and settled; until then it is open, and a step that looks in an open
// window is only "seen so far" (StepState::SeenSoFar), never the final ✓. A step nothing
// matched yet is "waiting": only the daemon's check at the end says "not observed".

#include "tracer/bundle/TraceBundle.h"
#include "tracer/lesson/Lesson.h"

#include <cstdint>
#include <string>
#include <vector>

namespace flowlab {

// How long evidence that follows an action (packets, netlink) is given to arrive, as the
// daemon's LessonRunner does.
inline constexpr std::int64_t kActionSettleNs = 400'000'000;

struct LiveWindows
{
    // One per lesson action that has started. An open window ends at its reported end plus
    // the settle time when that end is known, else never.
    std::vector<ActionWindow> windows;
    // Actions whose window is not closed yet: not started, running, or settling.
    std::vector<std::string> openActions;
};

// `runStartNs` is when the run was asked for; `nowNs` the current CLOCK_MONOTONIC time.
LiveWindows liveActionWindows(const Lesson &lesson, const std::vector<Event> &events,
                              std::int64_t runStartNs, std::int64_t nowNs);

// The run so far as a bundle: run.live and run.in_progress are true and run.open_actions
// names the open windows, so that Walkthrough shows its steps as provisional.
TraceBundle liveBundleSoFar(const Lesson &lesson, std::vector<Event> events,
                            std::int64_t runStartNs, std::int64_t nowNs);

} // namespace flowlab
