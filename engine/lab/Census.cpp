#include "engine/lab/Census.h"

#include "engine/lab/LabState.h"
#include "engine/lab/LabTopology.h"
#include "engine/sys/ProcFile.h"

#include <algorithm>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace flowlab {

namespace {

// /proc files of processes that may exit meanwhile: never throws (ProcFile.h).
std::string readFile(const std::string &path)
{
    return readProcFile(path);
}

bool startsWith(const std::string &s, const std::string &prefix)
{
    return s.rfind(prefix, 0) == 0;
}

bool isUnder(const std::string &path, const std::string &root)
{
    return path == root || startsWith(path, root + "/");
}

// Mount points are octal-escaped in /proc/self/mountinfo (\040 for a space).
std::string unescapeMountPath(const std::string &s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            out += char(std::stoi(s.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::vector<std::string> labNamespaceNames()
{
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator("/run/netns", ec))
        if (isLabName(entry.path().filename()))
            names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
}

std::string commandLine(pid_t pid)
{
    std::string raw = readFile("/proc/" + std::to_string(pid) + "/cmdline");
    std::replace(raw.begin(), raw.end(), '\0', ' ');
    while (!raw.empty() && raw.back() == ' ')
        raw.pop_back();
    return raw;
}

} // namespace

bool isLabName(const std::string &name)
{
    return startsWith(name, kLabNamePrefix) || startsWith(name, "fl-");
}

std::string toString(LeftoverKind kind)
{
    switch (kind) {
    case LeftoverKind::Netns:
        return "netns";
    case LeftoverKind::Link:
        return "link";
    case LeftoverKind::Mount:
        return "mount";
    case LeftoverKind::Cgroup:
        return "cgroup";
    case LeftoverKind::Process:
        return "process";
    case LeftoverKind::File:
        return "file";
    }
    return "unknown";
}

void to_json(nlohmann::json &j, const Leftover &leftover)
{
    j = {{"kind", toString(leftover.kind)}, {"what", leftover.what}};
    if (!leftover.detail.empty())
        j["detail"] = leftover.detail;
    if (leftover.pid)
        j["pid"] = leftover.pid;
}

CensusOptions CensusOptions::forRunningDaemon(const LabPaths &paths)
{
    CensusOptions options;
    std::ifstream pidFile(paths.daemonPidFile());
    pid_t pid = 0;
    if (!(pidFile >> pid) || pid <= 0)
        return options;
    std::string comm = readFile("/proc/" + std::to_string(pid) + "/comm");
    if (comm != "flowlabd\n")
        return options;
    options.ignorePids = {pid};
    options.ignoreFiles = {paths.daemonSocket(), paths.daemonPidFile()};
    return options;
}

void Census::findNamespaces(std::vector<Leftover> &out) const
{
    for (const auto &name : labNamespaceNames())
        out.push_back({LeftoverKind::Netns, name, "/run/netns/" + name});
}

void Census::findRootLinks(std::vector<Leftover> &out) const
{
    // Our links live only inside lab namespaces; one in the root namespace is a leak.
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator("/sys/class/net", ec)) {
        const std::string name = entry.path().filename();
        if (isLabName(name) || name == "lab0")
            out.push_back({LeftoverKind::Link, name, "in the host's root network namespace"});
    }
}

void Census::findMounts(std::vector<Leftover> &out) const
{
    std::istringstream lines(readFile("/proc/self/mountinfo"));
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mountPoint;
        fields >> id >> parent >> devno >> root >> mountPoint;
        mountPoint = unescapeMountPath(mountPoint);
        const auto dash = line.find(" - ");
        const std::string fsType = dash == std::string::npos
                                       ? std::string()
                                       : line.substr(dash + 3, line.find(' ', dash + 3) - dash - 3);
        if (isUnder(mountPoint, m_paths.runDir) || isUnder(mountPoint, m_paths.libDir) ||
            (startsWith(mountPoint, "/run/netns/") &&
             isLabName(mountPoint.substr(std::string("/run/netns/").size()))))
            out.push_back({LeftoverKind::Mount, mountPoint, fsType});
    }
}

void Census::findCgroups(std::vector<Leftover> &out) const
{
    // Docker's containers go under cgroup parent "flowlab-docker" in every hierarchy.
    std::error_code ec;
    for (const auto &hierarchy : fs::directory_iterator("/sys/fs/cgroup", ec)) {
        std::error_code ec2;
        for (const auto &entry : fs::directory_iterator(hierarchy.path(), ec2))
            if (entry.is_directory(ec2) && isLabName(entry.path().filename()))
                out.push_back({LeftoverKind::Cgroup, entry.path().string(), {}});
    }
}

void Census::findProcesses(const CensusOptions &options, std::vector<Leftover> &out) const
{
    std::set<ino_t> labNetns;
    for (const auto &name : labNamespaceNames()) {
        struct stat st
        {
        };
        if (::stat(("/run/netns/" + name).c_str(), &st) == 0)
            labNetns.insert(st.st_ino);
    }
    std::set<pid_t> ignored(options.ignorePids.begin(), options.ignorePids.end());
    ignored.insert(::getpid());

    DIR *proc = ::opendir("/proc");
    if (!proc)
        return;
    while (dirent *entry = ::readdir(proc)) {
        const pid_t pid = std::atoi(entry->d_name);
        if (pid <= 0 || ignored.count(pid))
            continue;
        const std::string base = "/proc/" + std::to_string(pid);
        std::string why;
        struct stat st
        {
        };
        if (::stat((base + "/ns/net").c_str(), &st) == 0 && labNetns.count(st.st_ino))
            why = "in a lab network namespace";
        if (why.empty()) {
            const std::string cgroups = readFile(base + "/cgroup");
            if (cgroups.find(":/flowlab") != std::string::npos)
                why = "in a lab cgroup";
        }
        const std::string cmdline = commandLine(pid);
        if (why.empty() && !cmdline.empty() &&
            (cmdline.find(m_paths.runDir + "/") != std::string::npos ||
             cmdline.find(m_paths.libDir + "/") != std::string::npos))
            why = "uses the lab's files";
        if (why.empty())
            continue;
        if (cmdline.empty()) // a kernel thread or a process that just exited
            continue;
        out.push_back(
            {LeftoverKind::Process, std::to_string(pid), cmdline + " (" + why + ")", pid});
    }
    ::closedir(proc);
}

void Census::findFiles(const CensusOptions &options, std::vector<Leftover> &out) const
{
    for (const auto &root : {m_paths.runDir, m_paths.libDir}) {
        std::error_code ec;
        if (!fs::exists(root, ec))
            continue;
        bool onlyIgnored = true;
        for (const auto &entry : fs::directory_iterator(root, ec)) {
            const std::string path = entry.path().string();
            if (std::find(options.ignoreFiles.begin(), options.ignoreFiles.end(), path) ==
                options.ignoreFiles.end()) {
                onlyIgnored = false;
                break;
            }
        }
        if (!onlyIgnored || options.ignoreFiles.empty())
            out.push_back({LeftoverKind::File, root, "directory"});
    }
    // Stray host files are known from the options or, when the caller has none (a census
    // after flowlabd died), from the state file.
    std::vector<std::string> hostPaths = options.hostPathsCreated;
    if (hostPaths.empty())
        if (auto state = LabStateStore(m_paths.stateFile()).load(); state)
            hostPaths = state->hostPathsCreated;
    for (const auto &path : hostPaths) {
        std::error_code ec;
        if (fs::exists(path, ec))
            out.push_back({LeftoverKind::File, path, "created on the host by the lab's dockerd"});
    }
    // libcni's cache of the lab pods' network results (KubeNodeServices.h).
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(kCniResultsDir, ec))
        if (entry.path().filename().string().rfind(kLabCniResultPrefix, 0) == 0)
            out.push_back({LeftoverKind::File, entry.path().string(),
                           "a lab pod's CNI result, cached by a node's containerd"});
}

std::vector<Leftover> Census::mounts() const
{
    std::vector<Leftover> found;
    findMounts(found);
    return found;
}

Result<std::vector<Leftover>> Census::take(const CensusOptions &options) const
{
    std::vector<Leftover> found;
    findNamespaces(found);
    findRootLinks(found);
    findMounts(found);
    findCgroups(found);
    findProcesses(options, found);
    findFiles(options, found);
    return found;
}

} // namespace flowlab
