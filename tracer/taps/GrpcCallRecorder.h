#pragma once

// Follows one HTTP/2 connection from a gRPC client (dockerd) to its server (containerd): parses
// both directions, follows every stream as a call (headers, messages, trailers or reset) and
// appends the "grpc" events described in GrpcCallEvent.h to an EventLog. It never touches
// sockets, so the tap stays a byte pump and this can be fed from tests or a capture.
//
// Bytes that are not HTTP/2 are reported once, as a "log" event; the recorder then ignores the
// rest of the connection, and the calls still open end with the connection.

#include "tracer/model/EventLog.h"
#include "tracer/taps/GrpcCallEvent.h"
#include "tracer/taps/Http2FrameParser.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab {

struct GrpcCallRecorderOptions
{
    EventSource source{"containerd", "", 0, ""}; // the callee the events are about
    std::string caller = "dockerd";
    ProtobufDecodeLimits fieldLimits;
    // Calls followed at once; streams past this are forwarded but not recorded.
    std::size_t maxOpenCalls = 4096;
};

class GrpcCallRecorder
{
public:
    GrpcCallRecorder(EventLog &log, std::uint64_t connectionId,
                     GrpcCallRecorderOptions options = {});
    ~GrpcCallRecorder();
    GrpcCallRecorder(const GrpcCallRecorder &) = delete;
    GrpcCallRecorder &operator=(const GrpcCallRecorder &) = delete;

    // Bytes the client sent towards the server, and bytes the server sent back, as forwarded.
    void clientBytes(std::string_view bytes);
    void serverBytes(std::string_view bytes);
    // The connection is gone: completes every call still open (a Subscribe stream, calls cut
    // short) with `reason`. Later calls do nothing.
    void connectionClosed(const std::string &reason);

    // False once either side was not HTTP/2.
    bool decoding() const { return !m_failed; }
    std::size_t openCalls() const { return m_calls.size(); }
    std::uint64_t untrackedCalls() const { return m_untracked; }
    std::uint64_t connectionId() const { return m_connection; }

private:
    void onRequestHeaders(const Http2HeaderBlock &block);
    void onResponseHeaders(const Http2HeaderBlock &block);
    void onData(bool fromClient, std::uint32_t streamId, std::string_view data, bool endStream);
    void onReset(bool fromClient, std::uint32_t streamId, std::uint32_t errorCode);
    void onServerGoAway(std::uint32_t lastStreamId, std::uint32_t errorCode,
                        std::string_view debugData);
    void recordPendingStarts();
    void recordStart(GrpcCall &call);
    void complete(std::uint32_t streamId);
    void parseFailed(const std::string &side, const Error &error);

    EventLog &m_log;
    std::uint64_t m_connection;
    GrpcCallRecorderOptions m_options;
    GrpcEventContext m_context;
    Http2FrameParser::Pair m_parsers;
    std::map<std::uint32_t, std::unique_ptr<GrpcCall>> m_calls;
    // Calls whose start event waits for the end of the read that brought their headers, so
    // that a first message in the same read is part of it.
    std::vector<std::uint32_t> m_pendingStarts;
    std::string m_goAway; // "containerd sent GOAWAY (NO_ERROR)", for end reasons
    std::uint64_t m_untracked = 0;
    bool m_failed = false;
    bool m_closed = false;
};

} // namespace flowlab
