#pragma once

// Lists everything of the lab's that exists on this host: network namespaces, links left in
// the root namespace, mounts, cgroups, processes and files. `lab census` prints it and fails
// when it is not empty; `lab down` removes exactly what it lists. Discovery is by name and
// by kernel identity (a process's network namespace, its cgroup), not only by what the state
// file remembers, so a crash at any point cannot hide anything.

#include "engine/base/LabPaths.h"
#include "tracer/base/Result.h"

#include <nlohmann/json.hpp>
#include <string>
#include <sys/types.h>
#include <vector>

namespace flowlab {

enum class LeftoverKind { Netns, Link, Mount, Cgroup, Process, File };

std::string toString(LeftoverKind kind);

struct Leftover
{
    LeftoverKind kind;
    std::string what;   // a netns name, a mount point, a cgroup dir, a pid, a path
    std::string detail; // e.g. a process's command line
    pid_t pid = 0;
};

void to_json(nlohmann::json &j, const Leftover &leftover);

// Where libcni caches network results, and the prefix of the lab pods' (their network name,
// engine/kube/node's kNetworkName).
inline constexpr const char *kCniResultsDir = "/var/lib/cni/results";
inline constexpr const char *kLabCniResultPrefix = "flowlab-pods-";

struct CensusOptions
{
    // Processes never to report (the caller itself, a running flowlabd and its files).
    std::vector<pid_t> ignorePids;
    std::vector<std::string> ignoreFiles;
    std::vector<std::string> hostPathsCreated; // from the lab state, when known

    // What a flowlabd that is still alive owns (its pid, socket and pid file), read from its
    // pid file; empty when none runs. A running daemon is not a leftover of the lab.
    static CensusOptions forRunningDaemon(const LabPaths &paths);
};

class Census
{
public:
    explicit Census(LabPaths paths)
        : m_paths(std::move(paths))
    {}

    Result<std::vector<Leftover>> take(const CensusOptions &options = {}) const;
    // Only the mounts under the lab's roots (cheap: no process scan).
    std::vector<Leftover> mounts() const;

private:
    void findNamespaces(std::vector<Leftover> &out) const;
    void findRootLinks(std::vector<Leftover> &out) const;
    void findMounts(std::vector<Leftover> &out) const;
    void findCgroups(std::vector<Leftover> &out) const;
    void findProcesses(const CensusOptions &options, std::vector<Leftover> &out) const;
    void findFiles(const CensusOptions &options, std::vector<Leftover> &out) const;

    LabPaths m_paths;
};

// Whether `name` is one the lab gives its objects ("flowlab…", the switch ports "fl-…").
bool isLabName(const std::string &name);

} // namespace flowlab
