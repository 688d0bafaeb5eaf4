#include "tracer/taps/GrpcCallRecorder.h"

#include "tracer/taps/DockerStreamDecoders.h"

#include <spdlog/spdlog.h>

namespace flowlab {

GrpcCallRecorder::GrpcCallRecorder(EventLog &log, std::uint64_t connectionId,
                                   GrpcCallRecorderOptions options)
    : m_log(log)
    , m_connection(connectionId)
    , m_options(std::move(options))
    , m_context{m_options.source, m_options.caller, m_options.fieldLimits}
{
    Http2FrameParser::Handlers fromClient;
    fromClient.headers = [this](const Http2HeaderBlock &block) { onRequestHeaders(block); };
    fromClient.data = [this](std::uint32_t id, std::string_view data, bool end) {
        onData(true, id, data, end);
    };
    fromClient.rstStream = [this](std::uint32_t id, std::uint32_t code) {
        onReset(true, id, code);
    };
    Http2FrameParser::Handlers fromServer;
    fromServer.headers = [this](const Http2HeaderBlock &block) { onResponseHeaders(block); };
    fromServer.data = [this](std::uint32_t id, std::string_view data, bool end) {
        onData(false, id, data, end);
    };
    fromServer.rstStream = [this](std::uint32_t id, std::uint32_t code) {
        onReset(false, id, code);
    };
    fromServer.goAway = [this](std::uint32_t last, std::uint32_t code, std::string_view debug) {
        onServerGoAway(last, code, debug);
    };
    m_parsers.setHandlers(std::move(fromClient), std::move(fromServer));
}

GrpcCallRecorder::~GrpcCallRecorder() = default;

void GrpcCallRecorder::clientBytes(std::string_view bytes)
{
    if (m_failed || m_closed)
        return;
    const Status parsed = m_parsers.client.feed(bytes);
    recordPendingStarts();
    if (!parsed)
        parseFailed(m_options.caller, parsed.error());
}

void GrpcCallRecorder::serverBytes(std::string_view bytes)
{
    if (m_failed || m_closed)
        return;
    if (Status parsed = m_parsers.server.feed(bytes); !parsed)
        parseFailed(m_options.source.component, parsed.error());
}

void GrpcCallRecorder::connectionClosed(const std::string &reason)
{
    if (m_closed)
        return;
    m_closed = true;
    recordPendingStarts();
    const std::string why = m_goAway.empty() ? reason : reason + " (after " + m_goAway + ")";
    while (!m_calls.empty()) {
        GrpcCall &call = *m_calls.begin()->second;
        if (call.endReason.empty())
            call.endReason = why;
        complete(call.streamId);
    }
}

void GrpcCallRecorder::onRequestHeaders(const Http2HeaderBlock &block)
{
    if (block.promise)
        return; // a client cannot promise; nothing to follow
    const auto known = m_calls.find(block.streamId);
    if (known != m_calls.end()) {
        // Trailers from the client: gRPC sends none, but they would end its side.
        known->second->requestEnded = known->second->requestEnded || block.endStream;
        return;
    }
    if (m_calls.size() >= m_options.maxOpenCalls) {
        ++m_untracked;
        return;
    }
    auto call = std::make_unique<GrpcCall>();
    call->connection = m_connection;
    call->streamId = block.streamId;
    call->request = block;
    call->requestEnded = block.endStream;
    call->startNs = monotonicNowNs();
    m_calls.emplace(block.streamId, std::move(call));
    m_pendingStarts.push_back(block.streamId);
}

void GrpcCallRecorder::onResponseHeaders(const Http2HeaderBlock &block)
{
    const auto it = m_calls.find(block.streamId);
    if (it == m_calls.end() || block.promise)
        return;
    GrpcCall &call = *it->second;
    if (!call.response) {
        call.response = block;
        // Trailers-Only: an error answered at once carries grpc-status in its only headers.
        if (block.value("grpc-status"))
            call.trailers = block;
    } else {
        call.trailers = block;
    }
    if (block.endStream)
        complete(block.streamId);
}

void GrpcCallRecorder::onData(bool fromClient, std::uint32_t streamId, std::string_view data,
                              bool endStream)
{
    const auto it = m_calls.find(streamId);
    if (it == m_calls.end())
        return;
    GrpcCall &call = *it->second;
    if (fromClient) {
        call.requestMessages.feed(data);
        call.requestEnded = call.requestEnded || endStream;
        return;
    }
    call.responseMessages.feed(data);
    if (endStream)
        complete(streamId); // a server ending without trailers: no grpc-status
}

void GrpcCallRecorder::onReset(bool fromClient, std::uint32_t streamId, std::uint32_t errorCode)
{
    const auto it = m_calls.find(streamId);
    if (it == m_calls.end())
        return;
    GrpcCall &call = *it->second;
    call.resetCode = errorCode;
    call.resetBy = fromClient ? m_options.caller : m_options.source.component;
    complete(streamId);
}

void GrpcCallRecorder::onServerGoAway(std::uint32_t lastStreamId, std::uint32_t errorCode,
                                      std::string_view debugData)
{
    m_goAway = m_options.source.component + " sent GOAWAY (" + http2ErrorCodeName(errorCode);
    if (!debugData.empty())
        m_goAway += ": " + printableText(debugData, 256);
    m_goAway += ")";
    // Streams past the last one the server handled were never seen by it; the client retries
    // them on another connection.
    std::vector<std::uint32_t> refused;
    for (const auto &[id, call] : m_calls)
        if (id > lastStreamId)
            refused.push_back(id);
    recordPendingStarts();
    for (const std::uint32_t id : refused) {
        m_calls.at(id)->endReason = m_goAway + " before handling this stream";
        complete(id);
    }
}

void GrpcCallRecorder::recordPendingStarts()
{
    for (const std::uint32_t id : std::exchange(m_pendingStarts, {})) {
        const auto it = m_calls.find(id);
        if (it != m_calls.end() && it->second->startSeq == 0)
            recordStart(*it->second);
    }
}

void GrpcCallRecorder::recordStart(GrpcCall &call)
{
    call.startSeq = m_log.append(makeGrpcStartEvent(call, m_context));
}

void GrpcCallRecorder::complete(std::uint32_t streamId)
{
    const auto it = m_calls.find(streamId);
    if (it == m_calls.end())
        return;
    std::unique_ptr<GrpcCall> call = std::move(it->second);
    m_calls.erase(it);
    if (call->startSeq == 0)
        recordStart(*call); // headers and the end in one read: the start still comes first
    call->endNs = monotonicNowNs();
    m_log.append(makeGrpcCompleteEvent(*call, m_context));
}

void GrpcCallRecorder::parseFailed(const std::string &side, const Error &error)
{
    if (m_failed)
        return;
    m_failed = true;
    spdlog::warn("containerd tap, connection {}: {} bytes are not HTTP/2 ({}); forwarding the "
                 "rest without decoding",
                 m_connection, side, error.message());
    for (const auto &[id, call] : m_calls)
        if (call->endReason.empty())
            call->endReason = "decoding stopped: " + side + " sent bytes that are not HTTP/2";
    Event event;
    event.kind = EventKind::Log;
    event.source = EventSource{"flowlab-tap", m_options.source.node, 0, ""};
    event.summary = "connection " + std::to_string(m_connection) + ": " + side +
                    " bytes are not HTTP/2, forwarding them without decoding: " +
                    printableText(error.message(), 1024);
    event.attributes = {{"connection", m_connection},
                        {"side", side},
                        {"level", "warning"},
                        {"protocol", "grpc"},
                        {"error", printableText(error.message(), 1024)}};
    m_log.append(std::move(event));
}

} // namespace flowlab
