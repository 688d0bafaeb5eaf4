// flowlab-bench-apiserver: flowlab-apiserver on SQLite next to flowlab-apiserver on etcd, in one
// run, on loopback (no root, no lab):
//   - throughput of N pod creates through the API (several connections at once)
//   - latency to list M pods, as JSON and as the Table kubectl get asks for
//   - fan-out of one change to W watchers: from the write's answer to the last watcher's event
//   - the apiserver's resident memory once it holds the M pods
// It prints the figures, then the SQLite/etcd ratios. Pods are made-up objects of realistic
// size, created through the same API kubectl uses; nothing runs them.

#include "engine/kube/client/KubeClient.h"
#include "engine/kube/pki/ClusterPki.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <numeric>
#include <vector>

using namespace flowlab;
using namespace flowlab::kube;

namespace {

struct Settings
{
    int creates = 1000;
    int listSize = 10000;
    int watchers = 100;
    int parallel = 6; // QNetworkAccessManager's connections per host
};

struct Figures
{
    double createsPerSecond = 0;
    double listJsonMs = 0;
    double listTableMs = 0;
    double fanoutMedianMs = 0;
    double fanoutLastMs = 0;
    double rssMb = 0;
};

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

nlohmann::json podObject(int i)
{
    const std::string name = "bench-" + std::to_string(i);
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata",
             {{"name", name}, {"labels", {{"app", "bench"}, {"index", std::to_string(i % 100)}}}}},
            {"spec",
             {{"containers",
               nlohmann::json::array(
                   {{{"name", "web"},
                     {"image", "nginx:1.25"},
                     {"ports", nlohmann::json::array({{{"containerPort", 80}}})},
                     {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "64Mi"}}}}}}})}}}};
}

// A started apiserver in a temporary directory.
class Server
{
public:
    ~Server() { stop(); }

    std::string start(const std::string &store)
    {
        const std::string dir = m_dir.path().toStdString();
        std::ofstream(dir + "/tokens.csv") << "bench-token,bench,1,\"system:masters\"\n";
        std::string spec = "sqlite:" + dir + "/store.db";
        if (store == "etcd") {
            const std::string started = startEtcd(dir);
            if (!started.empty())
                return started;
            spec = "etcd:" + m_etcdUrl;
        }
        m_apiserver.start(QString(FLOWLAB_BIN_DIR) + "/flowlab-apiserver",
                          {"--listen", "127.0.0.1:0", "--store", QString::fromStdString(spec),
                           "--token-file", QString::fromStdString(dir + "/tokens.csv")});
        QString printed;
        QElapsedTimer timer;
        timer.start();
        static const QRegularExpression port("listening on port (\\d+)");
        while (timer.elapsed() < 20000) {
            m_apiserver.waitForReadyRead(200);
            printed += QString::fromUtf8(m_apiserver.readAllStandardOutput());
            if (auto match = port.match(printed); match.hasMatch()) {
                m_port = match.captured(1).toInt();
                return {};
            }
        }
        return "flowlab-apiserver did not start: " + printed.toStdString() +
               QString::fromUtf8(m_apiserver.readAllStandardError()).toStdString();
    }

    void stop()
    {
        for (QProcess *process : {&m_apiserver, &m_etcd})
            if (process->state() != QProcess::NotRunning) {
                process->terminate();
                if (!process->waitForFinished(5000))
                    process->kill();
                process->waitForFinished();
            }
    }

    int port() const { return m_port; }
    double rssMb() const
    {
        std::ifstream status("/proc/" + std::to_string(m_apiserver.processId()) + "/status");
        std::string line;
        while (std::getline(status, line))
            if (line.starts_with("VmRSS:"))
                return std::stod(line.substr(6)) / 1024.0;
        return 0;
    }

private:
    std::string startEtcd(const std::string &dir)
    {
        const QString etcd = QStandardPaths::findExecutable("etcd");
        if (etcd.isEmpty())
            return "etcd is not installed (apt-get install etcd-server)";
        const int client = 30000 + int(QCoreApplication::applicationPid() % 20000);
        m_etcdUrl = "http://127.0.0.1:" + std::to_string(client);
        const QString peer = QString("http://127.0.0.1:%1").arg(client + 1);
        m_etcd.setProcessChannelMode(QProcess::MergedChannels);
        m_etcd.setStandardOutputFile(QString::fromStdString(dir + "/etcd.log"));
        m_etcd.start(etcd, {"--data-dir", QString::fromStdString(dir + "/etcd"), "--name", "bench",
                            "--listen-client-urls", QString::fromStdString(m_etcdUrl),
                            "--advertise-client-urls", QString::fromStdString(m_etcdUrl),
                            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                            "--initial-cluster", "bench=" + peer});
        for (int i = 0; i < 100; ++i) {
            QProcess probe;
            probe.start("curl", {"-sf", QString::fromStdString(m_etcdUrl + "/health")});
            if (probe.waitForFinished(2000) && probe.exitCode() == 0)
                return {};
            QThread::msleep(100);
        }
        return "etcd did not become healthy";
    }

    QTemporaryDir m_dir;
    QProcess m_apiserver;
    QProcess m_etcd;
    std::string m_etcdUrl;
    int m_port = 0;
};

// Runs `count` creates, `parallel` at a time, each client its own connection pool.
double createPods(const std::string &server, int first, int count, int parallel)
{
    std::vector<std::unique_ptr<KubeClient>> clients;
    for (int i = 0; i < parallel; ++i)
        clients.push_back(
            std::make_unique<KubeClient>(ClientConfig{server, "bench-token", "bench"}));
    const ResourceInfo &pods = *ResourceRegistry::builtin().find("", "v1", "pods");
    QEventLoop loop;
    int next = first;
    int done = 0;
    int failed = 0;
    QElapsedTimer timer;
    timer.start();
    std::function<void(KubeClient &)> issue = [&](KubeClient &client) {
        if (next >= first + count)
            return;
        const int index = next++;
        client.create(pods, "default", podObject(index),
                      [&, clientPtr = &client](const ClientResult &r) {
                          failed += r.code == 201 ? 0 : 1;
                          if (++done == count)
                              loop.quit();
                          else
                              issue(*clientPtr);
                      });
    };
    for (auto &client : clients)
        for (int i = 0; i < 1; ++i)
            issue(*client);
    loop.exec();
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    if (failed)
        std::fprintf(stderr, "  %d of %d creates failed\n", failed, count);
    return count / seconds;
}

double timeList(const std::string &server, bool table)
{
    QNetworkAccessManager manager;
    manager.setProxy(QNetworkProxy::NoProxy);
    std::vector<double> times;
    for (int round = 0; round < 5; ++round) {
        QNetworkRequest request(
            QUrl(QString::fromStdString(server + "/api/v1/namespaces/default/pods")));
        request.setRawHeader("Authorization", "Bearer bench-token");
        request.setRawHeader("Accept",
                             table ? "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
                                   : "application/json");
        QElapsedTimer timer;
        timer.start();
        QNetworkReply *reply = manager.get(request);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        (void)reply->readAll();
        times.push_back(double(timer.nsecsElapsed()) / 1e6);
        reply->deleteLater();
    }
    return median(times);
}

// W raw watch connections on one pod; then a change; the time until each has seen it.
std::pair<double, double> fanout(int port, int watchers, const std::string &server)
{
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    std::vector<qint64> seenAt(static_cast<std::size_t>(watchers), -1);
    std::vector<QByteArray> buffers(static_cast<std::size_t>(watchers));
    QElapsedTimer clock;
    clock.start();
    qint64 writtenAt = -1;
    // As client-go's reflectors do: watch from the revision a read returned.
    KubeClient reader({server, "bench-token", "bench"});
    const ResourceInfo &podResource = *ResourceRegistry::builtin().find("", "v1", "pods");
    std::string revision;
    QEventLoop read;
    reader.get(podResource, "default", "bench-0", [&](const ClientResult &r) {
        revision = r.body["metadata"].value("resourceVersion", "");
        read.quit();
    });
    read.exec();
    const std::string request =
        "GET "
        "/api/v1/namespaces/default/"
        "pods?watch=1&fieldSelector=metadata.name%3Dbench-0&resourceVersion=" +
        revision +
        " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer bench-token\r\nAccept: "
        "application/json\r\n\r\n";
    int ready = 0;
    std::vector<bool> counted(static_cast<std::size_t>(watchers), false);
    QEventLoop loop;
    for (int i = 0; i < watchers; ++i) {
        auto socket = std::make_unique<QTcpSocket>();
        QTcpSocket *raw = socket.get();
        QObject::connect(raw, &QTcpSocket::readyRead, [&, i, raw] {
            buffers[std::size_t(i)] += raw->readAll();
            // The first event is the pod as it is (ADDED); the second is our change.
            if (!counted[std::size_t(i)] && buffers[std::size_t(i)].contains("200 OK")) {
                counted[std::size_t(i)] = true;
                if (++ready == watchers)
                    loop.quit();
            }
            if (buffers[std::size_t(i)].contains("\"type\":\"MODIFIED\"") &&
                seenAt[std::size_t(i)] < 0)
                seenAt[std::size_t(i)] = clock.nsecsElapsed();
        });
        raw->connectToHost("127.0.0.1", quint16(port));
        raw->waitForConnected(5000);
        raw->write(request.data(), qint64(request.size()));
        sockets.push_back(std::move(socket));
    }
    QTimer::singleShot(20000, &loop, &QEventLoop::quit);
    loop.exec();
    KubeClient client({server, "bench-token", "bench"});
    const ResourceInfo &pods = *ResourceRegistry::builtin().find("", "v1", "pods");
    // From the moment the change is sent: watchers may hear of it before its writer does.
    QEventLoop written;
    writtenAt = clock.nsecsElapsed();
    client.patch(pods, "default", "bench-0", {{"metadata", {{"labels", {{"touched", "yes"}}}}}},
                 "application/merge-patch+json", [&](const ClientResult &) { written.quit(); });
    written.exec();
    QElapsedTimer waited;
    waited.start();
    while (std::count(seenAt.begin(), seenAt.end(), -1) > 0 && waited.elapsed() < 10000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    std::vector<double> latencies;
    for (qint64 at : seenAt)
        if (at >= 0)
            latencies.push_back(std::max(0.0, double(at - writtenAt) / 1e6));
    if (int(latencies.size()) < watchers)
        std::fprintf(stderr, "  only %zu of %d watchers saw the change\n", latencies.size(),
                     watchers);
    const double last =
        latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end());
    return {median(latencies), last};
}

Figures measure(const std::string &store, const Settings &settings)
{
    Figures figures;
    Server server;
    if (const std::string started = server.start(store); !started.empty()) {
        std::fprintf(stderr, "flowlab-bench-apiserver: %s: %s\n", store.c_str(), started.c_str());
        std::exit(1);
    }
    const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
    std::fprintf(stderr, "%s: %d creates...\n", store.c_str(), settings.creates);
    figures.createsPerSecond = createPods(url, 0, settings.creates, settings.parallel);
    std::fprintf(stderr, "%s: filling up to %d pods...\n", store.c_str(), settings.listSize);
    if (settings.listSize > settings.creates)
        createPods(url, settings.creates, settings.listSize - settings.creates, settings.parallel);
    figures.listJsonMs = timeList(url, false);
    figures.listTableMs = timeList(url, true);
    figures.rssMb = server.rssMb();
    std::fprintf(stderr, "%s: %d watchers...\n", store.c_str(), settings.watchers);
    const auto [medianMs, lastMs] = fanout(server.port(), settings.watchers, url);
    figures.fanoutMedianMs = medianMs;
    figures.fanoutLastMs = lastMs;
    return figures;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    Settings settings;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        auto value = [&](int &into) {
            if (i + 1 < args.size())
                into = args[++i].toInt();
        };
        if (args[i] == "--creates")
            value(settings.creates);
        else if (args[i] == "--list")
            value(settings.listSize);
        else if (args[i] == "--watchers")
            value(settings.watchers);
        else if (args[i] == "--help" || args[i] == "-h") {
            std::printf("Usage: flowlab-bench-apiserver [--creates N] [--list M] [--watchers W]\n\n"
                        "flowlab-apiserver on SQLite next to etcd, on loopback: N pod creates "
                        "(default 1000),\nlisting M pods (default 10000), one change to W "
                        "watchers (default 100), resident memory.\n");
            return 0;
        }
    }
    const Figures sqlite = measure("sqlite", settings);
    const Figures etcd = measure("etcd", settings);
    std::printf("flowlab-apiserver, SQLite next to etcd (same run, loopback):\n");
    std::printf("  %-44s %10s %10s %8s\n", "", "sqlite", "etcd", "ratio");
    auto row = [](const char *what, double a, double b, const char *unit) {
        std::printf("  %-44s %9.1f%s %9.1f%s %8.2f\n", what, a, unit, b, unit, b > 0 ? a / b : 0.0);
    };
    row(("pod creates/s (" + std::to_string(settings.creates) + ", " +
         std::to_string(settings.parallel) + " at a time)")
            .c_str(),
        sqlite.createsPerSecond, etcd.createsPerSecond, " ");
    row(("list " + std::to_string(settings.listSize) + " pods, JSON (median ms)").c_str(),
        sqlite.listJsonMs, etcd.listJsonMs, " ");
    row(("list " + std::to_string(settings.listSize) + " pods, Table (median ms)").c_str(),
        sqlite.listTableMs, etcd.listTableMs, " ");
    row(("one change to " + std::to_string(settings.watchers) +
         " watchers, median (ms from the PATCH)")
            .c_str(),
        sqlite.fanoutMedianMs, etcd.fanoutMedianMs, " ");
    row(("one change to " + std::to_string(settings.watchers) +
         " watchers, last (ms from the PATCH)")
            .c_str(),
        sqlite.fanoutLastMs, etcd.fanoutLastMs, " ");
    row(("apiserver resident memory with " + std::to_string(settings.listSize) + " pods (MB)")
            .c_str(),
        sqlite.rssMb, etcd.rssMb, " ");
    std::printf("  (ratio: sqlite / etcd)\n");
    return 0;
}
