// The verbs on resources: get, list, watch, create, update, patch, delete, deletecollection,
// with the object semantics of the real registry: uid and timestamps on create, optimistic
// concurrency on update, generation bumped on spec changes only, status kept apart from the
// rest, finalizers and graceful deletion, no-op updates that write nothing.

#include "engine/kube/api/Patch.h"
#include "engine/kube/api/ProtobufCodec.h"
#include "engine/kube/api/TablePrinter.h"
#include "engine/kube/apiserver/ApiServer.h"

#include <QTimer>
#include <chrono>

namespace flowlab::kube {

namespace {

bool hasStatusSubresource(const ResourceInfo &resource)
{
    return resource.subresource("status") != nullptr;
}

// What a new object's status starts as: the server owns it (PrepareForCreate).
void resetStatusForCreate(const ResourceInfo &resource, Json &object)
{
    if (!hasStatusSubresource(resource) || resource.kind == "Node")
        return;
    if (resource.kind == "Pod") {
        // The QoS class follows from the requests and limits: Guaranteed when every container
        // has limits equal to requests for cpu and memory, BestEffort when none has any.
        bool any = false;
        bool guaranteed = true;
        for (const Json &container : object["spec"].value("containers", Json::array())) {
            const Json resources = container.value("resources", Json::object());
            const Json limits = resources.value("limits", Json::object());
            const Json requests = resources.value("requests", limits);
            any = any || !limits.empty() || !requests.empty();
            for (const char *name : {"cpu", "memory"})
                guaranteed = guaranteed && limits.contains(name) &&
                             requests.value(name, Json()) == limits[name];
        }
        object["status"] = {{"phase", "Pending"},
                            {"qosClass", !any         ? "BestEffort"
                                         : guaranteed ? "Guaranteed"
                                                      : "Burstable"}};
    } else if (resource.kind == "Namespace") {
        object["status"] = {{"phase", "Active"}};
    } else if (resource.kind == "PersistentVolumeClaim" || resource.kind == "PersistentVolume") {
        object["status"] = {
            {"phase", resource.kind == "PersistentVolume" ? "Available" : "Pending"}};
    } else if (resource.kind == "Service") {
        object["status"] = {{"loadBalancer", Json::object()}};
    } else {
        object["status"] = Json::object();
    }
}

// Whether anything but metadata and status differs: what bumps metadata.generation.
bool specChanged(const Json &object, const Json &old)
{
    for (const auto &[key, value] : object.items())
        if (key != "metadata" && key != "status" && (!old.contains(key) || old[key] != value))
            return true;
    for (const auto &[key, value] : old.items())
        if (key != "metadata" && key != "status" && !object.contains(key))
            return true;
    return false;
}

// The server keeps what clients may not change: identity, timestamps, generation, and a
// status a main-resource update did not mean to touch.
void prepareForUpdate(const ResourceInfo &resource, Json &object, const Json &old,
                      bool statusUpdate)
{
    if (statusUpdate) {
        // A status write changes the status (and may touch annotations, as the deployment
        // controller's revision does); the spec, the identity, labels, owners and lifecycle
        // fields stay as stored, as the real status strategies keep them.
        if (old.contains("spec"))
            object["spec"] = old["spec"];
        else
            object.erase("spec");
        Json &metadata = object["metadata"];
        const Json &oldMetadata = old["metadata"];
        for (const char *field : {"name", "namespace", "uid", "creationTimestamp",
                                  "deletionTimestamp", "deletionGracePeriodSeconds", "generation",
                                  "labels", "ownerReferences", "finalizers"}) {
            if (oldMetadata.contains(field))
                metadata[field] = oldMetadata[field];
            else
                metadata.erase(field);
        }
        return;
    }
    Json &metadata = object["metadata"];
    const Json &oldMetadata = old["metadata"];
    for (const char *field : {"uid", "creationTimestamp", "deletionTimestamp",
                              "deletionGracePeriodSeconds", "generation"}) {
        if (oldMetadata.contains(field))
            metadata[field] = oldMetadata[field];
        else
            metadata.erase(field);
    }
    if (hasStatusSubresource(resource) && resource.kind != "Namespace") {
        if (old.contains("status"))
            object["status"] = old["status"];
        else
            object.erase("status");
    }
    if (resource.hasGeneration && specChanged(object, old))
        metadata["generation"] = oldMetadata.value("generation", 0) + 1;
}

bool sameStoredForm(const Json &a, const Json &b)
{
    return ObjectStorage::encode(a) == ObjectStorage::encode(b);
}

std::string metadataString(const Json &object, const char *field)
{
    const Json &metadata = object.contains("metadata") ? object["metadata"] : Json::object();
    return metadata.contains(field) && metadata[field].is_string()
               ? metadata[field].get<std::string>()
               : std::string();
}

} // namespace

void ApiServer::handleResource(ApiRequest &request)
{
    RequestInfo &info = request.info;
    request.resource = ResourceRegistry::builtin().find(info.group, info.version, info.resource);
    if (!request.resource) {
        fail(request,
             ApiError(404, "NotFound", "the server could not find the requested resource"));
        return;
    }
    const ResourceInfo &resource = *request.resource;
    AuthorizationRequest attributes;
    attributes.verb = info.verb;
    attributes.apiGroup = info.group;
    attributes.resource = info.resource;
    attributes.subresource = info.subresource;
    attributes.ns = info.ns;
    attributes.name = info.name;
    if (!authorize(request, attributes))
        return;
    if (!info.ns.empty() && !resource.namespaced) {
        fail(request,
             ApiError(404, "NotFound", "the server could not find the requested resource"));
        return;
    }
    if (!info.subresource.empty()) {
        handleSubresource(request);
        return;
    }
    if (!resource.hasVerb(info.verb)) {
        fail(request, ApiError::methodNotSupported(info.verb, resource.qualifiedResource()));
        return;
    }
    if (!resource.stored()) {
        review(request);
        return;
    }
    if (info.verb == "get")
        get(request);
    else if (info.verb == "list")
        list(request);
    else if (info.verb == "watch")
        watch(request);
    else if (info.verb == "create")
        create(request);
    else if (info.verb == "update")
        update(request);
    else if (info.verb == "patch")
        patch(request);
    else if (info.verb == "delete")
        remove(request);
    else if (info.verb == "deletecollection")
        removeCollection(request);
    else
        fail(request, ApiError::methodNotSupported(info.verb, resource.qualifiedResource()));
}

ApiResult<StoredObject> ApiServer::fetch(ApiRequest &request)
{
    auto found = m_storage.get(*request.resource, request.info.ns, request.info.name);
    if (!found)
        return found.error();
    if (!*found)
        return ApiError::notFound(*request.resource, request.info.name);
    return std::move(**found);
}

void ApiServer::get(ApiRequest &request)
{
    auto current = fetch(request);
    if (!current)
        return fail(request, current.error());
    reply(request, 200, present(request, current->object));
}

ApiResult<ListOptions> ApiServer::listOptions(const ApiRequest &request) const
{
    ListOptions options;
    options.ns = request.info.ns;
    auto labels = LabelSelector::parse(request.query("labelSelector"));
    if (!labels)
        return ApiError::badRequest(labels.error().message());
    options.labels = std::move(*labels);
    auto fields = FieldSelector::parse(request.query("fieldSelector"));
    if (!fields)
        return ApiError::badRequest(fields.error().message());
    for (const auto &requirement : fields->requirements())
        if (!isSelectableField(*request.resource, requirement.field))
            return ApiError::badRequest("field label not supported: " + requirement.field);
    options.fields = std::move(*fields);
    if (const std::string limit = request.query("limit"); !limit.empty()) {
        const auto value = parseResourceVersion(limit);
        if (!value)
            return ApiError::badRequest("limit must be a positive integer, not \"" + limit + "\"");
        options.limit = *value;
    }
    options.continueToken = request.query("continue");
    return options;
}

void ApiServer::list(ApiRequest &request)
{
    auto options = listOptions(request);
    if (!options)
        return fail(request, options.error());
    const bool plain = responseForm(request).kind == ResponseForm::Kind::Object;
    options->raw = plain && options->labels.empty() && options->fields.empty();
    auto listed = m_storage.list(*request.resource, *options);
    if (!listed)
        return fail(request, listed.error());
    if (!options->raw)
        return reply(request, 200, presentList(request, std::move(*listed)));
    // The list as text: the stored objects as they are, inside the list's envelope.
    Json metadata = {{"resourceVersion", std::to_string(listed->revision)}};
    if (!listed->continueToken.empty())
        metadata["continue"] = listed->continueToken;
    std::size_t size = 256;
    for (const auto &item : listed->rawItems)
        size += item.size() + 1;
    std::string body;
    body.reserve(size);
    body += R"({"apiVersion":")" + request.resource->apiVersion() + R"(","items":[)";
    for (std::size_t i = 0; i < listed->rawItems.size(); ++i) {
        if (i)
            body += ',';
        body += listed->rawItems[i];
    }
    body +=
        R"(],"kind":")" + request.resource->listKind() + R"(","metadata":)" + metadata.dump() + "}";
    request.responded = true;
    request.exchange->respond(200, {{"Content-Type", "application/json"}}, body);
    request.audit->responseComplete(200, nullptr);
}

namespace {

// One open watch: what it selects, and where it has got to.
struct WatchStream
{
    ApiServer *server = nullptr;
    std::shared_ptr<HttpExchange> exchange;
    const ResourceInfo *resource = nullptr;
    std::string ns;
    std::string name; // a watch of one object (fieldSelector metadata.name=..., or the URL)
    ListOptions selection;
    ResponseForm form;
    TableOptions tableOptions;
    std::int64_t sentThrough = 0; // events at or before this revision are in the initial state
    std::uint64_t subscription = 0;
    bool firstTable = true;

    bool selects(const Json &object) const
    {
        if (object.is_null())
            return false;
        if (!ns.empty() && metadataString(object, "namespace") != ns)
            return false;
        if (!name.empty() && metadataString(object, "name") != name)
            return false;
        const Json &metadata = object["metadata"];
        return selection.labels.matches(metadata.value("labels", Json::object())) &&
               selection.fields.matches(object);
    }

    void send(const char *type, const Json &object)
    {
        Json body = object;
        if (form.kind == ResponseForm::Kind::Table) {
            TableOptions options = tableOptions;
            options.noHeaders = !firstTable;
            firstTable = false;
            body = tableFor(*resource, {object}, options,
                            object["metadata"].value("resourceVersion", ""));
            body["apiVersion"] = "meta.k8s.io/" + form.version;
        } else if (form.kind == ResponseForm::Kind::PartialMetadata) {
            body = {{"kind", "PartialObjectMetadata"},
                    {"apiVersion", "meta.k8s.io/" + form.version},
                    {"metadata", object.value("metadata", Json::object())}};
        }
        const Json event = {{"type", type}, {"object", body}};
        exchange->write(event.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n");
    }

    // A change becomes ADDED, MODIFIED or DELETED for this watch depending on whether the
    // object entered, stayed in or left what it selects (a label changed, say).
    void onEvent(const ObjectEvent &event)
    {
        if (event.resource != resource || event.revision <= sentThrough)
            return;
        const bool now = event.type != ObjectEvent::Type::Deleted && selects(event.object);
        const bool before = selects(event.previous);
        if (now && before)
            send("MODIFIED", event.object);
        else if (now)
            send("ADDED", event.object);
        else if (before) {
            Json gone = event.type == ObjectEvent::Type::Deleted ? event.object : event.previous;
            gone["metadata"]["resourceVersion"] = std::to_string(event.revision);
            send("DELETED", gone);
        }
        sentThrough = event.revision;
    }
};

} // namespace

void ApiServer::watch(ApiRequest &request)
{
    auto options = listOptions(request);
    if (!options)
        return fail(request, options.error());
    auto stream = std::make_shared<WatchStream>();
    stream->server = this;
    stream->exchange = request.exchange;
    stream->resource = request.resource;
    stream->ns = request.info.ns;
    stream->name = request.info.name;
    stream->selection = std::move(*options);
    stream->form = responseForm(request);
    if (request.query("includeObject") == "Object")
        stream->tableOptions.includeObject = TableOptions::IncludeObject::Object;

    const std::string fromText = request.query("resourceVersion");
    std::vector<ObjectEventPtr> backlog;
    std::vector<Json> initial;
    // A watch of one object (kubectl get NAME -w, rollout status) names it in the URL or as
    // fieldSelector metadata.name=NAME: its current state is one key, not a list.
    for (const auto &requirement : stream->selection.fields.requirements())
        if (requirement.field == "metadata.name" && requirement.equals)
            stream->name = requirement.value;
    if ((fromText.empty() || fromText == "0") && !stream->name.empty() &&
        (!request.resource->namespaced || !stream->ns.empty())) {
        auto found = m_storage.get(*request.resource, stream->ns, stream->name);
        if (!found)
            return fail(request, found.error());
        auto revision = m_storage.currentRevision();
        if (!revision)
            return fail(request, revision.error());
        if (*found)
            initial.push_back(std::move((*found)->object));
        stream->sentThrough = *revision;
    } else if (fromText.empty() || fromText == "0") {
        // No revision: the current state first, as synthetic ADDED events.
        ListOptions all = stream->selection;
        all.limit = 0;
        all.continueToken.clear();
        auto listed = m_storage.list(*request.resource, all);
        if (!listed)
            return fail(request, listed.error());
        initial = std::move(listed->items);
        stream->sentThrough = listed->revision;
    } else {
        const auto from = parseResourceVersion(fromText);
        if (!from)
            return fail(request,
                        ApiError::badRequest("invalid resource version \"" + fromText + "\""));
        auto since = m_watchCache->since(*from, *request.resource);
        if (!since) {
            // Real servers say 410 inside the stream, as an ERROR event.
            request.responded = true;
            request.exchange->startStream(200, {{"Content-Type", "application/json"}});
            const Json event = {{"type", "ERROR"}, {"object", since.error().toStatus()}};
            request.exchange->write(event.dump() + "\n");
            request.exchange->endStream();
            request.audit->responseComplete(410, since.error().toStatus());
            return;
        }
        backlog = std::move(*since);
        stream->sentThrough = *from;
    }

    request.responded = true;
    request.exchange->startStream(200, {{"Content-Type", "application/json"}});
    request.audit->responseStarted(200);
    for (const Json &object : initial)
        if (stream->selects(object))
            stream->send("ADDED", object);
    for (const auto &event : backlog)
        stream->onEvent(*event);

    WatchCache *cache = m_watchCache.get();
    stream->subscription =
        cache->subscribe([stream](const ObjectEventPtr &event) { stream->onEvent(*event); });
    QPointer<WatchCache> guard(cache);
    auto finish = [stream, guard]() {
        if (guard)
            guard->unsubscribe(stream->subscription);
        stream->exchange->endStream();
    };
    request.exchange->onClientGone([stream, guard] {
        if (guard)
            guard->unsubscribe(stream->subscription);
    });
    // timeoutSeconds ends the watch; client-go asks for 5-10 minutes and then watches again.
    int timeout = 1800;
    if (const auto seconds = parseResourceVersion(request.query("timeoutSeconds")))
        timeout = int(std::min<std::int64_t>(*seconds, 3600));
    QTimer::singleShot(std::chrono::seconds(timeout), this, finish);
}

ApiResult<Json> ApiServer::decodeBody(ApiRequest &request)
{
    const HttpMessage &http = request.http();
    const std::string contentType = http.headers.value("Content-Type").value_or("application/json");
    const bool patching = request.info.verb == "patch";
    const bool protobuf = contentType.starts_with("application/vnd.kubernetes.protobuf");
    if (!patching && !protobuf && contentType.find("json") == std::string::npos)
        return ApiError::unsupportedMediaType(contentType);
    Json body;
    if (protobuf && !patching) {
        // kubectl 1.32's typed clients (create deployment, auth can-i...) send protobuf.
        auto decoded = decodeKubernetesProtobuf(http.body);
        if (!decoded)
            return ApiError::badRequest("the body of the request could not be decoded: " +
                                        decoded.error().message());
        body = std::move(*decoded);
    } else {
        try {
            body = Json::parse(http.body);
        } catch (const Json::parse_error &e) {
            return ApiError::badRequest("the body of the request could not be decoded as JSON: " +
                                        std::string(e.what()));
        }
    }
    if (patching)
        return body;
    if (!body.is_object())
        return ApiError::badRequest("the body of the request must be a JSON object, not " +
                                    std::string(body.type_name()));
    const ResourceInfo &resource = *request.resource;
    const std::string apiVersion = body.value("apiVersion", "");
    const std::string kind = body.value("kind", "");
    if (kind.empty())
        return ApiError::badRequest("Object 'Kind' is missing in '" + http.body.substr(0, 200) +
                                    "'");
    if (kind != resource.kind && request.info.subresource.empty())
        return ApiError::badRequest("the object provided is unrecognized (must be of type " +
                                    resource.kind + "): " + kind);
    if (!apiVersion.empty() && apiVersion != resource.apiVersion() &&
        request.info.subresource.empty())
        return ApiError::badRequest("the API version in the data (" + apiVersion +
                                    ") does not match the expected API version (" +
                                    resource.apiVersion() + ")");
    body["apiVersion"] = request.info.subresource.empty() ? resource.apiVersion() : apiVersion;
    if (!body.contains("metadata") || !body["metadata"].is_object())
        body["metadata"] = Json::object();
    Json &metadata = body["metadata"];
    if (resource.namespaced) {
        const std::string ns = metadataString(body, "namespace");
        if (!ns.empty() && ns != request.info.ns)
            return ApiError::badRequest("the namespace of the provided object does not match the "
                                        "namespace sent on the request");
        metadata["namespace"] = request.info.ns;
    } else {
        metadata.erase("namespace");
    }
    return body;
}

void ApiServer::recordStorage(ApiRequest &request, const std::string &operation,
                              const StoredObject &stored)
{
    request.audit->stage("Storage",
                         {{"flowlab.dev/store", m_store->describe()},
                          {"flowlab.dev/store-operation", operation},
                          {"flowlab.dev/store-key", stored.key},
                          {"flowlab.dev/store-revision", std::to_string(stored.revision)}});
}

ApiResult<StoredObject> ApiServer::admitAndStore(ApiRequest &request, Json object, const Json &old,
                                                 std::int64_t expectedRevision)
{
    const ResourceInfo &resource = *request.resource;
    auto admitted = m_admission.mutate(resource, object, old);
    if (!admitted) {
        request.audit->stage("MutatingAdmission", {{"flowlab.dev/admission", "rejected"}});
        return admitted.error();
    }
    std::string plugins;
    for (const auto &plugin : admitted->plugins)
        plugins += (plugins.empty() ? "" : ",") + plugin;
    std::string changes;
    for (const auto &line : admitted->mutations)
        changes += (changes.empty() ? "" : "; ") + line;
    request.audit->stage("MutatingAdmission", {{"flowlab.dev/admission-plugins", plugins},
                                               {"flowlab.dev/admission-mutations", changes}});
    if (auto invalid = m_admission.validate(resource, object, old)) {
        request.audit->stage("ValidatingAdmission",
                             {{"flowlab.dev/validation", "invalid: " + invalid->message()}});
        return *invalid;
    }
    request.audit->stage("ValidatingAdmission", {{"flowlab.dev/validation", "valid"}});
    if (request.dryRun())
        return StoredObject{
            object,
            resource.storeKey(metadataString(object, "namespace"), metadataString(object, "name")),
            0};
    if (old.is_null()) {
        auto created = m_storage.create(resource, object);
        if (created)
            recordStorage(request, "create", *created);
        return created;
    }
    // An object being deleted whose last finalizer went: now it goes.
    if (object["metadata"].contains("deletionTimestamp") &&
        object["metadata"].value("finalizers", Json::array()).empty() &&
        !(resource.kind == "Namespace" &&
          !object["spec"].value("finalizers", Json::array()).empty()) &&
        !(resource.kind == "Pod" && object["metadata"].contains("deletionGracePeriodSeconds") &&
          object["metadata"]["deletionGracePeriodSeconds"] != 0)) {
        auto removed = m_storage.remove(resource, metadataString(object, "namespace"),
                                        metadataString(object, "name"), expectedRevision);
        if (removed)
            recordStorage(request, "delete (finalizers done)", *removed);
        return removed;
    }
    // Nothing changed: nothing is written, and the revision stays (watchers see nothing).
    if (sameStoredForm(object, old)) {
        Json unchanged = old;
        return StoredObject{
            unchanged,
            resource.storeKey(metadataString(old, "namespace"), metadataString(old, "name")),
            expectedRevision};
    }
    auto updated = m_storage.update(resource, object, expectedRevision);
    if (updated)
        recordStorage(request, "update", *updated);
    return updated;
}

void ApiServer::create(ApiRequest &request)
{
    auto decoded = decodeBody(request);
    if (!decoded)
        return fail(request, decoded.error());
    Json object = std::move(*decoded);
    const ResourceInfo &resource = *request.resource;
    Json &metadata = object["metadata"];
    if (metadataString(object, "name").empty()) {
        const std::string prefix = metadataString(object, "generateName");
        if (prefix.empty())
            return fail(request, ApiError::invalid(
                                     resource, "",
                                     {FieldError::required("metadata.name",
                                                           "name or generateName is required")}));
        metadata["name"] = generateName(prefix);
    }
    request.audit->setRequestObject(object);
    request.audit->setObjectRef(metadataString(object, "name"), resource.group, resource.version);
    if (resource.namespaced) {
        if (auto refused = m_admission.checkNamespace(request.info.ns)) {
            request.audit->stage(
                "MutatingAdmission",
                {{"flowlab.dev/admission", "NamespaceLifecycle: " + refused->message()}});
            return fail(request, *refused);
        }
    }
    stampNewObject(resource, object);
    resetStatusForCreate(resource, object);
    auto stored = admitAndStore(request, std::move(object), nullptr, 0);
    if (!stored)
        return fail(request, stored.error());
    reply(request, 201, stored->object);
}

void ApiServer::update(ApiRequest &request)
{
    auto decoded = decodeBody(request);
    if (!decoded)
        return fail(request, decoded.error());
    Json object = std::move(*decoded);
    const ResourceInfo &resource = *request.resource;
    const std::string name = metadataString(object, "name");
    if (name != request.info.name)
        return fail(request, ApiError::badRequest("the name of the object (" + name +
                                                  ") does not match the name on the URL (" +
                                                  request.info.name + ")"));
    request.audit->setRequestObject(object);
    auto current = fetch(request);
    if (!current)
        return fail(request, current.error());
    const std::string sent = metadataString(object, "resourceVersion");
    std::int64_t expected = current->revision;
    if (!sent.empty()) {
        const auto parsed = parseResourceVersion(sent);
        if (!parsed || *parsed != current->revision)
            return fail(request,
                        ApiError::conflict(resource, name,
                                           "the object has been modified; please apply "
                                           "your changes to the latest version and try again"));
    }
    prepareForUpdate(resource, object, current->object, request.info.subresource == "status");
    auto stored = admitAndStore(request, std::move(object), current->object, expected);
    if (!stored)
        return fail(request, stored.error());
    reply(request, 200, stored->object);
}

void ApiServer::patch(ApiRequest &request)
{
    auto patchBody = decodeBody(request);
    if (!patchBody)
        return fail(request, patchBody.error());
    auto current = fetch(request);
    if (!current)
        return fail(request, current.error());
    const ResourceInfo &resource = *request.resource;
    const std::string contentType = request.http().headers.value("Content-Type").value_or("");
    Json patched;
    if (contentType.starts_with("application/merge-patch+json")) {
        patched = applyMergePatch(current->object, *patchBody);
    } else if (contentType.starts_with("application/json-patch+json")) {
        auto applied = applyJsonPatch(current->object, *patchBody);
        if (!applied)
            return fail(request, ApiError(422, "Invalid", applied.error().message()));
        patched = std::move(*applied);
    } else if (contentType.starts_with("application/strategic-merge-patch+json")) {
        auto applied = applyStrategicMergePatch(current->object, *patchBody, resource.kind);
        if (!applied)
            return fail(request, ApiError(422, "Invalid", applied.error().message()));
        patched = std::move(*applied);
    } else {
        return fail(request, ApiError::unsupportedMediaType(contentType));
    }
    if (!patched.is_object())
        return fail(request, ApiError::badRequest("the patch does not leave an object"));
    request.audit->setRequestObject(*patchBody);
    // A patch that names a resourceVersion is a precondition; otherwise it applies to
    // whatever is current.
    std::int64_t expected = current->revision;
    if (patchBody->is_object() && patchBody->contains("metadata") &&
        (*patchBody)["metadata"].is_object() &&
        (*patchBody)["metadata"].contains("resourceVersion")) {
        const auto parsed = parseResourceVersion(metadataString(*patchBody, "resourceVersion"));
        if (!parsed || *parsed != current->revision)
            return fail(request,
                        ApiError::conflict(resource, request.info.name,
                                           "the object has been modified; please apply "
                                           "your changes to the latest version and try again"));
    }
    if (metadataString(patched, "name") != request.info.name)
        return fail(request, ApiError::badRequest("the patch changed the object's name"));
    prepareForUpdate(resource, patched, current->object, request.info.subresource == "status");
    auto stored = admitAndStore(request, std::move(patched), current->object, expected);
    if (!stored)
        return fail(request, stored.error());
    reply(request, 200, stored->object);
}

ApiResult<Json> ApiServer::deleteObject(ApiRequest &request, const StoredObject &current,
                                        const Json &options)
{
    const ResourceInfo &resource = *request.resource;
    const Json &preconditions = options.value("preconditions", Json::object());
    if (preconditions.contains("uid") &&
        preconditions["uid"] != current.object["metadata"].value("uid", ""))
        return ApiError::conflict(
            resource, metadataString(current.object, "name"),
            "Precondition failed: UID in precondition: " + preconditions["uid"].get<std::string>() +
                ", UID in object meta: " + current.object["metadata"].value("uid", ""));
    if (preconditions.contains("resourceVersion") &&
        preconditions["resourceVersion"] != current.object["metadata"].value("resourceVersion", ""))
        return ApiError::conflict(resource, metadataString(current.object, "name"),
                                  "Precondition failed: ResourceVersion in precondition: " +
                                      preconditions["resourceVersion"].get<std::string>() +
                                      ", ResourceVersion in object meta: " +
                                      current.object["metadata"].value("resourceVersion", ""));

    Json object = current.object;
    Json &metadata = object["metadata"];
    Json finalizers = metadata.value("finalizers", Json::array());
    const std::string policy = options.value("propagationPolicy", "");
    auto addFinalizer = [&](const char *name) {
        if (std::find(finalizers.begin(), finalizers.end(), name) == finalizers.end())
            finalizers.push_back(name);
    };
    if (policy == "Orphan")
        addFinalizer("orphan");
    else if (policy == "Foreground")
        addFinalizer("foregroundDeletion");

    // Pods on a node end gracefully: the kubelet stops them, then deletes for good.
    const Json grace =
        options.contains("gracePeriodSeconds") ? options["gracePeriodSeconds"] : Json();
    bool graceful = false;
    int graceSeconds = 0;
    if (resource.kind == "Pod" && !object["spec"].value("nodeName", "").empty()) {
        graceSeconds = grace.is_number_integer()
                           ? grace.get<int>()
                           : object["spec"].value("terminationGracePeriodSeconds", 30);
        graceful = graceSeconds > 0;
    }
    const bool namespaceTerminating = resource.kind == "Namespace";
    if (!finalizers.empty() || graceful || namespaceTerminating) {
        if (!metadata.contains("deletionTimestamp")) {
            const auto when = std::chrono::system_clock::now() + std::chrono::seconds(graceSeconds);
            const std::time_t t = std::chrono::system_clock::to_time_t(when);
            std::tm utc{};
            gmtime_r(&t, &utc);
            char text[32];
            std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
            metadata["deletionTimestamp"] = text;
            metadata["deletionGracePeriodSeconds"] = graceSeconds;
        } else if (graceful || !grace.is_number_integer() || grace.get<int>() != 0) {
            return Json(current.object); // already on its way
        }
        if (namespaceTerminating)
            object["status"]["phase"] = "Terminating";
        if (!finalizers.empty())
            metadata["finalizers"] = finalizers;
        if (graceful || !finalizers.empty() ||
            (namespaceTerminating && !object["spec"].value("finalizers", Json::array()).empty())) {
            if (request.dryRun())
                return object;
            auto marked = m_storage.update(resource, object, current.revision);
            if (!marked)
                return marked.error();
            recordStorage(request, "update (deletion pending)", *marked);
            return marked->object;
        }
    }
    if (request.dryRun())
        return Json(current.object);
    auto removed = m_storage.remove(
        resource, request.info.ns.empty() ? metadataString(object, "namespace") : request.info.ns,
        metadataString(object, "name"), current.revision);
    if (!removed)
        return removed.error();
    recordStorage(request, "delete", *removed);
    return removed->object;
}

namespace {

// DeleteOptions from the body (kubectl sends one) and the query (curl users do).
ApiResult<Json> deleteOptions(const ApiRequest &request)
{
    Json options = Json::object();
    const std::string &body = request.http().body;
    if (!body.empty()) {
        options = Json::parse(body, nullptr, false);
        if (!options.is_object())
            return ApiError::badRequest(
                "the DeleteOptions in the body could not be decoded as JSON");
    }
    if (const std::string policy = request.query("propagationPolicy"); !policy.empty())
        options["propagationPolicy"] = policy;
    if (const std::string grace = request.query("gracePeriodSeconds"); !grace.empty()) {
        try {
            options["gracePeriodSeconds"] = std::stoi(grace);
        } catch (...) {
            return ApiError::badRequest("gracePeriodSeconds must be an integer");
        }
    }
    const std::string policy = options.value("propagationPolicy", "");
    if (!policy.empty() && policy != "Orphan" && policy != "Background" && policy != "Foreground")
        return ApiError::badRequest("propagationPolicy must be Orphan, Background or Foreground, "
                                    "not \"" +
                                    policy + "\"");
    return options;
}

} // namespace

void ApiServer::remove(ApiRequest &request)
{
    auto options = deleteOptions(request);
    if (!options)
        return fail(request, options.error());
    auto current = fetch(request);
    if (!current)
        return fail(request, current.error());
    auto result = deleteObject(request, *current, *options);
    if (!result)
        return fail(request, result.error());
    reply(request, 200, *result);
}

void ApiServer::removeCollection(ApiRequest &request)
{
    auto options = deleteOptions(request);
    if (!options)
        return fail(request, options.error());
    auto selection = listOptions(request);
    if (!selection)
        return fail(request, selection.error());
    auto listed = m_storage.list(*request.resource, *selection);
    if (!listed)
        return fail(request, listed.error());
    ListResult deleted;
    deleted.revision = listed->revision;
    for (const Json &item : listed->items) {
        StoredObject current{item, "",
                             *parseResourceVersion(metadataString(item, "resourceVersion"))};
        auto result = deleteObject(request, current, *options);
        if (!result)
            return fail(request, result.error());
        deleted.items.push_back(std::move(*result));
    }
    reply(request, 200, presentList(request, std::move(deleted)));
}

} // namespace flowlab::kube
