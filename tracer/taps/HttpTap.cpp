#include "tracer/taps/HttpTap.h"

#include "tracer/taps/DockerApiRecorder.h"
#include "tracer/taps/SocketProxy.h"

#include <spdlog/spdlog.h>

namespace flowlab {

namespace {

// The Docker API decoding of one proxied connection.
class DockerApiObserver : public ProxyObserver
{
public:
    DockerApiObserver(EventLog &log, std::uint64_t id, const HttpTapOptions &options)
        : m_recorder(log, id, DockerApiRecorderOptions{options.source, options.bodyCap})
    {}

    void clientBytes(std::string_view bytes) override { m_recorder.clientBytes(bytes); }
    void upstreamBytes(std::string_view bytes) override { m_recorder.daemonBytes(bytes); }
    void clientClosed() override { m_recorder.clientClosed(); }
    void upstreamClosed() override { m_recorder.daemonClosed(); }
    void connectionClosed(const std::string &reason) override
    {
        m_recorder.connectionClosed(reason);
    }

private:
    DockerApiRecorder m_recorder;
};

// Answers a client whose dockerd is missing with a 502 the docker CLI prints. The CLI must have
// sent its request before it reads an answer, or it reports a broken pipe instead of our message.
class BadGatewayResponder : public UnreachableUpstreamResponder
{
public:
    BadGatewayResponder(EventLog &log, const HttpTapOptions &options, std::uint64_t id, Error error)
        : m_log(log)
        , m_options(options)
        , m_id(id)
        , m_error(std::move(error))
        , m_parser(HttpMessageType::Request, 0)
    {
        m_parser.setHandlers({nullptr, nullptr,
                              [this](const HttpMessage &m) {
                                  if (!m_request)
                                      m_request = m;
                              },
                              nullptr});
    }

    std::optional<std::string> clientBytes(std::string_view bytes) override
    {
        const Status parsed = m_parser.feed(bytes);
        if (m_request)
            return answer(*m_request);
        if (!parsed)
            return answer(HttpMessage{});
        return std::nullopt;
    }

private:
    std::string answer(const HttpMessage &request)
    {
        const std::string &upstream = m_options.upstreamPath;
        const std::string message =
            "flowlab tap: dockerd is not reachable at " + upstream + ": " + m_error.message();
        const std::string body = nlohmann::json{{"message", message}}.dump() + "\n";
        std::string response = "HTTP/1.1 502 Bad Gateway\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: " +
                               std::to_string(body.size()) +
                               "\r\n"
                               "Connection: close\r\n\r\n";
        if (request.method != "HEAD")
            response += body;

        Event event;
        event.kind = EventKind::Log;
        event.source = EventSource{"flowlab-tap", m_options.source.node, 0, ""};
        const std::string call =
            request.method.empty() ? "a request" : request.method + " " + request.path;
        event.summary =
            call + " → 502: dockerd is not reachable at " + upstream + ": " + m_error.message();
        event.attributes = {{"connection", m_id},   {"level", "error"},
                            {"upstream", upstream}, {"error", m_error.message()},
                            {"status", 502},        {"method", request.method},
                            {"path", request.path}};
        try {
            m_log.append(std::move(event));
        } catch (const std::exception &e) {
            spdlog::warn("docker tap, connection {}: recording failed: {}", m_id, e.what());
        }
        return response;
    }

    EventLog &m_log;
    const HttpTapOptions &m_options;
    std::uint64_t m_id;
    Error m_error;
    HttpMessageParser m_parser;
    std::optional<HttpMessage> m_request;
};

} // namespace

HttpTap::HttpTap(EventLog &log, HttpTapOptions options, QObject *parent)
    : QObject(parent)
    , m_log(log)
    , m_options(std::move(options))
{
    SocketProxyOptions proxyOptions{m_options.listenPath, m_options.upstreamPath, m_options.group,
                                    m_options.mode,       "docker tap",           "dockerd"};
    SocketProxyHooks hooks;
    hooks.observe = [this](std::uint64_t id) {
        return std::make_unique<DockerApiObserver>(m_log, id, m_options);
    };
    hooks.unreachable = [this](std::uint64_t id, const Error &error) {
        return std::make_unique<BadGatewayResponder>(m_log, m_options, id, error);
    };
    m_proxy = std::make_unique<SocketProxy>(std::move(proxyOptions), std::move(hooks));
    connect(m_proxy.get(), &SocketProxy::connectionOpened, this, &HttpTap::connectionOpened);
    connect(m_proxy.get(), &SocketProxy::connectionClosed, this, &HttpTap::connectionClosed);
}

HttpTap::~HttpTap() = default;

Status HttpTap::start()
{
    return m_proxy->start();
}

void HttpTap::stop()
{
    m_proxy->stop();
}

bool HttpTap::isListening() const
{
    return m_proxy->isListening();
}

std::size_t HttpTap::connectionCount() const
{
    return m_proxy->connectionCount();
}

std::size_t HttpTap::bufferedBytes() const
{
    return m_proxy->bufferedBytes();
}

} // namespace flowlab
