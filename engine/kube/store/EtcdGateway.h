#pragma once

// etcd's v3 JSON gateway as EtcdStore and its watch streams speak it (internal to the store).
// The gateway is gRPC's JSON mapping: keys and values are base64, int64 fields are JSON
// strings, and fields at their zero value are left out ("succeeded", "more", "count", a PUT
// event's "type"), so every read here treats an absent field as 0 or empty.

#include "engine/kube/store/Store.h"

#include <cstdint>
#include <curl/curl.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace flowlab::kube::etcd {

using Json = nlohmann::json;

std::string base64(std::string_view bytes);
// Throws std::runtime_error on malformed input; callers turn it into an Error.
std::string unbase64(std::string_view text);

std::int64_t int64Field(const Json &object, const char *name); // "123", 123, or absent: 0
std::string bytesField(const Json &object, const char *name);  // base64-decoded, or ""
KeyValue keyValue(const Json &kv);                             // a mvccpb.KeyValue
// The response's header.revision: the store's revision when etcd answered.
std::int64_t headerRevision(const Json &response);

// Runs `parse` on an answer from etcd and turns a surprise in it (a missing field, bad
// base64) into an error that names the URL instead of an exception.
template <typename Parse>
auto interpret(const std::string &url, Parse &&parse) -> Result<decltype(parse())>
{
    try {
        return parse();
    } catch (const std::exception &e) {
        return Error("unexpected answer from " + url + ": " + e.what());
    }
}

// Options every handle to etcd gets: no proxy (the lab's etcd is on loopback or the lab
// network, and an https_proxy in the environment must not capture it), no signals (the
// watch threads), and short connect timeouts so that a missing etcd is reported quickly.
void configureHandle(CURL *curl, char *errorBuffer);

// "etcd at http://127.0.0.1:2379 is not reachable: ..." when nothing answered, otherwise
// "POST http://127.0.0.1:2379/v3/kv/txn: ..." with curl's own words.
Error transferError(const std::string &baseUrl, const std::string &url, CURL *curl, CURLcode code,
                    const char *errorBuffer);

struct CurlCleanup
{
    void operator()(CURL *curl) const { curl_easy_cleanup(curl); }
};
using CurlHandle = std::unique_ptr<CURL, CurlCleanup>;

// One keep-alive HTTP/1.1 connection to the gateway: one easy handle reused for every
// call, so a write costs one request on an open socket, never a new connect.
class Connection
{
public:
    static Result<std::unique_ptr<Connection>> open(std::string baseUrl);
    ~Connection();
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    const std::string &baseUrl() const { return m_baseUrl; }

    // POSTs a JSON body to an endpoint such as "/v3/kv/range" and returns etcd's answer.
    // Errors name the URL and what etcd said.
    Result<Json> post(std::string_view endpoint, const std::string &body);

private:
    Connection(std::string baseUrl, CurlHandle curl, curl_slist *headers);
    static size_t collect(char *data, size_t size, size_t count, void *self);

    std::string m_baseUrl;
    CurlHandle m_curl;
    curl_slist *m_headers;
    std::string m_url;      // reused between calls: no allocation once warm
    std::string m_response; // likewise
    char m_errorBuffer[CURL_ERROR_SIZE] = {};
};

} // namespace flowlab::kube::etcd
