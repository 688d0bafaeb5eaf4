// Subresources: status (the part controllers and kubelets write), scale (kubectl scale),
// binding (the scheduler's decision), finalize (a namespace's last step) and log.

#include "engine/kube/api/Patch.h"
#include "engine/kube/apiserver/ApiServer.h"
#include "engine/net/HttpClient.h"

namespace flowlab::kube {

namespace {

std::string selectorText(const Json &selector)
{
    auto parsed = LabelSelector::fromJson(selector);
    return parsed ? parsed->toString() : std::string();
}

// autoscaling/v1 Scale of a Deployment, ReplicaSet or StatefulSet.
Json scaleOf(const Json &object)
{
    const Json &metadata = object["metadata"];
    Json scaleMetadata = Json::object();
    for (const char *field : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"})
        if (metadata.contains(field))
            scaleMetadata[field] = metadata[field];
    const Json &spec = object.value("spec", Json::object());
    const Json &status = object.value("status", Json::object());
    return {{"kind", "Scale"},
            {"apiVersion", "autoscaling/v1"},
            {"metadata", scaleMetadata},
            {"spec", {{"replicas", spec.value("replicas", 1)}}},
            {"status",
             {{"replicas", status.value("replicas", 0)},
              {"selector", selectorText(spec.value("selector", Json::object()))}}}};
}

} // namespace

void ApiServer::handleSubresource(ApiRequest &request)
{
    const ResourceInfo &resource = *request.resource;
    const std::string &name = request.info.subresource;
    const SubresourceInfo *sub = resource.subresource(name);
    if (!sub || request.info.name.empty()) {
        fail(request,
             ApiError(404, "NotFound", "the server could not find the requested resource"));
        return;
    }
    if (std::find(sub->verbs.begin(), sub->verbs.end(), request.info.verb) == sub->verbs.end()) {
        fail(request, ApiError::methodNotSupported(request.info.verb,
                                                   resource.qualifiedResource() + "/" + name));
        return;
    }
    if (name == "status") {
        if (request.info.verb == "get")
            get(request);
        else if (request.info.verb == "update")
            update(request);
        else
            patch(request);
    } else if (name == "scale") {
        scale(request);
    } else if (name == "binding") {
        auto body = decodeBody(request);
        if (!body)
            return fail(request, body.error());
        bind(request, request.info.name, *body);
    } else if (name == "finalize") {
        finalizeNamespace(request);
    } else if (name == "log") {
        podLog(request);
    } else {
        fail(request,
             ApiError(404, "NotFound", "the server could not find the requested resource"));
    }
}

void ApiServer::scale(ApiRequest &request)
{
    auto current = fetch(request);
    if (!current)
        return fail(request, current.error());
    const Json currentScale = scaleOf(current->object);
    if (request.info.verb == "get")
        return reply(request, 200, currentScale);

    Json wanted;
    if (request.info.verb == "update") {
        auto body = decodeBody(request);
        if (!body)
            return fail(request, body.error());
        wanted = std::move(*body);
        const std::string sent = wanted["metadata"].value("resourceVersion", "");
        if (!sent.empty() && sent != currentScale["metadata"].value("resourceVersion", ""))
            return fail(request,
                        ApiError::conflict(*request.resource, request.info.name,
                                           "the object has been modified; please apply "
                                           "your changes to the latest version and try again"));
    } else {
        auto patchBody = decodeBody(request);
        if (!patchBody)
            return fail(request, patchBody.error());
        const std::string type = request.http().headers.value("Content-Type").value_or("");
        if (type.starts_with("application/json-patch+json")) {
            auto applied = applyJsonPatch(currentScale, *patchBody);
            if (!applied)
                return fail(request, ApiError(422, "Invalid", applied.error().message()));
            wanted = std::move(*applied);
        } else if (type.starts_with("application/merge-patch+json") ||
                   type.starts_with("application/strategic-merge-patch+json")) {
            // A Scale has no lists: strategic and plain merge patches agree on it.
            wanted = applyMergePatch(currentScale, *patchBody);
        } else {
            return fail(request, ApiError::unsupportedMediaType(type));
        }
        request.audit->setRequestObject(*patchBody);
    }
    const Json replicas = wanted.value("spec", Json::object()).value("replicas", Json());
    if (!replicas.is_number_integer() || replicas.get<std::int64_t>() < 0)
        return fail(request,
                    ApiError::invalid(ResourceInfo{"autoscaling", "v1", "Scale", "scale", "scale"},
                                      request.info.name,
                                      {FieldError::invalid("spec.replicas", replicas,
                                                           "must be greater than or equal to 0")}));
    Json object = current->object;
    object["spec"]["replicas"] = replicas;
    if (request.resource->hasGeneration && object["spec"] != current->object["spec"])
        object["metadata"]["generation"] = current->object["metadata"].value("generation", 0) + 1;
    auto stored = admitAndStore(request, std::move(object), current->object, current->revision);
    if (!stored)
        return fail(request, stored.error());
    reply(request, 200, scaleOf(stored->object));
}

void ApiServer::bind(ApiRequest &request, const std::string &podName, const Json &binding)
{
    const ResourceInfo &pods = *ResourceRegistry::builtin().find("", "v1", "pods");
    const std::string target = binding.value("target", Json::object()).value("name", "");
    if (target.empty())
        return fail(request,
                    ApiError::invalid(pods, podName, {FieldError::required("target.name")}));
    auto found = m_storage.get(pods, request.info.ns, podName);
    if (!found)
        return fail(request, found.error());
    if (!*found)
        return fail(request, ApiError::notFound(pods, podName));
    Json pod = (*found)->object;
    const std::string assigned = pod["spec"].value("nodeName", "");
    if (!assigned.empty())
        return fail(request, ApiError(409, "Conflict",
                                      "Operation cannot be fulfilled on pods/binding \"" + podName +
                                          "\": pod " + podName + " is already assigned to node \"" +
                                          assigned + "\""));
    if (pod["metadata"].contains("deletionTimestamp"))
        return fail(request, ApiError(409, "Conflict",
                                      "Operation cannot be fulfilled on pods/binding \"" + podName +
                                          "\": pod " + podName +
                                          " is being deleted, cannot be assigned to a host"));
    request.audit->setRequestObject(binding);
    pod["spec"]["nodeName"] = target;
    Json &conditions = pod["status"]["conditions"];
    if (!conditions.is_array())
        conditions = Json::array();
    Json kept = Json::array();
    for (const Json &condition : conditions)
        if (condition.value("type", "") != "PodScheduled")
            kept.push_back(condition);
    conditions = std::move(kept);
    conditions.push_back({{"type", "PodScheduled"},
                          {"status", "True"},
                          {"lastProbeTime", nullptr},
                          {"lastTransitionTime", rfc3339Now()}});
    // The binding is stored as the pod's new spec.nodeName: one write, as the real registry.
    auto stored = m_storage.update(pods, pod, (*found)->revision);
    if (!stored)
        return fail(request, stored.error());
    recordStorage(request, "update (pod bound to " + target + ")", *stored);
    Json status = successStatus();
    status["code"] = 201;
    reply(request, 201, status);
}

void ApiServer::finalizeNamespace(ApiRequest &request)
{
    auto body = decodeBody(request);
    if (!body)
        return fail(request, body.error());
    auto current = fetch(request);
    if (!current)
        return fail(request, current.error());
    Json object = current->object;
    object["spec"]["finalizers"] =
        body->value("spec", Json::object()).value("finalizers", Json::array());
    request.audit->setRequestObject(*body);
    auto stored = admitAndStore(request, std::move(object), current->object, current->revision);
    if (!stored)
        return fail(request, stored.error());
    reply(request, 200, stored->object);
}

namespace {

constexpr int kKubeletLogPort = 10250;

} // namespace

void ApiServer::podLog(ApiRequest &request)
{
    auto current = fetch(request);
    if (!current)
        return fail(request, current.error());
    const Json &pod = current->object;
    const std::string node = pod["spec"].value("nodeName", "");
    std::string container = request.query("container");
    if (container.empty()) {
        const Json containers = pod["spec"].value("containers", Json::array());
        if (containers.size() == 1)
            container = containers[0].value("name", "");
        else
            return fail(request,
                        ApiError::badRequest("a container name must be specified for pod " +
                                             request.info.name));
    }
    if (node.empty())
        return fail(request, ApiError::badRequest(
                                 "container \"" + container + "\" in pod \"" + request.info.name +
                                 "\" is waiting to start: the pod is not scheduled"));
    // Logs live on the node: asked from its kubelet, at the node's InternalIP.
    const ResourceInfo &nodes = *ResourceRegistry::builtin().find("", "v1", "nodes");
    auto nodeObject = m_storage.get(nodes, "", node);
    std::string address;
    if (nodeObject && *nodeObject)
        for (const Json &entry : (**nodeObject).object["status"].value("addresses", Json::array()))
            if (entry.value("type", "") == "InternalIP")
                address = entry.value("address", "");
    if (address.empty())
        return fail(request, ApiError::serviceUnavailable("node \"" + node +
                                                          "\" has no InternalIP to reach its "
                                                          "kubelet at"));
    std::string query;
    for (const char *key : {"previous", "timestamps", "tailLines"})
        if (const std::string value = request.query(key); !value.empty())
            query += (query.empty() ? "?" : "&") + std::string(key) + "=" + value;
    const std::string path =
        "/containerLogs/" + request.info.ns + "/" + request.info.name + "/" + container + query;
    // A short, blocking call: the lab's kubelets answer from local files within milliseconds.
    // (`kubectl logs -f` gets what is there now; following is not implemented.)
    auto answer =
        httpRequest({.url = "http://" + address + ":" + std::to_string(kKubeletLogPort) + path,
                     .timeoutMs = 3000});
    if (!answer)
        return fail(request, ApiError::serviceUnavailable("the kubelet of node \"" + node +
                                                          "\": " + answer.error().message()));
    if (answer->status != 200) {
        std::string why = answer->body;
        if (!why.empty() && why.back() == '\n')
            why.pop_back();
        return fail(request, ApiError::badRequest(why));
    }
    if (request.responded)
        return;
    request.responded = true;
    request.exchange->respond(200, {{"Content-Type", "text/plain"}}, answer->body);
    request.audit->responseComplete(200, Json());
}

} // namespace flowlab::kube
