#pragma once

// The apiserver's store: keys to JSON objects with revisions, as etcd's v3 KV API has them.
// Every write makes the store's revision grow by one; a key remembers the revision that
// created it and the one that last changed it (an object's metadata.resourceVersion). Two
// implementations share one conformance suite:
//   SqliteStore  embedded SQLite in WAL mode, the default: nothing else to run
//   EtcdStore    Debian's etcd, through its v3 JSON gateway (/v3/kv/..., /v3/watch)
//
// Writes are conditional where Kubernetes needs them to be: create only if absent, update
// and delete only if the key is still at the revision the caller read (optimistic
// concurrency, which becomes a 409 Conflict). A write that returns has been committed:
// SQLite's WAL survives a kill -9 of the process, and etcd acknowledges after its own log.
//
// Not thread-safe: the apiserver calls a store from its event loop only. watch() callbacks
// may come from another thread (EtcdStore's stream), so the caller marshals them.

#include "tracer/base/Result.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::kube {

struct KeyValue
{
    std::string key;
    std::string value;
    std::int64_t createRevision = 0;
    std::int64_t modRevision = 0;
    std::int64_t version = 0; // writes to this key since it was created: 1 after the create
};

struct RangeResult
{
    std::vector<KeyValue> kvs; // in key order
    std::int64_t revision = 0; // the store's revision when it was read
    bool more = false;         // a limit cut the range short
};

// The outcome of a conditional write. Failures of the store itself (disk, network) are
// Results' errors instead.
enum class WriteOutcome {
    Done,
    NotFound,      // update or delete of a missing key
    AlreadyExists, // create of an existing key
    Conflict,      // the key is not at the expected revision
};

struct WriteResult
{
    WriteOutcome outcome = WriteOutcome::Done;
    std::int64_t revision = 0;       // the store's revision after a successful write
    std::optional<KeyValue> current; // Done: the key as written (for delete: as it was).
                                     // Conflict/AlreadyExists: the key as it is now.
};

struct WatchEvent
{
    enum class Type { Put, Delete };
    Type type = Type::Put;
    KeyValue kv;                  // for Delete: key and modRevision = the delete's revision
    std::optional<KeyValue> prev; // the key before this event, when it existed
};

class Store
{
public:
    virtual ~Store() = default;

    // "sqlite /var/lib/flowlab/kube/store.db" or "etcd http://127.0.0.1:2379", for logs and
    // the audit evidence.
    virtual std::string describe() const = 0;

    virtual Result<std::optional<KeyValue>> get(const std::string &key) = 0;
    // Keys that start with `prefix` and sort after `startAfter` ("" from the first), at most
    // `limit` of them (0: all).
    virtual Result<RangeResult> range(const std::string &prefix, const std::string &startAfter = {},
                                      std::int64_t limit = 0) = 0;
    // How many keys start with `prefix`.
    virtual Result<std::int64_t> count(const std::string &prefix) = 0;
    virtual Result<std::int64_t> currentRevision() = 0;

    virtual Result<WriteResult> create(const std::string &key, const std::string &value) = 0;
    // expectedModRevision 0: whatever the key's revision is (it must exist).
    virtual Result<WriteResult> update(const std::string &key, const std::string &value,
                                       std::int64_t expectedModRevision) = 0;
    virtual Result<WriteResult> remove(const std::string &key,
                                       std::int64_t expectedModRevision) = 0;

    // Calls `onEvents` for every change under `prefix` after `afterRevision`, in revision
    // order, batched as the backend delivers them, until the returned handle is destroyed.
    // Changes made through this Store object are delivered too. Some events may be
    // delivered on another thread; none after the handle's destructor returns.
    using WatchCallback = std::function<void(std::vector<WatchEvent>)>;
    class WatchHandle
    {
    public:
        virtual ~WatchHandle() = default;
    };
    virtual Result<std::unique_ptr<WatchHandle>>
    watch(const std::string &prefix, std::int64_t afterRevision, WatchCallback onEvents) = 0;
};

// "sqlite:PATH" or "etcd:URL" (as flowlab-apiserver's --store takes it); errors say which
// forms exist. An etcd URL must be loopback or a lab address: the store never goes further.
Result<std::unique_ptr<Store>> openStore(const std::string &spec);

} // namespace flowlab::kube
