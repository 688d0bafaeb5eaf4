#include "engine/kube/store/EtcdStore.h"

#include "engine/kube/store/EtcdGateway.h"
#include "engine/kube/store/EtcdWatchStream.h"
#include "engine/kube/store/KeyRange.h"

namespace flowlab::kube {

using etcd::base64;
using etcd::Json;

namespace {

// etcd has no empty key: "\0", the smallest key there is, stands in for "from the first",
// and as a range_end it means "to the last".
const std::string kSmallestKey(1, '\0');

const std::string &orSmallestKey(const std::string &key)
{
    return key.empty() ? kSmallestKey : key;
}

// No end (an empty prefix, or one of 0xff bytes only) is "\0" too: to the last key.
std::string rangeEnd64(const std::string &prefix)
{
    const std::string end = prefixEnd(prefix);
    return base64(orSmallestKey(end));
}

} // namespace

Result<std::unique_ptr<EtcdStore>> EtcdStore::open(const std::string &baseUrl)
{
    Result<std::unique_ptr<etcd::Connection>> connection = etcd::Connection::open(baseUrl);
    if (!connection)
        return connection.error().withContext("opening store etcd " + baseUrl);
    std::unique_ptr<EtcdStore> store(new EtcdStore(std::move(*connection)));
    if (Result<std::int64_t> revision = store->currentRevision(); !revision)
        return revision.error();
    return store;
}

EtcdStore::EtcdStore(std::unique_ptr<etcd::Connection> connection)
    : m_connection(std::move(connection))
{}

EtcdStore::~EtcdStore() = default;

std::string EtcdStore::describe() const
{
    return "etcd " + m_connection->baseUrl();
}

Result<std::int64_t> EtcdStore::currentRevision()
{
    // Any read carries the store's revision in its header; counting one key is the least.
    static const std::string request =
        Json{{"key", base64(kSmallestKey)}, {"count_only", true}}.dump();
    Result<Json> answer = m_connection->post("/v3/kv/range", request);
    if (!answer)
        return answer.error();
    return etcd::interpret(m_connection->baseUrl(), [&] { return etcd::headerRevision(*answer); });
}

Result<std::optional<KeyValue>> EtcdStore::get(const std::string &key)
{
    Result<Json> answer = m_connection->post("/v3/kv/range", Json{{"key", base64(key)}}.dump());
    if (!answer)
        return answer.error().withContext("reading " + key + " from etcd");
    return etcd::interpret(m_connection->baseUrl(), [&] {
        std::optional<KeyValue> found;
        if (const auto kvs = answer->find("kvs"); kvs != answer->end() && !kvs->empty())
            found = etcd::keyValue(kvs->front());
        return found;
    });
}

Result<RangeResult> EtcdStore::range(const std::string &prefix, const std::string &startAfter,
                                     std::int64_t limit)
{
    const RangeStart start = rangeStart(prefix, startAfter);
    // etcd's key is inclusive: the first key after `startAfter` is `startAfter` + "\0".
    std::string from(start.key);
    if (!start.inclusive)
        from.push_back('\0');
    Json request{{"key", base64(orSmallestKey(from))}, {"range_end", rangeEnd64(prefix)}};
    if (limit > 0)
        request["limit"] = std::to_string(limit);

    Result<Json> answer = m_connection->post("/v3/kv/range", request.dump());
    if (!answer)
        return answer.error().withContext("listing " + prefix + " in etcd");
    return etcd::interpret(m_connection->baseUrl(), [&] {
        RangeResult result;
        result.revision = etcd::headerRevision(*answer);
        result.more = answer->value("more", false);
        if (const auto kvs = answer->find("kvs"); kvs != answer->end()) {
            result.kvs.reserve(kvs->size());
            for (const Json &kv : *kvs)
                result.kvs.push_back(etcd::keyValue(kv));
        }
        return result;
    });
}

Result<std::int64_t> EtcdStore::count(const std::string &prefix)
{
    const Json request{{"key", base64(orSmallestKey(prefix))},
                       {"range_end", rangeEnd64(prefix)},
                       {"count_only", true}};
    Result<Json> answer = m_connection->post("/v3/kv/range", request.dump());
    if (!answer)
        return answer.error().withContext("counting " + prefix + " in etcd");
    return etcd::interpret(m_connection->baseUrl(),
                           [&] { return etcd::int64Field(*answer, "count"); });
}

Result<WriteResult> EtcdStore::create(const std::string &key, const std::string &value)
{
    return write(WriteKind::Create, key, &value, 0).context("creating " + key + " in etcd");
}

Result<WriteResult> EtcdStore::update(const std::string &key, const std::string &value,
                                      std::int64_t expectedModRevision)
{
    return write(WriteKind::Update, key, &value, expectedModRevision)
        .context("updating " + key + " in etcd");
}

Result<WriteResult> EtcdStore::remove(const std::string &key, std::int64_t expectedModRevision)
{
    return write(WriteKind::Remove, key, nullptr, expectedModRevision)
        .context("deleting " + key + " from etcd");
}

// One transaction per write, as kube-apiserver's etcd3 storage does it:
//   if   <the condition>                   create: create_revision == 0 (absent)
//                                          update/delete: mod_revision == expected, or
//                                          create_revision > 0 (present) when expected is 0
//   then put or delete, with prev_kv        (the version and create_revision of the result)
//   else range the key                      (Conflict and AlreadyExists carry it as `current`)
Result<WriteResult> EtcdStore::write(WriteKind kind, const std::string &key,
                                     const std::string *value, std::int64_t expectedModRevision)
{
    const std::string key64 = base64(key);
    Json compare{{"key", key64}, {"result", "EQUAL"}};
    if (kind == WriteKind::Create) {
        compare["target"] = "CREATE";
        compare["create_revision"] = "0";
    } else if (expectedModRevision == 0) {
        compare["target"] = "CREATE";
        compare["result"] = "GREATER";
        compare["create_revision"] = "0";
    } else {
        compare["target"] = "MOD";
        compare["mod_revision"] = std::to_string(expectedModRevision);
    }
    Json then;
    if (kind == WriteKind::Remove)
        then["request_delete_range"] = Json{{"key", key64}, {"prev_kv", true}};
    else
        then["request_put"] =
            Json{{"key", key64}, {"value", base64(*value)}, {"prev_kv", kind == WriteKind::Update}};
    Json request;
    request["compare"] = Json::array({std::move(compare)});
    request["success"] = Json::array({std::move(then)});
    request["failure"] = Json::array({Json{{"request_range", Json{{"key", key64}}}}});

    Result<Json> answer = m_connection->post("/v3/kv/txn", request.dump());
    if (!answer)
        return answer.error();
    return etcd::interpret(m_connection->baseUrl(), [&] {
        WriteResult result;
        result.revision = etcd::headerRevision(*answer);
        const Json &response = answer->at("responses").at(0);
        if (!answer->value("succeeded", false)) {
            const Json &read = response.at("response_range");
            const auto kvs = read.find("kvs");
            if (kvs != read.end() && !kvs->empty())
                result.current = etcd::keyValue(kvs->front());
            result.outcome = kind == WriteKind::Create ? WriteOutcome::AlreadyExists
                             : result.current          ? WriteOutcome::Conflict
                                                       : WriteOutcome::NotFound;
            return result;
        }
        switch (kind) {
        case WriteKind::Create:
            result.current = KeyValue{key, *value, result.revision, result.revision, 1};
            break;
        case WriteKind::Update: {
            const KeyValue prev = etcd::keyValue(response.at("response_put").at("prev_kv"));
            result.current =
                KeyValue{key, *value, prev.createRevision, result.revision, prev.version + 1};
            break;
        }
        case WriteKind::Remove:
            result.current =
                etcd::keyValue(response.at("response_delete_range").at("prev_kvs").at(0));
            break;
        }
        return result;
    });
}

// A watch from a compacted revision is created first and canceled a moment later, on the
// stream's thread, where no caller can hear of it. A count at the first revision the watch
// needs fails the same way, now, so the caller gets "too old resource version" and relists.
Status EtcdStore::checkNotCompacted(const std::string &prefix, std::int64_t afterRevision)
{
    const Json request{{"key", base64(orSmallestKey(prefix))},
                       {"range_end", rangeEnd64(prefix)},
                       {"count_only", true},
                       {"revision", std::to_string(afterRevision + 1)}};
    Result<Json> answer = m_connection->post("/v3/kv/range", request.dump());
    if (answer)
        return success();
    const std::string &message = answer.error().message();
    if (message.find("future revision") != std::string::npos)
        return success(); // a watch may start ahead of the store: it waits
    if (message.find("compacted") != std::string::npos)
        return Error("too old resource version: " + std::to_string(afterRevision) +
                     " (etcd has compacted its history past it)");
    return answer.error();
}

Result<std::unique_ptr<Store::WatchHandle>>
EtcdStore::watch(const std::string &prefix, std::int64_t afterRevision, WatchCallback onEvents)
{
    const std::string what =
        "watching " + prefix + " in etcd after revision " + std::to_string(afterRevision);
    if (Status fresh = checkNotCompacted(prefix, afterRevision); !fresh)
        return fresh.error().withContext(what);
    Result<std::unique_ptr<etcd::WatchStream>> stream = etcd::WatchStream::start(
        m_connection->baseUrl(), prefix, afterRevision, std::move(onEvents));
    if (!stream)
        return stream.error().withContext(what);
    return std::unique_ptr<WatchHandle>(std::move(*stream));
}

} // namespace flowlab::kube
