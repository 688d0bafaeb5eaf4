#include "tracer/taps/DockerApiRecorder.h"

#include <algorithm>
#include <cctype>
#include <spdlog/spdlog.h>

namespace flowlab {

namespace {

bool isMultiplexedType(const HttpMessage &message)
{
    std::string type = message.headers.value("Content-Type").value_or("");
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return type.find("application/vnd.docker.multiplexed-stream") != std::string::npos;
}

bool isJsonType(const HttpMessage &message)
{
    std::string type = message.headers.value("Content-Type").value_or("");
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return type.find("json") != std::string::npos;
}

DockerBodyKind routeResponseKind(const HttpMessage &request)
{
    const DockerApiRoute *route =
        findDockerApiRoute(request.method, splitDockerApiPath(request.path).endpoint);
    return route ? route->response : DockerBodyKind::Json;
}

} // namespace

DockerApiRecorder::DockerApiRecorder(EventLog &log, std::uint64_t connectionId,
                                     DockerApiRecorderOptions options)
    : m_log(log)
    , m_connection(connectionId)
    , m_options(std::move(options))
    , m_requestParser(HttpMessageType::Request, m_options.bodyCap)
    , m_responseParser(HttpMessageType::Response, m_options.bodyCap)
{
    m_requestParser.setHandlers({
        [this](const HttpMessage &message) { onRequestHead(message); },
        nullptr,
        [this](const HttpMessage &message) { onRequestComplete(message); },
        [this](std::string_view bytes) { onClientRaw(bytes); },
    });
    m_responseParser.setHandlers({
        [this](const HttpMessage &message) { onResponseHead(message); },
        [this](const HttpMessage &, std::string_view bytes) { onResponseBody(bytes); },
        [this](const HttpMessage &message) { onResponseComplete(message); },
        [this](std::string_view bytes) { onDaemonRaw(bytes); },
    });
}

DockerApiRecorder::~DockerApiRecorder() = default;

void DockerApiRecorder::clientBytes(std::string_view bytes)
{
    if (m_parseFailed || m_closed)
        return;
    if (Status status = m_requestParser.feed(bytes); !status)
        parseFailed("client", status.error());
}

void DockerApiRecorder::daemonBytes(std::string_view bytes)
{
    if (m_parseFailed || m_closed)
        return;
    if (Status status = m_responseParser.feed(bytes); !status) {
        parseFailed("dockerd", status.error());
        return;
    }
    afterDaemonBytes();
}

void DockerApiRecorder::afterDaemonBytes()
{
    // Applied here rather than inside the response parser's callbacks, so that the request
    // parser's handlers never run nested in the response parser's.
    const UpgradeDecision decision = std::exchange(m_upgradeDecision, UpgradeDecision::None);
    if (decision == UpgradeDecision::Raw) {
        m_requestParser.switchToRaw();
    } else if (decision == UpgradeDecision::Refused) {
        if (Status status = m_requestParser.resumeHttp(); !status) {
            parseFailed("client", status.error());
            return;
        }
    }
    // A response whose body did not come with its head is a stream: show it now.
    DockerApiExchange *x = m_responding;
    if (x && x->response && !x->responseComplete && x->headSeq == 0 && x->streamed())
        x->headSeq = m_log.append(makeDockerResponseHeadEvent(*x, m_options.source));
}

void DockerApiRecorder::clientClosed()
{
    if (m_clientFinished || m_parseFailed || m_closed)
        return;
    m_clientFinished = true;
    captureOpenMessages();
    if (Status status = m_requestParser.finish(); !status && m_requesting)
        m_requesting->endReason = "the client closed the connection mid-request";
}

void DockerApiRecorder::daemonClosed()
{
    if (m_daemonFinished || m_parseFailed || m_closed)
        return;
    m_daemonFinished = true;
    captureOpenMessages();
    // Completes a body that runs to EOF (a "Connection: close" response without length).
    if (Status status = m_responseParser.finish(); !status && m_responding)
        m_responding->endReason = "dockerd closed the connection mid-response";
}

void DockerApiRecorder::connectionClosed(const std::string &reason)
{
    if (m_closed)
        return;
    m_closed = true;
    captureOpenMessages();
    const std::int64_t now = monotonicNowNs();
    while (!m_exchanges.empty()) {
        DockerApiExchange &x = *m_exchanges.front();
        if (x.requestSeq == 0)
            recordRequest(x);
        x.responseEndNs = now;
        // A hijacked session ends when the connection does; nothing was cut short.
        x.responseComplete = x.hijacked;
        if (x.endReason.empty())
            x.endReason = reason;
        if (x.jsonLines)
            x.jsonLines->finish();
        recordResponse(x);
    }
}

void DockerApiRecorder::captureOpenMessages()
{
    // A message cut short has its partial body in its parser only.
    if (m_requesting && m_requestParser.inMessage())
        m_requesting->request = m_requestParser.current();
    if (m_responding && m_responding->response && !m_responding->hijacked &&
        m_responseParser.inMessage())
        m_responding->response = m_responseParser.current();
}

DockerApiExchange *DockerApiRecorder::exchangeAwaitingResponse()
{
    for (const auto &x : m_exchanges)
        if (!x->response)
            return x.get();
    return nullptr;
}

void DockerApiRecorder::onRequestHead(const HttpMessage &message)
{
    auto x = std::make_unique<DockerApiExchange>();
    x->connection = m_connection;
    x->index = m_nextIndex++;
    x->request = message;
    x->requestStartNs = monotonicNowNs();
    m_responseParser.expectResponseTo(message.method);
    m_requesting = x.get();
    m_exchanges.push_back(std::move(x));
}

void DockerApiRecorder::onRequestComplete(const HttpMessage &message)
{
    DockerApiExchange *x = std::exchange(m_requesting, nullptr);
    if (!x)
        return; // answered and recorded before its body was read
    x->request = message;
    x->requestComplete = true;
    if (x->requestSeq == 0)
        recordRequest(*x);
}

void DockerApiRecorder::onResponseHead(const HttpMessage &message)
{
    if (message.interim)
        return; // "100 Continue": the final response is still to come
    DockerApiExchange *x = exchangeAwaitingResponse();
    if (!x) {
        // dockerd answered something the tap never saw asked (e.g. a 400 for a request our
        // parser took differently). Keep it, against an unknown request.
        auto orphan = std::make_unique<DockerApiExchange>();
        orphan->connection = m_connection;
        orphan->index = m_nextIndex++;
        orphan->request.method = "(unknown)";
        orphan->requestStartNs = monotonicNowNs();
        x = orphan.get();
        m_exchanges.push_back(std::move(orphan));
    }
    x->response = message;
    x->responseHeadNs = monotonicNowNs();
    if (x->requestSeq == 0)
        recordRequest(*x); // links need the request's seq; its body may still be arriving
    m_responding = x;

    const DockerBodyKind kind = routeResponseKind(x->request);
    const bool stdio = isDockerStdioStream(message.headers.value("Content-Type").value_or(""));
    const auto framing = isMultiplexedType(message) ? StdioStreamDigest::Framing::Multiplexed
                                                    : StdioStreamDigest::Framing::Auto;
    if (message.upgrade) {
        x->hijacked = true;
        m_upgradeDecision = UpgradeDecision::Raw;
        // Only container stdio is worth a preview; other upgrades (BuildKit's /session speaks
        // HTTP/2) are counted.
        const bool showText = stdio || kind == DockerBodyKind::Stdio;
        x->stdioFromDaemon.emplace(showText ? framing : StdioStreamDigest::Framing::Raw, 1,
                                   showText ? 4096 : 0);
        x->stdioFromClient.emplace(StdioStreamDigest::Framing::Raw, 0, showText ? 4096 : 0);
        return;
    }
    if (x->request.upgrade)
        m_upgradeDecision = UpgradeDecision::Refused;
    if (stdio)
        x->stdioFromDaemon.emplace(framing);
    else if (kind == DockerBodyKind::JsonLines ||
             (isJsonType(message) && (message.chunked || message.bodyUntilEof)))
        x->jsonLines.emplace();
}

void DockerApiRecorder::onResponseBody(std::string_view bytes)
{
    DockerApiExchange *x = m_responding;
    if (!x)
        return;
    if (x->jsonLines)
        x->jsonLines->feed(bytes);
    if (x->stdioFromDaemon)
        x->stdioFromDaemon->feed(bytes);
}

void DockerApiRecorder::onResponseComplete(const HttpMessage &message)
{
    DockerApiExchange *x = m_responding;
    if (message.interim || !x)
        return;
    x->response = message;
    if (x->hijacked)
        return; // the session runs until the connection closes
    x->responseComplete = true;
    x->responseEndNs = monotonicNowNs();
    if (x->jsonLines)
        x->jsonLines->finish();
    recordResponse(*x);
}

void DockerApiRecorder::onDaemonRaw(std::string_view bytes)
{
    if (m_responding && m_responding->hijacked && m_responding->stdioFromDaemon)
        m_responding->stdioFromDaemon->feed(bytes);
}

void DockerApiRecorder::onClientRaw(std::string_view bytes)
{
    if (m_responding && m_responding->hijacked && m_responding->stdioFromClient)
        m_responding->stdioFromClient->feed(bytes);
}

void DockerApiRecorder::recordRequest(DockerApiExchange &exchange)
{
    exchange.requestSeq = m_log.append(makeDockerRequestEvent(exchange, m_options.source));
}

void DockerApiRecorder::recordResponse(DockerApiExchange &exchange)
{
    m_log.append(makeDockerResponseEvent(exchange, m_options.source));
    if (m_responding == &exchange)
        m_responding = nullptr;
    if (m_requesting == &exchange)
        m_requesting = nullptr;
    const auto it = std::find_if(m_exchanges.begin(), m_exchanges.end(),
                                 [&](const auto &x) { return x.get() == &exchange; });
    if (it != m_exchanges.end())
        m_exchanges.erase(it);
}

void DockerApiRecorder::parseFailed(std::string_view side, const Error &error)
{
    m_parseFailed = true;
    spdlog::warn("docker tap, connection {}: {} bytes are not HTTP ({}); forwarding the rest "
                 "without decoding",
                 m_connection, side, error.message());
    for (const auto &x : m_exchanges)
        if (x->endReason.empty())
            x->endReason =
                "decoding stopped: " + std::string(side) + " sent bytes that are not HTTP";
    Event event;
    event.kind = EventKind::Log;
    event.source = EventSource{"flowlab-tap", m_options.source.node, 0, ""};
    event.summary = "connection " + std::to_string(m_connection) + ": " + std::string(side) +
                    " bytes are not HTTP, forwarding them without decoding: " + error.message();
    event.attributes = {{"connection", m_connection},
                        {"side", side},
                        {"level", "warning"},
                        {"error", printableText(error.message(), 1024)}};
    m_log.append(std::move(event));
}

} // namespace flowlab
