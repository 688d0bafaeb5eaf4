#include "engine/kube/kubelet/PodVolumes.h"

#include <algorithm>
#include <optional>

#include "engine/kube/api/JsonFields.h"

#include <QByteArray>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace flowlab::kube::kubelet {

namespace fs = std::filesystem;
using namespace fields;

namespace {

// A key or item path must stay inside the volume: no absolute paths, no "..".
bool safeRelativePath(const std::string &path)
{
    if (path.empty() || path.front() == '/')
        return false;
    for (const auto &part : fs::path(path))
        if (part == "..")
            return false;
    return true;
}

// Writes only when the content differs: a pod is synced again and again, and its ConfigMap
// rarely changes. `changed` says whether it did.
Status writeFile(const fs::path &path, const std::string &content, bool *changed = nullptr)
{
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    {
        std::ifstream in(path, std::ios::binary);
        if (in) {
            std::string current((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
            if (current == content) {
                if (changed)
                    *changed = false;
                return success();
            }
        }
    }
    if (changed)
        *changed = true;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        return Error::fromErrno("writing " + path.string());
    out << content;
    return success();
}

// Writes a ConfigMap's or Secret's keys (data, and binaryData/decoded values) into `dir`.
// `written` gets the files whose content changed.
Status writeKeys(const Json &volume, const std::map<std::string, std::string> &values,
                 const fs::path &dir, const std::string &what, std::vector<std::string> &written)
{
    auto put = [&](const std::string &file, const std::string &content) -> Status {
        bool changed = false;
        if (auto s = writeFile(dir / file, content, &changed); !s)
            return s;
        if (changed)
            written.push_back(file);
        return success();
    };
    // Written in place, never replaced: a running container has the directory bind-mounted,
    // and would keep seeing a removed one. (A key deleted from the object stays as a file.)
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        return Error("creating " + dir.string() + ": " + ec.message());
    const Json &items = get(volume, "items");
    if (items.is_array() && !items.empty()) {
        for (const Json &item : items) {
            const std::string key = string(get(item, "key"));
            const std::string path = string(get(item, "path"));
            const auto found = values.find(key);
            if (found == values.end())
                return Error(what + " has no key \"" + key + "\"");
            if (!safeRelativePath(path))
                return Error("item path \"" + path + "\" leaves the volume");
            if (auto s = put(path, found->second); !s)
                return s;
        }
        return success();
    }
    for (const auto &[key, value] : values) {
        if (!safeRelativePath(key))
            return Error(what + ": key \"" + key + "\" is not a file name");
        if (auto s = put(key, value); !s)
            return s;
    }
    return success();
}

std::map<std::string, std::string> stringsOf(const Json &object, bool base64)
{
    std::map<std::string, std::string> out;
    for (const char *field : {"data", "binaryData", "stringData"}) {
        const Json &data = get(object, field);
        if (!data.is_object())
            continue;
        const bool encoded =
            base64 ? std::string(field) != "stringData" : std::string(field) == "binaryData";
        for (const auto &[key, value] : data.items())
            if (value.is_string()) {
                const std::string text = value.get<std::string>();
                out[key] =
                    encoded ? QByteArray::fromBase64(QByteArray::fromStdString(text)).toStdString()
                            : text;
            }
    }
    return out;
}

} // namespace

std::pair<std::vector<std::string>, std::vector<std::string>> volumeReferences(const Json &pod)
{
    std::vector<std::string> configMaps, secrets;
    auto add = [](std::vector<std::string> &names, const std::string &name) {
        if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end())
            names.push_back(name);
    };
    for (const Json &volume : items(get(pod, {"spec", "volumes"}))) {
        add(configMaps, string(get(volume, {"configMap", "name"})));
        add(secrets, string(get(volume, {"secret", "secretName"})));
    }
    for (const char *list : {"initContainers", "containers"})
        for (const Json &container : items(get(pod, {"spec", list}))) {
            for (const Json &from : items(get(container, "envFrom"))) {
                add(configMaps, string(get(from, {"configMapRef", "name"})));
                add(secrets, string(get(from, {"secretRef", "name"})));
            }
            for (const Json &env : items(get(container, "env"))) {
                add(configMaps, string(get(env, {"valueFrom", "configMapKeyRef", "name"})));
                add(secrets, string(get(env, {"valueFrom", "secretKeyRef", "name"})));
            }
        }
    return {configMaps, secrets};
}

std::vector<std::string> claimReferences(const Json &pod)
{
    std::vector<std::string> claims;
    for (const Json &volume : items(get(pod, {"spec", "volumes"})))
        if (const std::string name = string(get(volume, {"persistentVolumeClaim", "claimName"}));
            !name.empty())
            claims.push_back(name);
    return claims;
}

Result<std::vector<std::pair<std::string, std::string>>>
containerEnvironment(const Json &pod, const Json &container, const VolumeSources &sources)
{
    const std::string ns = string(get(pod, {"metadata", "namespace"}));
    std::vector<std::pair<std::string, std::string>> env;
    auto set = [&env](const std::string &name, const std::string &value) {
        for (auto &pair : env)
            if (pair.first == name) {
                pair.second = value;
                return;
            }
        env.emplace_back(name, value);
    };
    // The object and its values, or why it cannot be had.
    auto lookup = [&](bool secret, const std::string &name,
                      bool optional) -> Result<std::optional<std::map<std::string, std::string>>> {
        const auto &objects = secret ? sources.secrets : sources.configMaps;
        const auto found = objects.find(name);
        if (found == objects.end()) {
            if (optional)
                return std::optional<std::map<std::string, std::string>>();
            return Error(std::string(secret ? "secret" : "configmap") + " \"" + name +
                         "\" not found");
        }
        return std::optional(stringsOf(found->second, secret));
    };
    for (const Json &from : items(get(container, "envFrom"))) {
        const bool secret = from.contains("secretRef");
        const Json &ref = get(from, secret ? "secretRef" : "configMapRef");
        auto values = lookup(secret, string(get(ref, "name")), boolean(get(ref, "optional")));
        if (!values)
            return values.error();
        if (*values)
            for (const auto &[key, value] : **values)
                set(string(get(from, "prefix")) + key, value);
    }
    for (const Json &var : items(get(container, "env"))) {
        const std::string name = string(get(var, "name"));
        const Json &valueFrom = get(var, "valueFrom");
        if (!valueFrom.is_object()) {
            set(name, string(get(var, "value")));
            continue;
        }
        const bool secret = valueFrom.contains("secretKeyRef");
        if (!secret && !valueFrom.contains("configMapKeyRef"))
            return Error("env " + name + ": valueFrom " +
                         (valueFrom.empty() ? std::string("(empty)")
                                            : valueFrom.items().begin().key()) +
                         " is not supported by this kubelet (configMapKeyRef and secretKeyRef "
                         "are)");
        const Json &ref = get(valueFrom, secret ? "secretKeyRef" : "configMapKeyRef");
        const std::string object = string(get(ref, "name")), key = string(get(ref, "key"));
        const bool optional = boolean(get(ref, "optional"));
        auto values = lookup(secret, object, optional);
        if (!values)
            return values.error();
        if (!*values)
            continue;
        const auto found = (*values)->find(key);
        if (found == (*values)->end()) {
            if (optional)
                continue;
            return Error("couldn't find key " + key + " in " +
                         (secret ? "Secret " : "ConfigMap ") + ns + "/" + object);
        }
        set(name, found->second);
    }
    return env;
}

Result<PreparedVolumes> preparePodVolumes(const Json &pod, const VolumeSources &sources,
                                          const std::string &podsDir)
{
    PreparedVolumes prepared;
    const std::string uid = string(get(pod, {"metadata", "uid"}));
    const fs::path root = fs::path(podsDir) / uid / "volumes";
    for (const Json &volume : items(get(pod, {"spec", "volumes"}))) {
        const std::string name = string(get(volume, "name"));
        auto failed = [&](const std::string &why) {
            return Error("MountVolume.SetUp failed for volume \"" + name + "\" : " + why);
        };
        // ConfigMap and Secret volumes: the object's keys as files (a Secret's decoded).
        const bool isSecret = volume.contains("secret");
        if (isSecret || volume.contains("configMap")) {
            const Json &source = volume[isSecret ? "secret" : "configMap"];
            const std::string ref = string(get(source, isSecret ? "secretName" : "name"));
            const std::string what = std::string(isSecret ? "secret" : "configmap");
            const fs::path dir =
                root / (isSecret ? "kubernetes.io~secret" : "kubernetes.io~configmap") / name;
            const auto &objects = isSecret ? sources.secrets : sources.configMaps;
            const auto found = objects.find(ref);
            if (found == objects.end() && !boolean(get(source, "optional")))
                return failed(what + " \"" + ref + "\" not found");
            const auto values = found == objects.end() ? std::map<std::string, std::string>{}
                                                       : stringsOf(found->second, isSecret);
            std::vector<std::string> files;
            if (auto s = writeKeys(source, values, dir, what + " \"" + ref + "\"", files); !s)
                return failed(s.error().message());
            if (!files.empty())
                prepared.written.push_back(
                    {name, isSecret ? "secret" : "configMap", ref, dir.string(), files});
            prepared.hostPaths[name] = dir.string();
        } else if (volume.contains("emptyDir")) {
            const fs::path dir = root / "kubernetes.io~empty-dir" / name;
            std::error_code ec;
            fs::create_directories(dir, ec);
            if (ec)
                return failed("creating " + dir.string() + ": " + ec.message());
            prepared.hostPaths[name] = dir.string();
        } else if (volume.contains("hostPath")) {
            const std::string path = string(get(volume, {"hostPath", "path"}));
            const std::string type = string(get(volume, {"hostPath", "type"}));
            std::error_code ec;
            if (type == "DirectoryOrCreate")
                fs::create_directories(path, ec);
            if (!fs::exists(path, ec))
                return failed("hostPath type check failed: " + path + " does not exist");
            prepared.hostPaths[name] = path;
        } else if (volume.contains("persistentVolumeClaim")) {
            const std::string claimName =
                string(get(volume, {"persistentVolumeClaim", "claimName"}));
            const auto claim = sources.claims.find(claimName);
            if (claim == sources.claims.end())
                return failed("persistentvolumeclaim \"" + claimName + "\" not found");
            const std::string bound = string(get(claim->second, {"spec", "volumeName"}));
            if (bound.empty() || string(get(claim->second, {"status", "phase"})) != "Bound")
                return failed("persistentvolumeclaim \"" + claimName + "\" is not bound yet");
            const auto pv = sources.volumes.find(bound);
            if (pv == sources.volumes.end())
                return failed("persistentvolume \"" + bound + "\" not found");
            const std::string path = string(get(pv->second, {"spec", "hostPath", "path"}));
            if (path.empty())
                return failed("persistentvolume \"" + bound +
                              "\" is not a hostPath volume, the only kind this kubelet mounts");
            std::error_code ec;
            fs::create_directories(path, ec);
            if (ec)
                return failed("creating " + path + ": " + ec.message());
            prepared.hostPaths[name] = path;
        } else {
            return failed("this kubelet supports configMap, secret, emptyDir, hostPath and "
                          "persistentVolumeClaim volumes only");
        }
    }
    prepared.sources = sources;
    return prepared;
}

Result<std::vector<v1::Mount>> containerMounts(const Json &container,
                                               const PreparedVolumes &volumes)
{
    std::vector<v1::Mount> mounts;
    for (const Json &mount : items(get(container, "volumeMounts"))) {
        const std::string name = string(get(mount, "name"));
        const auto found = volumes.hostPaths.find(name);
        if (found == volumes.hostPaths.end())
            return Error("volumeMount \"" + name + "\" names no volume of the pod");
        std::string hostPath = found->second;
        if (const std::string sub = string(get(mount, "subPath")); !sub.empty()) {
            if (!safeRelativePath(sub))
                return Error("volumeMount \"" + name + "\": subPath \"" + sub +
                             "\" leaves the volume");
            hostPath += "/" + sub;
        }
        v1::Mount cri;
        cri.set_container_path(string(get(mount, "mountPath")));
        cri.set_host_path(hostPath);
        cri.set_readonly(boolean(get(mount, "readOnly")));
        mounts.push_back(std::move(cri));
    }
    return mounts;
}

void removePodVolumes(const std::string &podsDir, const std::string &uid)
{
    if (podsDir.empty() || uid.empty())
        return;
    std::error_code ec;
    fs::remove_all(fs::path(podsDir) / uid, ec);
}

} // namespace flowlab::kube::kubelet
