#pragma once

// Flowlab's Kubernetes API server. A request goes through the stages a real one goes through,
// each recorded in the audit log for the lessons:
//
//   authentication (bearer token) → authorization (RBAC) → decoding → admission (mutating:
//   defaults, ServiceAccount, ClusterIP) → validation → the store (SQLite or etcd)
//
// and the answer is what real clients expect: objects, lists, server-side Tables for kubectl
// get, watch streams, and errors as Status objects. Single-threaded on a Qt event loop: the
// store is fast and local, and watches are just open responses.
//
// The verbs are in ResourceHandlers.cpp, subresources (status, scale, binding, finalize) in
// SubresourceHandlers.cpp, access reviews in ReviewHandlers.cpp, and the objects every
// cluster starts with in Bootstrap.cpp.

#include "engine/kube/apiserver/AdmissionChain.h"
#include "engine/kube/apiserver/AuditLog.h"
#include "engine/kube/apiserver/Authentication.h"
#include "engine/kube/apiserver/HttpServer.h"
#include "engine/kube/apiserver/ObjectStorage.h"
#include "engine/kube/apiserver/RbacAuthorizer.h"
#include "engine/kube/apiserver/RequestInfo.h"
#include "engine/kube/apiserver/WatchCache.h"

#include <QObject>
#include <memory>

namespace flowlab::kube {

struct ApiServerOptions
{
    // Plain HTTP, as in the lab, where flowlabd's relay is kubectl's TLS end. Empty: none.
    std::string listen = "192.168.56.100:6443";
    // HTTPS, for kubectl connecting directly (tests, a cluster outside the lab). Empty: none.
    std::string tlsListen;
    // How clients reach us: in discovery's serverAddressByClientCIDRs and the `kubernetes`
    // Endpoints. Defaults to `listen`.
    std::string advertiseAddress;
    std::string tokenFile;
    std::optional<HttpServer::Tls> tls; // the certificate for tlsListen
    std::string auditLog;               // "" for none
    ServiceNetwork serviceNetwork;
    std::size_t watchCacheCapacity = 20000;
};

// One request on its way through the pipeline.
struct ApiRequest
{
    std::shared_ptr<HttpExchange> exchange;
    RequestInfo info;
    const ResourceInfo *resource = nullptr;
    UserInfo user;
    std::unique_ptr<AuditRecord> audit;
    bool responded = false;

    const HttpMessage &http() const { return exchange->request(); }
    // The first value of a query parameter, "" when absent.
    std::string query(const std::string &key) const;
    bool dryRun() const { return query("dryRun") == "All"; }
};

// What the client's Accept header asks a response to be.
struct ResponseForm
{
    enum class Kind { Object, Table, PartialMetadata, AggregatedDiscovery };
    Kind kind = Kind::Object;
    std::string version; // meta.k8s.io v1/v1beta1 for tables, apidiscovery v2/v2beta1
};

class ApiServer : public QObject
{
    Q_OBJECT

public:
    ApiServer(ApiServerOptions options, std::unique_ptr<Store> store, QObject *parent = nullptr);
    ~ApiServer() override;

    // Bootstraps the cluster's objects, starts the watch cache, then listens.
    Status start();
    std::uint16_t port() const { return m_http ? m_http->port() : 0; }
    std::uint16_t tlsPort() const { return m_https ? m_https->port() : 0; }
    ObjectStorage &storage() { return m_storage; }
    WatchCache &watchCache() { return *m_watchCache; }

private:
    // ApiServer.cpp: routing, authentication, authorization, responses.
    void handle(std::shared_ptr<HttpExchange> exchange);
    void handleNonResource(ApiRequest &request);
    bool authenticate(ApiRequest &request);
    bool authorize(ApiRequest &request, const AuthorizationRequest &attributes);
    void reply(ApiRequest &request, int code, const Json &body);
    void fail(ApiRequest &request, const ApiError &error);
    ResponseForm responseForm(const ApiRequest &request) const;
    Json present(const ApiRequest &request, const Json &object) const; // Table / metadata
    Json presentList(const ApiRequest &request, ListResult list) const;

    // ResourceHandlers.cpp: the verbs.
    void handleResource(ApiRequest &request);
    void get(ApiRequest &request);
    void list(ApiRequest &request);
    void watch(ApiRequest &request);
    void create(ApiRequest &request);
    void update(ApiRequest &request);
    void patch(ApiRequest &request);
    void remove(ApiRequest &request);
    void removeCollection(ApiRequest &request);
    // Decodes the request body as the resource's kind; 400 when it is not.
    ApiResult<Json> decodeBody(ApiRequest &request);
    ApiResult<ListOptions> listOptions(const ApiRequest &request) const;
    // Admission, validation and the store write for a changed object; what create, update,
    // patch and the subresources share. `old` is null on create.
    ApiResult<StoredObject> admitAndStore(ApiRequest &request, Json object, const Json &old,
                                          std::int64_t expectedRevision);
    // Deletes `current` as the options say: at once, or by marking it (finalizers, graceful
    // pods, namespaces). Returns what the client gets back.
    ApiResult<Json> deleteObject(ApiRequest &request, const StoredObject &current,
                                 const Json &options);
    void recordStorage(ApiRequest &request, const std::string &operation,
                       const StoredObject &stored);
    ApiResult<StoredObject> fetch(ApiRequest &request);

    // SubresourceHandlers.cpp.
    void handleSubresource(ApiRequest &request);
    void scale(ApiRequest &request);
    void bind(ApiRequest &request, const std::string &podName, const Json &binding);
    void finalizeNamespace(ApiRequest &request);
    void podLog(ApiRequest &request);

    // ReviewHandlers.cpp: SelfSubjectAccessReview and friends, evaluated, never stored.
    void review(ApiRequest &request);

    // Bootstrap.cpp.
    Status bootstrap();

    ApiServerOptions m_options;
    std::unique_ptr<Store> m_store;
    ObjectStorage m_storage;
    AuditLog m_auditLog;
    std::unique_ptr<TokenAuthenticator> m_authenticator;
    std::unique_ptr<RbacAuthorizer> m_authorizer;
    AdmissionChain m_admission;
    std::unique_ptr<WatchCache> m_watchCache;
    std::unique_ptr<HttpServer> m_http;
    std::unique_ptr<HttpServer> m_https;
};

// Metadata every stored object gets on create: uid, creationTimestamp, generation.
void stampNewObject(const ResourceInfo &resource, Json &object);
// "web-7d4b9c6f5d-" + 5 characters, as the real name generator.
std::string generateName(const std::string &prefix);

} // namespace flowlab::kube
