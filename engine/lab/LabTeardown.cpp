#include "engine/lab/LabTeardown.h"

#include "engine/lab/LabState.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace flowlab {

namespace {

// How long each service gets to stop on SIGTERM. dockerd stops its containers first.
int graceMsFor(const std::string &service)
{
    return service == "dockerd" ? 20'000 : 5'000;
}

// Removes a cgroup directory tree bottom-up: cgroupfs only allows rmdir of empty groups.
void removeCgroupTree(const fs::path &dir)
{
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(dir, ec))
        if (entry.is_directory(ec))
            removeCgroupTree(entry.path());
    ::rmdir(dir.c_str());
}

bool hasMountUnder(const LabPaths &paths, const std::string &root)
{
    for (const auto &mount : Census(paths).mounts())
        if (mount.what == root || mount.what.rfind(root + "/", 0) == 0)
            return true;
    return false;
}

} // namespace

void LabTeardown::stopServicesGracefully(const ProgressFn &progress)
{
    LabStateStore store(m_paths.stateFile());
    auto state = store.load();
    if (!state) {
        spdlog::warn("lab down: {}; removing what the census finds", state.error().message());
        return;
    }
    if (state->phase != LabPhase::Down && state->transition(LabPhase::Stopping))
        (void)store.save(*state);
    // The Kubernetes nodes' services first (their agents, then their containerds), then
    // the control plane's clients before the apiserver and its store; dockerd stops its
    // containers, then containerd, then the registry.
    const std::vector<std::string> lastOnes = {"kube-scheduler", "kube-controller-manager",
                                               "kube-apiserver", "etcd",
                                               "dockerd",        "containerd",
                                               "registry"};
    std::vector<std::string> order;
    for (auto it = state->services.rbegin(); it != state->services.rend(); ++it)
        if (std::find(lastOnes.begin(), lastOnes.end(), it->name) == lastOnes.end())
            order.push_back(it->name);
    std::stable_partition(order.begin(), order.end(), [](const std::string &name) {
        return name.rfind("containerd-", 0) != 0; // a node's containerd after its agents
    });
    order.insert(order.end(), lastOnes.begin(), lastOnes.end());
    for (const std::string &name : order) {
        const ServiceRecord *record = state->service(name);
        if (!record)
            continue;
        const ProcessHandle handle{record->pid, record->startTime};
        if (!m_launcher.isRunning(handle))
            continue;
        progress(std::string("stopping ") + name + " (pid " + std::to_string(record->pid) + ")");
        if (auto s = m_launcher.stop(handle, SIGTERM, graceMsFor(name)); !s)
            spdlog::warn("stopping {}: {}", name, s.error().message());
    }
}

void LabTeardown::killProcesses(const std::vector<Leftover> &leftovers, const ProgressFn &progress)
{
    std::vector<pid_t> pids;
    for (const auto &leftover : leftovers)
        if (leftover.kind == LeftoverKind::Process) {
            progress("killing " + leftover.what + ": " + leftover.detail);
            ::kill(leftover.pid, SIGKILL);
            pids.push_back(leftover.pid);
        }
    // Wait for them to go, so their mounts and cgroups can be removed next.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        std::erase_if(pids, [this](pid_t pid) { return !m_launcher.isRunning({pid, 0}); });
        if (pids.empty())
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void LabTeardown::removeFiles(const std::string &root, const CensusOptions &keep,
                              const ProgressFn &progress)
{
    std::error_code ec;
    if (!fs::exists(root, ec))
        return;
    // Never delete through a mount that is still there: it could be a container's bind
    // mount of a host directory.
    if (hasMountUnder(m_paths, root)) {
        spdlog::warn("lab down: not removing {}: a mount under it is still in place", root);
        return;
    }
    progress("removing " + root);
    for (const auto &entry : fs::directory_iterator(root, ec)) {
        const std::string path = entry.path().string();
        if (std::find(keep.ignoreFiles.begin(), keep.ignoreFiles.end(), path) !=
            keep.ignoreFiles.end())
            continue;
        std::error_code removeError;
        fs::remove_all(entry.path(), removeError);
        if (removeError)
            spdlog::warn("lab down: removing {}: {}", path, removeError.message());
    }
    if (keep.ignoreFiles.empty() || fs::is_empty(root, ec))
        fs::remove(root, ec);
}

void LabTeardown::removeLeftovers(const std::vector<Leftover> &leftovers, const CensusOptions &keep,
                                  const ProgressFn &progress)
{
    killProcesses(leftovers, progress);

    std::vector<std::string> mounts;
    for (const auto &leftover : leftovers)
        if (leftover.kind == LeftoverKind::Mount && leftover.what.rfind("/run/netns/", 0) != 0)
            mounts.push_back(leftover.what);
    // Deepest first, so a mount on top of another goes before it.
    std::sort(mounts.begin(), mounts.end(),
              [](const auto &a, const auto &b) { return a.size() > b.size(); });
    for (const auto &mountPoint : mounts) {
        progress("unmounting " + mountPoint);
        if (::umount2(mountPoint.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
            spdlog::warn("lab down: umount {}: {}", mountPoint, std::strerror(errno));
    }

    for (const auto &leftover : leftovers)
        if (leftover.kind == LeftoverKind::Netns) {
            progress("deleting network namespace " + leftover.what);
            if (auto s = m_network.deleteNamespace(leftover.what); !s)
                spdlog::warn("lab down: {}", s.error().message());
        }

    for (const auto &leftover : leftovers)
        if (leftover.kind == LeftoverKind::Cgroup) {
            progress("removing cgroup " + leftover.what);
            removeCgroupTree(leftover.what);
        }

    for (const auto &leftover : leftovers)
        if (leftover.kind == LeftoverKind::File &&
            leftover.what.rfind(std::string(kCniResultsDir) + "/", 0) == 0) {
            std::error_code ec;
            fs::remove(leftover.what, ec);
        }

    for (const auto &path : keep.hostPathsCreated) {
        std::error_code ec;
        // Directories only when empty: a system Docker may have put something there since.
        if (fs::is_directory(path, ec) ? fs::is_empty(path, ec) : fs::exists(path, ec)) {
            progress("removing " + path);
            fs::remove(path, ec);
        }
    }
    removeFiles(m_paths.runDir, keep, progress);
    removeFiles(m_paths.libDir, keep, progress);
}

Status LabTeardown::run(const CensusOptions &keepIn, const ProgressFn &progress)
{
    CensusOptions keep = keepIn;
    {
        LabStateStore store(m_paths.stateFile());
        if (auto state = store.load(); state)
            for (const auto &path : state->hostPathsCreated)
                if (std::find(keep.hostPathsCreated.begin(), keep.hostPathsCreated.end(), path) ==
                    keep.hostPathsCreated.end())
                    keep.hostPathsCreated.push_back(path);
    }
    stopServicesGracefully(progress);

    Census census(m_paths);
    // A few rounds: killing a shim can free a mount, deleting a namespace can end a process.
    for (int round = 0; round < 4; ++round) {
        auto leftovers = census.take(keep);
        if (!leftovers)
            return leftovers.error();
        if (leftovers->empty())
            return success();
        removeLeftovers(*leftovers, keep, progress);
    }
    auto leftovers = census.take(keep);
    if (!leftovers)
        return leftovers.error();
    if (leftovers->empty())
        return success();
    std::string list;
    for (const auto &leftover : *leftovers)
        list += "\n  " + toString(leftover.kind) + " " + leftover.what +
                (leftover.detail.empty() ? "" : " (" + leftover.detail + ")");
    return Error("lab down could not remove everything:" + list);
}

} // namespace flowlab
