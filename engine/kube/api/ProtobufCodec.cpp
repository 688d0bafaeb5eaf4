// Kubernetes' protobuf envelope and the protobuf wire format, read by hand against the tables of
// ProtobufSchema.h. Everything here is bounded: the body's size, the nesting depth and the
// number of JSON values made, so that no input can exhaust the stack or memory.

#include "engine/kube/api/ProtobufCodec.h"

#include "engine/kube/api/ProtobufSchema.h"
#include "engine/kube/api/ProtobufValues.h"

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::kube {

namespace {

using protobuf::base64;
using protobuf::FieldSpec;
using protobuf::kZeroTimeSeconds;
using protobuf::MessageSpec;
using protobuf::parseEmbeddedJson;
using protobuf::validUtf8;
using protobuf::ValueKind;

constexpr std::string_view kMagic{"k8s\0", 4};
constexpr std::size_t kMaxBodyBytes = 4u << 20;
// Deployment > spec > template > spec > containers > lifecycle > preStop > httpGet > port is
// nine levels; 48 leaves room for any real object and little for a hostile one.
constexpr int kMaxDepth = 48;
// Each value costs at least two bytes of input, so a 4 MiB body could otherwise ask for two
// million JSON values; real objects hold a few hundred.
constexpr std::size_t kMaxValues = 250'000;

enum WireType : unsigned { Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5 };

const char *wireTypeName(unsigned wireType)
{
    switch (wireType) {
    case Varint:
        return "varint";
    case Fixed64:
        return "64-bit";
    case LengthDelimited:
        return "length-delimited";
    case 3:
    case 4:
        return "group";
    case Fixed32:
        return "32-bit";
    default:
        return "invalid";
    }
}

// Reads the wire format from a byte range; every read checks the bytes are there.
class WireReader
{
public:
    explicit WireReader(std::string_view data)
        : m_data(data)
    {}

    bool atEnd() const { return m_pos >= m_data.size(); }

    // nullopt when the varint runs past the end or past ten bytes.
    std::optional<std::uint64_t> varint()
    {
        std::uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (m_pos >= m_data.size())
                return std::nullopt;
            const auto byte = static_cast<std::uint8_t>(m_data[m_pos++]);
            if (shift == 63 && byte > 1)
                return std::nullopt;
            value |= std::uint64_t(byte & 0x7f) << shift;
            if (!(byte & 0x80))
                return value;
        }
        return std::nullopt;
    }

    std::optional<std::string_view> bytes(std::uint64_t length)
    {
        if (length > m_data.size() - m_pos)
            return std::nullopt;
        const std::string_view out = m_data.substr(m_pos, std::size_t(length));
        m_pos += std::size_t(length);
        return out;
    }

    std::optional<std::string_view> lengthDelimited()
    {
        const auto length = varint();
        if (!length)
            return std::nullopt;
        return bytes(*length);
    }

    bool skip(unsigned wireType)
    {
        switch (wireType) {
        case Varint:
            return varint().has_value();
        case Fixed64:
            return bytes(8).has_value();
        case LengthDelimited:
            return lengthDelimited().has_value();
        case Fixed32:
            return bytes(4).has_value();
        default:
            return false;
        }
    }

private:
    std::string_view m_data;
    std::size_t m_pos = 0;
};

class Decoder
{
public:
    Result<Json> decodeObject(const MessageSpec &message, std::string_view bytes)
    {
        Json object = Json::object();
        if (Status s = decodeInto(message, bytes, object, 0); !s)
            return s.error();
        return object;
    }

private:
    Error fail(const std::string &what) const
    {
        std::string message = "protobuf: " + what;
        if (!m_path.empty()) {
            std::string path;
            for (const std::string &segment : m_path)
                path += (path.empty() || segment.front() == '[') ? segment : "." + segment;
            message += " (at " + path + ")";
        }
        return Error(message);
    }

    static std::string fieldName(const MessageSpec &message, const FieldSpec &field)
    {
        return std::string(message.name) + " field " + std::to_string(field.number) + " (" +
               std::string(field.json.empty() ? field.message : field.json) + ")";
    }

    Status countValue()
    {
        if (++m_values > kMaxValues)
            return fail("the object has more than " + std::to_string(kMaxValues) + " values");
        return success();
    }

    Status decodeInto(const MessageSpec &message, std::string_view bytes, Json &object, int depth)
    {
        if (depth > kMaxDepth)
            return fail("messages nest deeper than " + std::to_string(kMaxDepth) + " levels");
        WireReader reader(bytes);
        while (!reader.atEnd()) {
            const auto tag = reader.varint();
            if (!tag)
                return fail("truncated or malformed field tag in " + std::string(message.name));
            const std::uint64_t number = *tag >> 3;
            const auto wireType = unsigned(*tag & 7);
            if (number == 0 || number >= (1u << 29))
                return fail(std::string(message.name) + " has an invalid field number " +
                            std::to_string(number));
            const FieldSpec *field = message.field(std::uint32_t(number));
            if (!field)
                return fail(std::string(message.name) + " has no field " + std::to_string(number) +
                            " known to Flowlab");
            if (Status s = decodeField(message, *field, wireType, reader, object, depth); !s)
                return s;
        }
        fillNullLists(message, object);
        return success();
    }

    // Go writes a nil slice whose json tag has no omitempty as null (see FieldFlag Keep).
    static void fillNullLists(const MessageSpec &message, Json &object)
    {
        for (const FieldSpec &field : message.fields)
            if (field.repeated() && field.keepZero() && !object.contains(field.json))
                object[std::string(field.json)] = nullptr;
    }

    Status decodeField(const MessageSpec &message, const FieldSpec &field, unsigned wireType,
                       WireReader &reader, Json &object, int depth)
    {
        const std::string key(field.json);
        if (field.kind == ValueKind::Skip) {
            if (!reader.skip(wireType))
                return fail("truncated or malformed " + fieldName(message, field));
            return success();
        }
        const bool scalarKind = field.kind == ValueKind::Bool || field.kind == ValueKind::Int32 ||
                                field.kind == ValueKind::Int64;
        // Packed repeated scalars: one length-delimited run of varints.
        if (field.repeated() && scalarKind && wireType == LengthDelimited) {
            const auto run = reader.lengthDelimited();
            if (!run)
                return fail("truncated " + fieldName(message, field));
            Json &list = listAt(object, key);
            WireReader packed(*run);
            while (!packed.atEnd()) {
                const auto raw = packed.varint();
                if (!raw)
                    return fail("malformed packed " + fieldName(message, field));
                auto value = scalarValue(message, field, *raw);
                if (!value)
                    return value.error();
                if (Status s = countValue(); !s)
                    return s;
                list.push_back(std::move(*value));
            }
            return success();
        }
        const unsigned expected = scalarKind ? Varint : LengthDelimited;
        if (wireType != expected)
            return fail(fieldName(message, field) + " has wire type " + wireTypeName(wireType) +
                        ", expected " + wireTypeName(expected));
        if (Status s = countValue(); !s)
            return s;

        if (scalarKind) {
            const auto raw = reader.varint();
            if (!raw)
                return fail("truncated or malformed varint in " + fieldName(message, field));
            auto value = scalarValue(message, field, *raw);
            if (!value)
                return value.error();
            if (field.repeated())
                listAt(object, key).push_back(std::move(*value));
            else if (field.keepZero() || !isZero(*value))
                object[key] = std::move(*value);
            return success();
        }

        const auto payload = reader.lengthDelimited();
        if (!payload)
            return fail("truncated " + fieldName(message, field));
        if (field.map())
            return decodeMapEntry(message, field, *payload, object, depth);
        if (field.inlined()) {
            // The embedded struct's fields land in this object, as `json:",inline"` puts them.
            return decodeInto(*protobuf::findMessage(field.message), *payload, object, depth + 1);
        }
        if (field.repeated()) {
            Json &list = listAt(object, key);
            m_path.push_back(key);
            m_path.push_back("[" + std::to_string(list.size()) + "]");
            auto value = lengthValue(message, field, *payload, depth);
            m_path.resize(m_path.size() - 2);
            if (!value)
                return value.error();
            list.push_back(std::move(*value));
            return success();
        }
        m_path.push_back(key);
        auto value = lengthValue(message, field, *payload, depth);
        m_path.pop_back();
        if (!value)
            return value.error();
        const bool plainZero = field.kind == ValueKind::String || field.kind == ValueKind::Bytes;
        if (!plainZero || field.keepZero() || !isZero(*value))
            object[key] = std::move(*value);
        return success();
    }

    Json &listAt(Json &object, const std::string &key)
    {
        Json &list = object[key];
        if (!list.is_array())
            list = Json::array();
        return list;
    }

    static bool isZero(const Json &value)
    {
        return (value.is_string() && value.get_ref<const std::string &>().empty()) ||
               (value.is_boolean() && !value.get<bool>()) ||
               (value.is_number_integer() && value.get<std::int64_t>() == 0);
    }

    Result<Json> scalarValue(const MessageSpec &message, const FieldSpec &field, std::uint64_t raw)
    {
        switch (field.kind) {
        case ValueKind::Bool:
            return Json(raw != 0);
        case ValueKind::Int64:
            return Json(static_cast<std::int64_t>(raw));
        case ValueKind::Int32: {
            // Negative int32 values travel sign-extended to ten bytes.
            const auto wide = static_cast<std::int64_t>(raw);
            if (wide < INT32_MIN || wide > INT32_MAX)
                return fail(fieldName(message, field) + " holds " + std::to_string(wide) +
                            ", which does not fit an int32");
            return Json(static_cast<std::int32_t>(wide));
        }
        default:
            return fail(fieldName(message, field) + " is not a varint field");
        }
    }

    Result<Json> stringValue(std::string_view bytes, const std::string &what)
    {
        if (!validUtf8(bytes))
            return fail(what + " is not valid UTF-8");
        return Json(std::string(bytes));
    }

    // The value of a length-delimited field: a string, bytes, a message or a special type.
    Result<Json> lengthValue(const MessageSpec &message, const FieldSpec &field,
                             std::string_view payload, int depth)
    {
        const std::string what = fieldName(message, field);
        switch (field.kind) {
        case ValueKind::String:
            return stringValue(payload, what);
        case ValueKind::Bytes:
            return Json(base64(payload));
        case ValueKind::Message: {
            Json nested = Json::object();
            if (Status s =
                    decodeInto(*protobuf::findMessage(field.message), payload, nested, depth + 1);
                !s)
                return s.error();
            return nested;
        }
        default:
            return specialValue(field.kind, payload, what);
        }
    }

    // Reads the fields of a small fixed message (Time, Quantity...): each number maps to an
    // expected wire type; anything else is an error naming the type.
    struct Slot
    {
        std::uint32_t number;
        unsigned wireType;
        std::optional<std::uint64_t> varint = std::nullopt;
        std::optional<std::string_view> bytes = std::nullopt;
    };

    template <std::size_t N>
    Status readSlots(std::string_view payload, const char *type, std::array<Slot, N> &slots)
    {
        WireReader reader(payload);
        while (!reader.atEnd()) {
            const auto tag = reader.varint();
            if (!tag)
                return fail("truncated " + std::string(type));
            Slot *slot = nullptr;
            for (Slot &s : slots)
                if (s.number == (*tag >> 3))
                    slot = &s;
            if (!slot)
                return fail(std::string(type) + " has no field " + std::to_string(*tag >> 3) +
                            " known to Flowlab");
            if ((*tag & 7) != slot->wireType)
                return fail(std::string(type) + " field " + std::to_string(slot->number) +
                            " has wire type " + wireTypeName(unsigned(*tag & 7)));
            if (slot->wireType == Varint) {
                if (!(slot->varint = reader.varint()))
                    return fail("truncated " + std::string(type));
            } else if (!(slot->bytes = reader.lengthDelimited())) {
                return fail("truncated " + std::string(type));
            }
        }
        return success();
    }

    Result<Json> specialValue(ValueKind kind, std::string_view payload, const std::string &what)
    {
        switch (kind) {
        case ValueKind::Time:
        case ValueKind::MicroTime: {
            const char *type = kind == ValueKind::Time ? "Time" : "MicroTime";
            std::array<Slot, 2> slots{Slot{1, Varint}, Slot{2, Varint}};
            if (Status s = readSlots(payload, type, slots); !s)
                return s.error();
            const auto seconds = static_cast<std::int64_t>(slots[0].varint.value_or(0));
            const auto nanos = static_cast<std::int64_t>(slots[1].varint.value_or(0));
            // go-to-protobuf writes a zero Time as no bytes at all; JSON writes it as null.
            if ((!slots[0].varint && !slots[1].varint) ||
                (seconds == kZeroTimeSeconds && nanos == 0))
                return Json(nullptr);
            if (nanos < 0 || nanos > 999'999'999)
                return fail(what + ": " + type + " has nanos " + std::to_string(nanos));
            auto text =
                formatKubernetesTime(seconds, std::int32_t(nanos), kind == ValueKind::MicroTime);
            if (!text)
                return fail(what + ": " + text.error().message());
            return Json(*text);
        }
        case ValueKind::Duration: {
            std::array<Slot, 1> slots{Slot{1, Varint}};
            if (Status s = readSlots(payload, "Duration", slots); !s)
                return s.error();
            return Json(formatGoDuration(static_cast<std::int64_t>(slots[0].varint.value_or(0))));
        }
        case ValueKind::Quantity: {
            std::array<Slot, 1> slots{Slot{1, LengthDelimited}};
            if (Status s = readSlots(payload, "Quantity", slots); !s)
                return s.error();
            if (!slots[0].bytes)
                return Json("0"); // Go's zero Quantity
            return stringValue(*slots[0].bytes, what);
        }
        case ValueKind::IntOrString: {
            std::array<Slot, 3> slots{Slot{1, Varint}, Slot{2, Varint}, Slot{3, LengthDelimited}};
            if (Status s = readSlots(payload, "IntOrString", slots); !s)
                return s.error();
            const std::uint64_t type = slots[0].varint.value_or(0);
            if (type == 1)
                return stringValue(slots[2].bytes.value_or(""), what);
            if (type != 0)
                return fail(what + ": IntOrString has type " + std::to_string(type) +
                            ", neither 0 (int) nor 1 (string)");
            const auto wide = static_cast<std::int64_t>(slots[1].varint.value_or(0));
            if (wide < INT32_MIN || wide > INT32_MAX)
                return fail(what + ": IntOrString holds " + std::to_string(wide) +
                            ", which does not fit an int32");
            return Json(static_cast<std::int32_t>(wide));
        }
        case ValueKind::RawExtension: {
            std::array<Slot, 1> slots{Slot{1, LengthDelimited}};
            if (Status s = readSlots(payload, "RawExtension", slots); !s)
                return s.error();
            if (!slots[0].bytes || slots[0].bytes->empty())
                return Json(nullptr);
            auto document = parseEmbeddedJson(*slots[0].bytes);
            if (!document)
                return fail(what + ": RawExtension does not hold a JSON document");
            return std::move(*document);
        }
        case ValueKind::StringList: {
            Json list = Json::array();
            WireReader reader(payload);
            while (!reader.atEnd()) {
                const auto tag = reader.varint();
                if (!tag || *tag != ((1u << 3) | LengthDelimited))
                    return fail(what + ": a string list holds only field 1 (items)");
                const auto item = reader.lengthDelimited();
                if (!item)
                    return fail("truncated " + what);
                auto value = stringValue(*item, what);
                if (!value)
                    return value.error();
                if (Status s = countValue(); !s)
                    return s.error();
                list.push_back(std::move(*value));
            }
            return list;
        }
        default:
            return fail(what + " has a kind the decoder does not handle");
        }
    }

    // One map<string, V> entry: key = 1, value = 2, either of which may be absent.
    Status decodeMapEntry(const MessageSpec &message, const FieldSpec &field,
                          std::string_view entry, Json &object, int depth)
    {
        const std::string what = fieldName(message, field);
        const bool scalarKind = field.kind == ValueKind::Bool || field.kind == ValueKind::Int32 ||
                                field.kind == ValueKind::Int64;
        std::string key;
        std::optional<std::string_view> valueBytes;
        std::optional<std::uint64_t> valueVarint;
        WireReader reader(entry);
        while (!reader.atEnd()) {
            const auto tag = reader.varint();
            if (!tag)
                return fail("truncated map entry in " + what);
            const std::uint64_t number = *tag >> 3;
            const auto wireType = unsigned(*tag & 7);
            if (number == 1 && wireType == LengthDelimited) {
                const auto bytes = reader.lengthDelimited();
                if (!bytes)
                    return fail("truncated map key in " + what);
                auto text = stringValue(*bytes, "a map key in " + what);
                if (!text)
                    return text.error();
                key = text->get<std::string>();
            } else if (number == 2 && wireType == (scalarKind ? Varint : LengthDelimited)) {
                if (scalarKind ? !(valueVarint = reader.varint())
                               : !(valueBytes = reader.lengthDelimited()))
                    return fail("truncated map value in " + what);
            } else {
                return fail("map entry in " + what + " has field " + std::to_string(number) +
                            " with wire type " + wireTypeName(wireType));
            }
        }
        m_path.push_back(std::string(field.json));
        m_path.push_back("[" + Json(key).dump() + "]");
        Result<Json> value = Json();
        if (scalarKind)
            value = scalarValue(message, field, valueVarint.value_or(0));
        else
            value = lengthValue(message, field, valueBytes.value_or(""), depth);
        m_path.resize(m_path.size() - 2);
        if (!value)
            return value.error();
        Json &map = object[std::string(field.json)];
        if (!map.is_object())
            map = Json::object();
        map[key] = std::move(*value);
        return success();
    }

    std::vector<std::string> m_path;
    std::size_t m_values = 0;
};

struct Envelope
{
    std::string apiVersion;
    std::string kind;
    std::string_view raw;
};

Result<Envelope> readEnvelope(std::string_view body)
{
    if (body.size() > kMaxBodyBytes)
        return Error("protobuf: the body has " + std::to_string(body.size()) +
                     " bytes, more than the " + std::to_string(kMaxBodyBytes) + " Flowlab takes");
    if (!body.starts_with(kMagic))
        return Error("protobuf: the body does not start with \"k8s\\0\", the magic of "
                     "Kubernetes' protobuf encoding");
    Envelope envelope;
    std::string contentEncoding;
    std::string contentType;
    WireReader reader(body.substr(kMagic.size()));
    while (!reader.atEnd()) {
        const auto tag = reader.varint();
        if (!tag)
            return Error("protobuf: truncated runtime.Unknown envelope");
        if ((*tag & 7) != LengthDelimited)
            return Error("protobuf: runtime.Unknown field " + std::to_string(*tag >> 3) +
                         " has wire type " + wireTypeName(unsigned(*tag & 7)));
        const auto bytes = reader.lengthDelimited();
        if (!bytes)
            return Error("protobuf: truncated runtime.Unknown envelope");
        switch (*tag >> 3) {
        case 1: { // typeMeta {apiVersion = 1, kind = 2}
            WireReader meta(*bytes);
            while (!meta.atEnd()) {
                const auto metaTag = meta.varint();
                const auto text = metaTag && (*metaTag & 7) == LengthDelimited
                                      ? meta.lengthDelimited()
                                      : std::nullopt;
                if (!text || (*metaTag >> 3) < 1 || (*metaTag >> 3) > 2 || !validUtf8(*text))
                    return Error("protobuf: malformed runtime.TypeMeta in the envelope");
                ((*metaTag >> 3) == 1 ? envelope.apiVersion : envelope.kind) = std::string(*text);
            }
            break;
        }
        case 2:
            envelope.raw = *bytes;
            break;
        case 3:
            contentEncoding = std::string(*bytes);
            break;
        case 4:
            contentType = std::string(*bytes);
            break;
        default:
            return Error("protobuf: runtime.Unknown has no field " + std::to_string(*tag >> 3) +
                         " known to Flowlab");
        }
    }
    if (!contentEncoding.empty())
        return Error("protobuf: content encoding \"" + contentEncoding +
                     "\" is not supported (only none)");
    if (!contentType.empty() && contentType != "application/vnd.kubernetes.protobuf")
        return Error("protobuf: raw content type \"" + contentType + "\" is not protobuf");
    if (envelope.apiVersion.empty() || envelope.kind.empty())
        return Error("protobuf: the envelope names no apiVersion and kind");
    return envelope;
}

} // namespace

Result<Json> decodeKubernetesProtobuf(std::string_view body)
{
    auto envelope = readEnvelope(body);
    if (!envelope)
        return envelope.error();
    const MessageSpec *message = protobuf::findKind(envelope->apiVersion, envelope->kind);
    if (!message)
        return Error("protobuf: no message known to Flowlab for " + envelope->apiVersion + " " +
                     envelope->kind);
    Decoder decoder;
    auto object = decoder.decodeObject(*message, envelope->raw);
    if (!object)
        return object.error();
    (*object)["apiVersion"] = envelope->apiVersion;
    (*object)["kind"] = envelope->kind;
    return object;
}

} // namespace flowlab::kube
