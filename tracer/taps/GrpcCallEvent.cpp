#include "tracer/taps/GrpcCallEvent.h"

#include "tracer/taps/DockerStreamDecoders.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace flowlab {

namespace {

constexpr std::size_t kHeaderValueCap = 256;
constexpr std::size_t kStatusMessageCap = 1024;
constexpr std::size_t kSummaryMessageCap = 200;

// Request headers that have their own attribute, or that every gRPC call carries; the rest is
// the caller's metadata (containerd-namespace, traceparent, ...).
constexpr std::array<std::string_view, 6> kProtocolHeaders{
    "content-type", "te", "user-agent", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding"};

bool isProtocolHeader(std::string_view name)
{
    return name.starts_with(':') || std::find(kProtocolHeaders.begin(), kProtocolHeaders.end(),
                                              name) != kProtocolHeaders.end();
}

std::string headerText(const Http2HeaderBlock &block, std::string_view name)
{
    return printableText(block.value(name).value_or(""), kHeaderValueCap);
}

std::string formatDuration(double ms)
{
    char text[32];
    if (ms < 10)
        std::snprintf(text, sizeof text, "%.1f ms", ms);
    else if (ms < 1000)
        std::snprintf(text, sizeof text, "%.0f ms", ms);
    else if (ms < 60'000)
        std::snprintf(text, sizeof text, "%.1f s", ms / 1000);
    else
        std::snprintf(text, sizeof text, "%.0f s", ms / 1000);
    return text;
}

double durationMs(const GrpcCall &call)
{
    const double ms = double(call.endNs - call.startNs) / 1e6;
    return std::round(std::max(ms, 0.0) * 1000) / 1000;
}

bool isStreaming(const GrpcCall &call)
{
    return isKnownStreamingGrpcMethod(call.request.value(":path").value_or("")) ||
           call.requestMessages.messages() > 1 || call.responseMessages.messages() > 1;
}

std::string grpcMessage(const GrpcCall &call)
{
    const Http2HeaderBlock *block = call.trailers ? &*call.trailers : nullptr;
    if (!block || !block->value("grpc-message"))
        return {};
    return printableText(decodeGrpcMessageHeader(*block->value("grpc-message")), kStatusMessageCap);
}

std::string summaryPrefix(const GrpcCall &call, const GrpcEventContext &context)
{
    const std::optional<std::string> path = call.request.value(":path");
    return context.caller + " → " + context.source.component + ": " +
           (path ? printableText(*path, kHeaderValueCap) : std::string("(no :path)"));
}

// Adds the generic decode of a direction's first message as `<prefix>_fields`, or says why
// there is none in `<prefix>_fields_error`.
void addFields(nlohmann::json &attributes, const std::string &prefix,
               const GrpcMessageReader &reader, const ProtobufDecodeLimits &limits)
{
    const std::optional<GrpcMessageReader::FirstMessage> &first = reader.first();
    if (!first)
        return;
    if (first->compressed) {
        attributes[prefix + "_fields_error"] = "the first message is compressed";
        return;
    }
    // Kept only in part (a big message), or the call ended inside it.
    const bool cut = first->bytes.size() < first->length;
    Result<ProtobufFieldTree> tree = decodeProtobufFields(first->bytes, limits, cut);
    if (!tree) {
        attributes[prefix + "_fields_error"] = tree.error().message();
        return;
    }
    attributes[prefix + "_fields"] = std::move(tree->fields);
    if (!tree->complete)
        attributes[prefix + "_fields_complete"] = false;
}

nlohmann::json commonAttributes(const GrpcCall &call, const GrpcEventContext &context)
{
    const std::string path = headerText(call.request, ":path");
    nlohmann::json a = {
        {"caller", context.caller},
        {"connection", call.connection},
        {"stream_id", call.streamId},
        {"path", path},
    };
    if (std::optional<GrpcMethodPath> split = splitGrpcPath(path)) {
        a["service"] = split->service;
        a["method"] = split->method;
    }
    nlohmann::json metadata = nlohmann::json::object();
    for (const Http2Header &header : call.request.headers)
        if (!isProtocolHeader(header.name))
            metadata[printableText(header.name, kHeaderValueCap)] =
                printableText(header.value, kHeaderValueCap);
    if (metadata.contains("containerd-namespace"))
        a["namespace"] = metadata["containerd-namespace"];
    a["metadata"] = std::move(metadata);
    for (const char *name : {"content-type", "user-agent", ":authority", "grpc-encoding"}) {
        if (call.request.value(name)) {
            std::string key = std::string(name[0] == ':' ? name + 1 : name);
            std::replace(key.begin(), key.end(), '-', '_');
            a[key] = headerText(call.request, name);
        }
    }
    if (const std::optional<std::string> timeout = call.request.value("grpc-timeout")) {
        a["timeout"] = printableText(*timeout, kHeaderValueCap);
        if (const std::optional<double> ms = parseGrpcTimeoutMs(*timeout))
            a["timeout_ms"] = *ms;
    }
    if (call.request.truncated)
        a["request_headers_truncated"] = true;
    return a;
}

} // namespace

std::optional<int> GrpcCall::statusCode() const
{
    if (!trailers)
        return std::nullopt;
    const std::optional<std::string> text = trailers->value("grpc-status");
    if (!text)
        return std::nullopt;
    int code = 0;
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), code);
    if (error != std::errc() || end != text->data() + text->size())
        return std::nullopt;
    return code;
}

Event makeGrpcStartEvent(const GrpcCall &call, const GrpcEventContext &context)
{
    Event event;
    event.kind = EventKind::Grpc;
    event.source = context.source;
    event.monotonicNs = call.startNs;
    event.summary = summaryPrefix(call, context);
    event.attributes = commonAttributes(call, context);
    event.attributes["phase"] = "start";
    event.attributes["streaming"] = isStreaming(call);
    if (call.requestMessages.first() && call.requestMessages.first()->complete)
        addFields(event.attributes, "request", call.requestMessages, context.fieldLimits);
    return event;
}

Event makeGrpcCompleteEvent(const GrpcCall &call, const GrpcEventContext &context)
{
    Event event;
    event.kind = EventKind::Grpc;
    event.source = context.source;
    event.monotonicNs = call.endNs;
    if (call.startSeq)
        event.links.push_back(call.startSeq);
    nlohmann::json &a = event.attributes;
    a = commonAttributes(call, context);
    a["phase"] = "complete";

    const std::optional<int> code = call.statusCode();
    const std::string message = grpcMessage(call);
    const double ms = durationMs(call);
    const bool streaming = isStreaming(call);
    a["complete"] = code.has_value();
    a["status_code"] = code ? nlohmann::json(*code) : nlohmann::json();
    a["status_name"] = code ? nlohmann::json(grpcStatusName(*code)) : nlohmann::json();
    if (code)
        a["status_constant"] = grpcStatusConstant(*code);
    a["grpc_message"] = message;
    if (call.response && call.response->value(":status"))
        a["http_status"] = headerText(*call.response, ":status");
    a["request_messages"] = call.requestMessages.messages();
    a["response_messages"] = call.responseMessages.messages();
    a["request_bytes"] = call.requestMessages.messageBytes();
    a["response_bytes"] = call.responseMessages.messageBytes();
    a["duration_ms"] = ms;
    a["streaming"] = streaming;
    addFields(a, "request", call.requestMessages, context.fieldLimits);
    addFields(a, "response", call.responseMessages, context.fieldLimits);
    if (call.trailers) {
        nlohmann::json extra = nlohmann::json::object();
        for (const Http2Header &header : call.trailers->headers)
            if (!header.name.starts_with(':') && header.name != "grpc-status" &&
                header.name != "grpc-message" && header.name != "content-type")
                extra[printableText(header.name, kHeaderValueCap)] =
                    printableText(header.value, kHeaderValueCap);
        if (!extra.empty())
            a["trailers"] = std::move(extra);
    }
    if (call.resetCode)
        a["reset"] = {{"by", call.resetBy},
                      {"error_code", *call.resetCode},
                      {"error_name", http2ErrorCodeName(*call.resetCode)}};
    if (!call.endReason.empty())
        a["end_reason"] = printableText(call.endReason, kStatusMessageCap);

    std::string outcome;
    if (code) {
        outcome = grpcStatusName(*code);
        if (*code != 0 && !message.empty())
            outcome += ": " + printableText(message, kSummaryMessageCap);
    } else if (call.resetCode) {
        outcome = "reset by " + call.resetBy + ": " + http2ErrorCodeName(*call.resetCode);
    } else if (call.response && call.response->value(":status").value_or("200") != "200") {
        outcome = "HTTP " + headerText(*call.response, ":status") + " without grpc-status";
    } else {
        outcome = "unfinished: " + (call.endReason.empty()
                                        ? std::string("no grpc-status")
                                        : printableText(call.endReason, kSummaryMessageCap));
    }
    std::string timing;
    if (streaming) {
        timing = "stream, ";
        if (call.requestMessages.messages() > 1)
            timing += std::to_string(call.requestMessages.messages()) + " requests, ";
        const std::uint64_t responses = call.responseMessages.messages();
        timing += std::to_string(responses) + (responses == 1 ? " response, " : " responses, ");
    }
    timing += formatDuration(ms);
    event.summary = summaryPrefix(call, context) + " → " + outcome + " (" + timing + ")";
    return event;
}

} // namespace flowlab
