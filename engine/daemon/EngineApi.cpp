#include "engine/daemon/EngineApi.h"

#include "engine/kube/relay/ApiRelay.h"
#include "engine/lab/KubeClusterAddons.h"
#include "engine/lab/LabService.h"
#include "engine/lab/LabTopology.h"
#include "engine/net/HttpClient.h"
#include "engine/sys/Command.h"
#include "engine/sys/NetnsThread.h"
#include "engine/sys/StracedProcessLauncher.h"
#include "engine/sys/TracedProcessLauncher.h"
#include "tracer/kernel/Netns.h"
#include "tracer/syscalls/SyscallTable.h"
#include "tracer/syscalls/SyscallTracer.h"
#include "tracer/taps/GrpcTap.h"
#include "tracer/taps/HttpTap.h"
#include "tracer/taps/JsonLinesFollower.h"
#include "tracer/taps/KubeAuditEvents.h"

#include <QMetaObject>
#include <QThread>
#include <grp.h>
#include <spdlog/spdlog.h>
#include <thread>
#include <unistd.h>

namespace flowlab {

namespace {

constexpr const char *kSocketGroup = "flowlab";

} // namespace

namespace {

const std::set<std::string> kEnginePrograms = {"containerd", "dockerd"};

std::unique_ptr<ProcessLauncher> makeLauncher(EngineTracing tracing, SyscallTracer *tracer)
{
    if (tracing == EngineTracing::SyscallTracer && tracer)
        return std::make_unique<TracedProcessLauncher>(*tracer, kEnginePrograms);
    if (tracing == EngineTracing::Strace)
        return std::make_unique<StracedProcessLauncher>(
            std::make_unique<LinuxProcessLauncher>(), kEnginePrograms,
            StraceOptions{.program = findProgram("strace"), .syscalls = tracedSyscallNames()});
    return std::make_unique<LinuxProcessLauncher>();
}

} // namespace

EngineApi::EngineApi(LabPaths paths, DaemonServer &server, EngineTracing engineTracing,
                     QObject *parent)
    : QObject(parent)
    , m_paths(paths)
    , m_tracer(engineTracing == EngineTracing::SyscallTracer
                   ? std::make_unique<SyscallTracer>(m_events)
                   : nullptr)
    , m_launcher(makeLauncher(engineTracing, m_tracer.get()))
    , m_lab(paths, m_network, *m_launcher)
{
    registerHandlers(server);
}

EngineApi::~EngineApi()
{
    stopKubeEvidence();
    stopTap();
}

CensusOptions EngineApi::daemonKeep() const
{
    CensusOptions keep;
    keep.ignorePids = {::getpid()};
    keep.ignoreFiles = m_daemonFiles;
    return keep;
}

void EngineApi::resume()
{
    if (m_lab.requireUp()) {
        (void)startGrpcTap();
        (void)m_events.openFile(m_paths.eventLog());
        if (auto s = startTap(); !s)
            spdlog::warn("resuming the Docker API tap: {}", s.error().message());
        else
            spdlog::info("lab was up; Docker API tap resumed on {}", m_paths.dockerTapSocket());
        if (!m_lab.kubeStore().empty()) {
            if (auto s = startKubeEvidence(false); !s)
                spdlog::warn("resuming the Kubernetes API relay: {}", s.error().message());
        }
    }
}

void EngineApi::runLabJob(const Reply &reply, LabJob work)
{
    std::thread([this, reply, work = std::move(work)] {
        std::unique_lock lock(m_labMutex, std::try_to_lock);
        if (!lock.owns_lock()) {
            reply.progress("waiting for another lab operation to finish");
            lock.lock();
        }
        Result<nlohmann::json> result = work(reply);
        if (result)
            reply.result(*result);
        else
            reply.error(result.error().message());
    }).detach();
}

Status EngineApi::startTap()
{
    Status status;
    // The tap's sockets live on the daemon's main thread, with the control server.
    QMetaObject::invokeMethod(
        this,
        [this, &status] {
            if (m_tap)
                return;
            HttpTapOptions options;
            options.listenPath = m_paths.dockerTapSocket();
            options.upstreamPath = m_paths.dockerSocket();
            // Without a flowlab group, only root may use the tap (mode 0660, group root).
            if (::getgrnam(kSocketGroup))
                options.group = kSocketGroup;
            options.source = {"dockerd", kDockerNetns, 0, kDockerNetns};
            auto tap = std::make_unique<HttpTap>(m_events, options);
            status = tap->start();
            if (status)
                m_tap = std::move(tap);
        },
        QThread::currentThread() == thread() ? Qt::DirectConnection : Qt::BlockingQueuedConnection);
    return status;
}

Status EngineApi::startGrpcTap()
{
    if (auto s = makeDirectories(m_paths.runDir); !s)
        return s;
    Status status;
    QMetaObject::invokeMethod(
        this,
        [this, &status] {
            if (m_grpcTap)
                return;
            GrpcTapOptions options;
            options.listenPath = m_paths.containerdTapSocket();
            options.upstreamPath = m_paths.containerdSocket();
            options.source = {"containerd", kDockerNetns, 0, kDockerNetns};
            options.mode = 0600; // only dockerd (root) talks to containerd
            auto tap = std::make_unique<GrpcTap>(m_events, options);
            status = tap->start();
            if (status)
                m_grpcTap = std::move(tap);
        },
        QThread::currentThread() == thread() ? Qt::DirectConnection : Qt::BlockingQueuedConnection);
    return status;
}

Status EngineApi::startKubeEvidence(bool fromStart)
{
    Status status;
    QMetaObject::invokeMethod(
        this,
        [this, &status, fromStart] {
            if (m_kubeRelay)
                return;
            kube::ApiRelayOptions options;
            options.listen = KubeControlPlane::kRelayAddress;
            options.certPath = m_paths.kubePkiDir() + "/apiserver.crt";
            options.keyPath = m_paths.kubePkiDir() + "/apiserver.key";
            options.upstreamNetns = netnsPath(kControlPlaneNetns);
            options.upstream = KubeControlPlane::kApiserverAddress;
            auto relay = std::make_unique<kube::ApiRelay>(m_events, options);
            status = relay->start();
            if (!status)
                return;
            m_kubeRelay = std::move(relay);
            // The apiserver's audit log: each request's stages, and its store writes.
            const EventSource apiserver{"kube-apiserver", kControlPlaneNetns, 0,
                                        kControlPlaneNetns};
            auto audit = std::make_unique<JsonLinesFollower>(
                m_paths.kubeAuditLog(),
                [this, apiserver](nlohmann::json &&line) {
                    if (auto event = eventFromAuditLine(line, apiserver))
                        m_events.append(std::move(*event));
                },
                fromStart);
            m_kubeFollowers.push_back(std::move(audit));
            // The controllers' and the scheduler's decisions, written as evidence events.
            for (const std::string &component : kubeEvidenceComponents(LabTopology::kubeLab())) {
                m_kubeFollowers.push_back(std::make_unique<JsonLinesFollower>(
                    m_paths.kubeEvidenceLog(component),
                    [this](nlohmann::json &&line) {
                        try {
                            m_events.append(eventFromJson(std::move(line)));
                        } catch (const std::exception &) {
                            // not an evidence event: the follower counts nothing else
                        }
                    },
                    fromStart));
            }
            for (auto &follower : m_kubeFollowers)
                follower->start();
        },
        QThread::currentThread() == thread() ? Qt::DirectConnection : Qt::BlockingQueuedConnection);
    return status;
}

void EngineApi::stopKubeEvidence()
{
    auto stop = [this] {
        for (auto &follower : m_kubeFollowers)
            follower->stop();
        m_kubeFollowers.clear();
        m_kubeRelay.reset();
    };
    if (QThread::currentThread() == thread())
        stop();
    else
        QMetaObject::invokeMethod(this, stop, Qt::BlockingQueuedConnection);
}

Status EngineApi::bringLabUp(const ProgressFn &progress, const KubeLabOptions &kube)
{
    // dockerd connects to containerd through the gRPC tap, so the tap comes first.
    if (auto s = startGrpcTap(); !s)
        return std::move(s).context("starting the containerd gRPC tap");
    if (auto s = m_lab.up(progress, kube); !s)
        return s;
    if (auto s = m_events.openFile(m_paths.eventLog()); !s)
        return s;
    if (!m_lab.kubeStore().empty()) {
        if (auto s = startKubeEvidence(true); !s)
            return std::move(s).context("starting the Kubernetes API relay");
        progress(std::string("Kubernetes API relay listening on https://") +
                 KubeControlPlane::kRelayAddress + "; export KUBECONFIG=" + m_paths.kubeconfig());
    }
    if (auto s = startTap(); !s)
        return std::move(s).context("starting the Docker API tap");
    progress("Docker API tap listening on " + m_paths.dockerTapSocket());
    return pushCachedImages(progress);
}

void EngineApi::stopTap()
{
    auto stop = [this] {
        m_tap.reset();
        m_grpcTap.reset();
    };
    if (QThread::currentThread() == thread())
        stop();
    else
        QMetaObject::invokeMethod(this, stop, Qt::BlockingQueuedConnection);
}

Status EngineApi::curlFromLab(const nlohmann::json &params, nlohmann::json &result)
{
    if (auto s = m_lab.requireUp(); !s)
        return s;
    HttpRequest request;
    request.url = params.at("url").get<std::string>();
    request.method = params.value("method", "GET");
    request.body = params.value("data", "");
    request.timeoutMs = params.value("timeout_ms", 10'000);
    for (const auto &header : params.value("headers", nlohmann::json::array())) {
        const std::string line = header.get<std::string>();
        const auto colon = line.find(':');
        if (colon == std::string::npos)
            return Error("header \"" + line + "\" has no ':'");
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        request.headers.emplace_back(line.substr(0, colon), value);
    }
    const std::string netns = params.value("netns", kClientNetns);
    if (netns.rfind(kLabNamePrefix, 0) != 0)
        return Error("curl runs only inside the lab's namespaces, not in \"" + netns + "\"");

    Result<HttpResponse> response = Error("not run");
    if (auto s = runInNetns(netns, [&] { response = httpRequest(request); }); !s)
        return s;
    if (!response)
        return response.error().withContext("from " + netns);
    nlohmann::json headers = nlohmann::json::array();
    for (const auto &[key, value] : response->headers)
        headers.push_back({key, value});
    result = {{"status", response->status},
              {"status_line", response->statusLine},
              {"headers", headers},
              {"body", response->body},
              {"local_address", response->localAddress},
              {"remote_address", response->remoteAddress},
              {"seconds", response->seconds},
              {"netns", netns}};
    Event event;
    event.kind = EventKind::Command;
    event.source = {"curl", netns, 0, netns};
    event.summary = "curl " + request.url + " → " + response->statusLine;
    event.attributes = {{"argv", {"curl", request.url}},
                        {"status", response->status},
                        {"local_address", response->localAddress},
                        {"remote_address", response->remoteAddress}};
    m_events.append(std::move(event));
    return success();
}

void EngineApi::registerHandlers(DaemonServer &server)
{
    server.handle("ping", [this](const nlohmann::json &, const Reply &reply) {
        reply.result({{"version", FLOWLAB_VERSION},
                      {"pid", ::getpid()},
                      {"lab", m_lab.status().value("phase", "unknown")}});
    });

    server.handle("lab.up", [this](const nlohmann::json &params, const Reply &reply) {
        KubeLabOptions kube;
        kube.enabled = params.value("kube", false);
        kube.store = params.value("store", "sqlite");
        runLabJob(reply, [this, kube](const Reply &r) -> Result<nlohmann::json> {
            if (auto s = bringLabUp([&r](const std::string &line) { r.progress(line); }, kube); !s)
                return s.error();
            return m_lab.status();
        });
    });

    server.handle("lab.down", [this](const nlohmann::json &, const Reply &reply) {
        runLabJob(reply, [this](const Reply &r) -> Result<nlohmann::json> {
            // The taps go last: dockerd still needs containerd while it stops its containers.
            Status status =
                m_lab.down(daemonKeep(), [&r](const std::string &line) { r.progress(line); });
            stopTap();
            stopKubeEvidence();
            m_events.closeFile();
            if (!status)
                return status.error();
            if (m_onLabDown)
                QMetaObject::invokeMethod(this, m_onLabDown, Qt::QueuedConnection);
            return nlohmann::json{{"phase", "down"}};
        });
    });

    server.handle("lab.status", [this](const nlohmann::json &, const Reply &reply) {
        nlohmann::json status = m_lab.status();
        status["docker_tap"] = m_tap ? m_paths.dockerTapSocket() : "";
        status["events"] = m_events.size();
        if (m_tracer) {
            // Since the daemon started; the overhead benchmark reads them before and after.
            const TracerStats stats = m_tracer->stats();
            status["syscall_tracer"] = {{"stops", stats.stops},
                                        {"seccomp_stops", stats.seccompStops},
                                        {"syscall_exit_stops", stats.syscallExitStops},
                                        {"ptrace_event_stops", stats.eventStops},
                                        {"signal_stops", stats.signalStops},
                                        {"group_stops", stats.groupStops},
                                        {"ignored_syscalls", stats.ignoredSyscalls},
                                        {"clones_decoded_at_fork_event", stats.decodedAtForkEvent},
                                        {"syscall_events", stats.syscallEvents},
                                        {"process_events", stats.processEvents},
                                        {"time_in_stops_ns", stats.timeInStopsNs}};
        }
        reply.result(status);
    });

    server.handle("lab.census", [this](const nlohmann::json &, const Reply &reply) {
        auto leftovers = Census(m_paths).take(daemonKeep());
        if (!leftovers)
            return reply.error(leftovers.error().message());
        reply.result({{"leftovers", *leftovers}});
    });

    server.handle("image.build", [this](const nlohmann::json &params, const Reply &reply) {
        runLabJob(reply, [this, params](const Reply &r) {
            return buildImages(params, [&r](const std::string &line) { r.progress(line); });
        });
    });

    server.handle("lesson.run", [this](const nlohmann::json &params, const Reply &reply) {
        runLabJob(reply, [this, params](const Reply &r) {
            return runLesson(params, [&r](const std::string &line) { r.progress(line); });
        });
    });

    server.handle("curl", [this](const nlohmann::json &params, const Reply &reply) {
        std::thread([this, params, reply] {
            nlohmann::json result;
            Status status = curlFromLab(params, result);
            reply.finish(status, result);
        }).detach();
    });

    server.handle("docker.session", [this](const nlohmann::json &params, const Reply &reply) {
        if (auto s = m_lab.requireUp(); !s)
            return reply.error(s.error().message());
        if (!m_tap)
            return reply.error("the Docker API tap is not running: run `flowlab-cli lab up`");
        Event event;
        event.kind = EventKind::Command;
        event.source = {"docker-cli", "host"};
        std::string line = "docker";
        for (const auto &arg : params.value("argv", nlohmann::json::array()))
            line += " " + arg.get<std::string>();
        event.summary = line;
        event.attributes = {{"argv", params.value("argv", nlohmann::json::array())},
                            {"uid", params.value("uid", -1)}};
        const auto seq = m_events.append(std::move(event));
        reply.result({{"tap_socket", m_paths.dockerTapSocket()},
                      {"command_seq", seq},
                      {"event_log", m_paths.eventLog()}});
    });

    server.handle("kubectl.session", [this](const nlohmann::json &params, const Reply &reply) {
        if (auto s = m_lab.requireUp(); !s)
            return reply.error(s.error().message());
        if (!m_kubeRelay)
            return reply.error(
                "the lab has no Kubernetes control plane: run `flowlab-cli lab up --kube`");
        Event event;
        event.kind = EventKind::Command;
        event.source = {"kubectl", "host"};
        std::string line = "kubectl";
        for (const auto &arg : params.value("argv", nlohmann::json::array()))
            line += " " + arg.get<std::string>();
        event.summary = line;
        event.attributes = {{"argv", params.value("argv", nlohmann::json::array())},
                            {"uid", params.value("uid", -1)}};
        const auto seq = m_events.append(std::move(event));
        reply.result({{"kubeconfig", m_paths.kubeconfig()}, {"command_seq", seq}});
    });

    server.handle("events", [this](const nlohmann::json &params, const Reply &reply) {
        const std::uint64_t since = params.value("since", 0ULL);
        nlohmann::json events = nlohmann::json::array();
        for (const auto &event : m_events.snapshot())
            if (event.seq > since)
                events.push_back(event);
        reply.result({{"events", events}});
    });
}

} // namespace flowlab
