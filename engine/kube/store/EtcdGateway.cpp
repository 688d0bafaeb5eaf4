#include "engine/kube/store/EtcdGateway.h"

#include <mutex>
#include <openssl/evp.h>
#include <stdexcept>

namespace flowlab::kube::etcd {

std::string base64(std::string_view bytes)
{
    std::string text(4 * ((bytes.size() + 2) / 3), '\0');
    // EVP_EncodeBlock writes a terminating NUL after the text: give it room, then drop it.
    text.resize(text.size() + 1);
    const int written =
        EVP_EncodeBlock(reinterpret_cast<unsigned char *>(text.data()),
                        reinterpret_cast<const unsigned char *>(bytes.data()), int(bytes.size()));
    text.resize(std::size_t(written));
    return text;
}

std::string unbase64(std::string_view text)
{
    if (text.size() % 4 != 0)
        throw std::runtime_error("base64 of " + std::to_string(text.size()) +
                                 " characters, not a multiple of 4");
    std::string bytes(text.size() / 4 * 3 + 1, '\0');
    const int decoded =
        EVP_DecodeBlock(reinterpret_cast<unsigned char *>(bytes.data()),
                        reinterpret_cast<const unsigned char *>(text.data()), int(text.size()));
    if (decoded < 0)
        throw std::runtime_error("malformed base64 \"" + std::string(text.substr(0, 40)) + "\"");
    // EVP_DecodeBlock counts the zero bytes that '=' padding stands for: take them off.
    std::size_t size = std::size_t(decoded);
    for (std::size_t i = text.size(); i > 0 && text[i - 1] == '=' && size > 0; --i)
        --size;
    bytes.resize(size);
    return bytes;
}

std::int64_t int64Field(const Json &object, const char *name)
{
    const auto field = object.find(name);
    if (field == object.end())
        return 0;
    if (field->is_string())
        return std::stoll(field->get_ref<const std::string &>());
    return field->get<std::int64_t>();
}

std::string bytesField(const Json &object, const char *name)
{
    const auto field = object.find(name);
    if (field == object.end())
        return {};
    return unbase64(field->get_ref<const std::string &>());
}

KeyValue keyValue(const Json &kv)
{
    return KeyValue{bytesField(kv, "key"), bytesField(kv, "value"),
                    int64Field(kv, "create_revision"), int64Field(kv, "mod_revision"),
                    int64Field(kv, "version")};
}

std::int64_t headerRevision(const Json &response)
{
    const auto header = response.find("header");
    return header == response.end() ? 0 : int64Field(*header, "revision");
}

void configureHandle(CURL *curl, char *errorBuffer)
{
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorBuffer);
}

Error transferError(const std::string &baseUrl, const std::string &url, CURL *curl, CURLcode code,
                    const char *errorBuffer)
{
    const std::string detail = errorBuffer[0] ? errorBuffer : curl_easy_strerror(code);
    curl_off_t connectedAfter = 0;
    curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connectedAfter);
    const bool neverConnected = code == CURLE_COULDNT_CONNECT ||
                                code == CURLE_COULDNT_RESOLVE_HOST ||
                                (code == CURLE_OPERATION_TIMEDOUT && connectedAfter == 0);
    if (neverConnected)
        return Error("etcd at " + baseUrl + " is not reachable: " + detail);
    return Error("POST " + url + ": " + detail);
}

namespace {

void initializeCurlOnce()
{
    // Not thread-safe in older libcurl: done once, before any watch thread exists.
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

} // namespace

Result<std::unique_ptr<Connection>> Connection::open(std::string baseUrl)
{
    initializeCurlOnce();
    CurlHandle curl(curl_easy_init());
    if (!curl)
        return Error("curl_easy_init failed");
    curl_slist *headers = curl_slist_append(nullptr, "Content-Type: application/json");
    // Without this curl sends "Expect: 100-continue" for bodies over 1 KiB and waits for the
    // server's go-ahead: one more round trip on every write of a real Pod.
    headers = curl_slist_append(headers, "Expect:");
    return std::unique_ptr<Connection>(
        new Connection(std::move(baseUrl), std::move(curl), headers));
}

Connection::Connection(std::string baseUrl, CurlHandle curl, curl_slist *headers)
    : m_baseUrl(std::move(baseUrl))
    , m_curl(std::move(curl))
    , m_headers(headers)
{
    CURL *handle = m_curl.get();
    configureHandle(handle, m_errorBuffer);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, m_headers);
    curl_easy_setopt(handle, CURLOPT_POST, 1L);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &Connection::collect);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, this);
}

Connection::~Connection()
{
    m_curl.reset();
    curl_slist_free_all(m_headers);
}

size_t Connection::collect(char *data, size_t size, size_t count, void *self)
{
    static_cast<Connection *>(self)->m_response.append(data, size * count);
    return size * count;
}

Result<Json> Connection::post(std::string_view endpoint, const std::string &body)
{
    CURL *handle = m_curl.get();
    m_url.assign(m_baseUrl).append(endpoint);
    m_response.clear();
    m_errorBuffer[0] = '\0';
    curl_easy_setopt(handle, CURLOPT_URL, m_url.c_str());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.size()));

    if (const CURLcode code = curl_easy_perform(handle); code != CURLE_OK)
        return transferError(m_baseUrl, m_url, handle, code, m_errorBuffer);

    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    Json answer = Json::parse(m_response, nullptr, /*allow_exceptions=*/false);
    if (status != 200) {
        // The gateway's errors are {"error": "...", "message": "...", "code": N}. Anything
        // else came from something that is not etcd's gateway.
        const std::string prefix = "POST " + m_url + ": HTTP " + std::to_string(status);
        if (answer.is_object() && answer.contains("message") && answer["message"].is_string())
            return Error(prefix + ": etcd said: " + answer["message"].get<std::string>());
        return Error(prefix + ", and no etcd error in the answer (is this etcd's client URL?)" +
                     (m_response.empty() ? std::string() : ": " + m_response.substr(0, 200)));
    }
    if (!answer.is_object())
        return Error("POST " + m_url +
                     ": etcd's answer is not a JSON object: " + m_response.substr(0, 200));
    return answer;
}

} // namespace flowlab::kube::etcd
