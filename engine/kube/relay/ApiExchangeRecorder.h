#pragma once

// Kubernetes API calls as evidence, read off one relayed connection. Each request and its
// response become "api" events with the attributes the Docker API tap uses (direction, method,
// path, query, status, body, ...), plus what the request means to Kubernetes: verb, resource,
// namespace, name, subresource. Summaries read like
//   "create deployments default/web: POST /apis/apps/v1/namespaces/default/deployments"
//   "POST /apis/apps/v1/namespaces/default/deployments → 201 Created"
// A watch (kubectl get -w) also gets one event per change it streams ("watch deployments:
// MODIFIED default/web"). Bearer tokens are never recorded.
//
// It never touches sockets, so tests can feed it bytes.

#include "tracer/model/EventLog.h"
#include "tracer/taps/HttpMessageParser.h"

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace flowlab::kube {

class ApiExchangeRecorder
{
public:
    // Bodies above this are recorded cut short (lists of thousands of pods).
    static constexpr std::size_t kBodyCap = 256 * 1024;
    // Watch events recorded per stream; the rest are counted.
    static constexpr int kWatchEventCap = 1000;

    ApiExchangeRecorder(EventLog &log, std::uint64_t connection, EventSource source);

    void clientBytes(std::string_view bytes);
    void serverBytes(std::string_view bytes);
    // The connection is gone: requests still unanswered are recorded as such.
    void closed(const std::string &reason);

private:
    struct Exchange
    {
        HttpMessage request;
        std::uint64_t index = 0;
        std::uint64_t requestSeq = 0;
        std::uint64_t headSeq = 0;
        std::int64_t startNs = 0;
        bool watch = false;
        std::string pendingLines; // a watch stream's partial line
        int watchEvents = 0;
    };

    void requestComplete(const HttpMessage &request);
    void responseHead(const HttpMessage &response);
    void responseBody(std::string_view bytes);
    void responseComplete(const HttpMessage &response);
    nlohmann::json commonAttributes(const Exchange &exchange) const;

    EventLog &m_log;
    std::uint64_t m_connection;
    EventSource m_source;
    HttpMessageParser m_requests;
    HttpMessageParser m_responses;
    std::deque<Exchange> m_pending; // requests sent, responses not yet complete
    std::uint64_t m_exchanges = 0;
    bool m_closed = false;
};

} // namespace flowlab::kube
