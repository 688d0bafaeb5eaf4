#include "engine/kube/kubelet/ContainerLogs.h"

#include <QHostAddress>
#include <QTcpSocket>
#include <QUrl>
#include <QUrlQuery>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace flowlab::kube::kubelet {

namespace fs = std::filesystem;

namespace {

constexpr qint64 kMaxRequestBytes = 8192;

// Attempts of the container, newest first: 3.log, 2.log, ...
std::vector<fs::path> attemptsOf(const fs::path &dir)
{
    std::vector<std::pair<long, fs::path>> found;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() > 4 && name.ends_with(".log"))
            found.emplace_back(std::atol(name.c_str()), entry.path());
    }
    std::sort(found.begin(), found.end(),
              [](const auto &a, const auto &b) { return a.first > b.first; });
    std::vector<fs::path> paths;
    for (auto &[attempt, path] : found)
        paths.push_back(std::move(path));
    return paths;
}

void answer(QTcpSocket *socket, int code, const std::string &reason, const std::string &body)
{
    const std::string head = "HTTP/1.1 " + std::to_string(code) + " " + reason +
                             "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    socket->write(head.data(), qint64(head.size()));
    socket->write(body.data(), qint64(body.size()));
    socket->disconnectFromHost();
}

} // namespace

std::string textOfCriLog(const std::string &criLog, bool timestamps)
{
    std::string out;
    std::istringstream lines(criLog);
    for (std::string line; std::getline(lines, line);) {
        // "<time> <stream> <tag> <text>"
        const auto first = line.find(' ');
        const auto second = first == std::string::npos ? first : line.find(' ', first + 1);
        const auto third = second == std::string::npos ? second : line.find(' ', second + 1);
        if (third == std::string::npos)
            continue;
        const bool partial = line.compare(second + 1, third - second - 1, "P") == 0;
        if (timestamps && (out.empty() || out.back() == '\n'))
            out += line.substr(0, first) + " ";
        out += line.substr(third + 1);
        if (!partial)
            out += "\n";
    }
    return out;
}

Result<std::string> readContainerLog(const std::string &podLogRoot, const LogRequest &request)
{
    // The pod's directory: <ns>_<pod>_<uid>; the newest if the pod name was reused.
    const std::string prefix = request.ns + "_" + request.pod + "_";
    fs::path podDir;
    fs::file_time_type newest{};
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(podLogRoot, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) != 0 || name.find('_', prefix.size()) != std::string::npos)
            continue;
        const auto time = fs::last_write_time(entry.path(), ec);
        if (podDir.empty() || time > newest) {
            podDir = entry.path();
            newest = time;
        }
    }
    if (podDir.empty())
        return Error("pod \"" + request.pod + "\" in namespace \"" + request.ns +
                     "\" has no logs on this node");
    const auto attempts = attemptsOf(podDir / request.container);
    const std::size_t index = request.previous ? 1 : 0;
    if (attempts.size() <= index)
        return Error(request.previous ? "previous terminated container \"" + request.container +
                                            "\" in pod \"" + request.pod + "\" not found"
                                      : "container \"" + request.container + "\" in pod \"" +
                                            request.pod + "\" has not written a log yet");
    std::ifstream in(attempts[index], std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    std::string text = textOfCriLog(content.str(), request.timestamps);
    if (request.tailLines >= 0) {
        std::vector<std::string> lines;
        std::istringstream split(text);
        for (std::string line; std::getline(split, line);)
            lines.push_back(std::move(line));
        const std::size_t keep = std::size_t(request.tailLines);
        text.clear();
        for (std::size_t i = lines.size() > keep ? lines.size() - keep : 0; i < lines.size(); ++i)
            text += lines[i] + "\n";
    }
    return text;
}

ContainerLogServer::ContainerLogServer(std::string podLogRoot, QObject *parent)
    : QObject(parent)
    , m_podLogRoot(std::move(podLogRoot))
{
    connect(&m_server, &QTcpServer::newConnection, this, &ContainerLogServer::onConnection);
}

Status ContainerLogServer::listen(const std::string &address, int port)
{
    if (!m_server.listen(QHostAddress(QString::fromStdString(address)), quint16(port)))
        return Error("the container log endpoint cannot listen on " + address + ":" +
                     std::to_string(port) + ": " + m_server.errorString().toStdString());
    return success();
}

void ContainerLogServer::onConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
            if (!socket->canReadLine()) {
                if (socket->bytesAvailable() > kMaxRequestBytes)
                    answer(socket, 400, "Bad Request", "request line too long\n");
                return;
            }
            // "GET /containerLogs/ns/pod/container?tailLines=5 HTTP/1.1"
            const QList<QByteArray> words = socket->readLine().trimmed().split(' ');
            if (words.size() < 2 || words[0] != "GET")
                return answer(socket, 405, "Method Not Allowed", "only GET is served\n");
            const QUrl url(QString::fromUtf8(words[1]));
            const QStringList parts = url.path().split('/', Qt::SkipEmptyParts);
            if (parts.size() != 4 || parts[0] != "containerLogs")
                return answer(socket, 404, "Not Found",
                              "serves GET /containerLogs/NAMESPACE/POD/CONTAINER\n");
            const QUrlQuery query(url);
            LogRequest request{parts[1].toStdString(), parts[2].toStdString(),
                               parts[3].toStdString()};
            request.previous = query.queryItemValue("previous") == "true";
            request.timestamps = query.queryItemValue("timestamps") == "true";
            if (query.hasQueryItem("tailLines"))
                request.tailLines = query.queryItemValue("tailLines").toInt();
            auto text = readContainerLog(m_podLogRoot, request);
            if (!text)
                return answer(socket, 404, "Not Found", text.error().message() + "\n");
            answer(socket, 200, "OK", *text);
        });
    }
}

} // namespace flowlab::kube::kubelet
