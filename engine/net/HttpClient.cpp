#include "engine/net/HttpClient.h"

#include <algorithm>
#include <curl/curl.h>
#include <memory>
#include <mutex>
#include <strings.h>

namespace flowlab {

namespace {

void initCurlOnce()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t appendBody(char *data, size_t size, size_t count, void *user)
{
    static_cast<std::string *>(user)->append(data, size * count);
    return size * count;
}

size_t collectHeader(char *data, size_t size, size_t count, void *user)
{
    auto *response = static_cast<HttpResponse *>(user);
    std::string line(data, size * count);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.pop_back();
    if (line.rfind("HTTP/", 0) == 0) {
        // A new status line (after a 100 Continue or a redirect) starts a new header set.
        response->statusLine = line;
        response->headers.clear();
    } else if (const auto colon = line.find(':'); colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        response->headers.emplace_back(line.substr(0, colon), value);
    }
    return size * count;
}

} // namespace

std::string HttpResponse::header(const std::string &name) const
{
    for (const auto &[key, value] : headers)
        if (strcasecmp(key.c_str(), name.c_str()) == 0)
            return value;
    return {};
}

Result<HttpResponse> httpRequest(const HttpRequest &request)
{
    initCurlOnce();
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl)
        return Error("curl_easy_init failed");
    CURL *h = curl.get();
    HttpResponse response;
    char errorBuffer[CURL_ERROR_SIZE] = {};

    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    // HTTP only: a URL from a lesson file must not read the host's files (file://) or
    // reach anything but a web server.
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "HEAD")
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    if (!request.unixSocket.empty())
        curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, request.unixSocket.c_str());
    // Lab traffic only: never through a proxy from the environment, never a signal-based
    // resolver timeout (we may run on any thread).
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, long(request.timeoutMs));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, long(std::min(request.timeoutMs, 5000)));
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorBuffer);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, appendBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, collectHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &response);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "flowlab/0.1");
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.size()));
    }
    curl_slist *headerList = nullptr;
    for (const auto &[key, value] : request.headers)
        headerList = curl_slist_append(headerList, (key + ": " + value).c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(headerList,
                                                                        curl_slist_free_all);
    if (headerList)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headerList);

    const CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK)
        return Error(request.method + " " + request.url + ": " +
                     (errorBuffer[0] ? errorBuffer : curl_easy_strerror(rc)));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
    char *ip = nullptr;
    if (curl_easy_getinfo(h, CURLINFO_LOCAL_IP, &ip) == CURLE_OK && ip)
        response.localAddress = ip;
    if (curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip)
        response.remoteAddress = ip;
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &response.seconds);
    return response;
}

} // namespace flowlab
