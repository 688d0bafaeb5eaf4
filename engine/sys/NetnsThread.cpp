#include "engine/sys/NetnsThread.h"

#include "tracer/kernel/Netns.h"

namespace flowlab {

// The engine names namespaces; the tracer's helper does the joining, for both.
Status runInNetns(const std::string &netns, const std::function<void()> &work)
{
    auto fd = openNetns(netnsPath(netns));
    if (!fd)
        return fd.error().withContext("entering network namespace " + netns);
    return runOnThreadInNetns(fd->get(), netns, work);
}

} // namespace flowlab
