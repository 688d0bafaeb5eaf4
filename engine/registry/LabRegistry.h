#pragma once

// The lab registry: Debian's docker-registry (distribution 2.8) in flowlab-registry,
// listening on 192.168.56.5:5000, no auth, storage under /var/lib/flowlab/registry.
// Debian's packaged config enables htpasswd auth, so we always pass our own.

#include "engine/base/LabPaths.h"
#include "engine/lab/LabService.h"

namespace flowlab {

class LabRegistry
{
public:
    explicit LabRegistry(LabPaths paths)
        : m_paths(std::move(paths))
    {}

    std::string url() const { return "http://" + kRegistryAddressForUrls; }
    std::string renderConfig() const;
    // Writes the config and returns how to run it; the starter waits for GET /v2/ to answer.
    Result<ServiceSpec> prepare() const;

    // GET /v2/ from inside the lab (the registry is not reachable from the host).
    bool answers() const;

    static inline const std::string kRegistryAddressForUrls = "192.168.56.5:5000";

private:
    LabPaths m_paths;
};

} // namespace flowlab
