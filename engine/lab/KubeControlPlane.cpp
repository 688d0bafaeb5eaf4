#include "engine/lab/KubeControlPlane.h"

#include "engine/kube/pki/ClusterPki.h"
#include "engine/lab/LabTopology.h"
#include "engine/net/HttpClient.h"
#include "engine/sys/Command.h"
#include "engine/sys/NetnsThread.h"

#include <QByteArray>
#include <filesystem>
#include <fstream>
#include <grp.h>
#include <openssl/rand.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace flowlab {

namespace {

// Who may use the lab's API, as the token file says: the learner as cluster-admin (the
// kubeconfig's default context), a restricted learner for the RBAC lessons, and one identity
// per component.
struct TokenUser
{
    const char *file; // <kubeLibDir>/<file>.token
    const char *user;
    const char *groups;
};
constexpr TokenUser kUsers[] = {
    {"admin", "flowlab-admin", "system:masters"},
    {"learner", "learner", "flowlab:learners"},
    {"controller-manager", "system:kube-controller-manager", ""},
    {"scheduler", "system:kube-scheduler", ""},
    // One identity per node, as the Node authorizer expects (system:node:<name>).
    {"kubelet-flowlab-node1", "system:node:flowlab-node1", "system:nodes"},
    {"kubelet-flowlab-node2", "system:node:flowlab-node2", "system:nodes"},
    {"kubelet-flowlab-node3", "system:node:flowlab-node3", "system:nodes"},
    {"kube-proxy", "system:kube-proxy", ""},
    {"kube-dns", "system:kube-dns", ""},
    {"ingress-controller", "system:ingress-controller", ""},
};

std::string randomToken()
{
    unsigned char bytes[24];
    RAND_bytes(bytes, sizeof bytes);
    return QByteArray(reinterpret_cast<const char *>(bytes), sizeof bytes).toHex().toStdString();
}

Status writePrivateFile(const std::string &path, const std::string &content, mode_t mode)
{
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        if (!out)
            return Error::fromErrno("writing " + temporary);
        ::chmod(temporary.c_str(), mode);
        out << content;
        if (!out.flush())
            return Error::fromErrno("writing " + temporary);
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0)
        return Error::fromErrno("renaming " + temporary);
    return success();
}

std::string readFile(const std::string &path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

std::string siblingProgram(const std::string &name)
{
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto beside = self.parent_path() / name;
        if (::access(beside.c_str(), X_OK) == 0)
            return beside;
    }
    return findProgram(name);
}

std::vector<std::string> KubeControlPlane::componentNames()
{
    std::vector<std::string> names;
    for (const auto &user : kUsers)
        names.push_back(user.file);
    return names;
}

Result<std::string> KubeControlPlane::tokenOf(const std::string &file) const
{
    std::string token = readFile(m_paths.kubeLibDir() + "/" + file + ".token");
    while (!token.empty() && (token.back() == '\n' || token.back() == ' '))
        token.pop_back();
    if (token.empty())
        return Error("no token in " + m_paths.kubeLibDir() + "/" + file + ".token");
    return token;
}

Status KubeControlPlane::writeTokens() const
{
    std::string tokenFile = "# token,user,uid,\"groups\": written by flowlabd for this lab\n";
    int uid = 1;
    for (const auto &user : kUsers) {
        const std::string path = m_paths.kubeLibDir() + "/" + user.file + ".token";
        std::string token = readFile(path);
        if (token.empty()) {
            token = randomToken() + "\n";
            if (auto s = writePrivateFile(path, token, 0600); !s)
                return s;
        }
        token.erase(token.find_last_not_of("\n ") + 1);
        tokenFile +=
            token + "," + user.user + "," + std::to_string(uid++) + ",\"" + user.groups + "\"\n";
    }
    return writePrivateFile(m_paths.kubeTokenFile(), tokenFile, 0600);
}

Status KubeControlPlane::writeKubeconfig() const
{
    const kube::ClusterPki pki{m_paths.kubePkiDir() + "/ca.crt",
                               m_paths.kubePkiDir() + "/apiserver.crt",
                               m_paths.kubePkiDir() + "/apiserver.key"};
    auto ca = pki.caPem();
    if (!ca)
        return ca.error();
    auto admin = tokenOf("admin");
    auto learner = tokenOf("learner");
    if (!admin || !learner)
        return admin ? learner.error() : admin.error();
    const std::string caData = QByteArray::fromStdString(*ca).toBase64().toStdString();
    const std::string text =
        "# The Flowlab lab's Kubernetes cluster, through flowlabd's relay. Written at lab up.\n"
        "apiVersion: v1\nkind: Config\n"
        "clusters:\n- name: flowlab\n  cluster:\n    server: https://" +
        std::string(kRelayAddress) + "\n    certificate-authority-data: " + caData +
        "\ncontexts:\n"
        "- name: flowlab\n  context:\n    cluster: flowlab\n    user: flowlab-admin\n    "
        "namespace: default\n"
        "- name: flowlab-learner\n  context:\n    cluster: flowlab\n    user: learner\n    "
        "namespace: default\n"
        "current-context: flowlab\n"
        "users:\n- name: flowlab-admin\n  user:\n    token: " +
        *admin + "\n- name: learner\n  user:\n    token: " + *learner + "\n";
    if (auto s = writePrivateFile(m_paths.kubeconfig(), text, 0640); !s)
        return s;
    // Members of group flowlab may use the lab, as they may use flowlabd's socket.
    if (const group *flowlab = ::getgrnam("flowlab"))
        (void)::chown(m_paths.kubeconfig().c_str(), 0, flowlab->gr_gid);
    return success();
}

Result<std::vector<ServiceSpec>> KubeControlPlane::prepare(const KubeLabOptions &options) const
{
    if (options.store != "sqlite" && options.store != "etcd")
        return Error("unknown store \"" + options.store + "\": use sqlite or etcd");
    for (const auto &dir : {m_paths.kubeRunDir(), m_paths.kubeLibDir(), m_paths.logDir()})
        if (auto s = makeDirectories(dir); !s)
            return s.error();
    ::chmod(m_paths.kubeLibDir().c_str(), 0700);
    auto pki = kube::ensureClusterPki(m_paths.kubePkiDir());
    if (!pki)
        return pki.error().withContext("making the lab cluster's certificates");
    if (auto s = writeTokens(); !s)
        return s.error();
    if (auto s = writeKubeconfig(); !s)
        return s.error();

    std::vector<ServiceSpec> services;
    std::string store = "sqlite:" + m_paths.kubeStore();
    if (options.store == "etcd") {
        const std::string etcd = findProgram("etcd");
        if (etcd.empty())
            return Error("etcd is not installed: sudo apt-get install etcd-server (or use the "
                         "default store, SQLite)");
        const std::string client = std::string("http://") + kEtcdAddress;
        ServiceSpec spec;
        spec.name = "etcd";
        spec.launch.argv = {etcd,
                            "--name",
                            "flowlab-cp",
                            "--data-dir",
                            m_paths.kubeEtcdDir(),
                            "--listen-client-urls",
                            client,
                            "--advertise-client-urls",
                            client,
                            "--listen-peer-urls",
                            "http://127.0.0.1:2380",
                            "--initial-advertise-peer-urls",
                            "http://127.0.0.1:2380",
                            "--initial-cluster",
                            "flowlab-cp=http://127.0.0.1:2380",
                            "--log-level",
                            "warn"};
        spec.launch.netns = kControlPlaneNetns;
        spec.launch.logPath = m_paths.logDir() + "/etcd.log";
        spec.isReady = [client] {
            bool ok = false;
            (void)runInNetns(kControlPlaneNetns, [&] {
                auto response = httpRequest({.url = client + "/health", .timeoutMs = 1000});
                ok = response && response->status == 200;
            });
            return ok;
        };
        services.push_back(std::move(spec));
        store = "etcd:" + client;
    }

    const std::string server = std::string("http://") + kApiserverAddress;
    ServiceSpec apiserver;
    apiserver.name = "kube-apiserver";
    apiserver.launch.argv = {siblingProgram("flowlab-apiserver"),
                             "--listen",
                             kApiserverAddress,
                             "--store",
                             store,
                             "--token-file",
                             m_paths.kubeTokenFile(),
                             "--audit-log",
                             m_paths.kubeAuditLog()};
    apiserver.launch.netns = kControlPlaneNetns;
    apiserver.launch.logPath = m_paths.logDir() + "/kube-apiserver.log";
    apiserver.isReady = [this] { return apiserverAnswers(); };
    services.push_back(std::move(apiserver));

    for (const auto &[name, program, token] :
         {std::tuple{"kube-controller-manager", "flowlab-controller-manager", "controller-manager"},
          std::tuple{"kube-scheduler", "flowlab-scheduler", "scheduler"}}) {
        ServiceSpec spec;
        spec.name = name;
        spec.launch.argv = {siblingProgram(program),
                            "--server",
                            server,
                            "--token-file",
                            m_paths.kubeLibDir() + "/" + token + ".token",
                            "--evidence-log",
                            m_paths.kubeEvidenceLog(token)};
        if (std::string(program) == "flowlab-controller-manager") {
            // Provisioned PersistentVolumes live with the lab's data, and go with it.
            spec.launch.argv.push_back("--volume-dir");
            spec.launch.argv.push_back(m_paths.libDir + "/volumes");
        }
        spec.launch.netns = kControlPlaneNetns;
        spec.launch.logPath = m_paths.logDir() + "/" + name + ".log";
        // They retry until the apiserver answers; running is ready enough.
        spec.isReady = [] { return true; };
        services.push_back(std::move(spec));
    }
    for (const auto &spec : services)
        if (spec.launch.argv[0].empty() || spec.launch.argv[0].find('/') == std::string::npos)
            return Error("cannot find " + spec.name +
                         "'s program; build it (cmake --build BUILD) "
                         "so that it is beside flowlabd");
    return services;
}

bool KubeControlPlane::apiserverAnswers() const
{
    bool ok = false;
    (void)runInNetns(kControlPlaneNetns, [&] {
        auto response = httpRequest(
            {.url = std::string("http://") + kApiserverAddress + "/readyz", .timeoutMs = 1000});
        ok = response && response->status == 200;
    });
    return ok;
}

} // namespace flowlab
