#include "engine/daemon/DaemonServer.h"

#include <QLocalSocket>
#include <grp.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

namespace flowlab {

Reply::Reply(DaemonServer *server, QLocalSocket *socket, nlohmann::json id)
    : m_server(server)
    , m_socket(socket)
    , m_id(std::move(id))
{}

void Reply::send(nlohmann::json message) const
{
    message["id"] = m_id;
    const QByteArray line = QByteArray::fromStdString(
        message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    QPointer<QLocalSocket> socket = m_socket;
    if (!m_server)
        return;
    // Sockets belong to the server's thread; work threads hand the bytes over.
    QMetaObject::invokeMethod(
        m_server.data(),
        [socket, line] {
            if (socket && socket->state() == QLocalSocket::ConnectedState)
                socket->write(line);
        },
        Qt::QueuedConnection);
}

void Reply::progress(const std::string &line) const
{
    spdlog::info("{}", line);
    send({{"progress", line}});
}

void Reply::result(const nlohmann::json &value) const
{
    send({{"result", value}});
}

void Reply::error(const std::string &message) const
{
    spdlog::warn("request failed: {}", message);
    send({{"error", {{"message", message}}}});
}

void Reply::finish(const Status &status, const nlohmann::json &value) const
{
    if (status)
        result(value);
    else
        error(status.error().message());
}

DaemonServer::DaemonServer(QObject *parent)
    : QObject(parent)
{
    // A child, so that moving the server to another thread moves its socket too.
    m_server.setParent(this);
    connect(&m_server, &QLocalServer::newConnection, this, &DaemonServer::onNewConnection);
}

void DaemonServer::handle(const std::string &method, Handler handler)
{
    m_handlers[method] = std::move(handler);
}

Status DaemonServer::listen(const std::string &path, const std::string &groupName)
{
    QLocalServer::removeServer(QString::fromStdString(path));
    if (!m_server.listen(QString::fromStdString(path)))
        return Error("listening on " + path + ": " + m_server.errorString().toStdString());
    m_path = path;
    // root and the flowlab group may talk to the daemon; nobody else.
    mode_t mode = 0600;
    if (const struct group *entry = ::getgrnam(groupName.c_str())) {
        if (::chown(path.c_str(), 0, entry->gr_gid) != 0)
            return Error::fromErrno("chown " + path);
        mode = 0660;
    } else {
        spdlog::info("group {} does not exist; only root can use {}", groupName, path);
    }
    if (::chmod(path.c_str(), mode) != 0)
        return Error::fromErrno("chmod " + path);
    return success();
}

void DaemonServer::close()
{
    m_server.close();
    // Once only: by the next call a new daemon may own a socket at the same path.
    if (!m_path.empty())
        ::unlink(m_path.c_str());
    m_path.clear();
}

void DaemonServer::onNewConnection()
{
    while (QLocalSocket *socket = m_server.nextPendingConnection()) {
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
    }
}

void DaemonServer::onReadyRead(QLocalSocket *socket)
{
    while (socket->canReadLine()) {
        const QByteArray line = socket->readLine().trimmed();
        if (!line.isEmpty())
            dispatch(socket, line.toStdString());
    }
    if (socket->bytesAvailable() > 1 << 20) {
        spdlog::warn("control client sent an over-long line; closing it");
        socket->abort();
    }
}

void DaemonServer::dispatch(QLocalSocket *socket, const std::string &line)
{
    nlohmann::json request;
    try {
        request = nlohmann::json::parse(line);
    } catch (const std::exception &e) {
        Reply(this, socket, nullptr).error(std::string("malformed request: ") + e.what());
        return;
    }
    const nlohmann::json id = request.value("id", nlohmann::json());
    const Reply reply(this, socket, id);
    const std::string method = request.value("method", "");
    const auto handler = m_handlers.find(method);
    if (handler == m_handlers.end()) {
        reply.error("unknown method \"" + method + "\"");
        return;
    }
    try {
        handler->second(request.value("params", nlohmann::json::object()), reply);
    } catch (const std::exception &e) {
        reply.error(method + ": " + e.what());
    }
}

} // namespace flowlab
