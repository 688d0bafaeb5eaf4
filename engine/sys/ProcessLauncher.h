#pragma once

// Starting the lab's long-running services (registry, containerd, dockerd) inside a lab
// network namespace. LinuxProcessLauncher forks and execs; RecordingProcessLauncher (tests)
// records what would have run.

#include "tracer/base/Result.h"

#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace flowlab {

struct LaunchSpec
{
    std::vector<std::string> argv;                        // argv[0] is an absolute path
    std::vector<std::pair<std::string, std::string>> env; // added to a minimal environment
    std::string netns;   // joined with setns before exec; "" stays in the caller's
    std::string logPath; // stdout and stderr are appended here
    std::string workingDir = "/";
};

// A started process, identified by pid and start time so that a recycled pid is never
// mistaken for ours.
struct ProcessHandle
{
    pid_t pid = 0;
    unsigned long long startTime = 0; // /proc/PID/stat field 22, clock ticks since boot
};

class ProcessLauncher
{
public:
    virtual ~ProcessLauncher() = default;
    virtual Result<ProcessHandle> launch(const LaunchSpec &spec) = 0;
    // Whether the process still runs (and is the same process).
    virtual bool isRunning(const ProcessHandle &process) = 0;
    // Sends `signal`, then waits up to `graceMs` for it to exit; SIGKILL after that.
    virtual Status stop(const ProcessHandle &process, int signal, int graceMs) = 0;
};

class LinuxProcessLauncher final : public ProcessLauncher
{
public:
    Result<ProcessHandle> launch(const LaunchSpec &spec) override;
    bool isRunning(const ProcessHandle &process) override;
    Status stop(const ProcessHandle &process, int signal, int graceMs) override;
};

// Whether `process` exists, is the same process (start time), and is not a zombie. Reads
// /proc only: no waitpid, so it is safe for processes another thread reaps.
bool isAliveInProc(const ProcessHandle &process);

// Start time of `pid` from /proc, or 0 when it does not exist.
unsigned long long processStartTime(pid_t pid);

// Sends `signal` to each child of `parent` (from /proc/PID/task/PID/children); returns how
// many children there were.
int signalChildrenInProc(pid_t parent, int signal);

} // namespace flowlab
