// flowlab-kubelet for real: the lab with its control plane (lab up --kube); a scratch node
// namespace flowlab-kltest on the lab bridge at 192.168.56.119 running Debian's containerd
// with the config engine/kube/node renders (CRI plugin, CNI bridge cni0 over 10.42.9.0/24,
// images from the lab registry) and flowlab-kubelet against the apiserver. An nginx pod bound
// to the node must become Running with an IP from the node's pod CIDR and answer on :80 from
// inside the node; deleting it must remove its sandbox. Prints how long create → Running
// took. Everything it made is removed even when it fails, and the census is empty at the end.

#include "../LabTestSupport.h"
#include "engine/kube/cri/GrpcContainerRuntime.h"
#include "engine/kube/node/NodeRuntimeFiles.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <sys/mount.h>

using namespace flowlab;
using namespace flowlab::test;

namespace {

const QString kNetns = "flowlab-kltest";
const QString kSwitchPort = "fl-kltest";
const QString kNodeAddress = "192.168.56.119/24";
const QString kNodeName = "flowlab-kltest";
const QString kPodCidr = "10.42.9.0/24";
const QString kAdminToken = "/var/lib/flowlab/kube/admin.token";

const char *kPodManifest = R"({"apiVersion":"v1","kind":"Pod",
  "metadata":{"name":"kltest-web","namespace":"default","labels":{"app":"kltest"}},
  "spec":{"nodeName":"flowlab-kltest","terminationGracePeriodSeconds":5,
          "containers":[{"name":"nginx","image":"nginx","imagePullPolicy":"IfNotPresent",
                         "ports":[{"containerPort":80}]}]}})";

QString commandLineOf(pid_t pid)
{
    QFile file(QString("/proc/%1/cmdline").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll().replace('\0', ' '));
}

// Processes whose command line names `needle` (our scratch directory is unique).
std::vector<pid_t> processesMentioning(const QString &needle)
{
    std::vector<pid_t> out;
    for (const QString &entry : QDir("/proc").entryList(QDir::Dirs)) {
        bool isPid = false;
        const pid_t pid = entry.toInt(&isPid);
        if (isPid && pid != ::getpid() && commandLineOf(pid).contains(needle))
            out.push_back(pid);
    }
    return out;
}

// QTRY_* would, on a timeout, wait twice as long again to say when it would have passed,
// which runs into QtTest's 300 s watchdog and skips the cleanup; this waits once.
bool waitFor(const std::function<bool()> &condition, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (!condition()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QTest::qWait(100);
    }
    return true;
}

void stopProcess(QProcess &process)
{
    if (process.state() == QProcess::NotRunning)
        return;
    process.terminate();
    if (!process.waitForFinished(15000)) {
        process.kill();
        process.waitForFinished(5000);
    }
}

} // namespace

class TestKubeletNode : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_scratch{"/tmp/flowlab-kltest-XXXXXX"};
    kube::node::NodeRuntimeLayout m_layout;
    QProcess m_containerd;
    QProcess m_kubelet;
    QString m_podIp;

    QJsonObject pod()
    {
        const CliRun got = kubectl({"get", "pod", "kltest-web", "-o", "json"});
        return got.exitCode == 0 ? QJsonDocument::fromJson(got.out.toUtf8()).object()
                                 : QJsonObject();
    }

    QString logs() const
    {
        QString out;
        for (const char *name : {"containerd.log", "kubelet.log"}) {
            QFile file(m_scratch.path() + "/" + name);
            if (file.open(QIODevice::ReadOnly))
                out += QString("--- %1 (last 3000 bytes)\n").arg(name) +
                       QString::fromUtf8(file.readAll().right(3000));
        }
        return out;
    }

    std::vector<std::string> sandboxIds()
    {
        kube::cri::GrpcContainerRuntime runtime(
            {m_layout.containerdSocket(), std::chrono::seconds(10)});
        auto listed = runtime.listPodSandbox(kube::cri::v1::ListPodSandboxRequest());
        std::vector<std::string> ids;
        if (listed)
            for (const auto &sandbox : listed->items())
                ids.push_back(sandbox.id());
        return ids;
    }

    // Undoes everything, in an order that works from any point of failure.
    void removeScratchNode()
    {
        stopProcess(m_kubelet);
        // The runtime first, while it runs: it tears the pods' CNI and netns down itself.
        if (m_containerd.state() != QProcess::NotRunning) {
            kube::cri::GrpcContainerRuntime runtime(
                {m_layout.containerdSocket(), std::chrono::seconds(20)});
            if (auto listed = runtime.listPodSandbox(kube::cri::v1::ListPodSandboxRequest()))
                for (const auto &sandbox : listed->items()) {
                    kube::cri::v1::StopPodSandboxRequest stop;
                    stop.set_pod_sandbox_id(sandbox.id());
                    (void)runtime.stopPodSandbox(stop);
                    kube::cri::v1::RemovePodSandboxRequest remove;
                    remove.set_pod_sandbox_id(sandbox.id());
                    (void)runtime.removePodSandbox(remove);
                }
        }
        stopProcess(m_containerd);
        // Shims (and anything else) still naming our scratch directory, by pid.
        for (pid_t pid : processesMentioning(m_scratch.path()))
            ::kill(pid, SIGKILL);
        // Whatever is left inside the namespace.
        const CliRun pids = run("ip", {"netns", "pids", kNetns});
        for (const QString &pid : pids.out.split('\n', Qt::SkipEmptyParts))
            ::kill(pid.toInt(), SIGKILL);
        // Mounts under the scratch directory (overlay rootfs, shm, netns), deepest first.
        std::vector<std::string> mounts;
        std::ifstream mountinfo("/proc/self/mountinfo");
        std::string line;
        while (std::getline(mountinfo, line)) {
            std::istringstream fields(line);
            std::string id, parent, devno, root, point;
            fields >> id >> parent >> devno >> root >> point;
            if (point.starts_with(m_scratch.path().toStdString()))
                mounts.push_back(point);
        }
        std::sort(mounts.rbegin(), mounts.rend());
        for (const std::string &point : mounts)
            ::umount2(point.c_str(), MNT_DETACH);
        run("ip", {"netns", "delete", kNetns});
        run("ip", {"-n", "flowlab-lab", "link", "delete", kSwitchPort});
        // The pods' cgroups (cgroupfs), bottom-up.
        std::error_code ec;
        for (const auto &hierarchy : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
            const std::filesystem::path root =
                hierarchy.path() / "flowlab-kubepods" / kNodeName.toStdString();
            std::vector<std::filesystem::path> dirs;
            std::error_code walk;
            for (auto it = std::filesystem::recursive_directory_iterator(root, walk);
                 it != std::filesystem::recursive_directory_iterator(); it.increment(walk))
                if (it->is_directory(walk))
                    dirs.push_back(it->path());
            std::sort(dirs.rbegin(), dirs.rend());
            for (const auto &dir : dirs)
                ::rmdir(dir.c_str());
            ::rmdir(root.c_str());
            ::rmdir(root.parent_path().c_str()); // only when the lab's nodes left it empty
        }
        // libcni's result cache for our network.
        for (const auto &entry : std::filesystem::directory_iterator("/var/lib/cni/results", ec))
            if (entry.path().filename().string().starts_with(kube::node::kNetworkName))
                std::filesystem::remove(entry.path(), ec);
        m_scratch.remove();
    }

private slots:
    void initTestCase()
    {
        FLOWLAB_REQUIRE_ROOT();
        for (const char *program : {"containerd", "containerd-shim-runc-v2", "kubectl", "curl"})
            if (run("which", {program}).exitCode != 0)
                QSKIP(qPrintable(QString("%1 is not installed (.ci/install-deps)").arg(program)));
        if (!QFile::exists("/usr/lib/cni/bridge"))
            QSKIP("containernetworking-plugins is not installed (.ci/install-deps)");
        QVERIFY(m_scratch.isValid());
        cli({"--quiet", "lab", "down"});
        FLOWLAB_VERIFY_RUN(cli({"lab", "census"}), 0);
        FLOWLAB_VERIFY_RUN(cli({"lab", "up", "--kube"}), 0);

        // The scratch node: a namespace with a veth on the lab bridge.
        FLOWLAB_VERIFY_RUN(run("ip", {"netns", "add", kNetns}), 0);
        FLOWLAB_VERIFY_RUN(run("ip", {"-n", "flowlab-lab", "link", "add", kSwitchPort, "type",
                                      "veth", "peer", "name", "eth0", "netns", kNetns}),
                           0);
        FLOWLAB_VERIFY_RUN(
            run("ip", {"-n", "flowlab-lab", "link", "set", kSwitchPort, "master", "lab0", "up"}),
            0);
        FLOWLAB_VERIFY_RUN(run("ip", {"-n", kNetns, "addr", "add", kNodeAddress, "dev", "eth0"}),
                           0);
        FLOWLAB_VERIFY_RUN(run("ip", {"-n", kNetns, "link", "set", "eth0", "up"}), 0);
        FLOWLAB_VERIFY_RUN(run("ip", {"-n", kNetns, "link", "set", "lo", "up"}), 0);

        // Its containerd, with our config, in its namespace (nsenter: see NodeRuntimeFiles.h).
        m_layout = kube::node::NodeRuntimeLayout::forNode(
            kNodeName.toStdString(), kPodCidr.toStdString(),
            m_scratch.path().toStdString() + "/lib", m_scratch.path().toStdString() + "/run");
        const Status written = kube::node::writeNodeRuntimeFiles(m_layout);
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().message().c_str());
        m_containerd.setProcessChannelMode(QProcess::MergedChannels);
        m_containerd.setStandardOutputFile(m_scratch.path() + "/containerd.log");
        m_containerd.start("nsenter", {"--net=/run/netns/" + kNetns, "containerd", "--config",
                                       QString::fromStdString(m_layout.containerdConfigPath())});
        QVERIFY(m_containerd.waitForStarted());
        QVERIFY2(
            waitFor(
                [&] { return QFile::exists(QString::fromStdString(m_layout.containerdSocket())); },
                30000),
            qPrintable(logs()));

        // Its kubelet.
        m_kubelet.setProcessChannelMode(QProcess::MergedChannels);
        m_kubelet.setStandardOutputFile(m_scratch.path() + "/kubelet.log");
        m_kubelet.start("nsenter",
                        {"--net=/run/netns/" + kNetns, binary("flowlab-kubelet"), "--server",
                         "http://192.168.56.100:6443", "--token-file", kAdminToken, "--node",
                         kNodeName, "--node-ip", "192.168.56.119", "--pod-cidr", kPodCidr,
                         "--cri-socket", QString::fromStdString(m_layout.containerdSocket()),
                         "--evidence-log", m_scratch.path() + "/kubelet.evidence.jsonl",
                         "--pod-log-dir", QString::fromStdString(m_layout.podLogDir())});
        QVERIFY(m_kubelet.waitForStarted());
    }

    void cleanupTestCase()
    {
        if (::geteuid() != 0)
            return;
        kubectl({"delete", "pod", "kltest-web", "--grace-period=0", "--force", "--wait=false"});
        kubectl({"delete", "node", kNodeName, "--wait=false"});
        removeScratchNode();
        FLOWLAB_VERIFY_RUN(cli({"lab", "down"}), 0);
        const CliRun census = cli({"lab", "census"});
        FLOWLAB_VERIFY_RUN(census, 0);
        QVERIFY2(!QFile::exists("/run/netns/" + kNetns), "the scratch netns is still there");
    }

    void nodeRegistersReady()
    {
        QVERIFY2(waitFor(
                     [&] {
                         return kubectl(
                                    {"get", "node", kNodeName, "-o",
                                     "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"})
                                    .out == "True";
                     },
                     30000),
                 qPrintable(logs()));
    }

    void nginxPodRunsWithAnIpFromThePodCidr()
    {
        QElapsedTimer timer;
        timer.start();
        FLOWLAB_VERIFY_RUN(kubectl({"create", "-f", "-"}, kPodManifest), 0);
        QJsonObject status;
        const bool running = waitFor(
            [&] { return (status = pod()["status"].toObject())["phase"].toString() == "Running"; },
            150000);
        QVERIFY2(running, qPrintable(QJsonDocument(status).toJson() + logs()));
        const double seconds = double(timer.elapsed()) / 1000.0;
        std::printf("kubelet node: pod create → Running in %.2f s (first pull of nginx and "
                    "pause included)\n",
                    seconds);
        m_podIp = status["podIP"].toString();
        QVERIFY2(m_podIp.startsWith("10.42.9."), qPrintable(m_podIp));
        QCOMPARE(status["hostIP"].toString(), QString("192.168.56.119"));
    }

    void nginxAnswersInsideTheNode()
    {
        QVERIFY(!m_podIp.isEmpty());
        const CliRun page = run("ip", {"netns", "exec", kNetns, "curl", "-sS", "--max-time", "10",
                                       "http://" + m_podIp + ":80/"});
        FLOWLAB_VERIFY_RUN(page, 0);
        QVERIFY2(page.out.contains("served by container kltest-web"), qPrintable(page.out));
    }

    void evidenceHasTheCriCallsAndTheStatusWrite()
    {
        QFile file(m_scratch.path() + "/kubelet.evidence.jsonl");
        QVERIFY(file.open(QIODevice::ReadOnly));
        QStringList methods;
        bool patched = false;
        for (const QByteArray &line : file.readAll().split('\n')) {
            const QJsonObject event = QJsonDocument::fromJson(line).object();
            const QJsonObject attrs = event["attrs"].toObject();
            if (event["kind"].toString() == "grpc" &&
                attrs["pod"].toString() == "default/kltest-web")
                methods << attrs["method"].toString();
            if (event["kind"].toString() == "api" && attrs["method"].toString() == "PATCH" &&
                attrs["status"].toInt() == 200)
                patched = true;
        }
        for (const char *method :
             {"RunPodSandbox", "PodSandboxStatus", "CreateContainer", "StartContainer"})
            QVERIFY2(methods.contains(method), qPrintable(methods.join(',')));
        QVERIFY(patched);
    }

    void deletingThePodRemovesItsSandbox()
    {
        QCOMPARE(sandboxIds().size(), std::size_t(1));
        FLOWLAB_VERIFY_RUN(kubectl({"delete", "pod", "kltest-web", "--wait=false"}), 0);
        QVERIFY2(waitFor([&] { return sandboxIds().empty(); }, 60000), qPrintable(logs()));
        QVERIFY(waitFor(
            [&] {
                return kubectl({"get", "pod", "kltest-web"}).err.contains("NotFound");
            },
            30000));
    }
};

QTEST_GUILESS_MAIN(TestKubeletNode)
#include "tst_kubelet_node.moc"
