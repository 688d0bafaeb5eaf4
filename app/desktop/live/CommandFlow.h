#pragma once

// The flow of a command the user typed, shown the way a lesson is: each hop its evidence
// shows (the CLI's API calls to dockerd, dockerd's gRPC calls to containerd, the shim and
// runc starting, runc's namespace and mount syscalls, the container's first process) becomes
// a step on the stage of a reference lesson. Every step has a matcher on the event behind it
// and goes through the same StepMatcher as a lesson run, so what shows as observed is what
// this command caused, and nothing else.

#include "tracer/base/Result.h"
#include "tracer/bundle/TraceBundle.h"
#include "tracer/lesson/Lesson.h"

#include <string>
#include <vector>

namespace flowlab {

// `stage` provides the components and their layout (docker-run's); `events` are those logged
// from the command's own event (seq `commandSeq`) on. At most `maxSteps` steps.
Result<TraceBundle> commandFlowBundle(const Lesson &stage, const std::string &commandLine,
                                      const std::vector<Event> &events, std::uint64_t commandSeq,
                                      std::size_t maxSteps = 40);

} // namespace flowlab
