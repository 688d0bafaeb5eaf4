#pragma once

// The apiserver's evidence: one audit.k8s.io/v1 Event per line, as a real apiserver writes
// with --audit-log-path, and what Flowlab's tracer reads (as it would from a real cluster).
//
// Besides the real stages (RequestReceived, ResponseStarted for watches, ResponseComplete),
// each stage of the request pipeline gets an event of its own, so that a lesson can show it:
//   Authentication       who the token says you are; or why not (the 401)
//   Authorization        RBAC's decision and the binding that allowed it; or the 403
//   MutatingAdmission    what admission set: defaults, the ServiceAccount, a ClusterIP
//   ValidatingAdmission  the validation result; or the 422 with its causes
//   Storage              the store write: key, revision, operation, store
// They carry the same auditID; their details are annotations, under the real keys where there
// are some ("authorization.k8s.io/decision", "authorization.k8s.io/reason") and flowlab.dev/*
// otherwise. See engine/kube/apiserver/README.md.

#include "engine/kube/api/Resources.h"
#include "engine/kube/apiserver/Authentication.h"
#include "engine/kube/apiserver/RequestInfo.h"

#include <chrono>
#include <cstdio>
#include <string>

namespace flowlab::kube {

class AuditLog
{
public:
    AuditLog() = default;
    ~AuditLog();
    AuditLog(const AuditLog &) = delete;
    AuditLog &operator=(const AuditLog &) = delete;

    // Appends to `path` (created 0640). An empty path disables the log.
    Status open(const std::string &path);
    bool enabled() const { return m_file != nullptr; }
    void write(const Json &event);

private:
    std::FILE *m_file = nullptr;
};

// The audit record of one request, built as it goes through the pipeline.
class AuditRecord
{
public:
    AuditRecord(AuditLog &log, const RequestInfo &info, std::string requestUri,
                std::string sourceIp, std::string userAgent);

    const std::string &auditId() const { return m_id; }
    void setUser(const UserInfo &user);
    void setObjectRef(const std::string &name, const std::string &apiGroup,
                      const std::string &apiVersion);
    // Written for create, update, patch and delete (level RequestResponse), not for reads.
    void setRequestObject(const Json &object) { m_requestObject = object; }
    void annotate(const std::string &key, const std::string &value);

    // A pipeline stage: "Authorization" with annotations of its own, merged into the record's.
    void stage(const std::string &name, const Json &annotations = Json::object());
    void requestReceived();
    void responseStarted(int code);
    void responseComplete(int code, const Json &response);

private:
    Json base(const std::string &stage) const;

    AuditLog &m_log;
    std::string m_id;
    RequestInfo m_info;
    std::string m_uri;
    std::string m_sourceIp;
    std::string m_userAgent;
    Json m_user = Json::object();
    Json m_objectRef = Json::object();
    Json m_requestObject;
    Json m_annotations = Json::object();
    std::string m_received; // RFC 3339 with microseconds
};

// "2026-12-02T10:04:05Z", and "2026-12-02T10:04:05.123456Z" for audit stamps.
std::string rfc3339Now();
std::string rfc3339MicroNow();

} // namespace flowlab::kube
