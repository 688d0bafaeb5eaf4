#pragma once

// A large trace for the desktop benchmark, made up: it is labelled synthetic in its run
// record ("synthetic": true) and its lesson's title, and it is used only here. Its events
// cycle through the kinds and components a real docker-run trace has, with attributes of the
// same shape, so that the views do the work they would do on a long real recording.

#include "tracer/bundle/TraceBundle.h"

#include <string>

namespace flowlab::bench {

// `lessonPath`: the lesson whose components and steps the trace uses (docker-run).
Result<TraceBundle> makeSyntheticTrace(const std::string &lessonPath, std::size_t eventCount);

} // namespace flowlab::bench
