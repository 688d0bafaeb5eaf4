#pragma once

// What every flowlab-cli verb shares: reaching flowlabd (starting it on demand when run as
// root), printing progress, and reporting errors the same way.

#include "engine/base/LabPaths.h"
#include "engine/client/DaemonClient.h"

#include <memory>
#include <string>
#include <vector>

namespace flowlab::cli {

using Args = std::vector<std::string>;

struct CliContext
{
    LabPaths paths = LabPaths::fromEnvironment();
    bool quiet = false;
};

// Connects to flowlabd. As root, starts it (with --exit-when-down) when it is not running.
Result<std::unique_ptr<DaemonClient>> connectDaemon(const CliContext &context,
                                                    bool startIfNeeded = true);

// Prints "  · line" progress to stderr unless quiet.
ProgressFn progressPrinter(const CliContext &context);

int fail(const std::string &message, int code = 1);
bool wantsHelp(const Args &args);

// The verbs. Each parses its own arguments and returns the process exit code.
int labCommand(CliContext &context, const Args &args);
int imageCommand(CliContext &context, const Args &args);
int dockerCommand(CliContext &context, const Args &args);
int kubectlCommand(CliContext &context, const Args &args);
int curlCommand(CliContext &context, const Args &args);
int eventsCommand(CliContext &context, const Args &args);
int demoCommand(CliContext &context, const Args &args);
int runCommandVerb(CliContext &context, const Args &args);
int lessonCommand(CliContext &context, const Args &args);

// Runs the real docker CLI through the tap; returns its exit code (or -1 on our error,
// already reported). `firstSeq` receives the seq of the recorded command event.
int runDockerThroughTap(CliContext &context, const Args &dockerArgs, std::uint64_t *firstSeq);
// Prints the events recorded after `sinceSeq`, one line each.
int printEvents(CliContext &context, std::uint64_t sinceSeq, bool json);

} // namespace flowlab::cli
