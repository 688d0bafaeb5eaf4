// Validation of the kinds that are neither pods nor their controllers: Services, ConfigMaps
// and Secrets, Namespaces, RBAC, Ingresses, NetworkPolicies, claims, and ObjectMeta alone for
// the rest (pkg/apis/{core,rbac,networking}/validation).

#include "engine/kube/api/AdmissionRules.h"
#include "engine/kube/api/JsonFields.h"

#include <algorithm>
#include <map>
#include <set>

namespace flowlab::kube::admission {

namespace {

using fields::get;
using fields::integer;
using fields::items;
using fields::string;

const FieldPath kSpec("spec");
constexpr const char *kRbacGroup = "rbac.authorization.k8s.io";

bool oneOf(const std::string &value, std::initializer_list<const char *> allowed)
{
    return std::any_of(allowed.begin(), allowed.end(), [&](const char *a) { return value == a; });
}

// ---- services ----

void validateServicePort(const Json &port, bool requireName, std::set<std::string> &names,
                         const FieldPath &path, FieldErrors &errors)
{
    const std::string name = string(get(port, "name"));
    if (requireName && name.empty()) {
        errors.push_back(FieldError::required(path.child("name").str()));
    } else if (!name.empty()) {
        invalidEach(errors, path.child("name"), name, isDns1123Label(name));
        if (!names.insert(name).second)
            errors.push_back(FieldError::duplicate(path.child("name").str(), name));
    }
    const auto number = integer(get(port, "port"));
    invalidEach(errors, path.child("port"), number, isValidPortNum(number));
    const Json &protocol = get(port, "protocol");
    if (string(protocol).empty())
        errors.push_back(FieldError::required(path.child("protocol").str()));
    else if (!oneOf(string(protocol), {"SCTP", "TCP", "UDP"}))
        errors.push_back(FieldError::notSupported(path.child("protocol").str(), protocol,
                                                  {"SCTP", "TCP", "UDP"}));
    const Json &target = get(port, "targetPort");
    if (target.is_number_integer())
        invalidEach(errors, path.child("targetPort"), target, isValidPortNum(integer(target)));
    else if (target.is_string())
        invalidEach(errors, path.child("targetPort"), target, isValidPortName(string(target)));
}

void validateSessionAffinity(const Json &spec, FieldErrors &errors)
{
    const Json &affinity = get(spec, "sessionAffinity");
    if (string(affinity).empty())
        errors.push_back(FieldError::required(kSpec.child("sessionAffinity").str()));
    else if (!oneOf(string(affinity), {"ClientIP", "None"}))
        errors.push_back(FieldError::notSupported(kSpec.child("sessionAffinity").str(), affinity,
                                                  {"ClientIP", "None"}));
    const FieldPath configPath = kSpec.child("sessionAffinityConfig");
    const Json &config = get(spec, "sessionAffinityConfig");
    if (string(affinity) == "ClientIP") {
        const Json &timeout = get(config, {"clientIP", "timeoutSeconds"});
        const FieldPath timeoutPath = configPath.child("clientIP").child("timeoutSeconds");
        if (timeout.is_null())
            errors.push_back(
                FieldError::required(timeoutPath.str(), "when session affinity type is ClientIP"));
        else if (integer(timeout) <= 0 || integer(timeout) > 86400)
            errors.push_back(FieldError::invalid(timeoutPath.str(), timeout,
                                                 "must be greater than 0 and less than 86400"));
    } else if (string(affinity) == "None" && !config.is_null()) {
        errors.push_back(FieldError::forbidden(configPath.str(),
                                               "must not be set when session affinity is None"));
    }
}

void validateServiceSpec(const Json &spec, FieldErrors &errors)
{
    const std::string type = string(get(spec, "type"));
    const bool headless = string(get(spec, "clusterIP")) == "None";
    const Json &ports = items(get(spec, "ports"));
    if (ports.empty() && !headless && type != "ExternalName")
        errors.push_back(FieldError::required(kSpec.child("ports").str()));
    if ((type == "LoadBalancer" || type == "NodePort") && headless)
        errors.push_back(FieldError::invalid(kSpec.child("clusterIPs").index(0).str(), "None",
                                             "may not be set to 'None' for " + type + " services"));
    if (type == "ExternalName") {
        for (const char *field : {"clusterIPs", "ipFamilies", "ipFamilyPolicy"}) {
            if (fields::size(get(spec, field)) != 0 || get(spec, field).is_string())
                errors.push_back(FieldError::forbidden(kSpec.child(field).str(),
                                                       "may not be set for ExternalName services"));
        }
        std::string cname = string(get(spec, "externalName"));
        if (!cname.empty() && cname.back() == '.')
            cname.pop_back(); // a fully qualified name may end with a dot
        if (cname.empty())
            errors.push_back(FieldError::required(kSpec.child("externalName").str()));
        else
            invalidEach(errors, kSpec.child("externalName"), cname, isDns1123Subdomain(cname));
    }

    std::set<std::string> names;
    for (std::size_t i = 0; i < ports.size(); ++i)
        validateServicePort(ports[i], ports.size() > 1, names, kSpec.child("ports").index(i),
                            errors);
    validateLabels(get(spec, "selector"), kSpec.child("selector"), errors);
    validateSessionAffinity(spec, errors);

    const Json &typeValue = get(spec, "type");
    if (type.empty())
        errors.push_back(FieldError::required(kSpec.child("type").str()));
    else if (!oneOf(type, {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}))
        errors.push_back(
            FieldError::notSupported(kSpec.child("type").str(), typeValue,
                                     {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}));
    if (type == "ClusterIP") {
        for (std::size_t i = 0; i < ports.size(); ++i) {
            if (integer(get(ports[i], "nodePort")) != 0)
                errors.push_back(
                    FieldError::forbidden(kSpec.child("ports").index(i).child("nodePort").str(),
                                          "may not be used when `type` is 'ClusterIP'"));
        }
    }
    // The same port and protocol twice.
    std::set<std::pair<std::string, std::int64_t>> seen;
    for (std::size_t i = 0; i < ports.size(); ++i) {
        const std::string protocol = string(get(ports[i], "protocol"));
        const auto number = integer(get(ports[i], "port"));
        if (!seen.insert({protocol, number}).second)
            errors.push_back(FieldError::duplicate(kSpec.child("ports").index(i).str(),
                                                   {{"port", number}, {"protocol", protocol}}));
    }
}

// The cluster IPs a Service ends up with, as the registry normalizes an update that set only
// the singular field (an old client). Empty when none are set: the apiserver keeps the old.
std::vector<std::string> effectiveClusterIPs(const Json &spec, const Json &oldSpec)
{
    std::vector<std::string> ips;
    for (const Json &ip : items(get(spec, "clusterIPs")))
        ips.push_back(string(ip));
    const std::string single = string(get(spec, "clusterIP"));
    if (ips.empty() && !single.empty())
        ips.push_back(single);
    else if (!ips.empty() && !single.empty() && single != string(get(oldSpec, "clusterIP")) &&
             get(spec, "clusterIPs") == get(oldSpec, "clusterIPs"))
        ips[0] = single;
    return ips;
}

void validateServiceUpdate(const Json &spec, const Json &oldSpec, FieldErrors &errors)
{
    if (string(get(spec, "type")) == "ExternalName" ||
        string(get(oldSpec, "type")) == "ExternalName")
        return;
    const auto ips = effectiveClusterIPs(spec, oldSpec);
    const auto oldIPs = effectiveClusterIPs(oldSpec, Json());
    if (ips.empty() || oldIPs.empty() || ips.size() != oldIPs.size())
        return;
    for (std::size_t i = 0; i < ips.size(); ++i) {
        if (ips[i] != oldIPs[i])
            errors.push_back(FieldError::invalid(kSpec.child("clusterIPs").index(i).str(), ips,
                                                 "may not change once set"));
    }
}

// ---- configuration ----

void validateDataKeys(const Json &data, const FieldPath &path, FieldErrors &errors)
{
    for (const auto &[key, value] : data.items())
        invalidEach(errors, path.key(key), key, isConfigMapKey(key));
}

// ConfigMaps and Secrets marked immutable keep their data.
void validateImmutableData(const Json &object, const Json &old,
                           std::initializer_list<const char *> dataFields, FieldErrors &errors)
{
    if (!fields::boolean(get(old, "immutable")))
        return;
    const std::string message = "field is immutable when `immutable` is set";
    if (!fields::boolean(get(object, "immutable")))
        errors.push_back(FieldError::forbidden("immutable", message));
    for (const char *field : dataFields) {
        if (semantic(get(object, field)) != semantic(get(old, field)))
            errors.push_back(FieldError::forbidden(field, message));
    }
}

void validateConfigMap(const Json &configMap, FieldErrors &errors)
{
    const Json &data = get(configMap, "data");
    const Json &binaryData = get(configMap, "binaryData");
    std::size_t total = 0;
    for (const auto &[key, value] : data.items()) {
        invalidEach(errors, FieldPath("data").key(key), key, isConfigMapKey(key));
        if (!get(binaryData, key).is_null())
            errors.push_back(FieldError::invalid(FieldPath("data").key(key).str(), key,
                                                 "duplicate of key present in binaryData"));
        total += string(value).size();
    }
    validateDataKeys(binaryData, FieldPath("binaryData"), errors);
    for (const auto &[key, value] : binaryData.items())
        total += string(value).size() * 3 / 4;
    constexpr std::size_t kMaxSize = 1024 * 1024;
    if (total > kMaxSize) {
        FieldError error;
        error.type = FieldError::Type::TooLong;
        error.detail = "may not be more than 1048576 bytes";
        errors.push_back(std::move(error));
    }
}

void validateSecret(const Json &secret, FieldErrors &errors)
{
    const FieldPath dataPath("data");
    const Json &data = get(secret, "data");
    validateDataKeys(data, dataPath, errors);
    const std::string type = string(get(secret, "type"));
    const auto require = [&](const char *key) {
        if (get(data, key).is_null())
            errors.push_back(FieldError::required(dataPath.key(key).str()));
    };
    if (type == "kubernetes.io/service-account-token") {
        const char *key = "kubernetes.io/service-account.name";
        if (string(get(get(secret, {"metadata", "annotations"}), key)).empty())
            errors.push_back(
                FieldError::required(FieldPath("metadata").child("annotations").key(key).str()));
    } else if (type == "kubernetes.io/dockercfg") {
        require(".dockercfg");
    } else if (type == "kubernetes.io/dockerconfigjson") {
        require(".dockerconfigjson");
    } else if (type == "kubernetes.io/basic-auth") {
        if (get(data, "username").is_null() && get(data, "password").is_null()) {
            require("username");
            require("password");
        }
    } else if (type == "kubernetes.io/ssh-auth") {
        if (string(get(data, "ssh-privatekey")).empty())
            errors.push_back(FieldError::required(dataPath.key("ssh-privatekey").str()));
    } else if (type == "kubernetes.io/tls") {
        require("tls.crt");
        require("tls.key");
    }
}

// ---- RBAC ----

void validatePolicyRules(const Json &rules, bool namespaced, FieldErrors &errors)
{
    const Json &list = items(rules);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const Json &rule = list[i];
        const FieldPath at = FieldPath("rules").index(i);
        if (fields::size(get(rule, "verbs")) == 0)
            errors.push_back(FieldError::required(at.child("verbs").str(),
                                                  "verbs must contain at least one value"));
        const Json &urls = get(rule, "nonResourceURLs");
        if (fields::size(urls) != 0) {
            if (namespaced)
                errors.push_back(
                    FieldError::invalid(at.child("nonResourceURLs").str(), urls,
                                        "namespaced rules cannot apply to non-resource URLs"));
            if (fields::size(get(rule, "apiGroups")) != 0 ||
                fields::size(get(rule, "resources")) != 0 ||
                fields::size(get(rule, "resourceNames")) != 0)
                errors.push_back(
                    FieldError::invalid(at.child("nonResourceURLs").str(), urls,
                                        "rules cannot apply to both regular resources and "
                                        "non-resource URLs"));
            continue;
        }
        if (fields::size(get(rule, "apiGroups")) == 0)
            errors.push_back(FieldError::required(
                at.child("apiGroups").str(), "resource rules must supply at least one api group"));
        if (fields::size(get(rule, "resources")) == 0)
            errors.push_back(FieldError::required(
                at.child("resources").str(), "resource rules must supply at least one resource"));
    }
}

void validateSubject(const Json &subject, bool namespaced, const FieldPath &path,
                     FieldErrors &errors)
{
    const std::string name = string(get(subject, "name"));
    if (name.empty())
        errors.push_back(FieldError::required(path.child("name").str()));
    const std::string kind = string(get(subject, "kind"));
    const Json &apiGroup = get(subject, "apiGroup");
    if (kind == "ServiceAccount") {
        if (!name.empty())
            invalidEach(errors, path.child("name"), name, isDns1123Subdomain(name));
        if (!string(apiGroup).empty())
            errors.push_back(
                FieldError::notSupported(path.child("apiGroup").str(), apiGroup, {""}));
        if (!namespaced && string(get(subject, "namespace")).empty())
            errors.push_back(FieldError::required(path.child("namespace").str()));
    } else if (kind == "User" || kind == "Group") {
        if (string(apiGroup) != kRbacGroup)
            errors.push_back(FieldError::notSupported(path.child("apiGroup").str(),
                                                      string(apiGroup), {kRbacGroup}));
    } else {
        errors.push_back(FieldError::notSupported(path.child("kind").str(), kind,
                                                  {"ServiceAccount", "User", "Group"}));
    }
}

void validateBinding(const Json &binding, bool namespaced, FieldErrors &errors)
{
    const Json &roleRef = get(binding, "roleRef");
    const FieldPath refPath("roleRef");
    if (string(get(roleRef, "apiGroup")) != kRbacGroup)
        errors.push_back(FieldError::notSupported(refPath.child("apiGroup").str(),
                                                  string(get(roleRef, "apiGroup")), {kRbacGroup}));
    const std::string kind = string(get(roleRef, "kind"));
    if (namespaced && kind != "Role" && kind != "ClusterRole")
        errors.push_back(
            FieldError::notSupported(refPath.child("kind").str(), kind, {"Role", "ClusterRole"}));
    else if (!namespaced && kind != "ClusterRole")
        errors.push_back(
            FieldError::notSupported(refPath.child("kind").str(), kind, {"ClusterRole"}));
    const std::string name = string(get(roleRef, "name"));
    if (name.empty())
        errors.push_back(FieldError::required(refPath.child("name").str()));
    else
        invalidEach(errors, refPath.child("name"), name, isValidPathSegmentName(name));
    const Json &subjects = items(get(binding, "subjects"));
    for (std::size_t i = 0; i < subjects.size(); ++i)
        validateSubject(subjects[i], namespaced, FieldPath("subjects").index(i), errors);
}

// ---- networking ----

std::vector<std::string> isWildcardDns1123Subdomain(const std::string &host)
{
    if (host.starts_with("*.") && isDns1123Subdomain(host.substr(2)).empty() && host.size() <= 253)
        return {};
    return {"a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS "
            "subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and "
            "end with an alphanumeric character (e.g. '*.example.com', regex used for validation "
            "is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"};
}

void validateIngressBackend(const Json &backend, const FieldPath &path, FieldErrors &errors)
{
    const Json &service = get(backend, "service");
    const bool hasResource = !get(backend, "resource").is_null();
    if (hasResource && !service.is_null()) {
        errors.push_back(
            FieldError::invalid(path.str(), "", "cannot set both resource and service backends"));
        return;
    }
    if (hasResource)
        return;
    if (service.is_null()) {
        errors.push_back(
            FieldError::invalid(path.str(), "", "resource or service backend is required"));
        return;
    }
    const FieldPath servicePath = path.child("service");
    const std::string name = string(get(service, "name"));
    if (name.empty())
        errors.push_back(FieldError::required(servicePath.child("name").str()));
    else
        invalidEach(errors, servicePath.child("name"), name, isDns1035Label(name));
    const std::string portName = string(get(service, {"port", "name"}));
    const auto portNumber = integer(get(service, {"port", "number"}));
    if (!portName.empty() && portNumber != 0)
        errors.push_back(
            FieldError::invalid(path.str(), "", "cannot set both port name & port number"));
    else if (!portName.empty())
        invalidEach(errors, servicePath.child("port").child("name"), portName,
                    isValidPortName(portName));
    else if (portNumber != 0)
        invalidEach(errors, servicePath.child("port").child("number"), portNumber,
                    isValidPortNum(portNumber));
    else
        errors.push_back(FieldError::required(path.str(), "port name or number is required"));
}

void validateIngressPath(const Json &httpPath, const FieldPath &at, FieldErrors &errors)
{
    const Json &pathType = get(httpPath, "pathType");
    if (pathType.is_null()) {
        errors.push_back(
            FieldError::required(at.child("pathType").str(), "pathType must be specified"));
        return;
    }
    const std::string path = string(get(httpPath, "path"));
    const std::string type = string(pathType);
    if (type == "Exact" || type == "Prefix") {
        if (!path.starts_with("/"))
            errors.push_back(
                FieldError::invalid(at.child("path").str(), path, "must be an absolute path"));
        for (const char *sequence : {"//", "/./", "/../", "%2f", "%2F"}) {
            if (path.find(sequence) != std::string::npos)
                errors.push_back(
                    FieldError::invalid(at.child("path").str(), path,
                                        std::string("must not contain '") + sequence + "'"));
        }
        for (const char *suffix : {"/..", "/."}) {
            if (path.ends_with(suffix))
                errors.push_back(FieldError::invalid(
                    at.child("path").str(), path, std::string("cannot end with '") + suffix + "'"));
        }
    } else if (type == "ImplementationSpecific") {
        if (!path.empty() && !path.starts_with("/"))
            errors.push_back(
                FieldError::invalid(at.child("path").str(), path, "must be an absolute path"));
    } else {
        errors.push_back(FieldError::notSupported(at.child("pathType").str(), pathType,
                                                  {"Exact", "ImplementationSpecific", "Prefix"}));
    }
    validateIngressBackend(get(httpPath, "backend"), at.child("backend"), errors);
}

void validateIngressSpec(const Json &spec, FieldErrors &errors)
{
    const Json &rules = items(get(spec, "rules"));
    const Json &defaultBackend = get(spec, "defaultBackend");
    if (rules.empty() && defaultBackend.is_null())
        errors.push_back(
            FieldError::invalid(kSpec.str(), get(spec, "rules"),
                                "either `defaultBackend` or `rules` must be specified"));
    if (!defaultBackend.is_null())
        validateIngressBackend(defaultBackend, kSpec.child("defaultBackend"), errors);
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const FieldPath at = kSpec.child("rules").index(i);
        if (const std::string host = string(get(rules[i], "host")); !host.empty()) {
            const bool wildcard = host.find('*') != std::string::npos;
            invalidEach(errors, at.child("host"), host,
                        wildcard ? isWildcardDns1123Subdomain(host) : isDns1123Subdomain(host));
        }
        const Json &http = get(rules[i], "http");
        if (http.is_null())
            continue;
        const Json &paths = items(get(http, "paths"));
        if (paths.empty())
            errors.push_back(FieldError::required(at.child("http").child("paths").str()));
        for (std::size_t p = 0; p < paths.size(); ++p)
            validateIngressPath(paths[p], at.child("http").child("paths").index(p), errors);
    }
    if (const Json &className = get(spec, "ingressClassName"); className.is_string())
        invalidEach(errors, kSpec.child("ingressClassName"), className,
                    isDns1123Subdomain(string(className)));
}

void validateNetworkPolicyPorts(const Json &ports, const FieldPath &path, FieldErrors &errors)
{
    const Json &list = items(ports);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const FieldPath at = path.index(i);
        const Json &protocol = get(list[i], "protocol");
        if (!protocol.is_null() && !oneOf(string(protocol), {"TCP", "UDP", "SCTP"}))
            errors.push_back(FieldError::notSupported(at.child("protocol").str(), protocol,
                                                      {"TCP", "UDP", "SCTP"}));
        const Json &port = get(list[i], "port");
        if (port.is_number_integer())
            invalidEach(errors, at.child("port"), port, isValidPortNum(integer(port)));
        else if (port.is_string())
            invalidEach(errors, at.child("port"), port, isValidPortName(string(port)));
    }
}

void validateNetworkPolicyPeers(const Json &peers, const FieldPath &path, FieldErrors &errors)
{
    const Json &list = items(peers);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const FieldPath at = path.index(i);
        int count = 0;
        for (const char *selector : {"podSelector", "namespaceSelector"}) {
            if (!get(list[i], selector).is_null()) {
                ++count;
                validateLabelSelector(get(list[i], selector), at.child(selector), errors);
            }
        }
        const bool ipBlock = !get(list[i], "ipBlock").is_null();
        count += ipBlock ? 1 : 0;
        if (count == 0)
            errors.push_back(FieldError::required(at.str(), "must specify a peer"));
        else if (count > 1 && ipBlock)
            errors.push_back(
                FieldError::forbidden(at.str(), "may not specify both ipBlock and another peer"));
    }
}

void validateNetworkPolicySpec(const Json &spec, FieldErrors &errors)
{
    validateLabelSelector(get(spec, "podSelector"), kSpec.child("podSelector"), errors);
    for (const auto &[direction, peers] :
         {std::pair{"ingress", "from"}, std::pair{"egress", "to"}}) {
        const Json &rules = items(get(spec, direction));
        for (std::size_t i = 0; i < rules.size(); ++i) {
            const FieldPath at = kSpec.child(direction).index(i);
            validateNetworkPolicyPorts(get(rules[i], "ports"), at.child("ports"), errors);
            validateNetworkPolicyPeers(get(rules[i], peers), at.child(peers), errors);
        }
    }
    const Json &types = items(get(spec, "policyTypes"));
    if (types.size() > 2) {
        errors.push_back(FieldError::invalid(kSpec.child("policyTypes").str(), types,
                                             "may not specify more than two policyTypes"));
        return;
    }
    for (std::size_t i = 0; i < types.size(); ++i) {
        if (!oneOf(string(types[i]), {"Ingress", "Egress"}))
            errors.push_back(FieldError::notSupported(kSpec.child("policyTypes").index(i).str(),
                                                      types[i], {"Ingress", "Egress"}));
    }
}

// ---- storage ----

void validateClaimSpec(const Json &spec, FieldErrors &errors)
{
    const Json &modes = items(get(spec, "accessModes"));
    if (modes.empty())
        errors.push_back(FieldError::required(kSpec.child("accessModes").str(),
                                              "at least 1 access mode is required"));
    for (const Json &mode : modes) {
        if (!oneOf(string(mode),
                   {"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"}))
            errors.push_back(FieldError::notSupported(
                kSpec.child("accessModes").str(), mode,
                {"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"}));
    }
    if (get(spec, {"resources", "requests", "storage"}).is_null())
        errors.push_back(FieldError::required(kSpec.child("resources").key("storage").str()));
}

} // namespace

void validateOtherKind(const ResourceInfo &resource, const Json &object, const Json &old,
                       FieldErrors &errors)
{
    const bool update = !old.is_null();
    const FieldPath metadata("metadata");
    if (update)
        validateObjectMetaUpdate(get(object, "metadata"), get(old, "metadata"), metadata, errors);
    validateObjectMeta(get(object, "metadata"), resource.namespaced, metadata, errors);

    const std::string &kind = resource.kind;
    const Json &spec = get(object, "spec");
    const Json &oldSpec = get(old, "spec");
    if (kind == "Service") {
        if (update)
            validateServiceUpdate(spec, oldSpec, errors);
        validateServiceSpec(spec, errors);
    } else if (kind == "ConfigMap") {
        if (update)
            validateImmutableData(object, old, {"data", "binaryData"}, errors);
        validateConfigMap(object, errors);
    } else if (kind == "Secret") {
        if (update) {
            validateImmutable(get(object, "type"), get(old, "type"), FieldPath("type"), errors);
            validateImmutableData(object, old, {"data"}, errors);
        }
        validateSecret(object, errors);
    } else if (kind == "Role" || kind == "ClusterRole") {
        validatePolicyRules(get(object, "rules"), resource.namespaced, errors);
    } else if (kind == "RoleBinding" || kind == "ClusterRoleBinding") {
        validateBinding(object, resource.namespaced, errors);
        if (update && semantic(get(object, "roleRef")) != semantic(get(old, "roleRef")))
            errors.push_back(
                FieldError::invalid("roleRef", get(object, "roleRef"), "cannot change roleRef"));
    } else if (kind == "Ingress") {
        validateIngressSpec(spec, errors);
    } else if (kind == "NetworkPolicy") {
        validateNetworkPolicySpec(spec, errors);
    } else if (kind == "PersistentVolumeClaim") {
        validateClaimSpec(spec, errors);
    }
}

} // namespace flowlab::kube::admission
