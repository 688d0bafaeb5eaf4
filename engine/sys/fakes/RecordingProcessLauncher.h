#pragma once

// A ProcessLauncher for tests: records each launch and stop, hands out fake pids, and can be
// told that a launch fails or that a process has died.

#include "engine/sys/ProcessLauncher.h"

#include <map>
#include <string>
#include <vector>

namespace flowlab {

class RecordingProcessLauncher final : public ProcessLauncher
{
public:
    Result<ProcessHandle> launch(const LaunchSpec &spec) override
    {
        m_launched.push_back(spec);
        if (m_failProgram == spec.argv.at(0)) {
            m_failProgram.clear();
            return Error("starting " + spec.argv[0], ENOENT);
        }
        const ProcessHandle handle{m_nextPid++, 1000};
        m_running[handle.pid] = true;
        return handle;
    }
    bool isRunning(const ProcessHandle &process) override
    {
        auto it = m_running.find(process.pid);
        return it != m_running.end() && it->second;
    }
    Status stop(const ProcessHandle &process, int signal, int) override
    {
        m_stopped.push_back({process.pid, signal});
        m_running[process.pid] = false;
        return success();
    }

    void failLaunchOf(const std::string &program) { m_failProgram = program; }
    void markDead(pid_t pid) { m_running[pid] = false; }
    const std::vector<LaunchSpec> &launched() const { return m_launched; }
    const std::vector<std::pair<pid_t, int>> &stopped() const { return m_stopped; }

private:
    pid_t m_nextPid = 4000;
    std::vector<LaunchSpec> m_launched;
    std::vector<std::pair<pid_t, int>> m_stopped;
    std::map<pid_t, bool> m_running;
    std::string m_failProgram;
};

} // namespace flowlab
