#pragma once

// The flow of a command the user typed, shown the way a lesson is. What the command is
// expected to do comes from the command itself (`docker run` creates and starts a container:
// the API calls, containerd's task, the shim, runc, the namespaces, the first process); each
// expected hop is a lesson step with a matcher that does not know the evidence, and the
// command's evidence goes through the same StepMatcher as a lesson run. A hop the evidence
// does not show stays missing.
//
// The evidence is what the command caused and nothing else: the events from its own event
// (the daemon's, when the session started) to the end of its span, plus events outside that
// window that link to one inside it (a streamed response completing late). A docker
// command's span ends when the CLI exits; a kubectl command's a moment later (LivePanel's
// settle time), because the controllers and the scheduler act on what it stored after
// kubectl has returned. kubectl's hops are in KubectlFlow.h.

#include "tracer/base/Result.h"
#include "tracer/bundle/TraceBundle.h"
#include "tracer/lesson/Lesson.h"

#include <cstdint>
#include <string>
#include <vector>

namespace flowlab {

// A typed command's lifetime: the daemon's event for it (docker.session's or kubectl.session's
// command_seq) and the end of its span (above), on CLOCK_MONOTONIC like every event's timestamp.
struct CommandSpan
{
    std::string commandLine;
    std::uint64_t commandSeq = 0;
    std::int64_t endNs = 0;
};

// The events `span` caused, in seq order (see above). Empty when the command's own event is
// not among `events`.
std::vector<Event> eventsOfCommand(const std::vector<Event> &events, const CommandSpan &span);

// One hop a docker command is expected to make, as a lesson step (lessons/SCHEMA.md).
struct ExpectedHop
{
    std::string title, from, to, component, label, explanation;
    nlohmann::json matcher;
};

// The hops `docker ARGS...` makes, from its subcommand (`run`, `container run`, `ps`, …). An
// unknown subcommand is expected to call the Engine API and be answered, nothing more.
std::vector<ExpectedHop> expectedHops(const std::vector<std::string> &dockerArgs);

// The command's flow on the stage of a reference lesson (docker-run's components and layout):
// the expected hops as steps, matched against eventsOfCommand(). Fails when the command's
// event has not arrived or its end is unknown.
Result<TraceBundle> commandFlowBundle(const Lesson &stage, const CommandSpan &span,
                                      const std::vector<Event> &events);

// The lesson whose diagram a command's flow is drawn on: id "docker-run", from the first of
// `directories` that has it (any file name). The error names the directories searched.
Result<Lesson> loadCommandFlowStage(const std::vector<std::string> &directories);

} // namespace flowlab
