#include "engine/kube/ingress/NginxConfig.h"

#include <algorithm>
#include <map>
#include <set>

namespace flowlab::kube::ingress {

namespace {

// Paths and hosts go into the configuration verbatim: only characters that need no quoting
// in nginx (no spaces, quotes, braces, semicolons or `$`) are accepted.
bool safePath(const std::string &path)
{
    return std::all_of(path.begin(), path.end(), [](unsigned char c) {
        return std::isalnum(c) ||
               std::string_view("/._~%-+:@!,=").find(char(c)) != std::string_view::npos;
    });
}

bool safeHost(const std::string &host)
{
    return !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '-' || c == '*';
    });
}

std::string quoted(const std::string &text)
{
    // Values here are Kubernetes names, safe paths and fixed text: no quote or `$` inside.
    return "\"" + text + "\"";
}

std::string routeText(const IngressRoute &route)
{
    return (route.host.empty() ? std::string("*") : route.host) + route.path + " (" +
           (route.match == PathMatch::Exact ? "Exact" : "Prefix") + ")";
}

void locationBody(std::string &out, const IngressRoute &route, const NginxSettings &settings)
{
    out += "      set $flowlab_ingress " + quoted(route.ingress) + ";\n";
    out += "      set $flowlab_route " + quoted(routeText(route)) + ";\n";
    if (!route.unresolved.empty()) {
        out += "      set $flowlab_backend " + quoted("unresolved") + ";\n";
        out += "      return 503 " + quoted(route.unresolved + "\\n") + ";\n";
        return;
    }
    out += "      set $flowlab_backend " + quoted(route.backendText()) + ";\n";
    out +=
        "      set $flowlab_upstream " + quoted(route.serviceHost(settings.clusterDomain)) + ";\n";
    out += "      proxy_pass http://$flowlab_upstream:" + std::to_string(route.servicePort) + ";\n";
}

void location(std::string &out, const std::string &matcher, const IngressRoute &route,
              const NginxSettings &settings, int &count)
{
    out += "    location " + matcher + " {\n";
    locationBody(out, route, settings);
    out += "    }\n";
    ++count;
}

} // namespace

RenderedConfig renderNginxConfig(const std::vector<IngressRoute> &routes,
                                 const NginxSettings &settings)
{
    RenderedConfig rendered;
    std::map<std::string, std::vector<const IngressRoute *>> byHost;
    byHost[""]; // the default server is always there
    for (const IngressRoute &route : routes) {
        if (!safePath(route.path)) {
            rendered.skipped.push_back(route.ingress + ": path \"" + route.path +
                                       "\" has characters this controller does not serve");
            continue;
        }
        if (!route.host.empty() && !safeHost(route.host)) {
            rendered.skipped.push_back(route.ingress + ": host \"" + route.host +
                                       "\" is not a DNS name");
            continue;
        }
        byHost[route.host].push_back(&route);
    }

    const std::string listen = settings.listenAddress + ":" + std::to_string(settings.port);
    std::string &out = rendered.text;
    out += "# Written by flowlab-ingress-controller from the cluster's Ingress objects. Do not "
           "edit.\n";
    out += "daemon off;\nmaster_process on;\nworker_processes 1;\n";
    out += "pid " + settings.pidFile() + ";\n";
    out += "error_log " + settings.errorLog() + " warn;\n";
    out += "events {\n  worker_connections 512;\n}\n";
    out += "http {\n";
    out += "  log_format flowlab escape=json '{\"msec\":\"$msec\",\"remote\":\"$remote_addr\","
           "\"host\":\"$host\",\"method\":\"$request_method\",\"uri\":\"$request_uri\","
           "\"status\":\"$status\",\"ingress\":\"$flowlab_ingress\",\"route\":"
           "\"$flowlab_route\",\"backend\":\"$flowlab_backend\",\"upstream\":"
           "\"$upstream_addr\",\"upstream_status\":\"$upstream_status\","
           "\"request_time\":\"$request_time\"}';\n";
    out += "  access_log " + settings.accessLog() + " flowlab;\n";
    for (const char *temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
        out +=
            std::string("  ") + temp + "_temp_path " + settings.stateDir + "/tmp/" + temp + ";\n";
    // Names are resolved per request by the cluster DNS, as ingress-nginx's upstreams are
    // kept current; a short cache, like the DNS server's TTL.
    out += "  resolver " + settings.resolver + " valid=5s ipv6=off;\n";
    out += "  resolver_timeout 2s;\n";
    out += "  proxy_connect_timeout 3s;\n  proxy_http_version 1.1;\n";
    out += "  proxy_set_header Host $host;\n";
    out += "  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n";
    out += "  server_tokens off;\n";

    for (const auto &[host, hostRoutes] : byHost) {
        out += "  server {\n";
        out += "    listen " + listen + (host.empty() ? " default_server" : "") + ";\n";
        out += "    server_name " + (host.empty() ? std::string("_") : host) + ";\n";
        out += "    set $flowlab_ingress \"\";\n    set $flowlab_route \"\";\n";
        out += "    set $flowlab_backend \"\";\n";
        ++rendered.servers;
        std::set<std::string> exact;
        bool root = false;
        for (const IngressRoute *route : hostRoutes)
            if (route->match == PathMatch::Exact) {
                exact.insert(route->path);
                location(out, "= " + route->path, *route, settings, rendered.locations);
            }
        for (const IngressRoute *route : hostRoutes) {
            if (route->match != PathMatch::Prefix)
                continue;
            if (route->path == "/") {
                root = true;
                location(out, "/", *route, settings, rendered.locations);
                continue;
            }
            // Element-wise prefix: the path itself, and everything under it.
            if (!exact.count(route->path))
                location(out, "= " + route->path, *route, settings, rendered.locations);
            location(out, route->path + "/", *route, settings, rendered.locations);
        }
        if (!root) {
            out += "    location / {\n      return 404 \"no Ingress rule matches this host and "
                   "path\\n\";\n    }\n";
        }
        out += "  }\n";
    }
    out += "}\n";
    return rendered;
}

} // namespace flowlab::kube::ingress
