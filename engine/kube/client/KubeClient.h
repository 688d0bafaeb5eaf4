#pragma once

// What Flowlab's controllers, scheduler (and node agents) talk to the apiserver with, over the
// same HTTP API kubectl uses, as client-go does for the real ones: requests that answer
// asynchronously on the Qt event loop, and informers that keep a local copy of a resource
// current (list, then watch from the list's resourceVersion; on 410 Expired or a broken stream,
// list again).
//
// Each informer's watch has a connection of its own: QNetworkAccessManager allows only six per
// host, which a controller-manager's watches alone would use up.

#include "engine/kube/api/ApiStatus.h"
#include "engine/kube/api/Resources.h"
#include "tracer/base/Result.h"

#include <QObject>
#include <functional>
#include <map>
#include <memory>
#include <string>

class QNetworkAccessManager;
class QNetworkReply;

namespace flowlab::kube {

struct ClientConfig
{
    std::string server = "http://192.168.56.100:6443";
    std::string token;
    std::string userAgent = "flowlab"; // "flowlab-controller-manager/0.1.0"
};

// A client config from a token file line or a kubeconfig is the caller's business; this reads
// the minimal "server URL + token file" pair the lab's components are started with.
Result<ClientConfig> clientConfigFromFlags(const std::string &server, const std::string &tokenFile,
                                           const std::string &userAgent);

// A response: the decoded body on 2xx, or the Status the server sent (or a made-up one for a
// transport failure, code 0).
struct ClientResult
{
    int code = 0;
    Json body;
    bool ok() const { return code >= 200 && code < 300; }
    std::string message() const; // the Status message, or the transport error
};

class KubeClient : public QObject
{
    Q_OBJECT

public:
    using Callback = std::function<void(const ClientResult &)>;

    explicit KubeClient(ClientConfig config, QObject *parent = nullptr);
    ~KubeClient() override;

    const ClientConfig &config() const { return m_config; }

    // The path of a resource's collection or object: /apis/apps/v1/namespaces/ns/deployments.
    static std::string path(const ResourceInfo &resource, const std::string &ns,
                            const std::string &name = {}, const std::string &subresource = {});

    void get(const ResourceInfo &resource, const std::string &ns, const std::string &name,
             Callback done);
    // `query` without the '?', e.g. "labelSelector=app%3Dweb".
    void list(const ResourceInfo &resource, const std::string &ns, const std::string &query,
              Callback done);
    void create(const ResourceInfo &resource, const std::string &ns, const Json &object,
                Callback done);
    // PUT of the object (or of its status subresource).
    void update(const ResourceInfo &resource, const Json &object, Callback done,
                const std::string &subresource = {});
    // contentType: application/merge-patch+json, application/strategic-merge-patch+json,
    // application/json-patch+json.
    void patch(const ResourceInfo &resource, const std::string &ns, const std::string &name,
               const Json &patch, const std::string &contentType, Callback done,
               const std::string &subresource = {});
    void remove(const ResourceInfo &resource, const std::string &ns, const std::string &name,
                const Json &deleteOptions, Callback done);
    // POST to a subresource or any path, e.g. pods/NAME/binding.
    void post(const std::string &path, const Json &body, Callback done);

    // A new connection pool for one watch stream (see the header comment).
    std::unique_ptr<QNetworkAccessManager> newWatchConnection();
    // Starts a request on `manager` with our token and user agent; the caller owns the reply.
    QNetworkReply *send(QNetworkAccessManager &manager, const std::string &method,
                        const std::string &pathAndQuery, const std::string &body = {},
                        const std::string &contentType = "application/json");

private:
    void request(const std::string &method, const std::string &pathAndQuery, const Json *body,
                 const std::string &contentType, Callback done);

    ClientConfig m_config;
    std::unique_ptr<QNetworkAccessManager> m_network;
};

// A local copy of one resource (optionally one namespace or a label selection), kept current
// by list + watch. Handlers run on the event loop after the copy has changed.
class Informer : public QObject
{
    Q_OBJECT

public:
    struct Handlers
    {
        std::function<void(const Json &object)> added;
        std::function<void(const Json &old, const Json &now)> updated;
        std::function<void(const Json &object)> deleted;
    };

    Informer(KubeClient &client, const ResourceInfo &resource, std::string ns = {},
             std::string labelSelector = {}, QObject *parent = nullptr);
    ~Informer() override;

    void addHandlers(Handlers handlers) { m_handlers.push_back(std::move(handlers)); }
    void start();
    bool synced() const { return m_synced; }
    const ResourceInfo &resource() const { return m_resource; }

    // "namespace/name" (or "name" for cluster-scoped objects).
    static std::string keyOf(const Json &object);
    const Json *find(const std::string &key) const;
    const Json *find(const std::string &ns, const std::string &name) const;
    const std::map<std::string, Json> &items() const { return m_items; }
    std::vector<const Json *> inNamespace(const std::string &ns) const;

signals:
    void hasSynced();

private:
    void relist();
    void watchFrom(const std::string &resourceVersion);
    void onWatchData();
    void onWatchEnd();
    void apply(const std::string &type, const Json &object);
    void retryLater(void (Informer::*step)());

    KubeClient &m_client;
    const ResourceInfo &m_resource;
    std::string m_ns;
    std::string m_labelSelector;
    std::vector<Handlers> m_handlers;
    std::map<std::string, Json> m_items;
    std::string m_resourceVersion;
    bool m_synced = false;
    bool m_stopping = false;
    std::unique_ptr<QNetworkAccessManager> m_watchConnection;
    QNetworkReply *m_watch = nullptr;
    std::string m_buffer;
    bool m_expired = false;
};

} // namespace flowlab::kube
