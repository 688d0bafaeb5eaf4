#pragma once

// Runs a lesson for real: setup, evidence on, each action with its time window, evidence off,
// cleanup; then matches the steps and writes the trace bundle.

#include "engine/lesson/EvidenceSession.h"
#include "engine/lesson/LessonActions.h"
#include "tracer/bundle/TraceBundle.h"

namespace flowlab {

struct LessonRun
{
    TraceBundle bundle;
    std::string bundleDir;
    bool allObserved() const;
};

class LessonRunner
{
public:
    LessonRunner(LessonActions &actions, EventLog &events, EvidenceSession &evidence)
        : m_actions(actions)
        , m_events(events)
        , m_evidence(evidence)
    {}

    // `bundleDir` receives trace.json, trace-events.json, lesson.json and capture.pcapng.
    Result<LessonRun> run(const Lesson &lesson, const std::string &bundleDir,
                          const ProgressFn &progress);

private:
    Status runActions(const std::vector<LessonAction> &actions, const char *phase,
                      const ProgressFn &progress, std::vector<ActionWindow> *windows);

    LessonActions &m_actions;
    EventLog &m_events;
    EvidenceSession &m_evidence;
};

// "step 10 request: before DNAT (client side)" for every packet a step's evidence names.
std::map<std::uint64_t, std::string> packetComments(const Lesson &lesson,
                                                    const TraceBundle &bundle);

} // namespace flowlab
