#include "engine/lab/LabState.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>

namespace flowlab {

namespace {

constexpr int kStateVersion = 1;

const std::pair<LabPhase, const char *> kPhaseNames[] = {
    {LabPhase::Down, "down"},         {LabPhase::Starting, "starting"}, {LabPhase::Up, "up"},
    {LabPhase::Stopping, "stopping"}, {LabPhase::Failed, "failed"},
};

LabPhase phaseFromString(const std::string &name)
{
    for (const auto &[phase, n] : kPhaseNames)
        if (name == n)
            return phase;
    throw std::invalid_argument("unknown lab phase \"" + name + "\"");
}

} // namespace

std::string toString(LabPhase phase)
{
    for (const auto &[p, name] : kPhaseNames)
        if (p == phase)
            return name;
    return "unknown";
}

bool canTransition(LabPhase from, LabPhase to)
{
    switch (to) {
    case LabPhase::Starting:
        // From Starting too: a start cut short by a crash of flowlabd is resumed.
        return from != LabPhase::Stopping;
    case LabPhase::Up:
    case LabPhase::Failed:
        return from == LabPhase::Starting;
    case LabPhase::Stopping:
        return from != LabPhase::Down;
    case LabPhase::Down:
        return from == LabPhase::Stopping;
    }
    return false;
}

Status LabState::transition(LabPhase to)
{
    if (!canTransition(phase, to))
        return Error("lab state: cannot go from " + toString(phase) + " to " + toString(to));
    phase = to;
    return success();
}

const ServiceRecord *LabState::service(const std::string &name) const
{
    for (const auto &record : services)
        if (record.name == name)
            return &record;
    return nullptr;
}

void LabState::setService(const ServiceRecord &record)
{
    removeService(record.name);
    services.push_back(record);
}

void LabState::removeService(const std::string &name)
{
    std::erase_if(services, [&](const ServiceRecord &r) { return r.name == name; });
}

void LabState::addNamespace(const std::string &netns)
{
    if (std::find(namespaces.begin(), namespaces.end(), netns) == namespaces.end())
        namespaces.push_back(netns);
}

void LabState::addHostPath(const std::string &path)
{
    if (std::find(hostPathsCreated.begin(), hostPathsCreated.end(), path) == hostPathsCreated.end())
        hostPathsCreated.push_back(path);
}

void to_json(nlohmann::json &j, const ServiceRecord &record)
{
    j = {{"name", record.name},
         {"netns", record.netns},
         {"pid", record.pid},
         {"start_time", record.startTime},
         {"log", record.logPath}};
}

void from_json(const nlohmann::json &j, ServiceRecord &record)
{
    record.name = j.at("name").get<std::string>();
    record.netns = j.value("netns", "");
    record.pid = j.at("pid").get<pid_t>();
    record.startTime = j.value("start_time", 0ULL);
    record.logPath = j.value("log", "");
}

void to_json(nlohmann::json &j, const LabState &state)
{
    j = {{"version", kStateVersion},
         {"phase", toString(state.phase)},
         {"namespaces", state.namespaces},
         {"services", state.services},
         {"host_paths_created", state.hostPathsCreated},
         {"started_at", state.startedAt},
         {"kube_store", state.kubeStore}};
}

void from_json(const nlohmann::json &j, LabState &state)
{
    const int version = j.at("version").get<int>();
    if (version != kStateVersion)
        throw std::invalid_argument("unsupported lab state version " + std::to_string(version));
    state.phase = phaseFromString(j.at("phase").get<std::string>());
    state.namespaces = j.value("namespaces", std::vector<std::string>{});
    state.services = j.value("services", std::vector<ServiceRecord>{});
    state.hostPathsCreated = j.value("host_paths_created", std::vector<std::string>{});
    state.startedAt = j.value("started_at", "");
    state.kubeStore = j.value("kube_store", "");
}

Result<LabState> LabStateStore::load() const
{
    std::ifstream in(m_path);
    if (!in) {
        if (errno == ENOENT)
            return LabState{};
        return Error::fromErrno("open " + m_path);
    }
    try {
        return nlohmann::json::parse(in).get<LabState>();
    } catch (const std::exception &e) {
        return Error(std::string("reading lab state ") + m_path + ": " + e.what());
    }
}

Status LabStateStore::save(const LabState &state) const
{
    const std::string temporary = m_path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        if (!out)
            return Error::fromErrno("open " + temporary).context("saving lab state");
        out << nlohmann::json(state).dump(2) << '\n';
        out.flush();
        if (!out)
            return Error::fromErrno("write " + temporary).context("saving lab state");
    }
    if (std::rename(temporary.c_str(), m_path.c_str()) != 0)
        return Error::fromErrno("rename " + temporary).context("saving lab state");
    return success();
}

Status LabStateStore::remove() const
{
    if (std::remove(m_path.c_str()) != 0 && errno != ENOENT)
        return Error::fromErrno("unlink " + m_path);
    return success();
}

} // namespace flowlab
