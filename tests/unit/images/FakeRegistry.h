#pragma once

// A registry that speaks just enough of the distribution API for pushes, on 127.0.0.1 in its own
// thread (RegistryClient blocks the test's thread). Like the lab registry it checks every
// uploaded digest and that a manifest only references blobs it has; it records each request so
// tests can assert the exact protocol exchange.

#include <QCryptographicHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QMutex>
#include <QRegularExpression>
#include <QSemaphore>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QUrlQuery>
#include <map>

namespace flowlab::test {

class FakeRegistry : public QThread
{
public:
    enum class LocationStyle {
        RelativeWithQuery, // "/v2/<repo>/blobs/uploads/<id>?_state=<id>", like distribution
        Absolute,          // "http://127.0.0.1:<port>/v2/<repo>/blobs/uploads/<id>"
    };
    enum class Fault {
        None,
        RejectManifest,
        WrongManifestDigest,
        RejectBlob,
        NoLocation,
        Unauthorized
    };

    struct Request
    {
        QByteArray method;
        QByteArray target; // path and query, as sent
        QByteArray contentType;
        qsizetype bodySize = 0;
    };

    explicit FakeRegistry(LocationStyle style = LocationStyle::RelativeWithQuery,
                          Fault fault = Fault::None)
        : m_style(style)
        , m_fault(fault)
    {}

    ~FakeRegistry() override
    {
        quit();
        wait();
    }

    // Starts listening; false if the port could not be bound.
    bool startListening()
    {
        start();
        m_ready.acquire();
        return m_port != 0;
    }

    QString url() const { return QString("http://127.0.0.1:%1").arg(m_port); }
    quint16 port() const { return m_port; }

    // "HEAD /v2/library/busybox/blobs/sha256:..." for each request so far.
    QStringList requestLines() const
    {
        QMutexLocker lock(&m_mutex);
        QStringList lines;
        for (const Request &request : m_requests)
            lines << QString::fromUtf8(request.method + " " + request.target);
        return lines;
    }

    QList<Request> requests() const
    {
        QMutexLocker lock(&m_mutex);
        return m_requests;
    }

    void clearRequests()
    {
        QMutexLocker lock(&m_mutex);
        m_requests.clear();
    }

    QByteArray blob(const QByteArray &digest) const
    {
        QMutexLocker lock(&m_mutex);
        return m_blobs.value(digest);
    }

    QByteArray manifest(const QByteArray &repository, const QByteArray &tag) const
    {
        QMutexLocker lock(&m_mutex);
        return m_manifests.value(repository + ":" + tag);
    }

protected:
    void run() override
    {
        // Declared before the server: destroying the server deletes its sockets, whose
        // disconnected handlers still touch the buffers.
        std::map<QTcpSocket *, QByteArray> buffers;
        QTcpServer server;
        if (server.listen(QHostAddress::LocalHost, 0))
            m_port = server.serverPort();
        m_ready.release();
        if (m_port == 0)
            return;
        QObject::connect(&server, &QTcpServer::newConnection, &server, [&] {
            while (QTcpSocket *socket = server.nextPendingConnection()) {
                QObject::connect(socket, &QTcpSocket::readyRead, socket,
                                 [&, socket] { serve(socket, buffers[socket]); });
                QObject::connect(socket, &QTcpSocket::disconnected, socket, [&, socket] {
                    buffers.erase(socket);
                    socket->deleteLater();
                });
            }
        });
        exec();
    }

private:
    struct Response
    {
        int status = 200;
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body;
        qint64 headContentLength = -1; // for HEAD: the length a GET would have
    };

    static Response registryError(int status, const char *code, const char *message)
    {
        const QJsonObject error{{"code", code}, {"message", message}};
        return {status,
                {{"Content-Type", "application/json"}},
                QJsonDocument(QJsonObject{{"errors", QJsonArray{error}}})
                    .toJson(QJsonDocument::Compact),
                -1};
    }

    static QByteArray sha256(const QByteArray &bytes)
    {
        return "sha256:" + QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
    }

    void serve(QTcpSocket *socket, QByteArray &buffer)
    {
        buffer += socket->readAll();
        for (;;) {
            const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
            if (headerEnd < 0)
                return;
            const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
            const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
            QMap<QByteArray, QByteArray> headers;
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const qsizetype colon = lines[i].indexOf(':');
                if (colon > 0)
                    headers[lines[i].left(colon).trimmed().toLower()] =
                        lines[i].mid(colon + 1).trimmed();
            }
            const qsizetype length = headers.value("content-length", "0").toLongLong();
            if (buffer.size() < headerEnd + 4 + length)
                return;
            const QByteArray body = buffer.mid(headerEnd + 4, length);
            buffer.remove(0, headerEnd + 4 + length);

            Request request{requestLine.value(0), requestLine.value(1),
                            headers.value("content-type"), body.size()};
            Response response;
            {
                QMutexLocker lock(&m_mutex);
                m_requests << request;
                response = handle(request, body);
            }
            QByteArray out = "HTTP/1.1 " + QByteArray::number(response.status) + " Fake\r\n";
            for (const auto &[name, value] : response.headers)
                out += name + ": " + value + "\r\n";
            const qint64 length_ = request.method == "HEAD" && response.headContentLength >= 0
                                       ? response.headContentLength
                                       : response.body.size();
            out += "Content-Length: " + QByteArray::number(length_) + "\r\n\r\n";
            if (request.method != "HEAD")
                out += response.body;
            socket->write(out);
        }
    }

    // Called with m_mutex held.
    Response handle(const Request &request, const QByteArray &body)
    {
        if (m_fault == Fault::Unauthorized)
            return registryError(401, "UNAUTHORIZED", "authentication required");
        const qsizetype questionMark = request.target.indexOf('?');
        const QString path = QString::fromUtf8(
            questionMark < 0 ? request.target : request.target.first(questionMark));
        const QUrlQuery query(QString::fromUtf8(
            questionMark < 0 ? QByteArray() : request.target.mid(questionMark + 1)));
        static const QRegularExpression uploads("^/v2/(.+)/blobs/uploads/$");
        static const QRegularExpression upload("^/v2/(.+)/blobs/uploads/([^/]+)$");
        static const QRegularExpression blob("^/v2/(.+)/blobs/(sha256:[0-9a-f]{64})$");
        static const QRegularExpression manifest("^/v2/(.+)/manifests/([^/]+)$");
        QRegularExpressionMatch match;

        if (path == "/v2/" && request.method == "GET")
            return {200, {{"Docker-Distribution-API-Version", "registry/2.0"}}, "{}", -1};
        if ((match = blob.match(path)).hasMatch() && request.method == "HEAD") {
            const QByteArray digest = match.captured(2).toUtf8();
            if (!m_blobs.contains(digest))
                return registryError(404, "BLOB_UNKNOWN", "blob unknown to registry");
            return {200, {{"Docker-Content-Digest", digest}}, {}, m_blobs[digest].size()};
        }
        if ((match = uploads.match(path)).hasMatch() && request.method == "POST") {
            const QByteArray id = "upload-" + QByteArray::number(++m_uploadCount);
            const QByteArray location =
                m_style == LocationStyle::Absolute
                    ? url().toUtf8() + "/v2/" + match.captured(1).toUtf8() + "/blobs/uploads/" + id
                    : "/v2/" + match.captured(1).toUtf8() + "/blobs/uploads/" + id +
                          "?_state=" + id;
            if (m_fault == Fault::NoLocation)
                return {202, {}, {}, -1};
            return {202, {{"Location", location}, {"Docker-Upload-UUID", id}}, {}, -1};
        }
        if ((match = upload.match(path)).hasMatch() && request.method == "PUT") {
            const QByteArray digest = query.queryItemValue("digest", QUrl::FullyDecoded).toUtf8();
            if (m_fault == Fault::RejectBlob || digest != sha256(body))
                return registryError(400, "DIGEST_INVALID",
                                     "provided digest did not match uploaded content");
            m_blobs[digest] = body;
            return {201,
                    {{"Location", "/v2/" + match.captured(1).toUtf8() + "/blobs/" + digest},
                     {"Docker-Content-Digest", digest}},
                    {},
                    -1};
        }
        if ((match = manifest.match(path)).hasMatch()) {
            const QByteArray key = match.captured(1).toUtf8() + ":" + match.captured(2).toUtf8();
            if (request.method == "HEAD") {
                if (!m_manifests.contains(key))
                    return registryError(404, "MANIFEST_UNKNOWN", "manifest unknown");
                return {200,
                        {{"Docker-Content-Digest", sha256(m_manifests[key])}},
                        {},
                        m_manifests[key].size()};
            }
            if (request.method == "PUT")
                return putManifest(key, request, body);
        }
        return registryError(404, "UNSUPPORTED", "not implemented by the fake registry");
    }

    Response putManifest(const QByteArray &key, const Request &request, const QByteArray &body)
    {
        if (m_fault == Fault::RejectManifest ||
            request.contentType != "application/vnd.docker.distribution.manifest.v2+json")
            return registryError(400, "MANIFEST_INVALID", "manifest invalid");
        const QJsonObject manifest = QJsonDocument::fromJson(body).object();
        QList<QByteArray> referenced{manifest["config"].toObject()["digest"].toString().toUtf8()};
        for (const QJsonValue &layer : manifest["layers"].toArray())
            referenced << layer.toObject()["digest"].toString().toUtf8();
        for (const QByteArray &digest : referenced) {
            if (!m_blobs.contains(digest))
                return registryError(400, "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry");
        }
        m_manifests[key] = body;
        const QByteArray digest =
            m_fault == Fault::WrongManifestDigest ? "sha256:" + QByteArray(64, '0') : sha256(body);
        return {201, {{"Docker-Content-Digest", digest}}, {}, -1};
    }

    const LocationStyle m_style;
    const Fault m_fault;
    QSemaphore m_ready;
    quint16 m_port = 0;
    mutable QMutex m_mutex;
    QList<Request> m_requests;
    QMap<QByteArray, QByteArray> m_blobs;
    QMap<QByteArray, QByteArray> m_manifests;
    int m_uploadCount = 0;
};

} // namespace flowlab::test
