#pragma once

// Follows one client connection to dockerd: parses each direction, pairs every response with
// its request (in order, as HTTP/1.1 pipelining requires), and appends the events described in
// DockerApiEvent.h to an EventLog. It never touches sockets, so the tap stays a byte pump and
// this can be fed from tests or a capture file.

#include "tracer/model/EventLog.h"
#include "tracer/taps/DockerApiEvent.h"
#include "tracer/taps/HttpMessageParser.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

namespace flowlab {

struct DockerApiRecorderOptions
{
    EventSource source{"dockerd", "", 0, ""}; // the callee the events are about
    std::size_t bodyCap = HttpMessageParser::kDefaultBodyCap;
};

class DockerApiRecorder
{
public:
    DockerApiRecorder(EventLog &log, std::uint64_t connectionId,
                      DockerApiRecorderOptions options = {});
    ~DockerApiRecorder();
    DockerApiRecorder(const DockerApiRecorder &) = delete;
    DockerApiRecorder &operator=(const DockerApiRecorder &) = delete;

    // Bytes the client sent towards dockerd, and bytes dockerd sent back, as they were forwarded.
    void clientBytes(std::string_view bytes);
    void daemonBytes(std::string_view bytes);
    // That side will send no more (EOF or error).
    void clientClosed();
    void daemonClosed();
    // The connection is gone: records what is still open (a hijacked session, a stream cut
    // short, requests never answered). `reason` says who ended it. Later calls do nothing.
    void connectionClosed(const std::string &reason);

    // False once a side was not HTTP; bytes are then only forwarded, never parsed.
    bool decoding() const { return !m_parseFailed; }
    std::uint64_t connectionId() const { return m_connection; }

private:
    DockerApiExchange *exchangeAwaitingResponse();
    void onRequestHead(const HttpMessage &message);
    void onRequestComplete(const HttpMessage &message);
    void onResponseHead(const HttpMessage &message);
    void onResponseBody(std::string_view bytes);
    void onResponseComplete(const HttpMessage &message);
    void onDaemonRaw(std::string_view bytes);
    void onClientRaw(std::string_view bytes);
    void afterDaemonBytes();
    void captureOpenMessages();
    void recordRequest(DockerApiExchange &exchange);
    void recordResponse(DockerApiExchange &exchange);
    void parseFailed(std::string_view side, const Error &error);

    EventLog &m_log;
    std::uint64_t m_connection;
    DockerApiRecorderOptions m_options;
    HttpMessageParser m_requestParser;
    HttpMessageParser m_responseParser;
    // Exchanges in request order; the front is the one the next response answers.
    std::deque<std::unique_ptr<DockerApiExchange>> m_exchanges;
    // The exchange whose request is being read, and the one whose response is being read
    // (both still in m_exchanges), or null.
    DockerApiExchange *m_requesting = nullptr;
    DockerApiExchange *m_responding = nullptr;
    // Set while a response head asks the request side to switch; applied after the feed.
    enum class UpgradeDecision { None, Raw, Refused } m_upgradeDecision = UpgradeDecision::None;
    std::uint64_t m_nextIndex = 1;
    bool m_parseFailed = false;
    bool m_clientFinished = false;
    bool m_daemonFinished = false;
    bool m_closed = false;
};

} // namespace flowlab
