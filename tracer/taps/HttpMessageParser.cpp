#include "tracer/taps/HttpMessageParser.h"

#include <algorithm>
#include <cctype>
#include <http_parser.h>

namespace flowlab {

namespace {

char lowerAscii(char c)
{
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return lowerAscii(x) == lowerAscii(y);
           });
}

std::string_view trimmed(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string_view kindName(HttpMessageType type)
{
    return type == HttpMessageType::Request ? "request" : "response";
}

} // namespace

void HttpHeaders::add(std::string name, std::string value)
{
    m_fields.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> HttpHeaders::value(std::string_view name) const
{
    for (const auto &[field, value] : m_fields)
        if (equalsIgnoringCase(field, name))
            return value;
    return std::nullopt;
}

std::optional<std::string> HttpMessage::queryValue(std::string_view key) const
{
    const auto it = query.find(std::string(key));
    if (it == query.end())
        return std::nullopt;
    return it->second;
}

std::string decodeQueryComponent(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
                   hexValue(text[i + 2]) >= 0) {
            out += static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
            i += 2;
        } else {
            // A malformed escape is kept as sent rather than guessed at.
            out += c;
        }
    }
    return out;
}

std::multimap<std::string, std::string> parseQueryString(std::string_view query)
{
    std::multimap<std::string, std::string> result;
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty())
            continue;
        const std::size_t eq = pair.find('=');
        const std::string_view key = pair.substr(0, eq);
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        result.emplace(decodeQueryComponent(key), decodeQueryComponent(value));
    }
    return result;
}

bool isDockerStdioStream(std::string_view contentType)
{
    const std::string_view mediaType = trimmed(contentType.substr(0, contentType.find(';')));
    return equalsIgnoringCase(mediaType, "application/vnd.docker.raw-stream") ||
           equalsIgnoringCase(mediaType, "application/vnd.docker.multiplexed-stream");
}

// libhttp_parser's C callbacks; `data` points back at the HttpMessageParser.
struct HttpMessageParser::Callbacks
{
    static HttpMessageParser &self(http_parser *parser)
    {
        return *static_cast<HttpMessageParser *>(parser->data);
    }

    static void flushHeader(HttpMessageParser &s)
    {
        if (!s.m_field.empty() || s.m_inValue)
            s.m_message.headers.add(std::move(s.m_field), std::string(trimmed(s.m_value)));
        s.m_field.clear();
        s.m_value.clear();
        s.m_inValue = false;
    }

    static int messageBegin(http_parser *parser)
    {
        HttpMessageParser &s = self(parser);
        s.m_message = HttpMessage{};
        s.m_message.type = s.m_type;
        s.m_field.clear();
        s.m_value.clear();
        s.m_inValue = false;
        s.m_inMessage = true;
        return 0;
    }

    static int url(http_parser *parser, const char *at, std::size_t length)
    {
        self(parser).m_message.target.append(at, length);
        return 0;
    }

    static int status(http_parser *parser, const char *at, std::size_t length)
    {
        self(parser).m_message.reason.append(at, length);
        return 0;
    }

    static int headerField(http_parser *parser, const char *at, std::size_t length)
    {
        HttpMessageParser &s = self(parser);
        if (s.m_inValue)
            flushHeader(s);
        s.m_field.append(at, length);
        return 0;
    }

    static int headerValue(http_parser *parser, const char *at, std::size_t length)
    {
        HttpMessageParser &s = self(parser);
        s.m_value.append(at, length);
        s.m_inValue = true;
        return 0;
    }

    static int headersComplete(http_parser *parser)
    {
        HttpMessageParser &s = self(parser);
        flushHeader(s);
        HttpMessage &m = s.m_message;
        m.httpMajor = parser->http_major;
        m.httpMinor = parser->http_minor;
        m.chunked = (parser->flags & F_CHUNKED) != 0;
        m.keepAlive = http_should_keep_alive(parser) != 0;
        if (s.m_type == HttpMessageType::Request) {
            m.method = http_method_str(static_cast<http_method>(parser->method));
            std::string_view target = m.target;
            target = target.substr(0, target.find('#'));
            const std::size_t question = target.find('?');
            m.path = std::string(target.substr(0, question));
            if (question != std::string_view::npos) {
                m.rawQuery = std::string(target.substr(question + 1));
                m.query = parseQueryString(m.rawQuery);
            }
            // libhttp_parser sets `upgrade` before this callback so that it can be seen here.
            m.upgrade = parser->upgrade != 0;
        } else {
            m.status = static_cast<int>(parser->status_code);
        }
        const int answer = s.decideBody();
        if (s.m_handlers.headComplete)
            s.m_handlers.headComplete(m);
        return answer;
    }

    static int body(http_parser *parser, const char *at, std::size_t length)
    {
        HttpMessageParser &s = self(parser);
        HttpMessage &m = s.m_message;
        m.bodyLength += length;
        const std::size_t room = s.m_bodyCap - std::min(s.m_bodyCap, m.body.size());
        const std::size_t take = std::min(room, length);
        m.body.append(at, take);
        if (take < length)
            m.bodyTruncated = true;
        if (s.m_handlers.bodyData)
            s.m_handlers.bodyData(m, std::string_view(at, length));
        return 0;
    }

    static int messageComplete(http_parser *parser)
    {
        HttpMessageParser &s = self(parser);
        s.m_inMessage = false;
        if (s.m_handlers.messageComplete)
            s.m_handlers.messageComplete(s.m_message);
        return 0;
    }

    static const http_parser_settings &settings()
    {
        static const http_parser_settings table = [] {
            http_parser_settings t;
            http_parser_settings_init(&t);
            t.on_message_begin = &messageBegin;
            t.on_url = &url;
            t.on_status = &status;
            t.on_header_field = &headerField;
            t.on_header_value = &headerValue;
            t.on_headers_complete = &headersComplete;
            t.on_body = &body;
            t.on_message_complete = &messageComplete;
            return t;
        }();
        return table;
    }
};

HttpMessageParser::HttpMessageParser(HttpMessageType type, std::size_t bodyCap)
    : m_type(type)
    , m_bodyCap(bodyCap)
    , m_parser(std::make_unique<http_parser>())
{
    m_message.type = type;
    resetParser();
}

HttpMessageParser::~HttpMessageParser() = default;

void HttpMessageParser::resetParser()
{
    http_parser_init(m_parser.get(),
                     m_type == HttpMessageType::Request ? HTTP_REQUEST : HTTP_RESPONSE);
    m_parser->data = this;
}

int HttpMessageParser::decideBody()
{
    HttpMessage &m = m_message;
    if (m_type == HttpMessageType::Request)
        return 0;
    m.interim = m.status >= 100 && m.status < 200 && m.status != 101;
    if (!m.interim && !m_pendingMethods.empty()) {
        m.requestMethod = std::move(m_pendingMethods.front());
        m_pendingMethods.pop_front();
    }
    // Any 101 leaves HTTP, even one missing its Upgrade/Connection headers.
    if (m.status == 101) {
        m.upgrade = true;
        return 2;
    }
    if (m.interim || m.status == 204 || m.status == 304 || m.requestMethod == "HEAD")
        return 1;
    if (m.requestMethod == "CONNECT" && m.status / 100 == 2) {
        m.upgrade = true;
        return 2;
    }
    const bool framed = m.chunked || m.headers.contains("Content-Length");
    // dockerd's hijack without an Upgrade request answers "200 OK" with a stdio stream type and
    // no framing, then the connection is raw both ways. `docker logs` uses the same types with
    // chunked framing, and that body is still HTTP.
    if (!framed && m.status / 100 == 2 &&
        isDockerStdioStream(m.headers.value("Content-Type").value_or(""))) {
        m.upgrade = true;
        return 2;
    }
    m.bodyUntilEof = !framed;
    return 0;
}

Status HttpMessageParser::fail(const std::string &what)
{
    m_state = State::Failed;
    m_held.clear();
    m_error = Error(what).context("parsing HTTP " + std::string(kindName(m_type)) + " at byte " +
                                  std::to_string(m_offset));
    return *m_error;
}

void HttpMessageParser::deliverRaw(std::string_view bytes)
{
    if (bytes.empty())
        return;
    m_rawBytes += bytes.size();
    if (m_handlers.rawData)
        m_handlers.rawData(bytes);
}

Status HttpMessageParser::execute(std::string_view bytes)
{
    const std::size_t parsed =
        http_parser_execute(m_parser.get(), &Callbacks::settings(), bytes.data(), bytes.size());
    m_offset += parsed;
    const auto err = HTTP_PARSER_ERRNO(m_parser.get());
    if (err != HPE_OK)
        return fail(std::string("http_parser_execute: ") + http_errno_name(err) + " (" +
                    http_errno_description(err) + ")");
    if (m_parser->upgrade) {
        const std::string_view rest = bytes.substr(parsed);
        if (m_type == HttpMessageType::Request) {
            // The client may not talk HTTP any more, but only the response tells.
            m_state = State::AwaitingUpgrade;
            m_held.assign(rest);
        } else {
            m_state = State::Raw;
            deliverRaw(rest);
        }
        return success();
    }
    if (parsed != bytes.size())
        return fail("http_parser_execute: stopped after " + std::to_string(parsed) + " of " +
                    std::to_string(bytes.size()) + " bytes");
    return success();
}

Status HttpMessageParser::feed(std::string_view bytes)
{
    switch (m_state) {
    case State::Failed:
        return *m_error;
    case State::Raw:
        deliverRaw(bytes);
        return success();
    case State::AwaitingUpgrade:
        if (m_held.size() + bytes.size() > kMaxHeldBytes) {
            // No answer after this much: the client already talks the upgraded protocol.
            switchToRaw();
            deliverRaw(bytes);
        } else {
            m_held.append(bytes);
        }
        return success();
    case State::Http:
        break;
    }
    if (bytes.empty())
        return success();
    return execute(bytes);
}

Status HttpMessageParser::finish()
{
    if (m_state != State::Http)
        return success();
    http_parser_execute(m_parser.get(), &Callbacks::settings(), nullptr, 0);
    const auto err = HTTP_PARSER_ERRNO(m_parser.get());
    if (err == HPE_OK)
        return success();
    resetParser();
    const bool hadHead = m_message.status != 0 || !m_message.method.empty();
    m_inMessage = false;
    return Error(
        "connection closed in the middle of an HTTP " + std::string(kindName(m_type)) +
        (hadHead ? " body (" + std::to_string(m_message.bodyLength) + " bytes read)" : " head"));
}

void HttpMessageParser::switchToRaw()
{
    if (m_state == State::Raw || m_state == State::Failed)
        return;
    m_state = State::Raw;
    const std::string held = std::move(m_held);
    m_held.clear();
    deliverRaw(held);
}

Status HttpMessageParser::resumeHttp()
{
    if (m_state != State::AwaitingUpgrade)
        return success();
    m_state = State::Http;
    resetParser();
    const std::string held = std::move(m_held);
    m_held.clear();
    return feed(held);
}

std::string_view toString(HttpMessageParser::State state)
{
    switch (state) {
    case HttpMessageParser::State::Http:
        return "http";
    case HttpMessageParser::State::AwaitingUpgrade:
        return "awaiting-upgrade";
    case HttpMessageParser::State::Raw:
        return "raw";
    case HttpMessageParser::State::Failed:
        return "failed";
    }
    return "failed";
}

} // namespace flowlab
