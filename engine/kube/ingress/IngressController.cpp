#include "engine/kube/ingress/IngressController.h"

#include "engine/kube/api/Resources.h"

#include <QDir>
#include <QFile>
#include <csignal>
#include <set>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>

namespace flowlab::kube::ingress {

namespace {

constexpr int kDebounceMs = 100;
constexpr int kLogPollMs = 200;

const ResourceInfo &ingressesResource()
{
    return *ResourceRegistry::builtin().find("networking.k8s.io", "v1", "ingresses");
}

const ResourceInfo &servicesResource()
{
    return *ResourceRegistry::builtin().find("", "v1", "services");
}

std::vector<Json> objectsOf(const Informer &informer)
{
    std::vector<Json> objects;
    for (const auto &[key, object] : informer.items())
        objects.push_back(object);
    return objects;
}

// Runs nginx -t on `path`; the error names what nginx said.
Status testConfig(const std::string &nginx, const std::string &path)
{
    QProcess check;
    check.setProcessChannelMode(QProcess::MergedChannels);
    check.start(QString::fromStdString(nginx), {"-t", "-q", "-c", QString::fromStdString(path)});
    if (!check.waitForStarted(5000))
        return Error("cannot run " + nginx + ": " + check.errorString().toStdString());
    check.waitForFinished(15000);
    if (check.exitStatus() != QProcess::NormalExit || check.exitCode() != 0)
        return Error("nginx -t refused the configuration: " +
                     check.readAll().trimmed().toStdString());
    return success();
}

} // namespace

IngressController::IngressController(KubeClient &client, EvidenceLog &evidence,
                                     ControllerSettings settings, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_evidence(evidence)
    , m_settings(std::move(settings))
{
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(kDebounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &IngressController::sync);
    m_logPoll.setInterval(kLogPollMs);
    connect(&m_logPoll, &QTimer::timeout, this, &IngressController::readAccessLog);
}

IngressController::~IngressController()
{
    if (m_nginx && m_nginx->state() != QProcess::NotRunning) {
        // nginx's fast shutdown; it would die with us anyway (PDEATHSIG).
        ::kill(pid_t(m_nginx->processId()), SIGTERM);
        m_nginx->waitForFinished(5000);
    }
}

Status IngressController::start()
{
    const std::string &state = m_settings.nginx.stateDir;
    for (const char *sub : {"", "/tmp"})
        if (!QDir().mkpath(QString::fromStdString(state + sub)))
            return Error("cannot create " + state + sub);
    // Requests before this start belong to an earlier run.
    QFile log(QString::fromStdString(m_settings.nginx.accessLog()));
    m_logOffset = log.exists() ? log.size() : 0;

    m_ingresses = std::make_unique<Informer>(m_client, ingressesResource());
    m_services = std::make_unique<Informer>(m_client, servicesResource());
    for (Informer *informer : {m_ingresses.get(), m_services.get()}) {
        informer->addHandlers({[this](const Json &) { scheduleSync(); },
                               [this](const Json &, const Json &) { scheduleSync(); },
                               [this](const Json &) { scheduleSync(); }});
        connect(informer, &Informer::hasSynced, this, &IngressController::scheduleSync);
        informer->start();
    }
    m_logPoll.start();
    return success();
}

void IngressController::scheduleSync()
{
    if (m_ingresses->synced() && m_services->synced())
        m_debounce.start();
}

void IngressController::sync()
{
    ++m_syncs;
    std::vector<IngressRoute> routes =
        routesOf(objectsOf(*m_ingresses), objectsOf(*m_services), m_settings.ingressClass);
    const RenderedConfig rendered = renderNginxConfig(routes, m_settings.nginx);

    std::string action;
    Status applied = applyConfig(rendered.text, action);
    if (applied && routes == m_routes && !action.empty() && action == "unchanged")
        return; // nothing to say
    Json desired = Json::array(), actual = Json::array();
    for (const IngressRoute &route : routes)
        desired.push_back(route.toJson());
    for (const IngressRoute &route : m_routes)
        actual.push_back(route.toJson());

    Event event;
    event.kind = EventKind::Reconcile;
    event.attributes = {{"controller", "ingress-controller"},
                        {"object", {{"kind", "Ingress"}, {"name", "*"}}},
                        {"desired", desired},
                        {"actual", actual},
                        {"servers", rendered.servers},
                        {"locations", rendered.locations},
                        {"config", m_settings.nginx.configPath()},
                        {"action", applied ? action : "refused: " + applied.error().message()}};
    if (!rendered.skipped.empty())
        event.attributes["skipped"] = rendered.skipped;
    std::string hosts;
    for (const IngressRoute &route : routes)
        if (hosts.find(route.host.empty() ? "*" : route.host) == std::string::npos)
            hosts += (hosts.empty() ? "" : ", ") + (route.host.empty() ? "*" : route.host);
    event.summary = "ingress routes: " + std::to_string(routes.size()) + " path(s) on " +
                    (hosts.empty() ? std::string("no host") : hosts) + ": " +
                    std::string(applied ? action : "nginx refused the configuration");
    record(std::move(event));
    if (applied)
        m_routes = std::move(routes);
    else
        spdlog::error("{}", applied.error().message());
    emit synced(bool(applied),
                QString::fromStdString(applied ? action : applied.error().message()));
    updateStatuses();
}

Status IngressController::applyConfig(const std::string &text, std::string &action)
{
    if (text == m_applied && nginxRunning()) {
        action = "unchanged";
        return success();
    }
    const std::string path = m_settings.nginx.configPath();
    const std::string candidate = path + ".new";
    {
        QFile file(QString::fromStdString(candidate));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return Error("cannot write " + candidate + ": " + file.errorString().toStdString());
        file.write(text.data(), qint64(text.size()));
    }
    if (auto s = testConfig(m_settings.nginxProgram, candidate); !s)
        return s;
    if (std::rename(candidate.c_str(), path.c_str()) != 0)
        return Error::fromErrno("renaming " + candidate);
    if (!nginxRunning()) {
        if (auto s = startNginx(); !s)
            return s;
        action = "nginx started";
    } else {
        // SIGHUP: the master re-reads the file and replaces its workers gracefully.
        ::kill(pid_t(m_nginx->processId()), SIGHUP);
        action = "nginx reloaded";
    }
    m_applied = text;
    return success();
}

Status IngressController::startNginx()
{
    m_nginx = std::make_unique<QProcess>();
    m_nginx->setProcessChannelMode(QProcess::ForwardedChannels);
    m_nginx->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
    m_nginx->start(QString::fromStdString(m_settings.nginxProgram),
                   {"-c", QString::fromStdString(m_settings.nginx.configPath())});
    if (!m_nginx->waitForStarted(5000))
        return Error("cannot start " + m_settings.nginxProgram + ": " +
                     m_nginx->errorString().toStdString());
    // A bind failure (the port taken) makes nginx exit at once.
    if (m_nginx->waitForFinished(300))
        return Error("nginx exited at start (is " + m_settings.nginx.listenAddress + ":" +
                     std::to_string(m_settings.nginx.port) + " in use?); see " +
                     m_settings.nginx.errorLog());
    connect(m_nginx.get(), &QProcess::finished, this, [this](int code) {
        spdlog::error("nginx exited ({}); starting it again at the next change", code);
        m_applied.clear();
        scheduleSync();
    });
    return success();
}

void IngressController::updateStatuses()
{
    if (m_settings.statusAddress.empty())
        return;
    const Json wanted = {{"ingress", {{{"ip", m_settings.statusAddress}}}}};
    std::set<std::string> served;
    for (const IngressRoute &route : m_routes)
        served.insert(route.ingress);
    for (const std::string &key : served) {
        const Json *ingress = m_ingresses->find(key);
        if (!ingress)
            continue;
        const Json current =
            ingress->value("status", Json::object()).value("loadBalancer", Json::object());
        if (current == wanted)
            continue;
        const auto slash = key.find('/');
        m_client.patch(
            ingressesResource(), key.substr(0, slash), key.substr(slash + 1),
            {{"status", {{"loadBalancer", wanted}}}}, "application/merge-patch+json",
            [key](const ClientResult &result) {
                if (!result.ok())
                    spdlog::warn("status of Ingress {}: {}", key, result.message());
            },
            "status");
    }
}

void IngressController::readAccessLog()
{
    QFile log(QString::fromStdString(m_settings.nginx.accessLog()));
    if (!log.exists() || log.size() <= m_logOffset) {
        if (log.exists() && log.size() < m_logOffset)
            m_logOffset = 0; // rotated
        return;
    }
    if (!log.open(QIODevice::ReadOnly) || !log.seek(m_logOffset))
        return;
    const QByteArray fresh = log.readAll();
    const qsizetype complete = fresh.lastIndexOf('\n') + 1; // whole lines only
    m_logOffset += complete;
    for (const QByteArray &line : fresh.left(complete).split('\n'))
        if (auto event = eventFromAccessLogLine(line.toStdString()))
            record(std::move(*event));
}

void IngressController::record(Event event)
{
    m_evidence.record(std::move(event));
}

std::optional<Event> eventFromAccessLogLine(const std::string &line)
{
    if (line.empty())
        return std::nullopt;
    Json entry;
    try {
        entry = Json::parse(line);
    } catch (const std::exception &) {
        return std::nullopt;
    }
    if (!entry.is_object() || !entry.contains("host") || !entry.contains("status"))
        return std::nullopt;
    Event event;
    event.kind = EventKind::Api;
    const std::string host = entry.value("host", "");
    const std::string uri = entry.value("uri", "");
    const std::string ingress = entry.value("ingress", "");
    const std::string backend = entry.value("backend", "");
    const std::string upstream = entry.value("upstream", "");
    const std::string status = entry.value("status", "");
    event.attributes = entry;
    event.attributes["direction"] = "request";
    event.attributes["endpoint"] = uri;
    event.attributes["status"] = std::atoi(status.c_str());
    event.summary = entry.value("method", "GET") + " " + host + uri + " → " +
                    (ingress.empty() ? std::string("no Ingress rule")
                                     : "Ingress " + ingress + " → " + backend) +
                    (upstream.empty() ? "" : " (" + upstream + ")") + " → " + status;
    return event;
}

} // namespace flowlab::kube::ingress
