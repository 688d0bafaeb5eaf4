#pragma once

// The Kubernetes apiserver's audit log as evidence. Each audit.k8s.io/v1 Event line becomes an
// event of kind "audit" (a stage of a request: received, authentication, authorization,
// admission, validation, response) or "store" (the store write, with key and revision), whose
// attributes keep the whole audit event and, for lesson matchers, its salient fields flattened:
//   stage, verb, user, resource, namespace, name, subresource, auditID, code,
//   decision and reason (Authorization), key, revision and operation (Storage).
// Works for Flowlab's apiserver, whose pipeline stages are extra stages of the same shape,
// and for a real cluster's audit log, which has only the real ones.

#include "tracer/model/Event.h"

#include <optional>

namespace flowlab {

// Null for a line that is not an audit event.
std::optional<Event> eventFromAuditLine(const nlohmann::json &audit, const EventSource &source);

} // namespace flowlab
