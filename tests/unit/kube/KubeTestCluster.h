#pragma once

// A control plane for tests, without root and without the lab: flowlab-apiserver on loopback
// (plain HTTP for our own components, HTTPS for kubectl, which sends tokens to TLS servers
// only), with a fresh store, the lab's PKI code making its certificates, a token file, and a
// kubeconfig for the real kubectl. Optionally the controller-manager and the scheduler too.
// Everything lives in a temporary directory and every process is killed at the end.

#include "engine/kube/pki/ClusterPki.h"

#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/prctl.h>
#include <vector>

namespace flowlab::kube::test {

struct CommandResult
{
    int exitCode = -1;
    QString out;
    QString err;
    bool ok() const { return exitCode == 0; }
    // stdout and stderr together, for failure messages.
    std::string both() const { return (out + err).toStdString(); }
};

// The kubectl a test runs: $FLOWLAB_KUBECTL, else the one on PATH (a machine's preinstalled
// kubectl, or Debian's kubernetes-client after .ci/install-deps).
inline QString kubectlProgram()
{
    const QByteArray fromEnv = qgetenv("FLOWLAB_KUBECTL");
    if (!fromEnv.isEmpty())
        return QString::fromLocal8Bit(fromEnv);
    return QStandardPaths::findExecutable("kubectl");
}

// Debian's kubernetes-client 1.20, which .ci/install-deps unpacks beside a preinstalled kubectl
// (or installs as /usr/bin/kubectl when there is none). Empty when absent.
inline QString debianKubectlProgram()
{
    for (const QString &candidate :
         {QStringLiteral("/opt/flowlab/kubernetes-client/usr/bin/kubectl"),
          QStringLiteral("/usr/bin/kubectl")}) {
        QProcess probe;
        probe.start(candidate, {"version", "--client", "--short"});
        if (probe.waitForFinished(10000) &&
            QString::fromUtf8(probe.readAllStandardOutput()).contains("v1.20."))
            return candidate;
    }
    return {};
}

class KubeTestCluster
{
public:
    struct Options
    {
        std::string store = "sqlite"; // or "etcd": a real etcd started for the test
        bool controllerManager = false;
        bool scheduler = false;
        std::vector<std::string> apiserverArgs; // extra flags
        // Extra flags for flowlab-controller-manager, e.g. {"--node-monitor-grace-period", "3"}.
        std::vector<std::string> controllerManagerArgs;
    };

    ~KubeTestCluster() { stop(); }

    // Starts everything; QVERIFY-style failures are reported by the caller through the
    // returned message (empty on success).
    std::string start(const Options &options)
    {
        if (!m_dir.isValid())
            return "no temporary directory";
        m_options = options;
        const std::string dir = m_dir.path().toStdString();
        auto pki = ensureClusterPki(dir + "/pki");
        if (!pki)
            return pki.error().message();
        m_pki = *pki;
        write(dir + "/tokens.csv", "admin-token,flowlab-admin,1,\"system:masters\"\n"
                                   "learner-token,learner,2,\"flowlab:learners\"\n"
                                   "cm-token,system:kube-controller-manager,3\n"
                                   "scheduler-token,system:kube-scheduler,4\n");
        write(dir + "/controller-manager.token", "cm-token\n");
        write(dir + "/scheduler.token", "scheduler-token\n");

        std::string storeSpec = "sqlite:" + dir + "/store.db";
        if (options.store == "etcd") {
            const std::string started = startEtcd();
            if (!started.empty())
                return started;
            storeSpec = "etcd:" + m_etcdUrl;
        }
        QStringList args{"--listen",
                         "127.0.0.1:0",
                         "--tls-listen",
                         "127.0.0.1:0",
                         "--tls-cert-file",
                         QString::fromStdString(m_pki.serverCertPath),
                         "--tls-private-key-file",
                         QString::fromStdString(m_pki.serverKeyPath),
                         "--token-file",
                         QString::fromStdString(dir + "/tokens.csv"),
                         "--store",
                         QString::fromStdString(storeSpec),
                         "--audit-log",
                         QString::fromStdString(auditLogPath())};
        for (const auto &extra : options.apiserverArgs)
            args << QString::fromStdString(extra);
        const std::string apiserver = startApiserver(args);
        if (!apiserver.empty())
            return apiserver;
        writeKubeconfig();
        if (options.controllerManager) {
            const std::string started = startComponent(
                "flowlab-controller-manager", "controller-manager.token",
                evidenceLogPath("controller-manager"), options.controllerManagerArgs);
            if (!started.empty())
                return started;
        }
        if (options.scheduler) {
            const std::string started = startComponent("flowlab-scheduler", "scheduler.token",
                                                       evidenceLogPath("scheduler"));
            if (!started.empty())
                return started;
        }
        return {};
    }

    // Stops the apiserver with SIGKILL and starts it again on the same ports and store.
    std::string restartApiserverAfterKill()
    {
        if (!m_apiserver)
            return "the apiserver is not running";
        ::kill(pid_t(m_apiserver->processId()), SIGKILL);
        m_apiserver->waitForFinished(10000);
        QStringList args = m_apiserverArgs;
        args.replace(args.indexOf("--listen") + 1, QString("127.0.0.1:%1").arg(m_httpPort));
        args.replace(args.indexOf("--tls-listen") + 1, QString("127.0.0.1:%1").arg(m_httpsPort));
        return startApiserver(args);
    }

    void stop()
    {
        for (auto *process : {&m_scheduler, &m_controllerManager, &m_apiserver, &m_etcd}) {
            if (*process && (*process)->state() != QProcess::NotRunning) {
                (*process)->terminate();
                if (!(*process)->waitForFinished(5000)) {
                    (*process)->kill();
                    (*process)->waitForFinished(5000);
                }
            }
            process->reset();
        }
    }

    CommandResult kubectl(const QStringList &args, const QString &stdinText = {},
                          const QString &program = {}, int timeoutMs = 60000) const
    {
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("KUBECONFIG", QString::fromStdString(kubeconfigPath()));
        env.insert("HOME", m_dir.path()); // no ~/.kube cache from earlier runs
        process.setProcessEnvironment(env);
        process.start(program.isEmpty() ? kubectlProgram() : program, args);
        if (!process.waitForStarted(10000))
            return {-1, {}, "kubectl did not start: " + process.errorString()};
        if (!stdinText.isEmpty())
            process.write(stdinText.toUtf8());
        process.closeWriteChannel();
        if (!process.waitForFinished(timeoutMs)) {
            process.kill();
            process.waitForFinished();
            return {-1, QString::fromUtf8(process.readAllStandardOutput()),
                    "kubectl timed out: " + args.join(' ')};
        }
        return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
                QString::fromUtf8(process.readAllStandardError())};
    }

    // Lines of the audit log, parsed.
    std::vector<nlohmann::json> auditEvents() const { return readJsonLines(auditLogPath()); }
    std::vector<nlohmann::json> evidence(const std::string &component) const
    {
        return readJsonLines(evidenceLogPath(component));
    }

    std::string dir() const { return m_dir.path().toStdString(); }
    std::string kubeconfigPath() const { return dir() + "/kubeconfig"; }
    std::string auditLogPath() const { return dir() + "/audit.log"; }
    std::string evidenceLogPath(const std::string &component) const
    {
        return dir() + "/" + component + ".evidence.jsonl";
    }
    std::string plainUrl() const { return "http://127.0.0.1:" + std::to_string(m_httpPort); }
    std::string tlsUrl() const { return "https://127.0.0.1:" + std::to_string(m_httpsPort); }
    QProcess *apiserver() const { return m_apiserver.get(); }
    QProcess *scheduler() const { return m_scheduler.get(); }
    std::string apiserverLog() const
    {
        return m_apiserverOutput.toStdString() +
               (m_apiserver ? QString::fromUtf8(m_apiserver->readAllStandardError()).toStdString()
                            : std::string());
    }

    static void write(const std::string &path, const std::string &text)
    {
        std::ofstream(path) << text;
    }

    static std::vector<nlohmann::json> readJsonLines(const std::string &path)
    {
        std::vector<nlohmann::json> lines;
        std::ifstream in(path);
        std::string line;
        while (std::getline(in, line)) {
            auto parsed = nlohmann::json::parse(line, nullptr, false);
            if (!parsed.is_discarded())
                lines.push_back(std::move(parsed));
        }
        return lines;
    }

private:
    // A process that dies with the test, even when the test crashes or is killed.
    static std::unique_ptr<QProcess> childProcess()
    {
        auto process = std::make_unique<QProcess>();
        process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        return process;
    }

    std::string startApiserver(const QStringList &args)
    {
        m_apiserverArgs = args;
        m_apiserver = childProcess();
        m_apiserver->setProcessChannelMode(QProcess::SeparateChannels);
        m_apiserver->start(QString(FLOWLAB_BIN_DIR) + "/flowlab-apiserver", args);
        if (!m_apiserver->waitForStarted(10000))
            return "flowlab-apiserver did not start: " + m_apiserver->errorString().toStdString();
        // It prints its ports once it listens.
        QString printed;
        QElapsedTimer timer;
        timer.start();
        static const QRegularExpression plain("listening on port (\\d+)");
        static const QRegularExpression tls("listening on TLS port (\\d+)");
        while (timer.elapsed() < 20000) {
            m_apiserver->waitForReadyRead(200);
            printed += QString::fromUtf8(m_apiserver->readAllStandardOutput());
            const auto plainMatch = plain.match(printed);
            const auto tlsMatch = tls.match(printed);
            if (plainMatch.hasMatch() && tlsMatch.hasMatch()) {
                m_httpPort = plainMatch.captured(1).toInt();
                m_httpsPort = tlsMatch.captured(1).toInt();
                m_apiserverOutput = printed;
                return {};
            }
            if (m_apiserver->state() == QProcess::NotRunning)
                break;
        }
        return "flowlab-apiserver did not start listening: " + printed.toStdString() +
               QString::fromUtf8(m_apiserver->readAllStandardError()).toStdString();
    }

    std::string startComponent(const std::string &name, const std::string &tokenFile,
                               const std::string &evidence,
                               const std::vector<std::string> &extraArgs = {})
    {
        auto process = childProcess();
        process->setProcessChannelMode(QProcess::MergedChannels);
        process->setStandardOutputFile(QString::fromStdString(dir() + "/" + name + ".log"));
        QStringList args{"--server",       QString::fromStdString(plainUrl()),
                         "--token-file",   QString::fromStdString(dir() + "/" + tokenFile),
                         "--evidence-log", QString::fromStdString(evidence)};
        for (const auto &extra : extraArgs)
            args << QString::fromStdString(extra);
        process->start(QString(FLOWLAB_BIN_DIR) + "/" + QString::fromStdString(name), args);
        if (!process->waitForStarted(10000))
            return name + " did not start: " + process->errorString().toStdString();
        (name == "flowlab-scheduler" ? m_scheduler : m_controllerManager) = std::move(process);
        return {};
    }

    std::string startEtcd()
    {
        const QString etcd = QStandardPaths::findExecutable("etcd", {"/usr/bin", "/usr/sbin"});
        if (etcd.isEmpty())
            return "etcd is not installed (Debian's etcd-server: .ci/install-deps installs it)";
        const int client = 20000 + int(::getpid() % 20000);
        const int peer = client + 1;
        m_etcdUrl = "http://127.0.0.1:" + std::to_string(client);
        m_etcd = childProcess();
        m_etcd->setProcessChannelMode(QProcess::MergedChannels);
        m_etcd->setStandardOutputFile(QString::fromStdString(dir() + "/etcd.log"));
        const QString peerUrl = QString("http://127.0.0.1:%1").arg(peer);
        m_etcd->start(etcd,
                      {"--data-dir", QString::fromStdString(dir() + "/etcd"), "--name",
                       "flowlab-test", "--listen-client-urls", QString::fromStdString(m_etcdUrl),
                       "--advertise-client-urls", QString::fromStdString(m_etcdUrl),
                       "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                       "--initial-cluster", "flowlab-test=" + peerUrl});
        if (!m_etcd->waitForStarted(10000))
            return "etcd did not start";
        for (int i = 0; i < 100; ++i) {
            QProcess probe;
            probe.start("curl", {"-sf", QString::fromStdString(m_etcdUrl + "/health")});
            if (probe.waitForFinished(2000) && probe.exitCode() == 0)
                return {};
            QTest::qWait(100);
        }
        return "etcd did not become healthy; see " + dir() + "/etcd.log";
    }

    void writeKubeconfig() const
    {
        auto ca = m_pki.caPem();
        const QByteArray caData = QByteArray::fromStdString(ca ? *ca : "").toBase64();
        write(kubeconfigPath(),
              "apiVersion: v1\nkind: Config\nclusters:\n- name: flowlab\n  cluster:\n    server: " +
                  tlsUrl() + "\n    certificate-authority-data: " + caData.toStdString() +
                  "\ncontexts:\n- name: flowlab\n  context: {cluster: flowlab, user: admin, "
                  "namespace: default}\n- name: learner\n  context: {cluster: flowlab, user: "
                  "learner, namespace: default}\ncurrent-context: flowlab\nusers:\n- name: "
                  "admin\n  user: {token: admin-token}\n- name: learner\n  user: {token: "
                  "learner-token}\n");
    }

    QTemporaryDir m_dir;
    Options m_options;
    ClusterPki m_pki;
    std::unique_ptr<QProcess> m_apiserver;
    std::unique_ptr<QProcess> m_controllerManager;
    std::unique_ptr<QProcess> m_scheduler;
    std::unique_ptr<QProcess> m_etcd;
    QStringList m_apiserverArgs;
    QString m_apiserverOutput;
    std::string m_etcdUrl;
    int m_httpPort = 0;
    int m_httpsPort = 0;
};

} // namespace flowlab::kube::test
