#include "engine/kube/apiserver/Discovery.h"

#include <QCryptographicHash>

namespace flowlab::kube {

namespace {

Json groupVersionRef(const GroupVersion &gv)
{
    return {{"groupVersion", gv.apiVersion()}, {"version", gv.version}};
}

std::vector<std::string> groups()
{
    std::vector<std::string> out;
    for (const auto &gv : ResourceRegistry::builtin().groupVersions())
        if (!gv.group.empty())
            out.push_back(gv.group);
    return out;
}

// A stable hash of what a resource looks like, as real servers publish storageVersionHash:
// clients only compare them.
std::string storageVersionHash(const ResourceInfo &resource)
{
    const std::string text = resource.group + "/" + resource.version + "/" + resource.kind;
    const QByteArray digest =
        QCryptographicHash::hash(QByteArray::fromStdString(text), QCryptographicHash::Sha256);
    return digest.left(8).toBase64().toStdString();
}

Json resourceEntry(const ResourceInfo &resource)
{
    Json entry = {{"name", resource.plural},
                  {"singularName", resource.singular},
                  {"namespaced", resource.namespaced},
                  {"kind", resource.kind},
                  {"verbs", resource.verbs}};
    if (!resource.shortNames.empty())
        entry["shortNames"] = resource.shortNames;
    if (!resource.categories.empty())
        entry["categories"] = resource.categories;
    if (resource.stored())
        entry["storageVersionHash"] = storageVersionHash(resource);
    return entry;
}

Json subresourceEntry(const ResourceInfo &resource, const SubresourceInfo &sub)
{
    Json entry = {{"name", resource.plural + "/" + sub.name},
                  {"singularName", ""},
                  {"namespaced", resource.namespaced},
                  {"kind", sub.kind},
                  {"verbs", sub.verbs}};
    if (sub.group != resource.group || sub.version != resource.version) {
        entry["group"] = sub.group;
        entry["version"] = sub.version;
    }
    return entry;
}

Json aggregatedResource(const ResourceInfo &resource)
{
    Json entry = {
        {"resource", resource.plural},
        {"responseKind",
         {{"group", resource.group}, {"version", resource.version}, {"kind", resource.kind}}},
        {"scope", resource.namespaced ? "Namespaced" : "Cluster"},
        {"singularResource", resource.singular},
        {"verbs", resource.verbs}};
    if (!resource.shortNames.empty())
        entry["shortNames"] = resource.shortNames;
    if (!resource.categories.empty())
        entry["categories"] = resource.categories;
    Json subresources = Json::array();
    for (const auto &sub : resource.subresources)
        subresources.push_back(
            {{"subresource", sub.name},
             {"responseKind", {{"group", sub.group}, {"version", sub.version}, {"kind", sub.kind}}},
             {"verbs", sub.verbs}});
    if (!subresources.empty())
        entry["subresources"] = subresources;
    return entry;
}

std::string documentPath(const GroupVersion &gv)
{
    return gv.pathPrefix().substr(1); // "api/v1", "apis/apps/v1"
}

// Protobuf, by hand: three length-delimited fields are all the document needs.
void appendVarint(std::string &out, std::uint64_t value)
{
    while (value >= 0x80) {
        out += char((value & 0x7f) | 0x80);
        value >>= 7;
    }
    out += char(value);
}

void appendField(std::string &out, int number, const std::string &bytes)
{
    appendVarint(out, std::uint64_t(number) << 3 | 2); // wire type 2: length-delimited
    appendVarint(out, bytes.size());
    out += bytes;
}

} // namespace

Json versionInfo()
{
    return {{"major", "1"},
            {"minor", "32"},
            {"gitVersion", kServedKubernetesVersion},
            {"gitCommit", "flowlab"},
            {"gitTreeState", "clean"},
            {"buildDate", "2026-01-01T00:00:00Z"},
            {"goVersion", "none (Flowlab's apiserver is C++)"},
            {"compiler", "gcc"},
            {"platform", "linux/amd64"}};
}

Json coreApiVersions(const std::string &serverAddress)
{
    return {{"kind", "APIVersions"},
            {"versions", {"v1"}},
            {"serverAddressByClientCIDRs",
             Json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", serverAddress}}})}};
}

Json apiGroupList()
{
    Json list = {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", Json::array()}};
    for (const std::string &group : groups())
        list["groups"].push_back(apiGroup(group));
    return list;
}

Json apiGroup(const std::string &group)
{
    for (const auto &gv : ResourceRegistry::builtin().groupVersions()) {
        if (gv.group != group || group.empty())
            continue;
        return {{"kind", "APIGroup"},
                {"apiVersion", "v1"},
                {"name", group},
                {"versions", Json::array({groupVersionRef(gv)})},
                {"preferredVersion", groupVersionRef(gv)}};
    }
    return nullptr;
}

Json apiResourceList(const GroupVersion &gv)
{
    Json list = {{"kind", "APIResourceList"},
                 {"apiVersion", "v1"},
                 {"groupVersion", gv.apiVersion()},
                 {"resources", Json::array()}};
    for (const ResourceInfo *resource : ResourceRegistry::builtin().inGroupVersion(gv)) {
        list["resources"].push_back(resourceEntry(*resource));
        for (const auto &sub : resource->subresources)
            list["resources"].push_back(subresourceEntry(*resource, sub));
    }
    return list;
}

Json aggregatedDiscovery(bool core, const std::string &version)
{
    Json items = Json::array();
    for (const auto &gv : ResourceRegistry::builtin().groupVersions()) {
        if (gv.group.empty() != core)
            continue;
        Json resources = Json::array();
        for (const ResourceInfo *resource : ResourceRegistry::builtin().inGroupVersion(gv))
            resources.push_back(aggregatedResource(*resource));
        Json metadata = Json::object();
        if (!gv.group.empty())
            metadata["name"] = gv.group;
        items.push_back({{"metadata", metadata},
                         {"versions", Json::array({{{"version", gv.version},
                                                    {"resources", resources},
                                                    {"freshness", "Current"}}})}});
    }
    return {{"kind", "APIGroupDiscoveryList"},
            {"apiVersion", "apidiscovery.k8s.io/" + version},
            {"metadata", Json::object()},
            {"items", items}};
}

Json openApiV3Index()
{
    Json paths = Json::object();
    for (const auto &gv : ResourceRegistry::builtin().groupVersions()) {
        const std::string path = documentPath(gv);
        // The hash changes only if the document does: clients cache by it.
        const std::string document = openApiV3Document(gv).dump();
        const QByteArray digest = QCryptographicHash::hash(QByteArray::fromStdString(document),
                                                           QCryptographicHash::Sha512);
        paths[path] = {{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" +
                                                 digest.toHex().left(32).toUpper().toStdString()}};
    }
    return {{"paths", paths}};
}

Json openApiV3Document(const GroupVersion &gv)
{
    Json paths = Json::object();
    const Json fieldValidation = {{"name", "fieldValidation"},
                                  {"in", "query"},
                                  {"description", "Strict, Warn or Ignore: how the server treats "
                                                  "unknown or duplicate fields"},
                                  {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
    for (const ResourceInfo *resource : ResourceRegistry::builtin().inGroupVersion(gv)) {
        if (!resource->hasVerb("patch"))
            continue;
        const std::string path = gv.pathPrefix() +
                                 (resource->namespaced ? "/namespaces/{namespace}/" : "/") +
                                 resource->plural + "/{name}";
        const Json gvk = {
            {"group", resource->group}, {"version", resource->version}, {"kind", resource->kind}};
        const Json patchBody = {{"schema", {{"type", "object"}}}};
        paths[path] = {{"patch",
                        {{"description", "partially update the specified " + resource->kind},
                         {"operationId", "patch" + resource->kind},
                         {"parameters", Json::array({fieldValidation})},
                         {"requestBody",
                          {{"content",
                            {{"application/json-patch+json", patchBody},
                             {"application/merge-patch+json", patchBody}}},
                           {"required", true}}},
                         {"responses", {{"200", {{"description", "OK"}}}}},
                         {"x-kubernetes-action", "patch"},
                         {"x-kubernetes-group-version-kind", gvk}}}};
    }
    return {{"openapi", "3.0.0"},
            {"info", {{"title", "Kubernetes"}, {"version", kServedKubernetesVersion}}},
            {"paths", paths},
            {"components", {{"schemas", Json::object()}}}};
}

std::string openApiV2Protobuf()
{
    // gnostic's openapi_v2.Document: swagger (1), info (2: title 1, version 2), paths (8).
    std::string info;
    appendField(info, 1, "Kubernetes");
    appendField(info, 2, kServedKubernetesVersion);
    std::string document;
    appendField(document, 1, "2.0");
    appendField(document, 2, info);
    appendField(document, 8, "");
    return document;
}

} // namespace flowlab::kube
