// Pod defaulting (pkg/apis/core/v1/defaults.go): the pod spec, its containers, probes and
// volumes, for pods and pod templates alike, and what only a Pod gets.

#include "engine/kube/api/AdmissionRules.h"
#include "engine/kube/api/JsonFields.h"

#include <algorithm>
#include <cctype>

namespace flowlab::kube::admission {

namespace {

using fields::get;
using fields::string;

// parent[key] when it exists and is an object or array, without creating it.
Json *existing(Json &parent, std::string_view key)
{
    if (!parent.is_object())
        return nullptr;
    const auto it = parent.find(key);
    return it != parent.end() && (it->is_object() || it->is_array()) ? &*it : nullptr;
}

// The tag parsers.ParseImageName finds: "latest" when there is neither a tag nor a digest,
// "" when there is only a digest or the reference does not parse (an upper-case repository).
std::string imageTag(std::string image)
{
    if (image.empty())
        return "";
    const auto at = image.find('@');
    const bool digested = at != std::string::npos;
    if (digested)
        image.resize(at);
    const auto lastSlash = image.rfind('/');
    const auto colon = image.find(':', lastSlash == std::string::npos ? 0 : lastSlash + 1);
    const std::string tag = colon == std::string::npos ? "" : image.substr(colon + 1);
    const std::string name = image.substr(0, colon);
    // The first component is a registry host when it looks like one; it may be upper-case,
    // the repository path may not.
    const auto firstSlash = name.find('/');
    std::string path = name;
    if (firstSlash != std::string::npos) {
        const std::string first = name.substr(0, firstSlash);
        const bool host = first.find_first_of(".:") != std::string::npos || first == "localhost" ||
                          std::any_of(first.begin(), first.end(),
                                      [](unsigned char c) { return std::isupper(c); });
        if (host)
            path = name.substr(firstSlash + 1);
    }
    if (path.empty() ||
        std::any_of(path.begin(), path.end(), [](unsigned char c) { return std::isupper(c); }))
        return "";
    if (tag.empty() && !digested)
        return "latest";
    return tag;
}

// SetDefaults_HTTPGetAction, wherever a handler has one.
void defaultHandler(Json &handler, const FieldPath &path, DefaultsWriter &writer)
{
    Json *httpGet = existing(handler, "httpGet");
    if (!httpGet)
        return;
    writer.set(*httpGet, path.child("httpGet"), "path", "/");
    writer.set(*httpGet, path.child("httpGet"), "scheme", "HTTP");
}

void defaultProbe(Json &container, const FieldPath &path, const char *name, DefaultsWriter &writer)
{
    Json *probe = existing(container, name);
    if (!probe)
        return;
    const FieldPath at = path.child(name);
    writer.set(*probe, at, "timeoutSeconds", 1);
    writer.set(*probe, at, "periodSeconds", 10);
    writer.set(*probe, at, "successThreshold", 1);
    writer.set(*probe, at, "failureThreshold", 3);
    defaultHandler(*probe, at, writer);
}

// SetDefaults_ObjectFieldSelector: fieldRef.apiVersion v1, in env and downward API items.
void defaultFieldRef(Json &holder, const FieldPath &path, DefaultsWriter &writer)
{
    if (Json *fieldRef = existing(holder, "fieldRef"))
        writer.set(*fieldRef, path.child("fieldRef"), "apiVersion", "v1");
}

void defaultContainer(Json &container, const FieldPath &path, DefaultsWriter &writer)
{
    if (!container.is_object())
        return;
    if (string(get(container, "imagePullPolicy")).empty()) {
        const bool latest = imageTag(string(get(container, "image"))) == "latest";
        writer.set(container, path, "imagePullPolicy", latest ? "Always" : "IfNotPresent");
    }
    writer.set(container, path, "terminationMessagePath", "/dev/termination-log");
    writer.set(container, path, "terminationMessagePolicy", "File");

    if (Json *ports = existing(container, "ports"); ports && ports->is_array()) {
        for (std::size_t i = 0; i < ports->size(); ++i)
            writer.set((*ports)[i], path.child("ports").index(i), "protocol", "TCP");
    }
    if (Json *env = existing(container, "env"); env && env->is_array()) {
        for (std::size_t i = 0; i < env->size(); ++i) {
            if (Json *valueFrom = existing((*env)[i], "valueFrom"))
                defaultFieldRef(*valueFrom, path.child("env").index(i).child("valueFrom"), writer);
        }
    }
    // Not a default but what every container prints with: the struct is never omitted.
    if (!container.contains("resources")) {
        container["resources"] = Json::object();
        writer.record(path.child("resources"), Json::object());
    }
    for (const char *probe : {"livenessProbe", "readinessProbe", "startupProbe"})
        defaultProbe(container, path, probe, writer);
    if (Json *lifecycle = existing(container, "lifecycle")) {
        for (const char *hook : {"postStart", "preStop"}) {
            if (Json *handler = existing(*lifecycle, hook))
                defaultHandler(*handler, path.child("lifecycle").child(hook), writer);
        }
    }
}

void defaultVolume(Json &volume, const FieldPath &path, DefaultsWriter &writer)
{
    if (!volume.is_object())
        return;
    // A volume without a source is an emptyDir (SetDefaults_Volume).
    const bool hasSource = std::any_of(volume.items().begin(), volume.items().end(),
                                       [](const auto &item) { return item.key() != "name"; });
    if (!hasSource) {
        volume["emptyDir"] = Json::object();
        writer.record(path.child("emptyDir"), Json::object());
        return;
    }
    constexpr int kDefaultMode = 0644; // 420, as JSON shows it
    for (const char *source : {"secret", "configMap", "downwardAPI", "projected"}) {
        if (Json *at = existing(volume, source); at && at->is_object())
            writer.set(*at, path.child(source), "defaultMode", kDefaultMode);
    }
    if (Json *downward = existing(volume, "downwardAPI")) {
        if (Json *items = existing(*downward, "items"); items && items->is_array()) {
            for (std::size_t i = 0; i < items->size(); ++i)
                defaultFieldRef((*items)[i], path.child("downwardAPI").child("items").index(i),
                                writer);
        }
    }
    if (Json *hostPath = existing(volume, "hostPath"); hostPath && !hostPath->contains("type")) {
        (*hostPath)["type"] = ""; // HostPathUnset: a pointer to ""
        writer.record(path.child("hostPath").child("type"), "");
    }
    if (Json *projected = existing(volume, "projected")) {
        Json *sources = existing(*projected, "sources");
        for (std::size_t i = 0; sources && sources->is_array() && i < sources->size(); ++i) {
            const FieldPath at = path.child("projected").child("sources").index(i);
            if (Json *token = existing((*sources)[i], "serviceAccountToken"))
                writer.set(*token, at.child("serviceAccountToken"), "expirationSeconds", 3600);
        }
    }
}

// SetDefaults_Pod: a container with limits but no requests asks for its limits.
void defaultRequestsFromLimits(Json &containers, const FieldPath &path, DefaultsWriter &writer)
{
    if (!containers.is_array())
        return;
    for (std::size_t i = 0; i < containers.size(); ++i) {
        Json *resources = existing(containers[i], "resources");
        Json *limits = resources ? existing(*resources, "limits") : nullptr;
        if (!limits || !limits->is_object())
            continue;
        Json *requests = DefaultsWriter::object(*resources, "requests");
        if (!requests)
            continue;
        const FieldPath at = path.index(i).child("resources").child("requests");
        for (const auto &[name, quantity] : limits->items())
            writer.set(*requests, at, name, quantity);
    }
}

} // namespace

void defaultPodSpec(Json &spec, const FieldPath &path, DefaultsWriter &writer)
{
    if (!spec.is_object())
        return;
    writer.set(spec, path, "dnsPolicy", "ClusterFirst");
    writer.set(spec, path, "restartPolicy", "Always");
    writer.set(spec, path, "securityContext", Json::object());
    writer.set(spec, path, "terminationGracePeriodSeconds", 30);
    writer.set(spec, path, "schedulerName", "default-scheduler");
    for (const char *list : {"volumes", "initContainers", "containers"}) {
        if (!spec.contains(list))
            continue;
        Json &items = spec[list];
        for (std::size_t i = 0; items.is_array() && i < items.size(); ++i) {
            const FieldPath at = path.child(list).index(i);
            if (std::string_view(list) == "volumes")
                defaultVolume(items[i], at, writer);
            else
                defaultContainer(items[i], at, writer);
        }
    }
}

void defaultPodTemplate(Json &templ, const FieldPath &path, DefaultsWriter &writer)
{
    Json *metadata = DefaultsWriter::object(templ, "metadata");
    if (metadata && !metadata->contains("creationTimestamp")) {
        // The zero metav1.Time a template carries serializes as null: kubectl shows it.
        (*metadata)["creationTimestamp"] = nullptr;
        writer.record(path.child("metadata").child("creationTimestamp"), nullptr);
    }
    if (Json *spec = DefaultsWriter::object(templ, "spec"))
        defaultPodSpec(*spec, path.child("spec"), writer);
}

void defaultPod(Json &pod, DefaultsWriter &writer)
{
    Json *spec = DefaultsWriter::object(pod, "spec");
    if (!spec)
        return;
    const FieldPath path("spec");
    for (const char *list : {"containers", "initContainers"}) {
        if (spec->contains(list))
            defaultRequestsFromLimits((*spec)[list], path.child(list), writer);
    }
    writer.set(*spec, path, "enableServiceLinks", true);
    defaultPodSpec(*spec, path, writer);

    // The Priority admission plugin: the class's value, 0 without a class (no cluster
    // default class exists), and the class's preemption policy.
    const std::string priorityClass = string(get(*spec, "priorityClassName"));
    if (priorityClass.empty())
        writer.set(*spec, path, "priority", 0);
    else if (priorityClass == "system-node-critical")
        writer.set(*spec, path, "priority", 2000001000);
    else if (priorityClass == "system-cluster-critical")
        writer.set(*spec, path, "priority", 2000000000);
    writer.set(*spec, path, "preemptionPolicy", "PreemptLowerPriority");
}

} // namespace flowlab::kube::admission
