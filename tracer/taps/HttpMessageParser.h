#pragma once

// Incremental HTTP/1.x parsing of one direction of a connection, on top of libhttp_parser.
// The tap feeds it whatever slices the socket delivers. It reports message heads as soon as they
// are complete (so streamed responses can be shown live), body data, complete messages, and the
// moment the connection leaves HTTP (Upgrade/101, CONNECT, or Docker's hijacked raw-stream
// responses); from then on bytes are handed over unparsed.

#include "tracer/base/Result.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct http_parser; // libhttp_parser, kept out of this header

namespace flowlab {

// Header fields in arrival order. Lookups ignore case, as HTTP field names do.
class HttpHeaders
{
public:
    void add(std::string name, std::string value);
    // The first value of `name`, if present.
    std::optional<std::string> value(std::string_view name) const;
    bool contains(std::string_view name) const { return value(name).has_value(); }
    const std::vector<std::pair<std::string, std::string>> &fields() const { return m_fields; }
    bool empty() const { return m_fields.empty(); }

private:
    std::vector<std::pair<std::string, std::string>> m_fields;
};

enum class HttpMessageType { Request, Response };

struct HttpMessage
{
    HttpMessageType type = HttpMessageType::Request;
    int httpMajor = 1;
    int httpMinor = 1;

    // Requests.
    std::string method;
    std::string target;   // request-target as sent, e.g. /v1.43/images/create?fromImage=nginx
    std::string path;     // target before '?', as sent (not percent-decoded)
    std::string rawQuery; // target after '?', as sent
    std::multimap<std::string, std::string> query; // decoded ('%XX' and '+'); repeats kept

    // Responses.
    int status = 0;
    std::string reason;
    std::string requestMethod; // method of the request this answers, from the pending queue

    HttpHeaders headers;
    std::string body;             // the first bodyCap bytes of the body, chunk framing removed
    std::uint64_t bodyLength = 0; // every body byte seen, captured or not
    bool bodyTruncated = false;
    bool chunked = false;
    bool bodyUntilEof = false; // a response body that ends when the connection closes
    bool keepAlive = true;
    bool upgrade = false; // a request asking to leave HTTP, or a response that does
    bool interim = false; // a 1xx other than 101: the final response is still to come

    std::optional<std::string> queryValue(std::string_view key) const;
};

// Percent-decodes a query component the way Go's url.ParseQuery does ('+' is a space).
std::string decodeQueryComponent(std::string_view text);
std::multimap<std::string, std::string> parseQueryString(std::string_view query);

// True for Docker's stdio stream media types (application/vnd.docker.raw-stream and
// application/vnd.docker.multiplexed-stream), parameters ignored.
bool isDockerStdioStream(std::string_view contentType);

class HttpMessageParser
{
public:
    static constexpr std::size_t kDefaultBodyCap = 256 * 1024;
    // Bytes a request parser holds while an upgrade is undecided; past this it stops parsing.
    static constexpr std::size_t kMaxHeldBytes = 1024 * 1024;

    enum class State {
        Http,            // parsing messages
        AwaitingUpgrade, // a request asked to upgrade; bytes are held until its response decides
        Raw,             // the connection left HTTP; bytes go to Handlers::rawData unparsed
        Failed,          // the bytes are not HTTP; later input is ignored
    };

    struct Handlers
    {
        std::function<void(const HttpMessage &)> headComplete;
        std::function<void(const HttpMessage &, std::string_view)> bodyData;
        std::function<void(const HttpMessage &)> messageComplete;
        std::function<void(std::string_view)> rawData;
    };

    explicit HttpMessageParser(HttpMessageType type, std::size_t bodyCap = kDefaultBodyCap);
    ~HttpMessageParser();
    HttpMessageParser(const HttpMessageParser &) = delete;
    HttpMessageParser &operator=(const HttpMessageParser &) = delete;

    void setHandlers(Handlers handlers) { m_handlers = std::move(handlers); }

    // Response parsers only: the method of each request sent on this connection, in order. A
    // response to HEAD (or a 2xx to CONNECT) has no body whatever its headers say, so the
    // request side must tell the response side what it asked.
    void expectResponseTo(std::string method) { m_pendingMethods.push_back(std::move(method)); }
    std::size_t pendingRequests() const { return m_pendingMethods.size(); }

    // Parses `bytes`. An error names the libhttp_parser error and the offset in the stream; the
    // parser then stays Failed and ignores later input.
    Status feed(std::string_view bytes);
    // The peer will send no more: completes a body that runs to EOF, and reports a message that
    // was cut short as an error (the parser does not become Failed for it).
    Status finish();

    // The upgrade went through (or the other direction left HTTP): held and later bytes are raw.
    void switchToRaw();
    // From AwaitingUpgrade: the server refused the upgrade, so held bytes are parsed as HTTP.
    Status resumeHttp();

    State state() const { return m_state; }
    const std::optional<Error> &error() const { return m_error; }
    bool inMessage() const { return m_inMessage; }
    const HttpMessage &current() const { return m_message; }
    std::uint64_t bytesParsed() const { return m_offset; }
    std::uint64_t rawBytes() const { return m_rawBytes; }
    std::size_t bodyCap() const { return m_bodyCap; }

private:
    struct Callbacks;
    friend struct Callbacks;

    Status execute(std::string_view bytes);
    void resetParser();
    void deliverRaw(std::string_view bytes);
    int decideBody(); // on_headers_complete's answer: 0 body as framed, 1 no body, 2 leave HTTP
    Status fail(const std::string &what);

    HttpMessageType m_type;
    std::size_t m_bodyCap;
    std::unique_ptr<::http_parser> m_parser;
    Handlers m_handlers;
    State m_state = State::Http;
    std::optional<Error> m_error;
    std::deque<std::string> m_pendingMethods;
    HttpMessage m_message;
    std::string m_field;
    std::string m_value;
    bool m_inValue = false;
    bool m_inMessage = false;
    std::string m_held;
    std::uint64_t m_offset = 0;
    std::uint64_t m_rawBytes = 0;
};

std::string_view toString(HttpMessageParser::State state);

} // namespace flowlab
