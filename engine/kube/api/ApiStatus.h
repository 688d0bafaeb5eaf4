#pragma once

// Errors as a real apiserver reports them: a meta/v1 Status object with an HTTP code and a
// reason, which kubectl prints as it would against any cluster, e.g.
//   Error from server (NotFound): deployments.apps "web" not found
//   The Deployment "web" is invalid: spec.template.spec.containers[0].image: Required value

#include "engine/kube/api/Resources.h"

#include <string>
#include <vector>

namespace flowlab::kube {

// One invalid field (k8s.io/apimachinery/pkg/util/validation/field.Error).
struct FieldError
{
    enum class Type { Required, Invalid, NotSupported, Forbidden, Duplicate, TooLong, NotFound };
    Type type = Type::Invalid;
    std::string field;  // "spec.template.spec.containers[0].image"
    Json value;         // the bad value (not shown for Required)
    std::string detail; // "must be no more than 63 characters"
    // For NotSupported: the values that would have been accepted.
    std::vector<std::string> supported;

    // "FieldValueRequired", "FieldValueInvalid", ...: the StatusCause reason.
    std::string reason() const;
    // "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    std::string message() const;

    static FieldError required(std::string field, std::string detail = {});
    static FieldError invalid(std::string field, Json value, std::string detail);
    static FieldError notSupported(std::string field, Json value,
                                   std::vector<std::string> supported);
    static FieldError forbidden(std::string field, std::string detail);
    static FieldError duplicate(std::string field, Json value);
};

using FieldErrors = std::vector<FieldError>;

class ApiError
{
public:
    ApiError() = default;
    ApiError(int code, std::string reason, std::string message, Json details = Json::object())
        : m_code(code)
        , m_reason(std::move(reason))
        , m_message(std::move(message))
        , m_details(std::move(details))
    {}

    // 404: pods "web" not found
    static ApiError notFound(const ResourceInfo &resource, const std::string &name);
    // 409: deployments.apps "web" already exists
    static ApiError alreadyExists(const ResourceInfo &resource, const std::string &name);
    // 409: Operation cannot be fulfilled on deployments.apps "web": the object has been
    //      modified; please apply your changes to the latest version and try again
    static ApiError conflict(const ResourceInfo &resource, const std::string &name,
                             const std::string &why);
    // 422: Deployment.apps "web" is invalid: [a: Required value, b: Invalid value: ...]
    static ApiError invalid(const ResourceInfo &resource, const std::string &name,
                            const FieldErrors &errors);
    static ApiError badRequest(std::string message);
    static ApiError unauthorized(std::string message = "Unauthorized");
    // 403: pods is forbidden: User "learner" cannot list resource "pods" in API group "" in
    //      the namespace "default"
    static ApiError forbidden(std::string message, Json details = Json::object());
    static ApiError methodNotSupported(const std::string &verb, const std::string &what);
    static ApiError notAcceptable(std::string message);
    static ApiError unsupportedMediaType(std::string contentType);
    // 410: too old resource version: 12 (345)
    static ApiError gone(std::string message);
    static ApiError tooManyRequests(std::string message);
    static ApiError internal(std::string message);
    static ApiError serviceUnavailable(std::string message);

    int code() const { return m_code; }
    const std::string &reason() const { return m_reason; }
    const std::string &message() const { return m_message; }
    const Json &details() const { return m_details; }

    // The meta/v1 Status object: {"kind":"Status","apiVersion":"v1","status":"Failure",...}.
    Json toStatus() const;

private:
    int m_code = 500;
    std::string m_reason = "InternalError";
    std::string m_message;
    Json m_details = Json::object();
};

// A successful Status, as a DELETE of a collection or some subresources return it.
Json successStatus(const Json &details = Json::object());

} // namespace flowlab::kube
