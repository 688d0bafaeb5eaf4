#pragma once

// `lab down`: stop the lab's services gracefully, then remove whatever the census still
// finds, until it finds nothing. Works from the state file alone, or from nothing at all
// (after kill -9 of flowlabd, or a crash in the middle of `lab up`).

#include "engine/base/LabPaths.h"
#include "engine/lab/Census.h"
#include "engine/lab/LabNetwork.h"
#include "engine/sys/NetworkOps.h"
#include "engine/sys/ProcessLauncher.h"

namespace flowlab {

class LabTeardown
{
public:
    LabTeardown(LabPaths paths, NetworkOps &network, ProcessLauncher &launcher)
        : m_paths(std::move(paths))
        , m_network(network)
        , m_launcher(launcher)
    {}

    // `keep` names what must survive: a running flowlabd's pid and its socket and pid file.
    Status run(const CensusOptions &keep, const ProgressFn &progress);

private:
    void stopServicesGracefully(const ProgressFn &progress);
    void removeLeftovers(const std::vector<Leftover> &leftovers, const CensusOptions &keep,
                         const ProgressFn &progress);
    void killProcesses(const std::vector<Leftover> &leftovers, const ProgressFn &progress);
    void removeFiles(const std::string &root, const CensusOptions &keep,
                     const ProgressFn &progress);

    LabPaths m_paths;
    NetworkOps &m_network;
    ProcessLauncher &m_launcher;
};

} // namespace flowlab
