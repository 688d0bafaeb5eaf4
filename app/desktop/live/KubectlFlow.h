#pragma once

// What a `kubectl ...` line typed in the live panel is expected to do, hop by hop, and the
// diagram it is drawn on. Like a docker command's flow (CommandFlow.h), each hop is a lesson
// step whose matcher knows nothing of the run: the evidence the command caused either shows
// the hop or leaves it missing.
//
// Every kubectl call goes through the apiserver's pipeline (seed 000, "STEP 3: API Server
// Processes"): authentication, authorization, and for a write, mutating then validating
// admission and the store. Commands that create or change workloads go on to the controllers
// and the scheduler, which act on the stored object after kubectl has returned.

#include "app/desktop/live/CommandFlow.h"
#include "tracer/lesson/Lesson.h"

#include <string>
#include <vector>

namespace flowlab {

// The hops of `kubectl ARGS...` (ARGS without "kubectl").
std::vector<ExpectedHop> kubectlHops(const std::vector<std::string> &kubectlArgs);

// The Kubernetes diagram a kubectl command's flow is drawn on: you and kubectl, the apiserver
// and its store, the controller-manager and the scheduler. Built in, since it is the shape of
// every control-plane request rather than one lesson's.
const Lesson &kubectlCommandStage();

} // namespace flowlab
