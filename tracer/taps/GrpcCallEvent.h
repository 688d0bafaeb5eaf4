#pragma once

// gRPC calls as evidence. Each call (one HTTP/2 stream) becomes two events, kind "grpc", with
// source.component the callee (containerd) and attributes.caller the caller (dockerd):
//
//  - "start" (attributes.phase = "start"): when the request headers arrive, so that long-lived
//    streams such as Events/Subscribe show up while they run. If the first request message came
//    in the same read, its generic decode is included.
//  - "complete" (phase "complete"): at the trailers, a RST_STREAM, or the end of the
//    connection; links to the start event.
//
// Summaries read "dockerd → containerd: /containerd.services.tasks.v1.Tasks/Create → OK (12 ms)"
// or "... → NotFound: container "x" not found (3 ms)".

#include "tracer/model/Event.h"
#include "tracer/taps/GrpcWire.h"
#include "tracer/taps/Http2FrameParser.h"
#include "tracer/taps/ProtobufWireDecoder.h"

#include <cstdint>
#include <optional>
#include <string>

namespace flowlab {

struct GrpcCall
{
    std::uint64_t connection = 0; // the tap's number for the connection
    std::uint32_t streamId = 0;

    Http2HeaderBlock request;                 // the request headers
    std::optional<Http2HeaderBlock> response; // response headers (for Trailers-Only, the trailers)
    std::optional<Http2HeaderBlock> trailers;
    GrpcMessageReader requestMessages;
    GrpcMessageReader responseMessages;
    bool requestEnded = false; // the caller half-closed (END_STREAM)

    // How it ended without trailers: a RST_STREAM (by whom, which code) or the connection.
    std::optional<std::uint32_t> resetCode;
    std::string resetBy;
    std::string endReason;

    std::int64_t startNs = 0;
    std::int64_t endNs = 0;
    std::uint64_t startSeq = 0;

    // grpc-status from the trailers (or a Trailers-Only response), if it came and is a number.
    std::optional<int> statusCode() const;
};

struct GrpcEventContext
{
    EventSource source{"containerd", "", 0, ""}; // the callee
    std::string caller = "dockerd";
    ProtobufDecodeLimits fieldLimits;
};

Event makeGrpcStartEvent(const GrpcCall &call, const GrpcEventContext &context);
Event makeGrpcCompleteEvent(const GrpcCall &call, const GrpcEventContext &context);

} // namespace flowlab
