#include "engine/kube/node/NodeRuntimeFiles.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace flowlab::kube::node {

namespace {

// A TOML basic string. Our paths and names have no quotes or backslashes, but say so if
// one ever does rather than write a config containerd reads differently.
std::string quoted(const std::string &text)
{
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

Status writeFile(const std::string &path, const std::string &content)
{
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        if (!out)
            return Error::fromErrno("writing " + temporary);
        out << content;
        if (!out.flush())
            return Error::fromErrno("writing " + temporary);
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0)
        return Error::fromErrno("renaming " + temporary + " to " + path);
    return success();
}

} // namespace

NodeRuntimeLayout NodeRuntimeLayout::forNode(const std::string &nodeName,
                                             const std::string &podCidr, const std::string &libDir,
                                             const std::string &runDir)
{
    NodeRuntimeLayout layout;
    layout.nodeName = nodeName;
    layout.podCidr = podCidr;
    layout.dataDir = libDir + "/nodes/" + nodeName;
    layout.runDir = runDir + "/nodes/" + nodeName;
    return layout;
}

std::string NodeRuntimeLayout::pauseImage() const
{
    return sandboxImage.empty() ? registry + "/flowlab/pause:1.0" : sandboxImage;
}

std::vector<std::string> NodeRuntimeLayout::directories() const
{
    return {runDir,     runDir + "/containerd", containerdState(), runDir + "/cni", cniConfDir(),
            dataDir,    containerdRoot(),       dataDir + "/cni",  ipamDataDir(),   kubeletRoot(),
            podLogDir()};
}

std::string renderContainerdConfig(const NodeRuntimeLayout &layout)
{
    const std::string cri = "[plugins.\"io.containerd.grpc.v1.cri\"";
    const std::string mirror = "http://" + layout.registry;
    std::ostringstream out;
    out << "# Written by flowlabd: the containerd of lab node " << layout.nodeName
        << ", for its kubelet (CRI).\n"
        << "version = 2\n"
        << "root = " << quoted(layout.containerdRoot()) << "\n"
        << "state = " << quoted(layout.containerdState()) << "\n"
        << "\n[grpc]\n"
        << "  address = " << quoted(layout.containerdSocket()) << "\n"
        << "\n[ttrpc]\n"
        << "  address = " << quoted(layout.containerdSocket() + ".ttrpc") << "\n"
        << "\n[debug]\n"
        << "  address = \"\"\n"
        << "\n[metrics]\n"
        << "  address = \"\"\n"
        // The opt plugin would otherwise create /opt/containerd on the host.
        << "\n[plugins.\"io.containerd.internal.v1.opt\"]\n"
        << "  path = " << quoted(layout.containerdRoot() + "/opt") << "\n"
        << "\n"
        << cri << "]\n"
        << "  sandbox_image = " << quoted(layout.pauseImage()) << "\n"
        << "  netns_mounts_under_state_dir = true\n"
        << "  disable_tcp_service = true\n"
        << "  stream_server_address = \"127.0.0.1\"\n"
        << "  stream_server_port = \"0\"\n"
        << "  enable_selinux = false\n"
        << "  systemd_cgroup = false\n"
        // The pause container asks for oom_score_adj -998, which some kernels refuse even to
        // root (sandboxed machines: the write fails and runc's init dies). Clamp every
        // container's to containerd's own instead, as rootless setups do.
        << "  restrict_oom_score_adj = true\n"
        << "\n"
        << cri << ".containerd]\n"
        << "  snapshotter = \"overlayfs\"\n"
        << "  default_runtime_name = \"runc\"\n"
        << "\n"
        << cri << ".containerd.runtimes.runc]\n"
        << "  runtime_type = \"io.containerd.runc.v2\"\n"
        << "\n"
        << cri << ".containerd.runtimes.runc.options]\n"
        << "  SystemdCgroup = false\n"
        << "\n"
        << cri << ".cni]\n"
        << "  bin_dir = " << quoted(layout.cniPluginDir()) << "\n"
        << "  conf_dir = " << quoted(layout.cniConfDir()) << "\n"
        << "  max_conf_num = 1\n"
        // Images named on Docker Hub ("nginx") and the lab registry's own names both come
        // from the lab registry, over plain HTTP. config_path (hosts.toml) must stay unset
        // for mirrors to apply.
        << "\n"
        << cri << ".registry]\n"
        << "  config_path = \"\"\n"
        << "\n"
        << cri << ".registry.mirrors.\"docker.io\"]\n"
        << "  endpoint = [" << quoted(mirror) << "]\n"
        << "\n"
        << cri << ".registry.mirrors." << quoted(layout.registry) << "]\n"
        << "  endpoint = [" << quoted(mirror) << "]\n";
    return out.str();
}

std::string renderCniTapConfig(const NodeRuntimeLayout &layout)
{
    return nlohmann::ordered_json{{"plugin_dir", layout.cniBinDir},
                                  {"evidence_log", layout.cniEvidenceLog},
                                  {"node", layout.nodeName}}
               .dump(2) +
           "\n";
}

std::string renderCniConflist(const NodeRuntimeLayout &layout)
{
    using Json = nlohmann::ordered_json;
    const Json bridge = {
        {"type", "bridge"},
        {"bridge", kBridgeName},
        {"isGateway", true},
        // No masquerading: every lab namespace routes the pod CIDRs (host-gw), so a pod's
        // packets keep its own address all the way, as with flannel's host-gw backend.
        {"ipMasq", false},
        {"hairpinMode", true},
        {"ipam",
         {{"type", "host-local"},
          {"ranges", Json::array({Json::array({Json::object({{"subnet", layout.podCidr}})})})},
          {"routes", Json::array({Json::object({{"dst", "0.0.0.0/0"}})})},
          {"dataDir", layout.ipamDataDir()}}}};
    const Json portmap = {
        {"type", "portmap"}, {"capabilities", {{"portMappings", true}}}, {"snat", true}};
    const Json conflist = {{"cniVersion", kCniVersion},
                           {"name", kNetworkName},
                           {"plugins", Json::array({bridge, portmap})}};
    return conflist.dump(2) + "\n";
}

Status writeNodeRuntimeFiles(const NodeRuntimeLayout &layout)
{
    for (const std::string &dir : layout.directories()) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec)
            return Error("creating " + dir + ": " + ec.message());
    }
    if (auto s = writeFile(layout.containerdConfigPath(), renderContainerdConfig(layout)); !s)
        return s;
    if (!layout.cniTapProgram.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(layout.cniTapDir(), ec);
        if (ec)
            return Error("creating " + layout.cniTapDir() + ": " + ec.message());
        // Every plugin in the real directory gets its stand-in, so that a plugin added to the
        // network list later (tuning, firewall) is tapped too rather than missing.
        for (const auto &entry : std::filesystem::directory_iterator(layout.cniBinDir, ec)) {
            if (!entry.is_regular_file(ec))
                continue;
            const std::string plugin = entry.path().filename().string();
            const std::string link = layout.cniTapDir() + "/" + plugin;
            std::filesystem::remove(link, ec);
            std::filesystem::create_symlink(layout.cniTapProgram, link, ec);
            if (ec)
                return Error("linking " + link + " to " + layout.cniTapProgram + ": " +
                             ec.message());
        }
        if (ec)
            return Error("listing " + layout.cniBinDir + ": " + ec.message());
        if (auto s = writeFile(layout.cniTapDir() + "/flowlab-cni-tap.json",
                               renderCniTapConfig(layout));
            !s)
            return s;
    }
    return writeFile(layout.cniConflistPath(), renderCniConflist(layout));
}

} // namespace flowlab::kube::node
