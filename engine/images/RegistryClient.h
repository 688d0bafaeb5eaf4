#pragma once

// Pushes built images to a Docker registry with the registry HTTP API v2.

#include "engine/images/ImageBuilder.h"
#include "tracer/base/Result.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace flowlab {

struct RegistryClientOptions
{
    long connectTimeoutMs = 5000;
    // A transfer slower than one byte per second for this long is abandoned. There is no total
    // timeout: a large layer over a slow lab link is not a failure.
    long stallTimeoutSeconds = 30;
};

struct PushReport
{
    std::string reference; // "192.168.56.5:5000/library/nginx:latest"
    std::string manifestDigest;
    int blobsUploaded = 0;
    int blobsSkipped = 0; // already in the registry
};

// A registry at an IP address, e.g. "http://192.168.56.5:5000".
//
// Every request runs in the calling thread on a libcurl easy handle: the caller may have entered
// a lab network namespace with setns(), which only affects its own thread. For the same reason
// the host must be an IP literal (a name would need a resolver thread and the host's DNS), and
// proxies from the environment are ignored. A client keeps its connection open between requests,
// so create it in the namespace it is used in.
class RegistryClient
{
public:
    // Fails unless `baseUrl` is http(s)://<IPv4 or [IPv6]>[:port] without a path.
    static Result<RegistryClient> create(const std::string &baseUrl,
                                         RegistryClientOptions options = {});

    RegistryClient(RegistryClient &&) noexcept;
    RegistryClient &operator=(RegistryClient &&) noexcept;
    ~RegistryClient();

    const std::string &baseUrl() const { return m_baseUrl; }

    // GET /v2/: the registry's Docker-Distribution-API-Version ("registry/2.0"), empty if it sends
    // none.
    Result<std::string> ping();

    // HEAD /v2/<repository>/manifests/<tag>.
    Result<bool> hasManifest(const std::string &repository, const std::string &tag);

    // HEAD /v2/<repository>/blobs/<digest>.
    Result<bool> hasBlob(const std::string &repository, const std::string &digest);

    // Uploads the layers and the config that the registry lacks (monolithic POST + PUT), then
    // PUTs the manifest under the image's tag and checks the digest the registry computed.
    Result<PushReport> push(const BuiltImage &image, const ProgressFn &progress = {});

private:
    struct Response
    {
        long status = 0;
        std::map<std::string, std::string> headers; // names in lower case
        std::string body;
    };
    struct Upload;

    RegistryClient(std::string baseUrl, RegistryClientOptions options);
    Result<Response> perform(const std::string &method, const std::string &url,
                             const std::vector<std::string> &headers = {},
                             Upload *upload = nullptr);
    Status uploadBlob(const BuiltImage &image, const std::string &digest, std::uint64_t size);

    std::string m_baseUrl;
    RegistryClientOptions m_options;
    struct CurlHandle;
    std::unique_ptr<CurlHandle> m_curl;
};

} // namespace flowlab
