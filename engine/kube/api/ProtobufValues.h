#pragma once

// The value renderers the protobuf decoder (ProtobufCodec.cpp) shares: UTF-8 checks, base64 for
// []byte, and the embedded JSON of a runtime.RawExtension. The time types' JSON forms are public,
// in ProtobufCodec.h.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace flowlab::kube::protobuf {

// Go's zero time.Time, 0001-01-01T00:00:00Z, which metav1.Time writes to JSON as null.
constexpr std::int64_t kZeroTimeSeconds = -62135596800;

bool validUtf8(std::string_view text);

// Standard base64 with padding, as encoding/json writes a []byte.
std::string base64(std::string_view bytes);

// The JSON document a RawExtension holds; nullopt when it is not JSON or nests deeper than
// 48 levels (checked before parsing, so that no document can recurse through the parser).
std::optional<nlohmann::json> parseEmbeddedJson(std::string_view text);

} // namespace flowlab::kube::protobuf
