#pragma once

// Starting one long-running lab service (registry, containerd, dockerd) and waiting until it
// answers. Idempotent: a service that already runs and answers is left alone.

#include "engine/lab/LabNetwork.h"
#include "engine/lab/LabState.h"
#include "engine/sys/ProcessLauncher.h"

#include <functional>
#include <string>
#include <vector>

namespace flowlab {

struct ServiceSpec
{
    std::string name;
    LaunchSpec launch;
    std::function<bool()> isReady; // polled until true
    int readyTimeoutMs = 30'000;
};

class LabServiceStarter
{
public:
    LabServiceStarter(ProcessLauncher &launcher, LabState &state, std::function<Status()> saveState)
        : m_launcher(launcher)
        , m_state(state)
        , m_saveState(std::move(saveState))
    {}

    Status start(const ServiceSpec &spec, const ProgressFn &progress);

private:
    ProcessLauncher &m_launcher;
    LabState &m_state;
    std::function<Status()> m_saveState;
};

// The last `lines` lines of a log file, for error messages.
std::string tailOfFile(const std::string &path, int lines = 8);

// Creates the service's directories and writes its config file.
Status writeServiceFiles(const std::vector<std::string> &dirs, const std::string &configPath,
                         const std::string &config);

// Creates `dir` and its parents (mode 0755 for new ones).
Status makeDirectories(const std::string &dir);
Status writeTextFile(const std::string &path, const std::string &content);

} // namespace flowlab
