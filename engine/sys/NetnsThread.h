#pragma once

// Runs a piece of work inside a lab network namespace. A network namespace is a per-thread
// attribute, so the work runs on a short-lived thread that joins the namespace with setns;
// the daemon's other threads, and the host, are unaffected.

#include "tracer/base/Result.h"

#include <functional>
#include <string>

namespace flowlab {

// Calls `work` on a thread that has joined /run/netns/<netns>, and waits for it.
Status runInNetns(const std::string &netns, const std::function<void()> &work);

} // namespace flowlab
