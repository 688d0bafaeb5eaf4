#include "engine/kube/api/ApiStatus.h"

#include <algorithm>

namespace flowlab::kube {

namespace {

// How field errors print values, as the real apiserver's %#v does: strings quoted, a map of
// strings (labels, selectors) as map[string]string{"app":"web"} with sorted keys, everything
// else as JSON.
std::string renderValue(const Json &value)
{
    if (value.is_string())
        return "\"" + value.get<std::string>() + "\"";
    if (value.is_object() && std::all_of(value.begin(), value.end(),
                                         [](const Json &item) { return item.is_string(); })) {
        std::string out = "map[string]string{";
        bool first = true;
        for (const auto &[key, item] : value.items()) { // nlohmann's objects are sorted
            out += (first ? "\"" : ", \"") + key + "\":\"" + item.get<std::string>() + "\"";
            first = false;
        }
        return out + "}";
    }
    return value.dump();
}

Json resourceDetails(const ResourceInfo &resource, const std::string &name)
{
    return {{"name", name}, {"group", resource.group}, {"kind", resource.plural}};
}

} // namespace

std::string FieldError::reason() const
{
    switch (type) {
    case Type::Required:
        return "FieldValueRequired";
    case Type::Invalid:
        return "FieldValueInvalid";
    case Type::NotSupported:
        return "FieldValueNotSupported";
    case Type::Forbidden:
        return "FieldValueForbidden";
    case Type::Duplicate:
        return "FieldValueDuplicate";
    case Type::TooLong:
        return "FieldValueTooLong";
    case Type::NotFound:
        return "FieldValueNotFound";
    }
    return "FieldValueInvalid";
}

namespace {

// The message of a StatusCause: the error without its field, e.g. "Required value".
std::string causeMessage(const FieldError &error)
{
    const auto withDetail = [&](std::string head) {
        return error.detail.empty() ? head : head + ": " + error.detail;
    };
    switch (error.type) {
    case FieldError::Type::Required:
        return withDetail("Required value");
    case FieldError::Type::Invalid:
        return withDetail("Invalid value: " + renderValue(error.value));
    case FieldError::Type::NotSupported: {
        std::string out = "Unsupported value: " + renderValue(error.value);
        if (!error.supported.empty()) {
            out += ": supported values: ";
            for (std::size_t i = 0; i < error.supported.size(); ++i)
                out += (i ? ", \"" : "\"") + error.supported[i] + "\"";
        }
        return out;
    }
    case FieldError::Type::Forbidden:
        return withDetail("Forbidden");
    case FieldError::Type::Duplicate:
        return "Duplicate value: " + renderValue(error.value);
    case FieldError::Type::TooLong:
        return withDetail("Too long");
    case FieldError::Type::NotFound:
        return "Not found: " + renderValue(error.value);
    }
    return error.detail;
}

} // namespace

std::string FieldError::message() const
{
    return field.empty() ? causeMessage(*this) : field + ": " + causeMessage(*this);
}

FieldError FieldError::required(std::string field, std::string detail)
{
    return {Type::Required, std::move(field), nullptr, std::move(detail), {}};
}

FieldError FieldError::invalid(std::string field, Json value, std::string detail)
{
    return {Type::Invalid, std::move(field), std::move(value), std::move(detail), {}};
}

FieldError FieldError::notSupported(std::string field, Json value,
                                    std::vector<std::string> supported)
{
    return {Type::NotSupported, std::move(field), std::move(value), {}, std::move(supported)};
}

FieldError FieldError::forbidden(std::string field, std::string detail)
{
    return {Type::Forbidden, std::move(field), nullptr, std::move(detail), {}};
}

FieldError FieldError::duplicate(std::string field, Json value)
{
    return {Type::Duplicate, std::move(field), std::move(value), {}, {}};
}

ApiError ApiError::notFound(const ResourceInfo &resource, const std::string &name)
{
    return {404, "NotFound", resource.qualifiedResource() + " \"" + name + "\" not found",
            resourceDetails(resource, name)};
}

ApiError ApiError::alreadyExists(const ResourceInfo &resource, const std::string &name)
{
    return {409, "AlreadyExists", resource.qualifiedResource() + " \"" + name + "\" already exists",
            resourceDetails(resource, name)};
}

ApiError ApiError::conflict(const ResourceInfo &resource, const std::string &name,
                            const std::string &why)
{
    return {409, "Conflict",
            "Operation cannot be fulfilled on " + resource.qualifiedResource() + " \"" + name +
                "\": " + why,
            resourceDetails(resource, name)};
}

ApiError ApiError::invalid(const ResourceInfo &resource, const std::string &name,
                           const FieldErrors &errors)
{
    std::string list;
    Json causes = Json::array();
    for (const FieldError &error : errors) {
        list += (list.empty() ? "" : ", ") + error.message();
        causes.push_back(
            {{"reason", error.reason()}, {"message", causeMessage(error)}, {"field", error.field}});
    }
    if (errors.size() > 1)
        list = "[" + list + "]";
    Json details = {{"name", name}, {"group", resource.group}, {"kind", resource.kind}};
    details["causes"] = causes;
    return {422, "Invalid", resource.qualifiedKind() + " \"" + name + "\" is invalid: " + list,
            details};
}

ApiError ApiError::badRequest(std::string message)
{
    return {400, "BadRequest", std::move(message)};
}

ApiError ApiError::unauthorized(std::string message)
{
    return {401, "Unauthorized", std::move(message)};
}

ApiError ApiError::forbidden(std::string message, Json details)
{
    return {403, "Forbidden", std::move(message), std::move(details)};
}

ApiError ApiError::methodNotSupported(const std::string &verb, const std::string &what)
{
    return {405, "MethodNotAllowed",
            "the server does not allow this method on the requested resource (" + verb + " " +
                what + ")"};
}

ApiError ApiError::notAcceptable(std::string message)
{
    return {406, "NotAcceptable", std::move(message)};
}

ApiError ApiError::unsupportedMediaType(std::string contentType)
{
    return {415, "UnsupportedMediaType",
            "the body of the request was in an unknown format (" + contentType +
                ") - accepted media types include: application/json-patch+json, "
                "application/merge-patch+json, application/strategic-merge-patch+json"};
}

ApiError ApiError::gone(std::string message)
{
    return {410, "Expired", std::move(message)};
}

ApiError ApiError::tooManyRequests(std::string message)
{
    return {429, "TooManyRequests", std::move(message)};
}

ApiError ApiError::internal(std::string message)
{
    return {500, "InternalError", "Internal error occurred: " + message};
}

ApiError ApiError::serviceUnavailable(std::string message)
{
    return {503, "ServiceUnavailable", std::move(message)};
}

Json ApiError::toStatus() const
{
    Json status = {{"kind", "Status"},    {"apiVersion", "v1"},   {"metadata", Json::object()},
                   {"status", "Failure"}, {"message", m_message}, {"reason", m_reason},
                   {"code", m_code}};
    if (!m_details.empty())
        status["details"] = m_details;
    return status;
}

Json successStatus(const Json &details)
{
    Json status = {{"kind", "Status"},
                   {"apiVersion", "v1"},
                   {"metadata", Json::object()},
                   {"status", "Success"}};
    if (!details.empty())
        status["details"] = details;
    return status;
}

} // namespace flowlab::kube
