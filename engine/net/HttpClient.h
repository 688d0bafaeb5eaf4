#pragma once

// A small blocking HTTP/1.1 client over libcurl, for the engine's own requests: readiness
// probes, `flowlab-cli curl` from a lab namespace, the Docker API over its unix socket.
// It runs in the calling thread (no resolver threads, no proxies), so a caller that has
// joined a lab network namespace with runInNetns makes its requests from inside the lab.

#include "tracer/base/Result.h"

#include <string>
#include <utility>
#include <vector>

namespace flowlab {

struct HttpRequest
{
    std::string method = "GET";
    std::string url;        // only IP literals or "localhost" with a unix socket
    std::string unixSocket; // when set, the request goes over this socket
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    int timeoutMs = 10'000;
};

struct HttpResponse
{
    long status = 0;
    std::string statusLine; // "HTTP/1.1 200 OK"
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string localAddress; // the address the request left from, e.g. 192.168.56.2
    std::string remoteAddress;
    double seconds = 0;

    std::string header(const std::string &name) const; // case-insensitive, "" when absent
};

Result<HttpResponse> httpRequest(const HttpRequest &request);

} // namespace flowlab
