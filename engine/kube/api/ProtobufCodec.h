#pragma once

// Kubernetes' protobuf encoding (Content-Type: application/vnd.kubernetes.protobuf), decoded
// into the JSON object the same client would have sent as JSON.
//
// client-go 1.32 made typed clients send protobuf (kubernetes PR #125314), so kubectl 1.32's
// generator commands (`kubectl create deployment|configmap|secret|service|job|role|...`,
// `create token`, `auth can-i`, `auth whoami`) POST protobuf bodies, with no fallback to JSON
// on 415. The apiserver turns them into JSON here and goes on as for a JSON body.
//
// A body is the 4 magic bytes "k8s\0" and a runtime.Unknown message: typeMeta {apiVersion,
// kind}, raw (the object's own message), contentEncoding and contentType. apiVersion and kind
// select the message; see ProtobufSchema.h for the tables and the kinds Flowlab knows.
//
// Differences from the JSON kubectl prints with `--dry-run=client -o json`, none of which
// changes the object's meaning:
//   - a list whose json tag has no omitempty is null when empty ("rules": null), as Go writes
//     a nil slice; protobuf cannot tell an empty list from a nil one;
//   - metadata.managedFields is dropped: the apiserver owns it and kubectl never sends it;
//   - in two messages that set the same field twice, the last value wins (protobuf merges
//     nested messages; go-to-protobuf never writes a field twice).

#include "tracer/base/Result.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace flowlab::kube {

using Json = nlohmann::json;

// Decodes one protobuf request body into its JSON object, with apiVersion and kind set. Errors
// start with "protobuf: " and name the message, the field and where it sits, e.g.
//   "protobuf: Container has no field 42 known to Flowlab (at spec.template.spec.containers[0])"
//   "protobuf: no message known to Flowlab for apps/v1 Frobnicator"
// Malformed input of any kind (truncated, overlong, nested too deep, not UTF-8) gives an error;
// bodies over 4 MiB are refused, and nesting is bounded, so no input can exhaust the stack.
Result<Json> decodeKubernetesProtobuf(std::string_view body);

// The JSON forms of Kubernetes' time types, exposed for tests.
// metav1.Time: RFC 3339 in UTC to the second ("2026-01-02T03:04:05Z"); MicroTime keeps six
// fractional digits ("2026-01-02T03:04:05.123456Z"). Years outside 0001..9999 are errors.
Result<std::string> formatKubernetesTime(std::int64_t seconds, std::int32_t nanos, bool micro);
// metav1.Duration as Go's time.Duration.String() writes it: "0s", "1.5s", "1h0m0s", "300ms",
// "1.5µs".
std::string formatGoDuration(std::int64_t nanoseconds);

} // namespace flowlab::kube
