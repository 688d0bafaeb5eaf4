#include "engine/kube/controllers/PodTemplateHash.h"

namespace flowlab::kube::deployment {

namespace {

bool isEmptyValue(const Json &value)
{
    return value.is_null() || ((value.is_object() || value.is_array()) && value.empty());
}

Json pruned(const Json &value)
{
    if (value.is_object()) {
        Json out = Json::object();
        for (const auto &[key, item] : value.items()) {
            Json kept = pruned(item);
            if (!isEmptyValue(kept))
                out[key] = std::move(kept);
        }
        return out;
    }
    if (value.is_array()) {
        Json out = Json::array();
        for (const Json &item : value)
            out.push_back(pruned(item));
        return out;
    }
    return value;
}

} // namespace

std::uint32_t fnv1a32(std::string_view bytes, std::uint32_t hash)
{
    for (unsigned char byte : bytes) {
        hash ^= byte;
        hash *= 16777619u;
    }
    return hash;
}

std::string safeEncode(std::string_view text)
{
    static constexpr std::string_view alphabet = "bcdfghjklmnpqrstvwxz2456789";
    std::string out;
    for (unsigned char c : text)
        out += alphabet[c % alphabet.size()];
    return out;
}

Json comparableTemplate(const Json &podTemplate)
{
    Json copy = podTemplate;
    if (copy.is_object() && copy.contains("metadata") && copy["metadata"].is_object() &&
        copy["metadata"].contains("labels") && copy["metadata"]["labels"].is_object())
        copy["metadata"]["labels"].erase(kPodTemplateHashLabel);
    return pruned(copy);
}

std::string podTemplateHash(const Json &podTemplate, std::optional<std::int64_t> collisionCount)
{
    std::uint32_t hash = fnv1a32(comparableTemplate(podTemplate).dump());
    if (collisionCount) {
        // binary.LittleEndian.PutUint32 into an 8-byte buffer, all 8 bytes hashed.
        const auto count = std::uint32_t(*collisionCount);
        char bytes[8] = {char(count & 0xff),
                         char((count >> 8) & 0xff),
                         char((count >> 16) & 0xff),
                         char((count >> 24) & 0xff),
                         0,
                         0,
                         0,
                         0};
        hash = fnv1a32(std::string_view(bytes, sizeof bytes), hash);
    }
    return safeEncode(std::to_string(hash));
}

bool equalIgnoreHash(const Json &a, const Json &b)
{
    return comparableTemplate(a) == comparableTemplate(b);
}

} // namespace flowlab::kube::deployment
