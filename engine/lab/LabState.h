#pragma once

// The lab's bookkeeping, kept in /run/flowlab/lab.json so that `lab down` can find and
// remove everything even after flowlabd died with kill -9. It is written before each thing
// is created, never after, so a crash can only leave the state knowing too much.

#include "tracer/base/Result.h"

#include <nlohmann/json.hpp>
#include <string>
#include <sys/types.h>
#include <vector>

namespace flowlab {

enum class LabPhase { Down, Starting, Up, Stopping, Failed };

std::string toString(LabPhase phase);
// The lifecycle: Down → Starting → Up | Failed; Up | Failed | Starting → Stopping → Down.
// Starting may be entered again from Up, Failed or Starting: an idempotent `up` repairs a
// lab, or resumes a start that a crash of flowlabd cut short.
bool canTransition(LabPhase from, LabPhase to);

// A long-running lab service that flowlabd started.
struct ServiceRecord
{
    std::string name; // "registry", "containerd", "dockerd"
    std::string netns;
    pid_t pid = 0;
    unsigned long long startTime = 0;
    std::string logPath;
};

struct LabState
{
    LabPhase phase = LabPhase::Down;
    std::vector<std::string> namespaces;
    std::vector<ServiceRecord> services;
    // Files outside our own roots that the lab's programs create on the host (dockerd's
    // /etc/docker/key.json, /run/docker/plugins). Recorded only when they did not exist.
    std::vector<std::string> hostPathsCreated;
    std::string startedAt;
    // The Kubernetes control plane's store ("sqlite", "etcd"); empty when the lab has none.
    std::string kubeStore;

    const ServiceRecord *service(const std::string &name) const;
    void setService(const ServiceRecord &record);
    void removeService(const std::string &name);
    void addNamespace(const std::string &netns);
    void addHostPath(const std::string &path);

    Status transition(LabPhase to);
};

void to_json(nlohmann::json &j, const ServiceRecord &record);
void from_json(const nlohmann::json &j, ServiceRecord &record);
void to_json(nlohmann::json &j, const LabState &state);
void from_json(const nlohmann::json &j, LabState &state);

// Reads and writes the state file atomically (write to a temporary file, then rename).
class LabStateStore
{
public:
    explicit LabStateStore(std::string path)
        : m_path(std::move(path))
    {}

    // A missing file is a lab that is down.
    Result<LabState> load() const;
    Status save(const LabState &state) const;
    Status remove() const;
    const std::string &path() const { return m_path; }

private:
    std::string m_path;
};

} // namespace flowlab
