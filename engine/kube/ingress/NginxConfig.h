#pragma once

// The nginx configuration that serves a route table (IngressRoutes.h), as ingress-nginx does:
// one server per host, a default server for requests no host matches, a location per path.
// Each location proxies to its Service by the Service's cluster DNS name, through a variable,
// so that nginx resolves the name at request time with the cluster DNS (resolver 10.43.0.10)
// and connects to the ClusterIP it gets back: the path seed 004 describes, where kube-proxy's
// DNAT then picks the pod. Every request is logged as one JSON line naming the Ingress, the
// route and the upstream address, which the controller turns into evidence.

#include "engine/kube/ingress/IngressRoutes.h"

#include <string>
#include <vector>

namespace flowlab::kube::ingress {

struct NginxSettings
{
    std::string listenAddress = "0.0.0.0"; // the node's address (host network)
    int port = 80;
    std::string resolver = "10.43.0.10"; // the cluster DNS, ADDR or ADDR:PORT
    std::string clusterDomain = "cluster.local";
    std::string stateDir; // pid file, logs, temp files: nginx writes only here
    std::string accessLog() const { return stateDir + "/access.log"; }
    std::string errorLog() const { return stateDir + "/error.log"; }
    std::string pidFile() const { return stateDir + "/nginx.pid"; }
    std::string configPath() const { return stateDir + "/nginx.conf"; }
};

struct RenderedConfig
{
    std::string text;
    int servers = 0; // hosts, plus the default server
    int locations = 0;
    // Routes left out, with why (a path or host nginx cannot be given safely).
    std::vector<std::string> skipped;
};

RenderedConfig renderNginxConfig(const std::vector<IngressRoute> &routes,
                                 const NginxSettings &settings);

} // namespace flowlab::kube::ingress
