#include "engine/kube/kubelet/AssignedPodWatch.h"

#include "engine/kube/api/JsonFields.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>
#include <QUrl>
#include <spdlog/spdlog.h>

namespace flowlab::kube::kubelet {

namespace {

constexpr int kRetryMs = 1000;

const ResourceInfo &podsResource()
{
    return *ResourceRegistry::builtin().find("", "v1", "pods");
}

std::string uidOf(const Json &pod)
{
    return fields::string(fields::get(pod, {"metadata", "uid"}));
}

} // namespace

AssignedPodWatch::AssignedPodWatch(KubeClient &client, std::string nodeName, Handlers handlers,
                                   QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_nodeName(std::move(nodeName))
    , m_handlers(std::move(handlers))
{}

AssignedPodWatch::~AssignedPodWatch()
{
    m_stopping = true;
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
}

std::string AssignedPodWatch::selectorQuery(const std::string &nodeName)
{
    return "fieldSelector=" +
           QUrl::toPercentEncoding(QString::fromStdString("spec.nodeName=" + nodeName))
               .toStdString();
}

void AssignedPodWatch::start()
{
    list();
}

void AssignedPodWatch::list()
{
    m_client.list(podsResource(), "", selectorQuery(m_nodeName), [this](const ClientResult &result) {
        if (m_stopping)
            return;
        if (!result.ok()) {
            spdlog::warn("listing the pods of node {}: {}", m_nodeName, result.message());
            QTimer::singleShot(kRetryMs, this, [this] { list(); });
            return;
        }
        std::map<std::string, Json> fresh;
        for (const Json &pod : result.body.value("items", Json::array()))
            fresh.emplace(uidOf(pod), pod);
        std::vector<Json> gone;
        for (const auto &[uid, pod] : m_pods)
            if (!fresh.contains(uid))
                gone.push_back(pod);
        for (const Json &pod : gone)
            apply("DELETED", pod);
        for (const auto &[uid, pod] : fresh)
            apply("MODIFIED", pod);
        m_resourceVersion = result.body["metadata"].value("resourceVersion", "");
        if (m_handlers.synced)
            m_handlers.synced();
        watch();
    });
}

void AssignedPodWatch::watch()
{
    if (!m_connection)
        m_connection = m_client.newWatchConnection();
    const std::string query = "watch=1&allowWatchBookmarks=true&timeoutSeconds=300&" +
                              selectorQuery(m_nodeName) + "&resourceVersion=" + m_resourceVersion;
    m_buffer.clear();
    m_expired = false;
    m_reply = m_client.send(*m_connection, "GET", KubeClient::path(podsResource(), "") + "?" + query);
    connect(m_reply, &QNetworkReply::readyRead, this, &AssignedPodWatch::onData);
    connect(m_reply, &QNetworkReply::finished, this, &AssignedPodWatch::onEnd);
}

void AssignedPodWatch::onData()
{
    const QByteArray bytes = m_reply->readAll();
    m_buffer.append(bytes.constData(), std::size_t(bytes.size()));
    std::size_t start = 0;
    for (auto end = m_buffer.find('\n'); end != std::string::npos;
         end = m_buffer.find('\n', start)) {
        const Json event = Json::parse(m_buffer.begin() + long(start), m_buffer.begin() + long(end),
                                       nullptr, false);
        start = end + 1;
        if (!event.is_object())
            continue;
        const std::string type = event.value("type", "");
        if (type == "ERROR") {
            m_expired = true;
            continue;
        }
        const Json &object = event.contains("object") ? event["object"] : Json::object();
        if (object.is_object() && object.contains("metadata"))
            m_resourceVersion = object["metadata"].value("resourceVersion", m_resourceVersion);
        if (type != "BOOKMARK")
            apply(type, object);
    }
    m_buffer.erase(0, start);
}

void AssignedPodWatch::onEnd()
{
    QNetworkReply *finished = std::exchange(m_reply, nullptr);
    finished->deleteLater();
    if (m_stopping)
        return;
    if (m_expired)
        QTimer::singleShot(kRetryMs, this, [this] { list(); });
    else if (finished->error() != QNetworkReply::NoError)
        QTimer::singleShot(kRetryMs, this, [this] { watch(); });
    else
        watch();
}

void AssignedPodWatch::apply(const std::string &type, const Json &pod)
{
    const std::string uid = uidOf(pod);
    if (uid.empty())
        return;
    if (type == "DELETED") {
        m_pods.erase(uid);
        if (m_handlers.deleted)
            m_handlers.deleted(pod);
        return;
    }
    m_pods[uid] = pod;
    if (m_handlers.changed)
        m_handlers.changed(pod);
}

} // namespace flowlab::kube::kubelet
