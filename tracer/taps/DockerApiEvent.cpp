#include "tracer/taps/DockerApiEvent.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace flowlab {

namespace {

constexpr std::size_t kTextBodyCap = 1024;
constexpr std::size_t kQueryInSummaryCap = 120;
constexpr std::size_t kErrorInSummaryCap = 240;
constexpr std::size_t kHeaderValueCap = 4096;

// Headers that carry credentials: base64 registry auth, bearer tokens, cookies.
constexpr std::array<std::string_view, 5> kSecretHeaders{
    "x-registry-auth", "x-registry-config", "authorization", "proxy-authorization", "cookie"};
// JSON keys of Docker's AuthConfig that hold credentials.
constexpr std::array<std::string_view, 4> kSecretKeys{"password", "identitytoken", "registrytoken",
                                                      "auth"};

std::string lowercase(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string mediaTypeOf(const HttpMessage &message)
{
    std::string_view type = "";
    const std::optional<std::string> header = message.headers.value("Content-Type");
    if (header)
        type = *header;
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ')
        type.remove_suffix(1);
    while (!type.empty() && type.front() == ' ')
        type.remove_prefix(1);
    return lowercase(type);
}

bool isJsonMedia(std::string_view type)
{
    return type == "application/json" || type == "text/json" ||
           (type.size() > 5 && type.substr(type.size() - 5) == "+json");
}

bool isBinaryMedia(std::string_view type)
{
    return type == "application/x-tar" || type == "application/octet-stream" ||
           type == "application/gzip" || type == "application/x-gzip" ||
           type == "application/x-xz" || type == "application/zstd" || isDockerStdioStream(type);
}

double milliseconds(std::int64_t ns)
{
    return std::round(static_cast<double>(ns) / 1e3) / 1e3;
}

std::string humanBytes(std::uint64_t bytes)
{
    if (bytes < 1024)
        return std::to_string(bytes) + " B";
    char text[32];
    if (bytes < 1024 * 1024)
        std::snprintf(text, sizeof text, "%.1f KiB", static_cast<double>(bytes) / 1024);
    else
        std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024 * 1024));
    return text;
}

std::string capped(std::string_view text, std::size_t cap)
{
    std::string out = printableText(text, cap);
    if (out.size() < text.size())
        out += "…";
    return out;
}

nlohmann::json queryJson(const HttpMessage &request)
{
    nlohmann::json query = nlohmann::json::object();
    for (const auto &[key, value] : request.query) {
        const std::string name = printableText(key, kHeaderValueCap);
        const std::string text = printableText(value, kHeaderValueCap);
        if (!query.contains(name))
            query[name] = text;
        else if (query[name].is_array())
            query[name].push_back(text);
        else
            query[name] = nlohmann::json::array({query[name], text});
    }
    return query;
}

nlohmann::json headersJson(const HttpHeaders &headers)
{
    nlohmann::json result = nlohmann::json::object();
    for (const auto &[name, value] : headers.fields()) {
        const std::string key = printableText(name, kHeaderValueCap);
        const std::string lower = lowercase(name);
        std::string text =
            std::find(kSecretHeaders.begin(), kSecretHeaders.end(), lower) != kSecretHeaders.end()
                ? "<redacted, " + std::to_string(value.size()) + " bytes>"
                : printableText(value, kHeaderValueCap);
        if (result.contains(key))
            result[key] = result[key].get<std::string>() + ", " + text;
        else
            result[key] = std::move(text);
    }
    return result;
}

// The body as evidence: parsed JSON when it is JSON, the kept messages of a JSON-lines stream,
// else a short text, or a one-line description of binary content. Null when there is no body.
nlohmann::json describeBody(const HttpMessage &message, const JsonLinesDigest *lines,
                            bool linesExpected)
{
    if (message.bodyLength == 0)
        return nullptr;
    const std::string type = mediaTypeOf(message);
    if (lines && lines->messageCount() > 0 && (linesExpected || message.bodyTruncated))
        return redactDockerSecrets(lines->messages());
    if (!message.bodyTruncated && (isJsonMedia(type) || type.empty() || lines)) {
        nlohmann::json document = nlohmann::json::parse(message.body, nullptr, false);
        if (!document.is_discarded())
            return redactDockerSecrets(std::move(document));
    }
    if (lines && lines->messageCount() > 1)
        return redactDockerSecrets(lines->messages());
    const bool hasNul = message.body.find('\0') != std::string::npos;
    if (isBinaryMedia(type) || hasNul)
        return "<" + (type.empty() ? std::string("binary") : type) + ", " +
               humanBytes(message.bodyLength) + ">";
    std::string text = printableText(message.body, kTextBodyCap);
    if (text.size() < message.bodyLength)
        text += "…";
    return text;
}

bool bodyIsJsonLines(const DockerApiExchange &exchange, const nlohmann::json &body)
{
    return exchange.jsonLines && exchange.jsonLines->messageCount() > 0 && body.is_array() &&
           body == exchange.jsonLines->messages();
}

const DockerApiRoute *routeOf(const HttpMessage &request)
{
    return findDockerApiRoute(request.method, splitDockerApiPath(request.path).endpoint);
}

nlohmann::json commonAttributes(const DockerApiExchange &exchange)
{
    const HttpMessage &request = exchange.request;
    const DockerApiPath split = splitDockerApiPath(request.path);
    nlohmann::json j{
        {"connection", exchange.connection},
        {"exchange", exchange.index},
        {"method", request.method},
        {"path", printableText(request.path, kHeaderValueCap)},
        {"endpoint", printableText(split.endpoint, kHeaderValueCap)},
    };
    if (!split.apiVersion.empty())
        j["apiVersion"] = split.apiVersion;
    if (const DockerApiRoute *route = findDockerApiRoute(request.method, split.endpoint)) {
        j["operation"] = route->operation;
        j["route"] = route->pattern;
    }
    j["query"] = queryJson(request);
    return j;
}

// The daemon's own words for a failed call: {"message": "No such container: web"}.
std::optional<std::string> errorMessageOf(const nlohmann::json &body)
{
    if (body.is_object() && body.contains("message") && body["message"].is_string())
        return body["message"].get<std::string>();
    return std::nullopt;
}

// What the summary says beyond the status: stream and hijack notes, and the failure if any.
struct ResponseNotes
{
    std::vector<std::string> notes;
    std::optional<std::string> failure;
};

ResponseNotes addStreamAttributes(const DockerApiExchange &exchange, const nlohmann::json &body,
                                  nlohmann::json &a)
{
    ResponseNotes result;
    if (bodyIsJsonLines(exchange, body)) {
        const JsonLinesDigest &lines = *exchange.jsonLines;
        a["messageCount"] = lines.messageCount();
        a["messagesOmitted"] = lines.omitted();
        if (lines.unparsedLines() > 0)
            a["unparsedLines"] = lines.unparsedLines();
        result.notes.push_back("stream, " + std::to_string(lines.messageCount()) +
                               (lines.messageCount() == 1 ? " message" : " messages"));
        // A failed pull still answers 200: the error is the last message of the stream.
        if (lines.error()) {
            a["error"] = *lines.error();
            a["errorMessage"] = lines.errorMessage();
            result.failure = *lines.error();
        }
    }
    if (exchange.stdioFromDaemon) {
        a["output"] = exchange.stdioFromDaemon->toJson();
        if (!exchange.hijacked)
            result.notes.push_back("stream, " + humanBytes(exchange.stdioFromDaemon->totalBytes()));
    }
    if (exchange.hijacked) {
        const std::uint64_t in =
            exchange.stdioFromClient ? exchange.stdioFromClient->totalBytes() : 0;
        const std::uint64_t out =
            exchange.stdioFromDaemon ? exchange.stdioFromDaemon->totalBytes() : 0;
        if (exchange.stdioFromClient)
            a["input"] = exchange.stdioFromClient->toJson();
        result.notes.push_back("hijacked, " + humanBytes(in) + " from client, " + humanBytes(out) +
                               " from dockerd");
    }
    if (exchange.response && exchange.response->status >= 400) {
        if (const std::optional<std::string> message = errorMessageOf(body)) {
            a["error"] = *message;
            result.failure = *message;
        }
    }
    return result;
}

// "POST /containers/create?name=web → 201 Created", "… → 200 (stream, 14 messages), failed: …".
std::string responseSummary(const DockerApiExchange &exchange, const ResponseNotes &notes)
{
    std::string summary = dockerRequestLine(exchange.request) + " → ";
    if (!exchange.response)
        return summary + "no response" +
               (exchange.endReason.empty() ? "" : " (" + exchange.endReason + ")");
    const HttpMessage &response = *exchange.response;
    summary += std::to_string(response.status);
    if (notes.notes.empty()) {
        summary += " " + response.reason;
    } else {
        summary += " (";
        for (std::size_t i = 0; i < notes.notes.size(); ++i)
            summary += (i ? "; " : "") + notes.notes[i];
        summary += ")";
    }
    if (notes.failure)
        summary += (response.status >= 400 ? ": " : ", failed: ") +
                   capped(*notes.failure, kErrorInSummaryCap);
    if (!exchange.responseComplete && !exchange.endReason.empty())
        summary += ", cut short: " + exchange.endReason;
    return printableText(summary, 1024);
}

} // namespace

bool DockerApiExchange::streamed() const
{
    return hijacked || (response && (response->chunked || response->bodyUntilEof));
}

std::string dockerRequestLine(const HttpMessage &request)
{
    std::string line =
        request.method + " " + printableText(splitDockerApiPath(request.path).endpoint, 512);
    if (request.query.empty())
        return line;
    std::string query;
    for (const auto &[key, value] : request.query) {
        if (!query.empty())
            query += '&';
        query += key + "=" + value;
    }
    return line + "?" + capped(query, kQueryInSummaryCap);
}

nlohmann::json redactDockerSecrets(nlohmann::json value)
{
    if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it) {
            const std::string key = lowercase(it.key());
            const bool secret =
                std::find(kSecretKeys.begin(), kSecretKeys.end(), key) != kSecretKeys.end();
            if (secret && it->is_string() && !it->get<std::string>().empty())
                *it = "<redacted>";
            else
                *it = redactDockerSecrets(std::move(*it));
        }
    } else if (value.is_array()) {
        for (auto &element : value)
            element = redactDockerSecrets(std::move(element));
    }
    return value;
}

Event makeDockerRequestEvent(const DockerApiExchange &exchange, const EventSource &source)
{
    const HttpMessage &request = exchange.request;
    Event event;
    event.kind = EventKind::Api;
    event.source = source;
    event.summary = dockerRequestLine(request);
    nlohmann::json &a = event.attributes;
    a = commonAttributes(exchange);
    a["direction"] = "request";
    a["headers"] = headersJson(request.headers);
    const std::string type = mediaTypeOf(request);
    if (!type.empty())
        a["contentType"] = type;
    const nlohmann::json body = describeBody(request, nullptr, false);
    if (!body.is_null())
        a["body"] = body;
    a["bodyLength"] = request.bodyLength;
    a["bodyTruncated"] = request.bodyTruncated;
    if (request.upgrade)
        a["upgradeRequested"] = request.headers.value("Upgrade").value_or("");
    a["complete"] = exchange.requestComplete;
    return event;
}

Event makeDockerResponseHeadEvent(const DockerApiExchange &exchange, const EventSource &source)
{
    const HttpMessage &response = exchange.response.value();
    Event event;
    event.kind = EventKind::Api;
    event.source = source;
    event.summary = dockerRequestLine(exchange.request) + " → " + std::to_string(response.status) +
                    " " + response.reason + (exchange.hijacked ? " (hijacked)" : " (streaming)");
    if (exchange.requestSeq != 0)
        event.links.push_back(exchange.requestSeq);
    nlohmann::json &a = event.attributes;
    a = commonAttributes(exchange);
    a["direction"] = "response";
    a["phase"] = "head";
    a["status"] = response.status;
    a["reason"] = printableText(response.reason, kHeaderValueCap);
    a["headers"] = headersJson(response.headers);
    const std::string type = mediaTypeOf(response);
    if (!type.empty())
        a["contentType"] = type;
    a["streamed"] = exchange.streamed();
    a["hijacked"] = exchange.hijacked;
    a["timeToHeadMs"] = milliseconds(exchange.responseHeadNs - exchange.requestStartNs);
    return event;
}

Event makeDockerResponseEvent(const DockerApiExchange &exchange, const EventSource &source)
{
    Event event;
    event.kind = EventKind::Api;
    event.source = source;
    if (exchange.requestSeq != 0)
        event.links.push_back(exchange.requestSeq);
    if (exchange.headSeq != 0)
        event.links.push_back(exchange.headSeq);
    nlohmann::json &a = event.attributes;
    a = commonAttributes(exchange);
    a["direction"] = "response";
    a["phase"] = "complete";
    a["complete"] = exchange.responseComplete;
    if (!exchange.endReason.empty())
        a["endReason"] = exchange.endReason;
    const std::int64_t end = exchange.responseEndNs;
    a["durationMs"] = milliseconds(end - exchange.requestStartNs);

    if (!exchange.response) {
        event.summary = responseSummary(exchange, {});
        return event;
    }
    const HttpMessage &response = *exchange.response;
    a["status"] = response.status;
    a["reason"] = printableText(response.reason, kHeaderValueCap);
    a["headers"] = headersJson(response.headers);
    const std::string type = mediaTypeOf(response);
    if (!type.empty())
        a["contentType"] = type;
    a["streamed"] = exchange.streamed();
    a["hijacked"] = exchange.hijacked;
    a["timeToHeadMs"] = milliseconds(exchange.responseHeadNs - exchange.requestStartNs);

    const DockerApiRoute *route = routeOf(exchange.request);
    const bool linesExpected = route && route->response == DockerBodyKind::JsonLines;
    const nlohmann::json body =
        describeBody(response, exchange.jsonLines ? &*exchange.jsonLines : nullptr, linesExpected);
    if (!body.is_null())
        a["body"] = body;
    a["bodyLength"] = response.bodyLength;
    a["bodyTruncated"] = response.bodyTruncated;

    const ResponseNotes notes = addStreamAttributes(exchange, body, a);
    event.summary = responseSummary(exchange, notes);
    return event;
}

} // namespace flowlab
