#pragma once

// Protobuf messages decoded without their .proto files, like `protoc --decode_raw`: field
// numbers, wire types and values. Length-delimited fields are guessed: printable UTF-8 is shown
// as a string, bytes that parse completely as a message as nested fields, anything else as a
// hex preview. The guesses are marked by "type" so a reader knows what was inferred.
//
// For CreateTaskRequest{container_id: "f06be762", terminal: true} the result is
//   [{"field": 1, "type": "string", "value": "f06be762"},
//    {"field": 7, "type": "varint", "value": 1}]
//
// Everything is bounded (depth, field count, text and hex lengths), so a hostile or huge message
// costs a fixed amount of memory and time.

#include "tracer/base/Result.h"

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

namespace flowlab {

struct ProtobufDecodeLimits
{
    std::size_t maxDepth = 8;     // nesting levels decoded; deeper ones stay "bytes"
    std::size_t maxFields = 256;  // fields kept over the whole tree
    std::size_t maxText = 256;    // bytes of a string value kept
    std::size_t maxHexBytes = 32; // bytes shown of an undecoded bytes value
};

struct ProtobufFieldTree
{
    nlohmann::json fields = nlohmann::json::array();
    // False when fields were left out: the input was cut short or a limit was reached.
    bool complete = true;
};

// Decodes `bytes` as one message. With `cutShort` (the caller kept only the first part of a
// longer message), a field the cut runs through is dropped rather than making the whole input
// invalid. Otherwise bytes that are not a well-formed message are an error naming the offset.
Result<ProtobufFieldTree> decodeProtobufFields(std::string_view bytes,
                                               const ProtobufDecodeLimits &limits = {},
                                               bool cutShort = false);

// True for non-empty, valid UTF-8 without control characters other than tab, CR and LF.
bool isPrintableUtf8(std::string_view bytes);

} // namespace flowlab
