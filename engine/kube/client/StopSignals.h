#pragma once

// How the lab's Kubernetes programs stop: SIGTERM or SIGINT quits the Qt event loop between two
// steps rather than in the middle of one (a self-pipe the loop watches: a signal handler may
// only write a byte), and SIGPIPE is ignored so that a peer closing a socket is an error to
// handle, not the end of the process.

#include "tracer/base/Result.h"

#include <QCoreApplication>
#include <functional>

namespace flowlab::kube {

// `beforeQuit` runs on the event loop when a stop signal arrives (e.g. to log a summary).
Status quitOnStopSignals(QCoreApplication &app, std::function<void()> beforeQuit = {});

} // namespace flowlab::kube
