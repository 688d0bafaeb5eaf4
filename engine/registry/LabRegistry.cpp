#include "engine/registry/LabRegistry.h"

#include "engine/lab/LabTopology.h"
#include "engine/net/HttpClient.h"
#include "engine/sys/Command.h"
#include "engine/sys/NetnsThread.h"

#include <filesystem>

namespace flowlab {

std::string LabRegistry::renderConfig() const
{
    return "# Written by flowlabd for the lab registry. No auth: it is reachable only inside\n"
           "# the lab's network namespaces.\n"
           "version: 0.1\n"
           "log:\n"
           "  level: info\n"
           "  fields:\n"
           "    service: flowlab-registry\n"
           "storage:\n"
           "  filesystem:\n"
           "    rootdirectory: " +
           m_paths.registryStorage() +
           "\n"
           "  delete:\n"
           "    enabled: true\n"
           "http:\n"
           "  addr: " +
           kRegistryAddress +
           "\n"
           "  headers:\n"
           "    X-Content-Type-Options: [nosniff]\n";
}

Result<ServiceSpec> LabRegistry::prepare() const
{
    const std::string configDir = std::filesystem::path(m_paths.registryConfig()).parent_path();
    if (auto s = writeServiceFiles({configDir, m_paths.registryStorage(), m_paths.logDir()},
                                   m_paths.registryConfig(), renderConfig());
        !s)
        return s.error();

    ServiceSpec spec;
    spec.name = "registry";
    spec.launch.argv = {findProgram("docker-registry"), "serve", m_paths.registryConfig()};
    spec.launch.netns = kRegistryNetns;
    spec.launch.logPath = m_paths.logDir() + "/registry.log";
    spec.isReady = [this] { return answers(); };
    spec.readyTimeoutMs = 20'000;
    return spec;
}

bool LabRegistry::answers() const
{
    bool ok = false;
    (void)runInNetns(kClientNetns, [&] {
        auto response = httpRequest({.url = url() + "/v2/", .timeoutMs = 1000});
        ok = response && response->status == 200;
    });
    return ok;
}

} // namespace flowlab
