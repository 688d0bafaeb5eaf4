#include "engine/kube/cri/ContainerRuntime.h"

#include <google/protobuf/util/json_util.h>

namespace flowlab::kube::cri {

std::string criCodeName(int code)
{
    // grpc::StatusCode, in its own order.
    static const char *const kNames[] = {
        "OK",        "CANCELLED",          "UNKNOWN",           "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED", "NOT_FOUND",  "ALREADY_EXISTS",    "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL",       "UNAVAILABLE",       "DATA_LOSS",
        "UNAUTHENTICATED"};
    if (code >= 0 && code < int(std::size(kNames)))
        return kNames[code];
    return "CODE_" + std::to_string(code);
}

Error criError(const std::string &method, int code, const std::string &message)
{
    return Error(method + ": " + criCodeName(code) + ": " + message);
}

bool isNotFound(const Error &error)
{
    return error.message().find(": NOT_FOUND: ") != std::string::npos;
}

std::string messageToJson(const google::protobuf::Message &message)
{
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    std::string out;
    if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok())
        return "{}";
    return out;
}

} // namespace flowlab::kube::cri
