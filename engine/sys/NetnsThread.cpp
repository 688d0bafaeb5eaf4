#include "engine/sys/NetnsThread.h"

#include <fcntl.h>
#include <sched.h>
#include <thread>
#include <unistd.h>

namespace flowlab {

Status runInNetns(const std::string &netns, const std::function<void()> &work)
{
    const std::string path = "/run/netns/" + netns;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error::fromErrno("open " + path).context("entering network namespace " + netns);
    Status status;
    std::thread worker([&] {
        if (::setns(fd, CLONE_NEWNET) != 0) {
            status = Error::fromErrno("setns " + path);
            return;
        }
        work();
    });
    worker.join();
    ::close(fd);
    return status;
}

} // namespace flowlab
