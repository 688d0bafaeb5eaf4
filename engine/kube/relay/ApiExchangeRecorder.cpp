#include "engine/kube/relay/ApiExchangeRecorder.h"

#include "engine/kube/apiserver/HttpServer.h"
#include "engine/kube/apiserver/RequestInfo.h"

namespace flowlab::kube {

namespace {

nlohmann::json headersJson(const HttpHeaders &headers)
{
    nlohmann::json out = nlohmann::json::object();
    for (const auto &[name, value] : headers.fields()) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return char(std::tolower(c)); });
        out[name] = lower == "authorization" ? std::string("<redacted>") : value;
    }
    return out;
}

// A body as evidence: parsed JSON when it is JSON, else how long it was.
nlohmann::json bodyJson(const HttpMessage &message)
{
    if (message.body.empty())
        return nullptr;
    auto parsed = nlohmann::json::parse(message.body, nullptr, false);
    if (!parsed.is_discarded())
        return parsed;
    const std::string type = message.headers.value("Content-Type").value_or("");
    return "<" + std::to_string(message.bodyLength) + " bytes of " +
           (type.empty() ? std::string("data") : type) + ">";
}

// "create deployments default/web", "list pods in default", "get version".
std::string meaning(const RequestInfo &info)
{
    if (!info.isResourceRequest)
        return info.verb + " " + info.path;
    std::string resource = info.resource;
    if (!info.subresource.empty())
        resource += "/" + info.subresource;
    std::string object = info.name.empty()
                             ? std::string()
                             : " " + (info.ns.empty() ? info.name : info.ns + "/" + info.name);
    std::string where = info.name.empty() && !info.ns.empty() ? " in " + info.ns : std::string();
    return info.verb + " " + resource + object + where;
}

} // namespace

ApiExchangeRecorder::ApiExchangeRecorder(EventLog &log, std::uint64_t connection,
                                         EventSource source)
    : m_log(log)
    , m_connection(connection)
    , m_source(std::move(source))
    , m_requests(HttpMessageType::Request, kBodyCap)
    , m_responses(HttpMessageType::Response, kBodyCap)
{
    m_requests.setHandlers({.headComplete = nullptr,
                            .bodyData = nullptr,
                            .messageComplete = [this](const HttpMessage &m) { requestComplete(m); },
                            .rawData = nullptr});
    m_responses.setHandlers(
        {.headComplete = [this](const HttpMessage &m) { responseHead(m); },
         .bodyData = [this](const HttpMessage &, std::string_view bytes) { responseBody(bytes); },
         .messageComplete = [this](const HttpMessage &m) { responseComplete(m); },
         .rawData = nullptr});
}

void ApiExchangeRecorder::clientBytes(std::string_view bytes)
{
    (void)m_requests.feed(bytes); // evidence is best effort: the relay forwards regardless
}

void ApiExchangeRecorder::serverBytes(std::string_view bytes)
{
    (void)m_responses.feed(bytes);
}

nlohmann::json ApiExchangeRecorder::commonAttributes(const Exchange &exchange) const
{
    const HttpMessage &request = exchange.request;
    const RequestInfo info = parseRequestInfo(request.method, request.path, request.query);
    nlohmann::json query = nlohmann::json::object();
    for (const auto &[key, value] : request.query)
        query[key] = value;
    nlohmann::json a = {{"connection", m_connection},
                        {"exchange", exchange.index},
                        {"method", request.method},
                        {"path", request.path},
                        {"query", query},
                        {"verb", info.verb}};
    if (info.isResourceRequest) {
        a["apiGroup"] = info.group;
        a["apiVersion"] = info.version;
        a["resource"] = info.resource;
        if (!info.ns.empty())
            a["namespace"] = info.ns;
        if (!info.name.empty())
            a["name"] = info.name;
        if (!info.subresource.empty())
            a["subresource"] = info.subresource;
    }
    return a;
}

void ApiExchangeRecorder::requestComplete(const HttpMessage &request)
{
    Exchange exchange;
    exchange.request = request;
    exchange.index = ++m_exchanges;
    exchange.startNs = monotonicNowNs();
    const RequestInfo info = parseRequestInfo(request.method, request.path, request.query);
    exchange.watch = info.verb == "watch";

    Event event;
    event.kind = EventKind::Api;
    event.source = m_source;
    event.summary = meaning(info) + ": " + request.method + " " + request.target;
    event.attributes = commonAttributes(exchange);
    event.attributes["direction"] = "request";
    event.attributes["headers"] = headersJson(request.headers);
    event.attributes["userAgent"] = request.headers.value("User-Agent").value_or("");
    if (auto body = bodyJson(request); !body.is_null())
        event.attributes["body"] = std::move(body);
    event.attributes["bodyLength"] = request.bodyLength;
    event.attributes["bodyTruncated"] = request.bodyTruncated;
    exchange.requestSeq = m_log.append(std::move(event));
    m_responses.expectResponseTo(request.method);
    m_pending.push_back(std::move(exchange));
}

void ApiExchangeRecorder::responseHead(const HttpMessage &response)
{
    if (m_pending.empty() || !m_pending.front().watch)
        return;
    // A watch streams for minutes: show it started, then each change as it comes.
    Exchange &exchange = m_pending.front();
    Event event;
    event.kind = EventKind::Api;
    event.source = m_source;
    event.summary = exchange.request.method + " " + exchange.request.target + " → " +
                    std::to_string(response.status) + " (watching)";
    event.attributes = commonAttributes(exchange);
    event.attributes["direction"] = "response";
    event.attributes["phase"] = "head";
    event.attributes["status"] = response.status;
    event.attributes["streamed"] = true;
    event.links = {exchange.requestSeq};
    exchange.headSeq = m_log.append(std::move(event));
}

void ApiExchangeRecorder::responseBody(std::string_view bytes)
{
    if (m_pending.empty() || !m_pending.front().watch)
        return;
    Exchange &exchange = m_pending.front();
    exchange.pendingLines.append(bytes);
    std::size_t start = 0;
    for (auto end = exchange.pendingLines.find('\n'); end != std::string::npos;
         end = exchange.pendingLines.find('\n', start)) {
        const std::string line = exchange.pendingLines.substr(start, end - start);
        start = end + 1;
        if (++exchange.watchEvents > kWatchEventCap)
            continue;
        const auto parsed = nlohmann::json::parse(line, nullptr, false);
        if (!parsed.is_object())
            continue;
        const std::string type = parsed.value("type", "");
        const nlohmann::json &object =
            parsed.contains("object") ? parsed["object"] : nlohmann::json::object();
        nlohmann::json metadata = object.is_object()
                                      ? object.value("metadata", nlohmann::json::object())
                                      : nlohmann::json::object();
        // kubectl get -w asks for Tables: the row's object carries the metadata.
        if (object.value("kind", "") == "Table" && object.contains("rows") &&
            !object["rows"].empty())
            metadata = object["rows"][0]
                           .value("object", nlohmann::json::object())
                           .value("metadata", nlohmann::json::object());
        const std::string ns = metadata.value("namespace", "");
        const std::string name = metadata.value("name", "");
        Event event;
        event.kind = EventKind::Api;
        event.source = m_source;
        const RequestInfo info = parseRequestInfo(exchange.request.method, exchange.request.path,
                                                  exchange.request.query);
        event.summary =
            "watch " + info.resource + ": " + type + " " + (ns.empty() ? name : ns + "/" + name);
        event.attributes = commonAttributes(exchange);
        event.attributes["direction"] = "response";
        event.attributes["phase"] = "watch-event";
        event.attributes["watchEvent"] = {
            {"type", type},
            {"namespace", ns},
            {"name", name},
            {"resourceVersion", metadata.value("resourceVersion", "")}};
        event.links = {exchange.headSeq ? exchange.headSeq : exchange.requestSeq};
        m_log.append(std::move(event));
    }
    exchange.pendingLines.erase(0, start);
}

void ApiExchangeRecorder::responseComplete(const HttpMessage &response)
{
    if (m_pending.empty())
        return;
    Exchange exchange = std::move(m_pending.front());
    m_pending.pop_front();
    Event event;
    event.kind = EventKind::Api;
    event.source = m_source;
    event.summary = exchange.request.method + " " + exchange.request.target + " → " +
                    std::to_string(response.status) + " " + reasonPhrase(response.status);
    if (exchange.watch)
        event.summary += " (watch ended, " + std::to_string(exchange.watchEvents) + " events)";
    event.attributes = commonAttributes(exchange);
    event.attributes["direction"] = "response";
    event.attributes["phase"] = "complete";
    event.attributes["status"] = response.status;
    event.attributes["headers"] = headersJson(response.headers);
    event.attributes["streamed"] = exchange.watch;
    if (!exchange.watch)
        if (auto body = bodyJson(response); !body.is_null())
            event.attributes["body"] = std::move(body);
    event.attributes["bodyLength"] = response.bodyLength;
    event.attributes["bodyTruncated"] = response.bodyTruncated;
    event.attributes["durationMs"] = double(monotonicNowNs() - exchange.startNs) / 1e6;
    event.links = {exchange.requestSeq};
    if (exchange.headSeq)
        event.links.push_back(exchange.headSeq);
    m_log.append(std::move(event));
}

void ApiExchangeRecorder::closed(const std::string &reason)
{
    if (m_closed)
        return;
    m_closed = true;
    (void)m_responses.finish();
    for (const Exchange &exchange : m_pending) {
        Event event;
        event.kind = EventKind::Api;
        event.source = m_source;
        event.summary = exchange.request.method + " " + exchange.request.target + " → " +
                        (exchange.watch ? "watch ended: " : "no answer: ") + reason;
        event.attributes = commonAttributes(exchange);
        event.attributes["direction"] = "response";
        event.attributes["phase"] = "complete";
        event.attributes["complete"] = false;
        event.attributes["endReason"] = reason;
        event.attributes["streamed"] = exchange.watch;
        event.links = {exchange.requestSeq};
        m_log.append(std::move(event));
    }
    m_pending.clear();
}

} // namespace flowlab::kube
