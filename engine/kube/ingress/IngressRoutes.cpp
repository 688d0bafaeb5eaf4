#include "engine/kube/ingress/IngressRoutes.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace flowlab::kube::ingress {

namespace {

std::string stringAt(const Json &object, const Json::json_pointer &pointer)
{
    if (!object.contains(pointer))
        return {};
    const Json &value = object.at(pointer);
    return value.is_string() ? value.get<std::string>() : std::string();
}

std::string keyOf(const Json &object)
{
    return stringAt(object, "/metadata/namespace"_json_pointer) + "/" +
           stringAt(object, "/metadata/name"_json_pointer);
}

const Json *findService(const std::vector<Json> &services, const std::string &ns,
                        const std::string &name)
{
    for (const Json &service : services)
        if (stringAt(service, "/metadata/namespace"_json_pointer) == ns &&
            stringAt(service, "/metadata/name"_json_pointer) == name)
            return &service;
    return nullptr;
}

// The route's Service and port from an IngressBackend ({service: {name, port: {number|name}}}).
void resolveBackend(const Json &backend, const std::string &ns, const std::vector<Json> &services,
                    IngressRoute &route)
{
    route.serviceNamespace = ns;
    const Json service = backend.value("service", Json::object());
    route.serviceName = service.value("name", "");
    if (route.serviceName.empty()) {
        route.unresolved = "the backend names no Service (resource backends are not served)";
        return;
    }
    const Json port = service.value("port", Json::object());
    if (port.contains("number") && port["number"].is_number_integer()) {
        route.servicePort = port["number"].get<int>();
        return;
    }
    const std::string portName = port.value("name", "");
    const Json *found = findService(services, ns, route.serviceName);
    if (!found) {
        route.unresolved = "Service " + ns + "/" + route.serviceName + " does not exist";
        return;
    }
    for (const Json &p : found->value("spec", Json::object()).value("ports", Json::array()))
        if (p.value("name", "") == portName && p.contains("port") && p["port"].is_number())
            route.servicePort = p["port"].get<int>();
    if (route.servicePort == 0)
        route.unresolved =
            "Service " + ns + "/" + route.serviceName + " has no port named \"" + portName + "\"";
}

bool servedBy(const Json &ingress, const std::string &ingressClass)
{
    const std::string wanted =
        ingress.value("spec", Json::object()).value("ingressClassName", std::string());
    if (!wanted.empty())
        return wanted == ingressClass;
    // The annotation that predates ingressClassName.
    const std::string annotated =
        stringAt(ingress, "/metadata/annotations/kubernetes.io~1ingress.class"_json_pointer);
    return annotated.empty() || annotated == ingressClass;
}

} // namespace

std::string IngressRoute::serviceHost(const std::string &clusterDomain) const
{
    return serviceName + "." + serviceNamespace + ".svc." + clusterDomain;
}

std::string IngressRoute::backendText() const
{
    if (!unresolved.empty())
        return unresolved;
    return serviceName + ":" + std::to_string(servicePort);
}

Json IngressRoute::toJson() const
{
    Json j = {{"host", host},
              {"path", path},
              {"pathType", match == PathMatch::Exact ? "Exact" : "Prefix"},
              {"ingress", ingress},
              {"service", serviceNamespace + "/" + serviceName},
              {"port", servicePort}};
    if (!unresolved.empty())
        j["unresolved"] = unresolved;
    return j;
}

std::vector<IngressRoute> routesOf(const std::vector<Json> &ingressObjects,
                                   const std::vector<Json> &services,
                                   const std::string &ingressClass)
{
    std::vector<const Json *> ingresses;
    for (const Json &ingress : ingressObjects)
        if (ingress.is_object() && servedBy(ingress, ingressClass))
            ingresses.push_back(&ingress);
    std::sort(ingresses.begin(), ingresses.end(),
              [](const Json *a, const Json *b) { return keyOf(*a) < keyOf(*b); });

    std::vector<IngressRoute> routes;
    std::set<std::tuple<std::string, std::string, PathMatch>> claimed;
    auto add = [&](IngressRoute route) {
        if (claimed.insert({route.host, route.path, route.match}).second)
            routes.push_back(std::move(route));
    };
    for (const Json *ingress : ingresses) {
        const std::string key = keyOf(*ingress);
        const std::string ns = stringAt(*ingress, "/metadata/namespace"_json_pointer);
        const Json spec = ingress->value("spec", Json::object());
        for (const Json &rule : spec.value("rules", Json::array())) {
            const std::string host = rule.value("host", "");
            const Json http = rule.value("http", Json::object());
            for (const Json &path : http.value("paths", Json::array())) {
                IngressRoute route;
                route.host = host;
                route.path = path.value("path", "/");
                if (route.path.empty() || route.path.front() != '/')
                    route.path = "/" + route.path;
                route.match = path.value("pathType", "Prefix") == "Exact" ? PathMatch::Exact
                                                                          : PathMatch::Prefix;
                // A Prefix path's trailing slash does not change what it matches.
                if (route.match == PathMatch::Prefix && route.path.size() > 1 &&
                    route.path.back() == '/')
                    route.path.pop_back();
                route.ingress = key;
                resolveBackend(path.value("backend", Json::object()), ns, services, route);
                add(std::move(route));
            }
        }
        if (spec.contains("defaultBackend")) {
            IngressRoute route;
            route.ingress = key;
            route.path = "/";
            resolveBackend(spec["defaultBackend"], ns, services, route);
            add(std::move(route));
        }
    }
    std::stable_sort(routes.begin(), routes.end(),
                     [](const IngressRoute &a, const IngressRoute &b) {
                         if (a.host != b.host)
                             return a.host < b.host;
                         if (a.match != b.match)
                             return a.match == PathMatch::Exact;
                         return a.path.size() > b.path.size();
                     });
    return routes;
}

} // namespace flowlab::kube::ingress
