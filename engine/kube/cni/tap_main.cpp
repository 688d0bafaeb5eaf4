// flowlab-cni-tap: stands in a lab node's CNI bin_dir under each plugin's name (a symlink),
// runs the real plugin with the same environment and stdin, passes its result on unchanged,
// and appends what was asked and answered to the node's CNI evidence log (CniInvocation.h).
//
// Its configuration is flowlab-cni-tap.json beside the symlinks:
//   {"plugin_dir": "/usr/lib/cni", "evidence_log": "/run/flowlab/kube/cni-NODE.evidence.jsonl",
//    "node": "flowlab-node1"}
// Pod networking must never fail because of the tap: without its configuration, or when the
// log cannot be written, the plugin still runs and only the evidence is lost.

#include "engine/kube/cni/CniInvocation.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string>
#include <csignal>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace flowlab;
using namespace flowlab::kube::cni;

namespace {

std::string readAll(int fd)
{
    std::string out;
    char buffer[65536];
    while (true) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        out.append(buffer, std::size_t(n));
    }
    return out;
}

bool writeAll(int fd, const std::string &data)
{
    for (std::size_t done = 0; done < data.size();) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += std::size_t(n);
    }
    return true;
}

struct TapConfig
{
    std::string pluginDir = "/usr/lib/cni";
    std::string evidenceLog;
    std::string node;
};

TapConfig loadConfig(const std::string &dir)
{
    TapConfig config;
    std::ifstream in(dir + "/flowlab-cni-tap.json");
    if (!in)
        return config;
    std::stringstream text;
    text << in.rdbuf();
    const auto json = nlohmann::json::parse(text.str(), nullptr, false);
    if (!json.is_object())
        return config;
    config.pluginDir = json.value("plugin_dir", config.pluginDir);
    config.evidenceLog = json.value("evidence_log", "");
    config.node = json.value("node", "");
    return config;
}

} // namespace

int main(int argc, char **argv)
{
    (void)argc;
    const std::string self = argv[0];
    const std::size_t slash = self.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : self.substr(0, slash);
    const std::string plugin = slash == std::string::npos ? self : self.substr(slash + 1);
    const TapConfig config = loadConfig(dir);
    const std::string real = config.pluginDir + "/" + plugin;

    CniInvocation call;
    call.plugin = plugin;
    call.node = config.node;
    call.startNs = monotonicNowNs();
    for (char **entry = environ; *entry; ++entry)
        if (std::strncmp(*entry, "CNI_", 4) == 0) {
            const std::string text = *entry;
            const std::size_t equals = text.find('=');
            if (equals != std::string::npos)
                call.cniEnv[text.substr(0, equals)] = text.substr(equals + 1);
        }
    // The configuration goes in through a memory file, not a pipe: no deadlock however the
    // plugin interleaves its reads and writes. Made before stdin is read: if the tap cannot
    // set itself up, it becomes the plugin (exec), untapped, with stdin untouched.
    const int input = ::memfd_create("cni-config", MFD_CLOEXEC);
    int output[2] = {-1, -1};
    if (input < 0 || ::pipe2(output, O_CLOEXEC) != 0) {
        ::execv(real.c_str(), argv);
        std::fprintf(stderr, "flowlab-cni-tap: cannot run %s: %s\n", real.c_str(),
                     std::strerror(errno));
        return 1;
    }
    call.config = readAll(0);
    if (!writeAll(input, call.config) || ::lseek(input, 0, SEEK_SET) != 0) {
        std::fprintf(stderr, "flowlab-cni-tap: buffering the configuration: %s\n",
                     std::strerror(errno));
        return 1;
    }
    const pid_t parent = ::getpid();
    const pid_t child = ::fork();
    if (child < 0) {
        std::fprintf(stderr, "flowlab-cni-tap: fork: %s\n", std::strerror(errno));
        return 1;
    }
    if (child == 0) {
        // libcni kills the tap on a timeout: the plugin must not go on half-way through.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(1);
        ::dup2(input, 0);
        ::dup2(output[1], 1);
        ::execv(real.c_str(), argv);
        std::fprintf(stderr, "flowlab-cni-tap: cannot run %s: %s\n", real.c_str(),
                     std::strerror(errno));
        ::_exit(127);
    }
    ::close(output[1]);
    call.result = readAll(output[0]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    call.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    call.endNs = monotonicNowNs();
    writeAll(1, call.result);

    if (!config.evidenceLog.empty()) {
        // One write of one line on an O_APPEND file: lines of plugins running at once for
        // different pods do not interleave.
        const std::string line = nlohmann::json(cniEvidence(call))
                                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                                 "\n";
        const int log = ::open(config.evidenceLog.c_str(),
                               O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (log >= 0) {
            writeAll(log, line);
            ::close(log);
        }
    }
    return call.exitCode;
}
