#pragma once

// The message tables behind decodeKubernetesProtobuf (ProtobufCodec.h): for each Kubernetes
// message Flowlab knows, its fields by protobuf number, with the JSON name and type each has in
// the object kubectl would have sent as JSON.
//
// The facts (field numbers, names, types) come from k8s.io/api and k8s.io/apimachinery, the
// generated.proto files and the Go types' json tags; the tables are Flowlab's own, written
// field by field. They are split by topic, each file holding one group of messages:
//   ProtobufSchema.cpp        meta/v1, runtime and the kinds table (apiVersion+kind -> message)
//   ProtobufSchemaPod.cpp     core/v1 PodSpec and everything reachable from it
//   ProtobufSchemaCore.cpp    the other core/v1 objects (Service, Secret, ConfigMap, ...)
//   ProtobufSchemaGroups.cpp  apps, batch, networking, rbac, authorization, authentication,
//                             policy, scheduling
// The decoder that reads them is ProtobufCodec.cpp; ProtobufValues.cpp renders the special types.

#include "tracer/base/Result.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace flowlab::kube::protobuf {

// How a field's bytes become JSON. The message-like kinds below Message are Kubernetes' special
// types, each rendered as its JSON form rather than as an object.
enum class ValueKind : std::uint8_t {
    String,       // proto string: a JSON string (must be UTF-8)
    Bytes,        // proto bytes ([]byte in Go): base64, as encoding/json writes []byte
    Bool,         // varint
    Int32,        // varint, sign-extended when negative
    Int64,        // varint
    Message,      // a nested message, named by FieldSpec::message
    Time,         // metav1.Time {seconds, nanos}: "2026-01-02T03:04:05Z", or null when zero
    MicroTime,    // metav1.MicroTime: RFC 3339 with 6 fractional digits, or null when zero
    Duration,     // metav1.Duration {duration (ns)}: Go's Duration.String(), e.g. "1h0m0s"
    Quantity,     // resource.Quantity {string}: the string ("0" when absent)
    IntOrString,  // intstr.IntOrString {type, intVal, strVal}: a number or a string
    RawExtension, // runtime.RawExtension {raw}: the embedded JSON document
    StringList,   // ExtraValue-like wrappers {repeated string items}: a JSON array of strings
    Skip,         // read and dropped; see where it is used for why
};

// Field flags, combined with |.
enum FieldFlag : unsigned {
    None = 0,
    Repeated = 1u << 0, // a JSON array; repeated scalars may come packed or not
    Map = 1u << 1,      // map<string, V>: repeated entries {key = 1, value = 2}
    // Keep the zero value. Two kinds of Go field want it: pointers (*int32, *bool...), which
    // go-to-protobuf sends only when set, so a 0 or false on the wire was meant; and fields
    // whose json tag has no omitempty, which encoding/json always writes. On a Repeated field
    // it means the tag has no omitempty: an absent list becomes null, as Go writes a nil slice.
    Keep = 1u << 2,
    // An embedded Go struct with `json:",inline"`: its fields go into the parent JSON object.
    Inline = 1u << 3,
};

struct FieldSpec
{
    std::uint32_t number;
    std::string_view json; // the JSON name ("" for Inline fields)
    ValueKind kind;
    std::string_view message; // the nested message's name, for ValueKind::Message
    unsigned flags;

    constexpr FieldSpec(std::uint32_t n, std::string_view j, ValueKind k, unsigned f = None)
        : number(n)
        , json(j)
        , kind(k)
        , flags(f)
    {}
    constexpr FieldSpec(std::uint32_t n, std::string_view j, std::string_view m, unsigned f = None)
        : number(n)
        , json(j)
        , kind(ValueKind::Message)
        , message(m)
        , flags(f)
    {}

    bool repeated() const { return flags & Repeated; }
    bool map() const { return flags & Map; }
    bool keepZero() const { return flags & Keep; }
    bool inlined() const { return flags & Inline; }
};

struct MessageSpec
{
    std::string_view name; // the Go type's name, which error messages show
    std::vector<FieldSpec> fields;

    const FieldSpec *field(std::uint32_t number) const;
};

// A top-level object: the runtime.Unknown envelope's apiVersion and kind select its message.
struct KindSpec
{
    std::string_view apiVersion;
    std::string_view kind;
    std::string_view message;
};

// The tables, one function per file (see above).
const std::vector<MessageSpec> &metaMessages();
const std::vector<MessageSpec> &podMessages();
const std::vector<MessageSpec> &coreMessages();
const std::vector<MessageSpec> &groupMessages();
const std::vector<KindSpec> &protobufKinds();

// Lookups over all the tables; nullptr when Flowlab does not know the name or kind.
const MessageSpec *findMessage(std::string_view name);
const MessageSpec *findKind(std::string_view apiVersion, std::string_view kind);

// Checks the tables hold together: every message named exists, no message is defined twice,
// field numbers and JSON names are unique within a message, flags fit their kinds, and every
// kind's message exists. The error names the first problem, e.g.
// "Container: field 7 is declared twice".
Status checkProtobufSchema();

} // namespace flowlab::kube::protobuf
