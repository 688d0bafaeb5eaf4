#include "engine/images/RegistryClient.h"

#include "engine/images/Digest.h"
#include "engine/images/LayerBuilder.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>
#include <cstring>
#include <curl/curl.h>
#include <mutex>
#include <nlohmann/json.hpp>

namespace flowlab {

namespace {

// The response body is only read for error messages and small JSON; a misbehaving server must
// not make us buffer a whole blob.
constexpr std::size_t kMaxBody = 1024 * 1024;

struct CurlUrl
{
    CURLU *handle = curl_url();
    ~CurlUrl() { curl_url_cleanup(handle); }

    std::string get(CURLUPart part) const
    {
        char *text = nullptr;
        if (curl_url_get(handle, part, &text, 0) != CURLUE_OK || !text)
            return {};
        std::string out(text);
        curl_free(text);
        return out;
    }
};

bool isIpLiteral(std::string host)
{
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    unsigned char address[16];
    return inet_pton(AF_INET, host.c_str(), address) == 1 ||
           inet_pton(AF_INET6, host.c_str(), address) == 1;
}

// "MANIFEST_INVALID: manifest invalid" from the registry's {"errors": [...]}, or the start of a
// body that is not one.
std::string registryMessage(const std::string &body)
{
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_object() && json.contains("errors") && json["errors"].is_array()) {
        std::string out;
        for (const auto &error : json["errors"]) {
            if (!out.empty())
                out += "; ";
            out += error.value("code", std::string("?")) + ": " +
                   error.value("message", std::string());
        }
        if (!out.empty())
            return out;
    }
    std::string text = body.substr(0, 200);
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text.empty() ? "(empty body)" : text;
}

std::string shortDigest(const std::string &digest)
{
    return digest.substr(0, std::string_view("sha256:").size() + 12) + "…";
}

size_t collectBody(char *data, size_t size, size_t count, void *userdata)
{
    auto *body = static_cast<std::string *>(userdata);
    const size_t length = size * count;
    body->append(data, std::min(length, kMaxBody - std::min(kMaxBody, body->size())));
    return length;
}

size_t collectHeader(char *data, size_t size, size_t count, void *userdata)
{
    auto *headers = static_cast<std::map<std::string, std::string> *>(userdata);
    const size_t length = size * count;
    std::string line(data, length);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.pop_back();
    // A new status line (after "100 Continue") starts a new set of headers.
    if (line.starts_with("HTTP/")) {
        headers->clear();
        return length;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos)
        return length;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto valueStart = line.find_first_not_of(" \t", colon + 1);
    (*headers)[name] = valueStart == std::string::npos ? std::string() : line.substr(valueStart);
    return length;
}

} // namespace

struct RegistryClient::CurlHandle
{
    CURL *curl = nullptr;
    ~CurlHandle()
    {
        if (curl)
            curl_easy_cleanup(curl);
    }
};

// A request body: a blob file or bytes in memory (the manifest).
struct RegistryClient::Upload
{
    std::FILE *file = nullptr;
    std::string_view bytes;
    std::uint64_t size = 0;
    std::size_t offset = 0;

    static size_t read(char *buffer, size_t size, size_t count, void *userdata)
    {
        auto *upload = static_cast<Upload *>(userdata);
        const size_t capacity = size * count;
        if (upload->file) {
            const size_t n = std::fread(buffer, 1, capacity, upload->file);
            return (n == 0 && std::ferror(upload->file)) ? CURL_READFUNC_ABORT : n;
        }
        const size_t n = std::min(capacity, upload->bytes.size() - upload->offset);
        std::memcpy(buffer, upload->bytes.data() + upload->offset, n);
        upload->offset += n;
        return n;
    }
};

Result<RegistryClient> RegistryClient::create(const std::string &baseUrl,
                                              RegistryClientOptions options)
{
    static std::once_flag curlInit;
    std::call_once(curlInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

    const std::string what = "registry URL \"" + baseUrl + "\"";
    CurlUrl url;
    if (curl_url_set(url.handle, CURLUPART_URL, baseUrl.c_str(), 0) != CURLUE_OK)
        return Error(what + ": not a URL");
    const std::string scheme = url.get(CURLUPART_SCHEME);
    const std::string host = url.get(CURLUPART_HOST);
    const std::string port = url.get(CURLUPART_PORT);
    const std::string path = url.get(CURLUPART_PATH);
    if (scheme != "http" && scheme != "https")
        return Error(what + ": scheme must be http or https");
    if (!isIpLiteral(host))
        return Error(what + ": host must be an IP address (no DNS inside lab namespaces)");
    if (!path.empty() && path != "/")
        return Error(what + ": must not have a path; the client adds /v2/");
    return RegistryClient(scheme + "://" + host + (port.empty() ? "" : ":" + port), options);
}

RegistryClient::RegistryClient(std::string baseUrl, RegistryClientOptions options)
    : m_baseUrl(std::move(baseUrl))
    , m_options(options)
    , m_curl(std::make_unique<CurlHandle>())
{
    m_curl->curl = curl_easy_init();
}

RegistryClient::RegistryClient(RegistryClient &&) noexcept = default;
RegistryClient &RegistryClient::operator=(RegistryClient &&) noexcept = default;
RegistryClient::~RegistryClient() = default;

Result<RegistryClient::Response> RegistryClient::perform(const std::string &method,
                                                         const std::string &url,
                                                         const std::vector<std::string> &headers,
                                                         Upload *upload)
{
    const std::string what = method + " " + url;
    CURL *curl = m_curl->curl;
    if (!curl)
        return Error(what + ": curl_easy_init failed");
    // reset() keeps the open connection, so a push is one TCP connection, not one per request.
    curl_easy_reset(curl);

    Response response;
    char errorBuffer[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorBuffer);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, m_options.connectTimeoutMs);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, m_options.stallTimeoutSeconds);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collectBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collectHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);

    if (method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (method == "POST") {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
    } else if (method == "PUT") {
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, Upload::read);
        curl_easy_setopt(curl, CURLOPT_READDATA, upload);
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                         static_cast<curl_off_t>(upload ? upload->size : 0));
    }

    // "Expect:" turns off 100-continue, which would stall each upload by a second on servers
    // that do not answer it.
    struct curl_slist *headerList = curl_slist_append(nullptr, "Expect:");
    for (const std::string &header : headers)
        headerList = curl_slist_append(headerList, header.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headerList);
    const CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(headerList);
    if (code != CURLE_OK)
        return Error(what + ": " + (errorBuffer[0] ? errorBuffer : curl_easy_strerror(code)));
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
}

Result<std::string> RegistryClient::ping()
{
    const std::string url = m_baseUrl + "/v2/";
    auto response = perform("GET", url);
    if (!response)
        return response.error();
    if (response->status != 200)
        return Error("GET " + url + ": HTTP " + std::to_string(response->status) + ": " +
                     registryMessage(response->body));
    const auto version = response->headers.find("docker-distribution-api-version");
    return version == response->headers.end() ? std::string() : version->second;
}

Result<bool> RegistryClient::hasManifest(const std::string &repository, const std::string &tag)
{
    const std::string url = m_baseUrl + "/v2/" + repository + "/manifests/" + tag;
    // Without this Accept, a registry may answer with (or convert to) a schema 1 manifest.
    auto response = perform("HEAD", url, {std::string("Accept: ") + kManifestMediaType});
    if (!response)
        return response.error();
    if (response->status == 200 || response->status == 404)
        return response->status == 200;
    return Error("HEAD " + url + ": HTTP " + std::to_string(response->status));
}

Result<bool> RegistryClient::hasBlob(const std::string &repository, const std::string &digest)
{
    const std::string url = m_baseUrl + "/v2/" + repository + "/blobs/" + digest;
    auto response = perform("HEAD", url);
    if (!response)
        return response.error();
    if (response->status == 200 || response->status == 404)
        return response->status == 200;
    return Error("HEAD " + url + ": HTTP " + std::to_string(response->status));
}

Status RegistryClient::uploadBlob(const BuiltImage &image, const std::string &digest,
                                  std::uint64_t size)
{
    const std::string startUrl = m_baseUrl + "/v2/" + image.repository + "/blobs/uploads/";
    auto started = perform("POST", startUrl);
    if (!started)
        return started.error();
    if (started->status != 202)
        return Error("POST " + startUrl + ": HTTP " + std::to_string(started->status) + ": " +
                     registryMessage(started->body));
    const auto location = started->headers.find("location");
    if (location == started->headers.end() || location->second.empty())
        return Error("POST " + startUrl + ": HTTP 202 without a Location header");

    // The Location may be relative and usually carries upload state in its query, so the digest
    // is appended with & rather than ?.
    CurlUrl url;
    if (curl_url_set(url.handle, CURLUPART_URL, startUrl.c_str(), 0) != CURLUE_OK ||
        curl_url_set(url.handle, CURLUPART_URL, location->second.c_str(), 0) != CURLUE_OK ||
        curl_url_set(url.handle, CURLUPART_QUERY, ("digest=" + digest).c_str(),
                     CURLU_APPENDQUERY) != CURLUE_OK)
        return Error("POST " + startUrl + ": unusable Location \"" + location->second + "\"");
    if (!isIpLiteral(url.get(CURLUPART_HOST)))
        return Error("POST " + startUrl + ": Location \"" + location->second +
                     "\" names a host that is not an IP address");
    const std::string putUrl = url.get(CURLUPART_URL);

    const std::filesystem::path path = image.blobPath(digest);
    Upload upload;
    upload.file = std::fopen(path.c_str(), "rbe");
    if (!upload.file)
        return Error::fromErrno("open " + path.string());
    upload.size = size;
    auto stored = perform("PUT", putUrl, {"Content-Type: application/octet-stream"}, &upload);
    std::fclose(upload.file);
    if (!stored)
        return stored.error();
    if (stored->status != 201)
        return Error("PUT " + putUrl + ": HTTP " + std::to_string(stored->status) + ": " +
                     registryMessage(stored->body));
    const auto echoed = stored->headers.find("docker-content-digest");
    if (echoed != stored->headers.end() && echoed->second != digest)
        return Error("PUT " + putUrl + ": registry stored " + echoed->second + ", expected " +
                     digest);
    return success();
}

Result<PushReport> RegistryClient::push(const BuiltImage &image, const ProgressFn &progress)
{
    auto report = [&](const std::string &line) {
        if (progress)
            progress(line);
    };
    PushReport result;
    result.reference = m_baseUrl.substr(m_baseUrl.find("://") + 3) + "/" + image.reference();
    const std::string what = "pushing " + image.reference() + " to " + m_baseUrl;
    report(what);

    struct Blob
    {
        std::string label;
        std::string digest;
        std::uint64_t size;
    };
    std::vector<Blob> blobs;
    for (std::size_t i = 0; i < image.layers.size(); ++i)
        blobs.push_back({"layer " + std::to_string(i + 1) + "/" +
                             std::to_string(image.layers.size()) + " (" + image.layers[i].comment +
                             ")",
                         image.layers[i].digest, image.layers[i].size});
    blobs.push_back({"config", image.configDigest, image.configSize});

    for (const Blob &blob : blobs) {
        auto exists = hasBlob(image.repository, blob.digest);
        if (!exists)
            return exists.error().withContext(what);
        if (*exists) {
            ++result.blobsSkipped;
            report(blob.label + ": " + shortDigest(blob.digest) + " already present, skipped");
            continue;
        }
        if (auto ok = uploadBlob(image, blob.digest, blob.size); !ok)
            return ok.error().withContext(what);
        ++result.blobsUploaded;
        report(blob.label + ": pushed " + humanSize(blob.size) + " " + shortDigest(blob.digest));
    }

    const std::string url = m_baseUrl + "/v2/" + image.repository + "/manifests/" + image.tag;
    Upload upload;
    upload.bytes = image.manifest;
    upload.size = image.manifest.size();
    auto stored =
        perform("PUT", url, {std::string("Content-Type: ") + kManifestMediaType}, &upload);
    if (!stored)
        return stored.error().withContext(what);
    if (stored->status != 201)
        return Error("PUT " + url + ": HTTP " + std::to_string(stored->status) + ": " +
                     registryMessage(stored->body))
            .withContext(what);
    const auto digest = stored->headers.find("docker-content-digest");
    if (digest == stored->headers.end())
        return Error("PUT " + url + ": no Docker-Content-Digest in the response").withContext(what);
    if (digest->second != image.manifestDigest)
        return Error("PUT " + url + ": registry computed manifest digest " + digest->second +
                     ", expected " + image.manifestDigest)
            .withContext(what);
    result.manifestDigest = digest->second;
    report(result.reference + ": manifest " + result.manifestDigest);
    return result;
}

} // namespace flowlab
