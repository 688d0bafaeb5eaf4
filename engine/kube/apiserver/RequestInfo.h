#pragma once

// What a request asks for, read off its method and path as the real apiserver's
// RequestInfoFactory reads it:
//   GET    /api/v1/namespaces/default/pods            list pods in default
//   GET    /api/v1/namespaces/default/pods?watch=1    watch them
//   PATCH  /apis/apps/v1/namespaces/default/deployments/web/scale
//   DELETE /api/v1/namespaces/web                      delete namespace web
// Anything else (/api, /apis/apps/v1, /version, /openapi/v3) is a non-resource request.

#include <map>
#include <string>
#include <vector>

namespace flowlab::kube {

struct RequestInfo
{
    bool isResourceRequest = false;
    std::string path;
    // get, list, watch, create, update, patch, delete, deletecollection; for non-resource
    // requests the lower-cased HTTP method.
    std::string verb;
    std::string group;
    std::string version;
    std::string ns; // the namespace in the path, "" for cluster scope or all namespaces
    std::string resource;
    std::string name;
    std::string subresource;
};

// `query` is the decoded query string (watch=1 makes a GET a watch).
RequestInfo parseRequestInfo(const std::string &method, const std::string &path,
                             const std::multimap<std::string, std::string> &query);

} // namespace flowlab::kube
