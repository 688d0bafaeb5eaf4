#include "engine/kube/apiserver/AuditLog.h"

#include <QUuid>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>

namespace flowlab::kube {

namespace {

std::string formatUtc(std::chrono::system_clock::time_point when, bool micro)
{
    const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    std::string out = text;
    if (micro) {
        const auto us =
            std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count() %
            1000000;
        char fraction[16];
        std::snprintf(fraction, sizeof fraction, ".%06lld", static_cast<long long>(us));
        out += fraction;
    }
    return out + "Z";
}

} // namespace

std::string rfc3339Now()
{
    return formatUtc(std::chrono::system_clock::now(), false);
}

std::string rfc3339MicroNow()
{
    return formatUtc(std::chrono::system_clock::now(), true);
}

AuditLog::~AuditLog()
{
    if (m_file)
        std::fclose(m_file);
}

Status AuditLog::open(const std::string &path)
{
    if (path.empty())
        return success();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return Error::fromErrno("opening the audit log " + path);
    m_file = ::fdopen(fd, "a");
    if (!m_file) {
        ::close(fd);
        return Error::fromErrno("opening the audit log " + path);
    }
    return success();
}

void AuditLog::write(const Json &event)
{
    if (!m_file)
        return;
    // Whole lines, flushed at once: the tracer tails this file while we write it.
    const std::string line = event.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
    std::fwrite(line.data(), 1, line.size(), m_file);
    std::fflush(m_file);
}

AuditRecord::AuditRecord(AuditLog &log, const RequestInfo &info, std::string requestUri,
                         std::string sourceIp, std::string userAgent)
    : m_log(log)
    , m_id(QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString())
    , m_info(info)
    , m_uri(std::move(requestUri))
    , m_sourceIp(std::move(sourceIp))
    , m_userAgent(std::move(userAgent))
    , m_received(rfc3339MicroNow())
{
    if (info.isResourceRequest) {
        m_objectRef["resource"] = info.resource;
        if (!info.ns.empty())
            m_objectRef["namespace"] = info.ns;
        if (!info.name.empty())
            m_objectRef["name"] = info.name;
        m_objectRef["apiGroup"] = info.group;
        m_objectRef["apiVersion"] = info.version;
        if (!info.subresource.empty())
            m_objectRef["subresource"] = info.subresource;
    }
}

void AuditRecord::setUser(const UserInfo &user)
{
    m_user = {{"username", user.name}, {"uid", user.uid}, {"groups", user.groups}};
}

void AuditRecord::setObjectRef(const std::string &name, const std::string &apiGroup,
                               const std::string &apiVersion)
{
    if (!name.empty())
        m_objectRef["name"] = name;
    m_objectRef["apiGroup"] = apiGroup;
    m_objectRef["apiVersion"] = apiVersion;
}

void AuditRecord::annotate(const std::string &key, const std::string &value)
{
    m_annotations[key] = value;
}

Json AuditRecord::base(const std::string &stage) const
{
    Json event = {{"kind", "Event"},
                  {"apiVersion", "audit.k8s.io/v1"},
                  {"level", m_requestObject.is_null() ? "Metadata" : "RequestResponse"},
                  {"auditID", m_id},
                  {"stage", stage},
                  {"requestURI", m_uri},
                  {"verb", m_info.verb},
                  {"user", m_user},
                  {"sourceIPs", Json::array({m_sourceIp})},
                  {"userAgent", m_userAgent},
                  {"requestReceivedTimestamp", m_received},
                  {"stageTimestamp", rfc3339MicroNow()}};
    if (!m_objectRef.empty())
        event["objectRef"] = m_objectRef;
    if (!m_annotations.empty())
        event["annotations"] = m_annotations;
    return event;
}

void AuditRecord::stage(const std::string &name, const Json &annotations)
{
    for (const auto &[key, value] : annotations.items())
        m_annotations[key] = value;
    Json event = base(name);
    if (!annotations.empty())
        event["annotations"] = annotations;
    m_log.write(event);
}

void AuditRecord::requestReceived()
{
    m_log.write(base("RequestReceived"));
}

void AuditRecord::responseStarted(int code)
{
    Json event = base("ResponseStarted");
    event["responseStatus"] = {{"metadata", Json::object()}, {"code", code}};
    m_log.write(event);
}

void AuditRecord::responseComplete(int code, const Json &response)
{
    Json event = base("ResponseComplete");
    Json status = {{"metadata", Json::object()}, {"code", code}};
    if (response.is_object() && response.value("kind", "") == "Status") {
        for (const char *field : {"status", "message", "reason"})
            if (response.contains(field))
                status[field] = response[field];
    }
    event["responseStatus"] = status;
    if (!m_requestObject.is_null()) {
        event["requestObject"] = m_requestObject;
        if (response.is_object())
            event["responseObject"] = response;
    }
    m_log.write(event);
}

} // namespace flowlab::kube
