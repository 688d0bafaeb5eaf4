#pragma once

// Docker API exchanges as evidence. Each exchange (one request and its response on a client
// connection) becomes these events, all kind "api" with source.component "dockerd" (the callee):
//
//  - "request" (attributes.direction = "request"): when the request has been read completely,
//    body included. If the response starts first (dockerd refusing an upload early), it is
//    recorded then, with complete = false.
//  - "response head" (direction "response", phase "head"): only when the response is hijacked
//    (attach, exec, run -it) or its body is still streaming after the bytes that carried the head
//    (pull progress, logs -f, events), so that live viewers see the call at once. Links to the
//    request.
//  - "response" (direction "response", phase "complete"): when the body is complete, or when
//    the connection closes for a hijacked or cut-short response. Links to the request and, if
//    any, to the head event. A request never answered gets one with complete = false.
//
// Summaries read like "POST /containers/create?name=web → 201 Created" or
// "POST /images/create?fromImage=nginx&tag=latest → 200 (stream, 14 messages)". Credentials
// (X-Registry-Auth, Authorization, passwords in /auth bodies) are redacted.

#include "tracer/model/Event.h"
#include "tracer/taps/DockerApiRoutes.h"
#include "tracer/taps/DockerStreamDecoders.h"
#include "tracer/taps/HttpMessageParser.h"

#include <cstdint>
#include <optional>
#include <string>

namespace flowlab {

struct DockerApiExchange
{
    std::uint64_t connection = 0; // the tap's number for the client connection
    std::uint64_t index = 0;      // 1-based position of the exchange on that connection

    HttpMessage request; // its head until requestComplete
    bool requestComplete = false;
    std::optional<HttpMessage> response; // set at the response head, complete at responseComplete
    bool responseComplete = false;
    bool hijacked = false;
    std::string endReason; // why the response ended early, e.g. "the client closed the connection"

    std::int64_t requestStartNs = 0;
    std::int64_t responseHeadNs = 0;
    std::int64_t responseEndNs = 0;

    std::optional<JsonLinesDigest> jsonLines;         // JSON responses that stream
    std::optional<StdioStreamDigest> stdioFromDaemon; // logs bodies, hijacked output
    std::optional<StdioStreamDigest> stdioFromClient; // hijacked input

    std::uint64_t requestSeq = 0;
    std::uint64_t headSeq = 0;

    bool streamed() const;
};

// "POST /containers/create?name=web": the endpoint without version prefix and the decoded query.
std::string dockerRequestLine(const HttpMessage &request);

Event makeDockerRequestEvent(const DockerApiExchange &exchange, const EventSource &source);
Event makeDockerResponseHeadEvent(const DockerApiExchange &exchange, const EventSource &source);
Event makeDockerResponseEvent(const DockerApiExchange &exchange, const EventSource &source);

// Replaces credentials (password, identitytoken, registrytoken, auth) anywhere in `value`.
nlohmann::json redactDockerSecrets(nlohmann::json value);

} // namespace flowlab
