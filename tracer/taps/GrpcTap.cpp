#include "tracer/taps/GrpcTap.h"

#include "tracer/taps/GrpcCallRecorder.h"
#include "tracer/taps/SocketProxy.h"

#include <spdlog/spdlog.h>

namespace flowlab {

namespace {

// The gRPC decoding of one proxied connection.
class GrpcObserver : public ProxyObserver
{
public:
    GrpcObserver(EventLog &log, std::uint64_t id, const GrpcTapOptions &options)
        : m_recorder(log, id,
                     GrpcCallRecorderOptions{options.source, options.caller, options.fieldLimits})
    {}

    void clientBytes(std::string_view bytes) override { m_recorder.clientBytes(bytes); }
    void upstreamBytes(std::string_view bytes) override { m_recorder.serverBytes(bytes); }
    // A half-close ends no call by itself: gRPC calls end with trailers, resets or the
    // connection, which connectionClosed() covers.
    void clientClosed() override {}
    void upstreamClosed() override {}
    void connectionClosed(const std::string &reason) override
    {
        m_recorder.connectionClosed(reason);
    }

private:
    GrpcCallRecorder m_recorder;
};

} // namespace

GrpcTap::GrpcTap(EventLog &log, GrpcTapOptions options, QObject *parent)
    : QObject(parent)
    , m_log(log)
    , m_options(std::move(options))
{
    const std::string &component = m_options.source.component;
    SocketProxyOptions proxyOptions{m_options.listenPath, m_options.upstreamPath, m_options.group,
                                    m_options.mode,       component + " tap",     component};
    SocketProxyHooks hooks;
    hooks.observe = [this](std::uint64_t id) {
        return std::make_unique<GrpcObserver>(m_log, id, m_options);
    };
    hooks.unreachable =
        [this](std::uint64_t id,
               const Error &error) -> std::unique_ptr<UnreachableUpstreamResponder> {
        const std::string &upstream = m_options.upstreamPath;
        Event event;
        event.kind = EventKind::Log;
        event.source = EventSource{"flowlab-tap", m_options.source.node, 0, ""};
        event.summary = m_options.caller + " → " + m_options.source.component +
                        ": connection closed, " + m_options.source.component +
                        " is not reachable at " + upstream + ": " + error.message();
        event.attributes = {{"connection", id},     {"level", "error"},
                            {"protocol", "grpc"},   {"caller", m_options.caller},
                            {"upstream", upstream}, {"error", error.message()}};
        try {
            m_log.append(std::move(event));
        } catch (const std::exception &e) {
            spdlog::warn("{} tap, connection {}: recording failed: {}", m_options.source.component,
                         id, e.what());
        }
        return nullptr; // close the client: it cannot read an HTTP/2 explanation from us
    };
    m_proxy = std::make_unique<SocketProxy>(std::move(proxyOptions), std::move(hooks));
    connect(m_proxy.get(), &SocketProxy::connectionOpened, this, &GrpcTap::connectionOpened);
    connect(m_proxy.get(), &SocketProxy::connectionClosed, this, &GrpcTap::connectionClosed);
}

GrpcTap::~GrpcTap() = default;

Status GrpcTap::start()
{
    return m_proxy->start();
}

void GrpcTap::stop()
{
    m_proxy->stop();
}

bool GrpcTap::isListening() const
{
    return m_proxy->isListening();
}

std::size_t GrpcTap::connectionCount() const
{
    return m_proxy->connectionCount();
}

std::size_t GrpcTap::bufferedBytes() const
{
    return m_proxy->bufferedBytes();
}

} // namespace flowlab
