#include "app/desktop/live/LiveProgress.h"

#include "tracer/lesson/StepMatcher.h"

#include <limits>

namespace flowlab {

namespace {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

// The actions whose start and end the daemon reports as command events.
bool reportsBoundaries(const LessonAction &action)
{
    return action.kind == "docker" || action.kind == "http";
}

std::string actionOf(const Event &event)
{
    if (event.kind != EventKind::Command)
        return {};
    const auto *action = findPath(event.attributes, "action");
    return action && action->is_string() ? action->get<std::string>() : std::string();
}

} // namespace

LiveWindows liveActionWindows(const Lesson &lesson, const std::vector<Event> &events,
                              std::int64_t runStartNs, std::int64_t nowNs)
{
    LiveWindows live;
    std::int64_t previousEnd = runStartNs;
    for (const LessonAction &action : lesson.actions) {
        const Event *start = nullptr;
        const Event *end = nullptr;
        for (const Event &event : events) {
            if (actionOf(event) != action.id)
                continue;
            // The closing event links to the opening one.
            if (event.links.empty() && !start)
                start = &event;
            else if (!event.links.empty())
                end = &event;
        }
        if (!reportsBoundaries(action)) {
            // No boundaries to go by: open from where the previous action ended.
            live.windows.push_back({action.id, previousEnd, kNever});
            live.openActions.push_back(action.id);
            continue;
        }
        if (!start) {
            live.openActions.push_back(action.id); // not started: nothing can be its evidence
            continue;
        }
        ActionWindow window{action.id, start->monotonicNs, kNever};
        if (end) {
            window.endNs = end->monotonicNs + kActionSettleNs;
            previousEnd = window.endNs;
        }
        if (!end || nowNs < window.endNs)
            live.openActions.push_back(action.id);
        live.windows.push_back(window);
    }
    return live;
}

TraceBundle liveBundleSoFar(const Lesson &lesson, std::vector<Event> events,
                            std::int64_t runStartNs, std::int64_t nowNs)
{
    const LiveWindows live = liveActionWindows(lesson, events, runStartNs, nowNs);
    TraceBundle bundle;
    bundle.lesson = lesson.source;
    bundle.run = {{"lesson", lesson.id},
                  {"live", true},
                  {"in_progress", true},
                  {"open_actions", live.openActions},
                  {"actions", live.windows}};
    bundle.steps = matchSteps(lesson, events, live.windows);
    bundle.events = std::move(events);
    return bundle;
}

} // namespace flowlab
