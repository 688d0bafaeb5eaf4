#include "engine/kube/apiserver/ObjectStorage.h"

#include <QByteArray>
#include <charconv>

namespace flowlab::kube {

namespace {

// A continue token as the real apiserver makes one: base64 of
// {"v":"meta.k8s.io/v1","rv":N,"start":KEY}, where KEY is the last key of the page.
std::string makeContinueToken(std::int64_t revision, const std::string &lastKey)
{
    const Json token = {{"v", "meta.k8s.io/v1"}, {"rv", revision}, {"start", lastKey}};
    const std::string text = token.dump();
    return QByteArray(text.data(), qsizetype(text.size()))
        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)
        .toStdString();
}

std::optional<std::string> continueStart(const std::string &token)
{
    const QByteArray text =
        QByteArray::fromBase64(QByteArray::fromStdString(token),
                               QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    const Json parsed = Json::parse(text.toStdString(), nullptr, false);
    if (!parsed.is_object() || !parsed.contains("start") || !parsed["start"].is_string())
        return std::nullopt;
    return parsed["start"].get<std::string>();
}

const Json &labelsOf(const Json &object)
{
    static const Json kNone = Json::object();
    const auto metadata = object.find("metadata");
    if (metadata == object.end())
        return kNone;
    const auto labels = metadata->find("labels");
    return labels == metadata->end() ? kNone : *labels;
}

std::string nameOf(const Json &object, const char *field)
{
    const auto metadata = object.find("metadata");
    if (metadata == object.end())
        return {};
    const auto value = metadata->find(field);
    return value != metadata->end() && value->is_string() ? value->get<std::string>()
                                                          : std::string();
}

} // namespace

std::optional<std::int64_t> parseResourceVersion(const std::string &text)
{
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value <= 0)
        return std::nullopt;
    return value;
}

std::string ObjectStorage::encode(const Json &object)
{
    if (!object.contains("metadata") || !object["metadata"].contains("resourceVersion"))
        return object.dump();
    Json stored = object;
    stored["metadata"].erase("resourceVersion");
    return stored.dump();
}

Json ObjectStorage::decode(const KeyValue &kv)
{
    Json object = Json::parse(kv.value, nullptr, false);
    if (!object.is_object())
        object = Json::object(); // not ours: a corrupt value shows as an empty object
    object["metadata"]["resourceVersion"] = std::to_string(kv.modRevision);
    return object;
}

std::string ObjectStorage::stampedText(const KeyValue &kv)
{
    // Stored objects are nlohmann dumps of objects whose top-level keys sort apiVersion, kind,
    // metadata: the first `"metadata":{` is the object's own (inside a string value every quote
    // is escaped, so the sequence cannot occur there). Anything else is parsed.
    static constexpr std::string_view kMetadata = "\"metadata\":{";
    const auto at = kv.value.find(kMetadata);
    if (at == std::string::npos || kv.value.find("\"resourceVersion\"") != std::string::npos)
        return decode(kv).dump(-1, ' ', false, Json::error_handler_t::replace);
    const std::size_t insert = at + kMetadata.size();
    const bool empty = insert < kv.value.size() && kv.value[insert] == '}';
    std::string out;
    out.reserve(kv.value.size() + 32);
    out.append(kv.value, 0, insert);
    out += "\"resourceVersion\":\"" + std::to_string(kv.modRevision) + (empty ? "\"" : "\",");
    out.append(kv.value, insert, std::string::npos);
    return out;
}

ApiError ObjectStorage::storeFailure(const std::string &what, const Error &error) const
{
    return ApiError::internal(what + ": " + error.message());
}

ApiResult<std::optional<StoredObject>>
ObjectStorage::get(const ResourceInfo &resource, const std::string &ns, const std::string &name)
{
    const std::string key = resource.storeKey(ns, name);
    auto found = m_store.get(key);
    if (!found)
        return storeFailure("reading " + key, found.error());
    if (!*found)
        return std::optional<StoredObject>();
    return std::optional<StoredObject>(StoredObject{decode(**found), key, (*found)->modRevision});
}

ApiResult<ListResult> ObjectStorage::list(const ResourceInfo &resource, const ListOptions &options)
{
    const std::string prefix = resource.storePrefix(options.ns);
    std::string after;
    if (!options.continueToken.empty()) {
        const auto start = continueStart(options.continueToken);
        if (!start || !start->starts_with(prefix))
            return ApiError::badRequest("continue key is not valid: " + options.continueToken);
        after = *start;
    }
    const bool filtered = !options.labels.empty() || !options.fields.empty();
    ListResult result;
    // Read in pages, so that a selective list with a limit does not load everything.
    const std::int64_t page = options.limit > 0 ? std::max<std::int64_t>(options.limit, 100) : 0;
    while (true) {
        auto range = m_store.range(prefix, after, page);
        if (!range)
            return storeFailure("listing " + prefix, range.error());
        if (result.revision == 0)
            result.revision = range->revision;
        for (const KeyValue &kv : range->kvs) {
            after = kv.key;
            if (options.raw && !filtered) {
                result.rawItems.push_back(stampedText(kv));
                if (options.limit > 0 && std::int64_t(result.rawItems.size()) == options.limit) {
                    if (&kv != &range->kvs.back() || range->more)
                        result.continueToken = makeContinueToken(result.revision, after);
                    return result;
                }
                continue;
            }
            Json object = decode(kv);
            if (filtered &&
                (!options.labels.matches(labelsOf(object)) || !options.fields.matches(object)))
                continue;
            result.items.push_back(std::move(object));
            if (options.limit > 0 && std::int64_t(result.items.size()) == options.limit) {
                // More may follow: the next page starts after the last key read.
                const bool moreInPage = &kv != &range->kvs.back();
                if (moreInPage || range->more)
                    result.continueToken = makeContinueToken(result.revision, after);
                return result;
            }
        }
        if (!range->more)
            break;
    }
    return result;
}

ApiResult<StoredObject> ObjectStorage::create(const ResourceInfo &resource, const Json &object)
{
    const std::string key = resource.storeKey(nameOf(object, "namespace"), nameOf(object, "name"));
    auto written = m_store.create(key, encode(object));
    if (!written)
        return storeFailure("creating " + key, written.error());
    if (written->outcome == WriteOutcome::AlreadyExists)
        return ApiError::alreadyExists(resource, nameOf(object, "name"));
    Json stored = object;
    stored["metadata"]["resourceVersion"] = std::to_string(written->revision);
    return StoredObject{std::move(stored), key, written->revision};
}

ApiResult<StoredObject> ObjectStorage::update(const ResourceInfo &resource, const Json &object,
                                              std::int64_t expectedRevision)
{
    const std::string name = nameOf(object, "name");
    const std::string key = resource.storeKey(nameOf(object, "namespace"), name);
    auto written = m_store.update(key, encode(object), expectedRevision);
    if (!written)
        return storeFailure("updating " + key, written.error());
    switch (written->outcome) {
    case WriteOutcome::NotFound:
        return ApiError::notFound(resource, name);
    case WriteOutcome::Conflict:
        return ApiError::conflict(resource, name,
                                  "the object has been modified; please apply your changes to "
                                  "the latest version and try again");
    default:
        break;
    }
    Json stored = object;
    stored["metadata"]["resourceVersion"] = std::to_string(written->revision);
    return StoredObject{std::move(stored), key, written->revision};
}

ApiResult<StoredObject> ObjectStorage::remove(const ResourceInfo &resource, const std::string &ns,
                                              const std::string &name,
                                              std::int64_t expectedRevision)
{
    const std::string key = resource.storeKey(ns, name);
    auto written = m_store.remove(key, expectedRevision);
    if (!written)
        return storeFailure("deleting " + key, written.error());
    switch (written->outcome) {
    case WriteOutcome::NotFound:
        return ApiError::notFound(resource, name);
    case WriteOutcome::Conflict:
        return ApiError::conflict(resource, name,
                                  "the object has been modified; please apply your changes to "
                                  "the latest version and try again");
    default:
        break;
    }
    Json removed = written->current ? decode(*written->current) : Json::object();
    removed["metadata"]["resourceVersion"] = std::to_string(written->revision);
    return StoredObject{std::move(removed), key, written->revision};
}

ApiResult<std::int64_t> ObjectStorage::currentRevision()
{
    auto revision = m_store.currentRevision();
    if (!revision)
        return storeFailure("reading the store's revision", revision.error());
    return *revision;
}

} // namespace flowlab::kube
