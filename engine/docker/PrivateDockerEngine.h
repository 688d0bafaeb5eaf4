#pragma once

// The lab's own Docker Engine: Debian's containerd and dockerd, run in flowlab-docker with
// every path of their own under /var/lib/flowlab and /run/flowlab. A system Docker, its
// socket (/var/run/docker.sock), /var/lib/docker and its firewall are never touched.
//
// The plain image name `nginx` resolves to docker.io/library/nginx; with the lab registry
// as dockerd's registry mirror, that is pulled from 192.168.56.5:5000/library/nginx. The
// namespace has no route out of the lab, so a name the mirror lacks fails without any
// packet leaving it.

#include "engine/base/LabPaths.h"
#include "engine/lab/LabService.h"

#include <vector>

namespace flowlab {

class PrivateDockerEngine
{
public:
    explicit PrivateDockerEngine(LabPaths paths)
        : m_paths(std::move(paths))
    {}

    std::string renderContainerdConfig() const;
    std::string renderDaemonJson() const;

    Result<ServiceSpec> prepareContainerd() const;
    Result<ServiceSpec> prepareDockerd() const;

    // Paths dockerd creates on the host outside our roots, whatever its flags; `lab down`
    // removes those that did not exist before.
    static std::vector<std::string> hostPathsItCreates();

    // Added to containerd's and dockerd's environment, traced or not.
    static std::vector<std::pair<std::string, std::string>> engineEnvironment();

    // The docker CLI to talk to it with: $FLOWLAB_DOCKER_CLI when set, else Debian's
    // /usr/bin/docker, else `docker` from PATH. An error says what to install.
    static Result<std::string> clientProgram();

    bool containerdAnswers() const;
    bool dockerdAnswers() const;

    // The cgroup parent of every container, in every hierarchy.
    static inline const std::string kCgroupParent = "flowlab-docker";

private:
    LabPaths m_paths;
};

} // namespace flowlab
