#include "engine/kube/apiserver/ApiServer.h"

#include "engine/kube/api/TablePrinter.h"
#include "engine/kube/apiserver/Discovery.h"

#include <QUuid>
#include <algorithm>
#include <map>
#include <random>

namespace flowlab::kube {

namespace {

const std::vector<std::string> kRbacResources{"clusterroles", "clusterrolebindings", "roles",
                                              "rolebindings"};

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return text;
}

// One media range of an Accept header: "application/json;as=Table;v=v1;g=meta.k8s.io".
struct MediaRange
{
    std::string type;
    std::map<std::string, std::string> params;
};

std::vector<MediaRange> parseAccept(const std::string &accept)
{
    std::vector<MediaRange> ranges;
    std::size_t start = 0;
    while (start <= accept.size()) {
        auto end = accept.find(',', start);
        if (end == std::string::npos)
            end = accept.size();
        const std::string item = accept.substr(start, end - start);
        MediaRange range;
        std::size_t at = 0;
        bool first = true;
        while (at <= item.size()) {
            auto semi = item.find(';', at);
            if (semi == std::string::npos)
                semi = item.size();
            std::string part = item.substr(at, semi - at);
            part.erase(0, part.find_first_not_of(' '));
            part.erase(part.find_last_not_of(' ') + 1);
            if (first) {
                range.type = lower(part);
                first = false;
            } else if (const auto eq = part.find('='); eq != std::string::npos) {
                range.params[lower(part.substr(0, eq))] = part.substr(eq + 1);
            }
            at = semi + 1;
        }
        if (!range.type.empty())
            ranges.push_back(std::move(range));
        start = end + 1;
    }
    return ranges;
}

} // namespace

std::string ApiRequest::query(const std::string &key) const
{
    return http().queryValue(key).value_or("");
}

ApiServer::ApiServer(ApiServerOptions options, std::unique_ptr<Store> store, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_store(std::move(store))
    , m_storage(*m_store)
    , m_admission(m_storage, m_options.serviceNetwork)
{
    if (m_options.advertiseAddress.empty())
        m_options.advertiseAddress =
            m_options.listen.empty() ? m_options.tlsListen : m_options.listen;
    m_authorizer = std::make_unique<RbacAuthorizer>([this] {
        RbacObjects objects;
        const auto &registry = ResourceRegistry::builtin();
        const std::string rbac = "rbac.authorization.k8s.io";
        auto load = [&](const char *plural, std::vector<Json> &into) {
            if (auto listed = m_storage.list(*registry.find(rbac, "v1", plural), {}))
                into = std::move(listed->items);
        };
        load("clusterroles", objects.clusterRoles);
        load("clusterrolebindings", objects.clusterRoleBindings);
        load("roles", objects.roles);
        load("rolebindings", objects.roleBindings);
        return objects;
    });
}

ApiServer::~ApiServer() = default;

Status ApiServer::start()
{
    if (auto opened = m_auditLog.open(m_options.auditLog); !opened)
        return opened;
    auto authenticator = TokenAuthenticator::fromFile(m_options.tokenFile);
    if (!authenticator)
        return authenticator.error();
    m_authenticator = std::make_unique<TokenAuthenticator>(std::move(*authenticator));
    if (auto booted = bootstrap(); !booted)
        return booted.error().withContext("bootstrapping the cluster's objects");
    m_watchCache = std::make_unique<WatchCache>(*m_store, m_options.watchCacheCapacity, this);
    if (auto started = m_watchCache->start(); !started)
        return started;
    // RBAC decisions are cached until a role or binding changes.
    m_watchCache->subscribe([this](const ObjectEventPtr &event) {
        if (std::find(kRbacResources.begin(), kRbacResources.end(), event->resource->plural) !=
            kRbacResources.end())
            m_authorizer->invalidate();
    });
    const auto handler = [this](std::shared_ptr<HttpExchange> exchange) {
        handle(std::move(exchange));
    };
    if (m_options.listen.empty() && m_options.tlsListen.empty())
        return Error("nothing to listen on: give an HTTP or an HTTPS address");
    if (!m_options.listen.empty()) {
        m_http = std::make_unique<HttpServer>(handler, this);
        if (auto listening = m_http->listen(m_options.listen); !listening)
            return listening;
    }
    if (!m_options.tlsListen.empty()) {
        if (!m_options.tls)
            return Error("serving HTTPS on " + m_options.tlsListen +
                         " needs a certificate and a key");
        m_https = std::make_unique<HttpServer>(handler, this);
        return m_https->listen(m_options.tlsListen, m_options.tls);
    }
    return success();
}

void ApiServer::handle(std::shared_ptr<HttpExchange> exchange)
{
    ApiRequest request;
    request.exchange = std::move(exchange);
    const HttpMessage &http = request.http();
    request.info = parseRequestInfo(http.method, http.path, http.query);
    request.audit = std::make_unique<AuditRecord>(m_auditLog, request.info, http.target,
                                                  request.exchange->peerAddress(),
                                                  http.headers.value("User-Agent").value_or(""));
    // Health probes answer without credentials, as a real apiserver's do for anonymous
    // callers (system:public-info-viewer): readiness checks need no token.
    const std::string &path = request.info.path;
    if (path == "/healthz" || path == "/livez" || path == "/readyz") {
        request.responded = true;
        request.exchange->respond(200, {{"Content-Type", "text/plain"}}, "ok");
        return;
    }
    if (!authenticate(request))
        return;
    request.audit->requestReceived();
    if (request.info.isResourceRequest)
        handleResource(request);
    else
        handleNonResource(request);
    if (!request.responded && !request.exchange->clientGone() && request.info.verb != "watch")
        fail(request, ApiError::internal("the request was not answered"));
}

bool ApiServer::authenticate(ApiRequest &request)
{
    const auto outcome =
        m_authenticator->authenticate(request.http().headers.value("Authorization").value_or(""));
    if (!outcome.authenticated) {
        request.audit->stage("Authentication",
                             {{"flowlab.dev/authentication", "failed: " + outcome.reason}});
        fail(request, ApiError::unauthorized());
        return false;
    }
    request.user = outcome.user;
    request.audit->setUser(request.user);
    std::string groups;
    for (const auto &group : request.user.groups)
        groups += (groups.empty() ? "" : ",") + group;
    request.audit->stage("Authentication",
                         {{"flowlab.dev/authentication",
                           "bearer token: user \"" + request.user.name + "\", groups " + groups}});
    return true;
}

bool ApiServer::authorize(ApiRequest &request, const AuthorizationRequest &attributes)
{
    const auto decision = m_authorizer->authorize(request.user, attributes);
    Json annotations = {{"authorization.k8s.io/decision", decision.allowed ? "allow" : "forbid"},
                        {"authorization.k8s.io/reason", decision.reason}};
    request.audit->stage("Authorization", annotations);
    if (decision.allowed)
        return true;
    Json details = Json::object();
    if (attributes.isResourceRequest) {
        details = {{"kind", attributes.resource}, {"group", attributes.apiGroup}};
        if (!attributes.name.empty())
            details["name"] = attributes.name;
    }
    fail(request, ApiError::forbidden(forbiddenMessage(request.user, attributes), details));
    return false;
}

void ApiServer::handleNonResource(ApiRequest &request)
{
    const std::string &path = request.info.path;
    AuthorizationRequest attributes;
    attributes.isResourceRequest = false;
    attributes.verb = request.info.verb == "head" ? "get" : request.info.verb;
    attributes.path = path;
    if (!authorize(request, attributes))
        return;
    if (request.info.verb != "get" && request.info.verb != "head") {
        fail(request, ApiError::methodNotSupported(request.info.verb, path));
        return;
    }
    const ResponseForm form = responseForm(request);
    auto aggregated = [&](bool core) {
        const Json body = aggregatedDiscovery(core, form.version);
        request.responded = true;
        request.exchange->respond(
            200,
            {{"Content-Type", "application/json;g=apidiscovery.k8s.io;v=" + form.version +
                                  ";as=APIGroupDiscoveryList"}},
            body.dump());
        request.audit->responseComplete(200, nullptr);
    };
    if (path == "/version" || path == "/version/") {
        reply(request, 200, versionInfo());
    } else if (path == "/api" || path == "/api/") {
        if (form.kind == ResponseForm::Kind::AggregatedDiscovery)
            aggregated(true);
        else
            reply(request, 200, coreApiVersions(m_options.advertiseAddress));
    } else if (path == "/apis" || path == "/apis/") {
        if (form.kind == ResponseForm::Kind::AggregatedDiscovery)
            aggregated(false);
        else
            reply(request, 200, apiGroupList());
    } else if (path == "/api/v1") {
        reply(request, 200, apiResourceList({"", "v1"}));
    } else if (path.starts_with("/apis/")) {
        // /apis/<group> or /apis/<group>/<version>
        const std::string rest = path.substr(6);
        const auto slash = rest.find('/');
        const std::string group = rest.substr(0, slash);
        const std::string version = slash == std::string::npos ? "" : rest.substr(slash + 1);
        const Json groupDocument = apiGroup(group);
        if (groupDocument.is_null() || (!version.empty() && version != "v1")) {
            fail(request,
                 ApiError(404, "NotFound", "the server could not find the requested resource"));
        } else if (version.empty()) {
            reply(request, 200, groupDocument);
        } else {
            reply(request, 200, apiResourceList({group, version}));
        }
    } else if (path == "/openapi/v3" || path == "/openapi/v3/") {
        reply(request, 200, openApiV3Index());
    } else if (path.starts_with("/openapi/v3/")) {
        const std::string document = path.substr(12); // "api/v1", "apis/apps/v1"
        for (const auto &gv : ResourceRegistry::builtin().groupVersions()) {
            if (gv.pathPrefix().substr(1) == document) {
                reply(request, 200, openApiV3Document(gv));
                return;
            }
        }
        fail(request,
             ApiError(404, "NotFound", "the server could not find the requested resource"));
    } else if (path == "/openapi/v2") {
        const std::string accept = request.http().headers.value("Accept").value_or("");
        request.responded = true;
        if (accept.find("protobuf") != std::string::npos) {
            request.exchange->respond(
                // Clients ask with "...spec.v2@v1.0+protobuf"; the answer names it the way a
                // media type parser accepts (Go's mime package refuses the '@').
                200,
                {{"Content-Type", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"}},
                openApiV2Protobuf());
        } else {
            const Json document = {
                {"swagger", "2.0"},
                {"info", {{"title", "Kubernetes"}, {"version", kServedKubernetesVersion}}},
                {"paths", Json::object()},
                {"definitions", Json::object()}};
            request.exchange->respond(200, {{"Content-Type", "application/json"}}, document.dump());
        }
        request.audit->responseComplete(200, nullptr);
    } else {
        fail(request,
             ApiError(404, "NotFound", "the server could not find the requested resource"));
    }
}

ResponseForm ApiServer::responseForm(const ApiRequest &request) const
{
    const std::string accept = request.http().headers.value("Accept").value_or("");
    for (const MediaRange &range : parseAccept(accept)) {
        const auto as = range.params.find("as");
        const auto version = range.params.find("v");
        const auto group = range.params.find("g");
        if (as == range.params.end()) {
            if (range.type == "application/json" || range.type == "*/*" ||
                range.type == "application/*")
                return {};
            continue; // protobuf, yaml: we answer in JSON only, so try the next
        }
        const std::string v = version == range.params.end() ? "" : version->second;
        const std::string g = group == range.params.end() ? "" : group->second;
        if (as->second == "Table" && g == "meta.k8s.io" && (v == "v1" || v == "v1beta1"))
            return {ResponseForm::Kind::Table, v};
        if ((as->second == "PartialObjectMetadata" || as->second == "PartialObjectMetadataList") &&
            g == "meta.k8s.io" && (v == "v1" || v == "v1beta1"))
            return {ResponseForm::Kind::PartialMetadata, v};
        if (as->second == "APIGroupDiscoveryList" && g == "apidiscovery.k8s.io" &&
            (v == "v2" || v == "v2beta1"))
            return {ResponseForm::Kind::AggregatedDiscovery, v};
    }
    return {};
}

Json ApiServer::present(const ApiRequest &request, const Json &object) const
{
    const ResponseForm form = responseForm(request);
    if (form.kind == ResponseForm::Kind::Table && request.resource) {
        TableOptions options;
        const std::string include = request.query("includeObject");
        if (include == "None")
            options.includeObject = TableOptions::IncludeObject::None;
        else if (include == "Object")
            options.includeObject = TableOptions::IncludeObject::Object;
        Json table = tableFor(*request.resource, {object}, options,
                              object["metadata"].value("resourceVersion", ""));
        table["apiVersion"] = "meta.k8s.io/" + form.version;
        return table;
    }
    if (form.kind == ResponseForm::Kind::PartialMetadata)
        return {{"kind", "PartialObjectMetadata"},
                {"apiVersion", "meta.k8s.io/" + form.version},
                {"metadata", object.value("metadata", Json::object())}};
    return object;
}

Json ApiServer::presentList(const ApiRequest &request, ListResult list) const
{
    const ResponseForm form = responseForm(request);
    const std::string revision = std::to_string(list.revision);
    if (form.kind == ResponseForm::Kind::Table) {
        TableOptions options;
        const std::string include = request.query("includeObject");
        if (include == "None")
            options.includeObject = TableOptions::IncludeObject::None;
        else if (include == "Object")
            options.includeObject = TableOptions::IncludeObject::Object;
        Json table = tableFor(*request.resource, list.items, options, revision, list.continueToken);
        table["apiVersion"] = "meta.k8s.io/" + form.version;
        return table;
    }
    Json metadata = {{"resourceVersion", revision}};
    if (!list.continueToken.empty())
        metadata["continue"] = list.continueToken;
    Json items = Json::array();
    if (form.kind == ResponseForm::Kind::PartialMetadata) {
        for (const Json &item : list.items)
            items.push_back({{"kind", "PartialObjectMetadata"},
                             {"apiVersion", "meta.k8s.io/" + form.version},
                             {"metadata", item.value("metadata", Json::object())}});
        return {{"kind", "PartialObjectMetadataList"},
                {"apiVersion", "meta.k8s.io/" + form.version},
                {"metadata", metadata},
                {"items", items}};
    }
    for (Json &item : list.items)
        items.push_back(std::move(item));
    return {{"kind", request.resource->listKind()},
            {"apiVersion", request.resource->apiVersion()},
            {"metadata", metadata},
            {"items", std::move(items)}};
}

void ApiServer::reply(ApiRequest &request, int code, const Json &body)
{
    if (request.responded)
        return;
    request.responded = true;
    request.exchange->respond(code, {{"Content-Type", "application/json"}},
                              body.dump(-1, ' ', false, Json::error_handler_t::replace));
    request.audit->responseComplete(code, body);
}

void ApiServer::fail(ApiRequest &request, const ApiError &error)
{
    reply(request, error.code(), error.toStatus());
}

void stampNewObject(const ResourceInfo &resource, Json &object)
{
    Json &metadata = object["metadata"];
    metadata["uid"] = QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
    metadata["creationTimestamp"] = rfc3339Now();
    metadata.erase("resourceVersion");
    metadata.erase("deletionTimestamp");
    metadata.erase("deletionGracePeriodSeconds");
    if (resource.hasGeneration)
        metadata["generation"] = 1;
    else
        metadata.erase("generation");
}

std::string generateName(const std::string &prefix)
{
    // The alphabet of k8s.io/apimachinery/pkg/util/rand: no vowels, no look-alikes.
    static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    static std::mt19937 engine{std::random_device{}()};
    std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
    std::string name = prefix.size() > 58 ? prefix.substr(0, 58) : prefix;
    for (int i = 0; i < 5; ++i)
        name += kAlphabet[pick(engine)];
    return name;
}

} // namespace flowlab::kube
