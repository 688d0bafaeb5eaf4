#pragma once

// Builds the lab's namespaces and links from a LabTopology, idempotently: what exists is
// left alone, what is missing is created. Each namespace is recorded in the state before it
// is created, and the state saved, so a crash never leaves one that `lab down` cannot find.

#include "engine/lab/LabState.h"
#include "engine/lab/LabTopology.h"
#include "engine/sys/NetworkOps.h"
#include "tracer/base/Progress.h"

#include <functional>
#include <string>

namespace flowlab {

class LabNetwork
{
public:
    LabNetwork(NetworkOps &ops, const LabTopology &topology)
        : m_ops(ops)
        , m_topology(topology)
    {}

    // `saveState` is called whenever `state` gained something that must survive a crash.
    Status build(LabState &state, const std::function<Status()> &saveState,
                 const ProgressFn &progress);

private:
    Status ensureNamespace(const std::string &netns, LabState &state,
                           const std::function<Status()> &saveState, const ProgressFn &progress);
    Status ensureHostLink(const LabHost &host, const ProgressFn &progress);

    NetworkOps &m_ops;
    const LabTopology &m_topology;
};

} // namespace flowlab
