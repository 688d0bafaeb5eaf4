#include "engine/kube/apiserver/RequestInfo.h"

#include <algorithm>
#include <cctype>

namespace flowlab::kube {

namespace {

std::vector<std::string> splitPath(const std::string &path)
{
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start < path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos)
            end = path.size();
        if (end > start)
            parts.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

bool isTrue(const std::multimap<std::string, std::string> &query, const std::string &key)
{
    const auto found = query.find(key);
    return found != query.end() && (found->second == "1" || found->second == "true");
}

} // namespace

RequestInfo parseRequestInfo(const std::string &method, const std::string &path,
                             const std::multimap<std::string, std::string> &query)
{
    RequestInfo info;
    info.path = path;
    info.verb = method;
    std::transform(info.verb.begin(), info.verb.end(), info.verb.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });

    std::vector<std::string> parts = splitPath(path);
    std::size_t at = 0;
    if (parts.empty() || (parts[0] != "api" && parts[0] != "apis"))
        return info;
    if (parts[0] == "api") {
        if (parts.size() < 3) // /api, /api/v1: discovery
            return info;
        info.version = parts[1];
        at = 2;
    } else {
        if (parts.size() < 4) // /apis, /apis/apps, /apis/apps/v1: discovery
            return info;
        info.group = parts[1];
        info.version = parts[2];
        at = 3;
    }
    info.isResourceRequest = true;

    bool watchPrefix = false;
    if (parts[at] == "watch") { // the deprecated /watch/ form
        watchPrefix = true;
        ++at;
    }
    std::vector<std::string> rest(parts.begin() + long(at), parts.end());
    // namespaces/NS/RESOURCE/... is a resource in NS, unless what follows the name is one of
    // the namespace's own subresources (namespaces/NS/finalize, namespaces/NS/status).
    if (rest.size() > 2 && rest[0] == "namespaces" && rest[2] != "finalize" &&
        rest[2] != "status") {
        info.ns = rest[1];
        rest.erase(rest.begin(), rest.begin() + 2);
    }
    if (!rest.empty())
        info.resource = rest[0];
    if (rest.size() >= 2)
        info.name = rest[1];
    if (rest.size() >= 3)
        info.subresource = rest[2];

    const std::string method_ = info.verb;
    if (method_ == "get" || method_ == "head")
        info.verb = watchPrefix || isTrue(query, "watch") ? "watch"
                    : info.name.empty()                   ? "list"
                                                          : "get";
    else if (method_ == "post")
        info.verb = "create";
    else if (method_ == "put")
        info.verb = "update";
    else if (method_ == "patch")
        info.verb = "patch";
    else if (method_ == "delete")
        info.verb = info.name.empty() ? "deletecollection" : "delete";
    return info;
}

} // namespace flowlab::kube
