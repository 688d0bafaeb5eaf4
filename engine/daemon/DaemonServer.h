#pragma once

// flowlabd's control socket: a QLocalServer speaking the line protocol described in
// engine/client/DaemonClient.h. Handlers may run their work on any thread and answer
// through their Reply, which hands the bytes to the server's thread.

#include "tracer/base/Result.h"

#include <QLocalServer>
#include <QObject>
#include <QPointer>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

class QLocalSocket;

namespace flowlab {

class DaemonServer;

// The answer to one request: any number of progress lines, then one result or one error.
class Reply
{
public:
    Reply(DaemonServer *server, QLocalSocket *socket, nlohmann::json id);

    void progress(const std::string &line) const;
    void result(const nlohmann::json &value) const;
    void error(const std::string &message) const;
    void finish(const Status &status, const nlohmann::json &value = nlohmann::json::object()) const;

private:
    void send(nlohmann::json message) const;

    QPointer<DaemonServer> m_server;
    QPointer<QLocalSocket> m_socket;
    nlohmann::json m_id;
};

class DaemonServer : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<void(const nlohmann::json &params, const Reply &reply)>;

    explicit DaemonServer(QObject *parent = nullptr);

    void handle(const std::string &method, Handler handler);

    // Listens on `path`, readable and writable by root and `group` (if it exists).
    Status listen(const std::string &path, const std::string &groupName);
    void close();

private:
    void onNewConnection();
    void onReadyRead(QLocalSocket *socket);
    void dispatch(QLocalSocket *socket, const std::string &line);

    QLocalServer m_server;
    std::map<std::string, Handler> m_handlers;
    std::string m_path;
};

} // namespace flowlab
