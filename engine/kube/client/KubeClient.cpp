#include "engine/kube/client/KubeClient.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrl>
#include <fstream>
#include <sstream>

namespace flowlab::kube {

namespace {

constexpr int kRetryDelayMs = 1000;

std::unique_ptr<QNetworkAccessManager> makeManager()
{
    auto manager = std::make_unique<QNetworkAccessManager>();
    // Lab traffic never goes through a proxy, whatever the environment says.
    manager->setProxy(QNetworkProxy::NoProxy);
    return manager;
}

std::string trim(std::string text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.pop_back();
    return text;
}

} // namespace

Result<ClientConfig> clientConfigFromFlags(const std::string &server, const std::string &tokenFile,
                                           const std::string &userAgent)
{
    ClientConfig config;
    config.server = server;
    config.userAgent = userAgent;
    std::ifstream in(tokenFile);
    if (!in)
        return Error::fromErrno("reading the token file " + tokenFile);
    std::stringstream text;
    text << in.rdbuf();
    config.token = trim(text.str());
    if (config.token.empty())
        return Error("the token file " + tokenFile + " is empty");
    return config;
}

std::string ClientResult::message() const
{
    if (body.is_object() && body.contains("message") && body["message"].is_string())
        return body["message"].get<std::string>();
    if (body.is_string())
        return body.get<std::string>();
    return "HTTP " + std::to_string(code);
}

KubeClient::KubeClient(ClientConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_network(makeManager())
{}

KubeClient::~KubeClient() = default;

std::string KubeClient::path(const ResourceInfo &resource, const std::string &ns,
                             const std::string &name, const std::string &subresource)
{
    std::string out = resource.groupVersion().pathPrefix();
    if (resource.namespaced && !ns.empty())
        out += "/namespaces/" + ns;
    out += "/" + resource.plural;
    if (!name.empty())
        out += "/" + name;
    if (!subresource.empty())
        out += "/" + subresource;
    return out;
}

std::unique_ptr<QNetworkAccessManager> KubeClient::newWatchConnection()
{
    return makeManager();
}

QNetworkReply *KubeClient::send(QNetworkAccessManager &manager, const std::string &method,
                                const std::string &pathAndQuery, const std::string &body,
                                const std::string &contentType)
{
    QNetworkRequest request(QUrl(QString::fromStdString(m_config.server + pathAndQuery)));
    request.setRawHeader("Authorization", QByteArray::fromStdString("Bearer " + m_config.token));
    request.setRawHeader("User-Agent", QByteArray::fromStdString(m_config.userAgent));
    request.setRawHeader("Accept", "application/json");
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    if (!body.empty())
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArray::fromStdString(contentType));
    return manager.sendCustomRequest(request, QByteArray::fromStdString(method),
                                     QByteArray::fromStdString(body));
}

void KubeClient::request(const std::string &method, const std::string &pathAndQuery,
                         const Json *body, const std::string &contentType, Callback done)
{
    QNetworkReply *reply =
        send(*m_network, method, pathAndQuery, body ? body->dump() : std::string(), contentType);
    connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done)] {
        reply->deleteLater();
        ClientResult result;
        result.code = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray bytes = reply->readAll();
        result.body =
            Json::parse(bytes.constData(), bytes.constData() + bytes.size(), nullptr, false);
        if (result.code == 0) // no answer at all: connection refused, reset, ...
            result.body = reply->errorString().toStdString();
        else if (result.body.is_discarded())
            result.body = "the server's answer is not JSON: " + bytes.left(200).toStdString();
        if (done)
            done(result);
    });
}

void KubeClient::get(const ResourceInfo &resource, const std::string &ns, const std::string &name,
                     Callback done)
{
    request("GET", path(resource, ns, name), nullptr, {}, std::move(done));
}

void KubeClient::list(const ResourceInfo &resource, const std::string &ns, const std::string &query,
                      Callback done)
{
    request("GET", path(resource, ns) + (query.empty() ? "" : "?" + query), nullptr, {},
            std::move(done));
}

void KubeClient::create(const ResourceInfo &resource, const std::string &ns, const Json &object,
                        Callback done)
{
    request("POST", path(resource, ns), &object, "application/json", std::move(done));
}

void KubeClient::update(const ResourceInfo &resource, const Json &object, Callback done,
                        const std::string &subresource)
{
    const Json &metadata = object["metadata"];
    request(
        "PUT",
        path(resource, metadata.value("namespace", ""), metadata.value("name", ""), subresource),
        &object, "application/json", std::move(done));
}

void KubeClient::patch(const ResourceInfo &resource, const std::string &ns, const std::string &name,
                       const Json &patch, const std::string &contentType, Callback done,
                       const std::string &subresource)
{
    request("PATCH", path(resource, ns, name, subresource), &patch, contentType, std::move(done));
}

void KubeClient::remove(const ResourceInfo &resource, const std::string &ns,
                        const std::string &name, const Json &deleteOptions, Callback done)
{
    request("DELETE", path(resource, ns, name), deleteOptions.empty() ? nullptr : &deleteOptions,
            "application/json", std::move(done));
}

void KubeClient::post(const std::string &pathAndQuery, const Json &body, Callback done)
{
    request("POST", pathAndQuery, &body, "application/json", std::move(done));
}

Informer::Informer(KubeClient &client, const ResourceInfo &resource, std::string ns,
                   std::string labelSelector, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_resource(resource)
    , m_ns(std::move(ns))
    , m_labelSelector(std::move(labelSelector))
{}

Informer::~Informer()
{
    m_stopping = true;
    if (m_watch) {
        m_watch->disconnect(this);
        m_watch->abort();
        m_watch->deleteLater();
    }
}

void Informer::start()
{
    relist();
}

std::string Informer::keyOf(const Json &object)
{
    const Json &metadata = object["metadata"];
    const std::string ns = metadata.value("namespace", "");
    return ns.empty() ? metadata.value("name", "") : ns + "/" + metadata.value("name", "");
}

const Json *Informer::find(const std::string &key) const
{
    const auto found = m_items.find(key);
    return found == m_items.end() ? nullptr : &found->second;
}

const Json *Informer::find(const std::string &ns, const std::string &name) const
{
    return find(ns.empty() ? name : ns + "/" + name);
}

std::vector<const Json *> Informer::inNamespace(const std::string &ns) const
{
    std::vector<const Json *> out;
    const std::string prefix = ns + "/";
    for (auto it = m_items.lower_bound(prefix);
         it != m_items.end() && it->first.starts_with(prefix); ++it)
        out.push_back(&it->second);
    return out;
}

void Informer::retryLater(void (Informer::*step)())
{
    QTimer::singleShot(kRetryDelayMs, this, [this, step] {
        if (!m_stopping)
            (this->*step)();
    });
}

void Informer::relist()
{
    std::string query;
    if (!m_labelSelector.empty())
        query = "labelSelector=" +
                QUrl::toPercentEncoding(QString::fromStdString(m_labelSelector)).toStdString();
    m_client.list(m_resource, m_ns, query, [this](const ClientResult &result) {
        if (m_stopping)
            return;
        if (!result.ok()) {
            retryLater(&Informer::relist);
            return;
        }
        // What vanished while we were not watching is deleted; the rest added or updated.
        std::map<std::string, Json> fresh;
        for (const Json &item : result.body.value("items", Json::array()))
            fresh.emplace(keyOf(item), item);
        std::vector<Json> gone;
        for (const auto &[key, object] : m_items)
            if (!fresh.contains(key))
                gone.push_back(object);
        for (const Json &object : gone)
            apply("DELETED", object);
        for (auto &[key, object] : fresh)
            apply(m_items.contains(key) ? "MODIFIED" : "ADDED", object);
        m_resourceVersion = result.body["metadata"].value("resourceVersion", "");
        if (!m_synced) {
            m_synced = true;
            emit hasSynced();
        }
        watchFrom(m_resourceVersion);
    });
}

void Informer::watchFrom(const std::string &resourceVersion)
{
    if (!m_watchConnection)
        m_watchConnection = m_client.newWatchConnection();
    std::string query =
        "watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=" + resourceVersion;
    if (!m_labelSelector.empty())
        query += "&labelSelector=" +
                 QUrl::toPercentEncoding(QString::fromStdString(m_labelSelector)).toStdString();
    m_buffer.clear();
    m_expired = false;
    m_watch =
        m_client.send(*m_watchConnection, "GET", KubeClient::path(m_resource, m_ns) + "?" + query);
    connect(m_watch, &QNetworkReply::readyRead, this, &Informer::onWatchData);
    connect(m_watch, &QNetworkReply::finished, this, &Informer::onWatchEnd);
}

void Informer::onWatchData()
{
    const QByteArray bytes = m_watch->readAll();
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
        const Json &object = event.contains("object") ? event["object"] : Json::object();
        if (type == "ERROR") {
            // 410 Expired: what we hold is too old to resume from; list again.
            m_expired = true;
            continue;
        }
        if (object.is_object() && object.contains("metadata"))
            m_resourceVersion = object["metadata"].value("resourceVersion", m_resourceVersion);
        if (type != "BOOKMARK")
            apply(type, object);
    }
    m_buffer.erase(0, start);
}

void Informer::onWatchEnd()
{
    QNetworkReply *finished = m_watch;
    m_watch = nullptr;
    finished->deleteLater();
    if (m_stopping)
        return;
    const bool failed = finished->error() != QNetworkReply::NoError;
    if (m_expired)
        retryLater(&Informer::relist);
    else if (failed)
        QTimer::singleShot(kRetryDelayMs, this, [this] {
            if (!m_stopping)
                watchFrom(m_resourceVersion);
        });
    else // the server's timeout: carry on from where we are
        watchFrom(m_resourceVersion);
}

void Informer::apply(const std::string &type, const Json &object)
{
    const std::string key = keyOf(object);
    if (type == "DELETED") {
        auto found = m_items.find(key);
        if (found == m_items.end())
            return;
        const Json gone = std::move(found->second);
        m_items.erase(found);
        for (const auto &handlers : m_handlers)
            if (handlers.deleted)
                handlers.deleted(gone);
        return;
    }
    auto found = m_items.find(key);
    if (found == m_items.end()) {
        m_items.emplace(key, object);
        for (const auto &handlers : m_handlers)
            if (handlers.added)
                handlers.added(object);
        return;
    }
    const Json old = std::exchange(found->second, object);
    for (const auto &handlers : m_handlers)
        if (handlers.updated)
            handlers.updated(old, object);
}

} // namespace flowlab::kube
