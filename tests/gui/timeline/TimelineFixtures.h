#pragma once

// SYNTHETIC data for the timeline's size test: a made-up lesson and a generated trace of many
// events. It checks that the view copes with a trace of that size; it is never shown as a
// recording of anything.

#include "app/desktop/model/Walkthrough.h"

#include <QtGlobal>
#include <cstdint>
#include <string>
#include <vector>

namespace flowlab::test {

inline const char *kSyntheticLesson = R"JSON({
  "flowlab_lesson": 1, "id": "synthetic-timeline", "title": "Synthetic timeline load",
  "summary": "Generated events for the timeline's size test (synthetic, not a recording)",
  "level": "beginner", "lab": "docker",
  "components": [{"id": "dockerd"}, {"id": "runc"}],
  "actions": [{"id": "run", "do": "docker", "args": ["ps"]}],
  "steps": [
    {"id": "early", "title": "Early", "component": "dockerd", "explanation": "synthetic",
     "match": [{"kind": "api"}]},
    {"id": "late", "title": "Late", "component": "runc", "explanation": "synthetic",
     "match": [{"kind": "syscall"}]}
  ]
})JSON";

// `count` events over `components` components and about 30 s, seqs from 1. Every 97th event
// is written a little out of time order, as a recorder's merged streams can be. Step "early"
// is proven by three events near the start, step "late" by two near the end.
inline Walkthrough syntheticWalkthrough(int count, int components)
{
    TraceBundle bundle;
    bundle.lesson = nlohmann::json::parse(kSyntheticLesson);
    bundle.run = {{"lesson", "synthetic-timeline"}, {"synthetic", true}};
    bundle.events.reserve(count);
    const std::int64_t start = 5'000'000'000;
    const std::int64_t spacing = 30'000'000'000LL / count;
    for (int i = 0; i < count; ++i) {
        Event event;
        event.seq = static_cast<std::uint64_t>(i + 1);
        event.monotonicNs = start + i * spacing + (i % 97 == 0 ? -3 * spacing : 0);
        event.kind = static_cast<EventKind>(i % 15);
        event.source.component = "component-" + std::to_string((i * 7) % components);
        event.summary = "synthetic event " + std::to_string(i + 1);
        bundle.events.push_back(std::move(event));
    }
    StepResult early;
    early.stepId = "early";
    early.status = StepStatus::Observed;
    early.evidence.push_back({0, "first", {10, 500, 2000}});
    StepResult late;
    late.stepId = "late";
    late.status = StepStatus::Observed;
    late.evidence.push_back(
        {0, "last", {static_cast<std::uint64_t>(count - 50), static_cast<std::uint64_t>(count)}});
    bundle.steps = {early, late};
    auto walkthrough = Walkthrough::fromBundle(std::move(bundle), "synthetic");
    if (!walkthrough)
        qFatal("building the synthetic walkthrough: %s", walkthrough.error().message().c_str());
    return std::move(walkthrough).value();
}

} // namespace flowlab::test
