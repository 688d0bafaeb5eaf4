#include "engine/base/Prerequisites.h"

#include "engine/sys/Command.h"

#include <unistd.h>

namespace flowlab {

const std::vector<RequiredProgram> &dockerLabPrograms()
{
    static const std::vector<RequiredProgram> programs{
        {"ip", "iproute2", "creating the lab's namespaces and links"},
        {"iptables", "iptables", "Docker's port publishing (DNAT)"},
        {"docker-registry", "docker-registry", "the lab registry"},
        {"containerd", "containerd", "the private Docker Engine"},
        {"containerd-shim-runc-v2", "containerd", "the private Docker Engine"},
        {"runc", "runc", "running containers"},
        {"dockerd", "docker.io", "the private Docker Engine"},
    };
    return programs;
}

Status checkPrograms(const std::vector<RequiredProgram> &programs)
{
    std::string missing;
    std::string packages;
    for (const auto &required : programs) {
        if (!findProgram(required.program).empty())
            continue;
        if (!missing.empty())
            missing += "; ";
        missing += required.program + " is not installed (needed for " + required.whatFor +
                   "; Debian package " + required.debPackage + ")";
        if (packages.find(required.debPackage) == std::string::npos)
            packages += " " + required.debPackage;
    }
    if (missing.empty())
        return success();
    return Error(missing + ". Install with: apt-get install" + packages);
}

Status checkRoot(const std::string &forWhat)
{
    if (::geteuid() == 0)
        return success();
    return Error(forWhat + " needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN, to create network "
                           "namespaces and run the private Docker Engine): run flowlabd as "
                           "root, and use flowlab-cli or the app as a member of group flowlab");
}

} // namespace flowlab
