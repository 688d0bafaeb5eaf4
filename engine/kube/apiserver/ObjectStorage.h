#pragma once

// Kubernetes objects over the key-value Store: keys from ResourceInfo::storeKey, values the
// object's JSON without metadata.resourceVersion, which is the key's modRevision and is set on
// every object read back (as the real apiserver does with etcd). Optimistic concurrency is the
// store's: an update or delete names the revision it read and gets Conflict if it moved.
//
// Every write reports what it did to the store (key, revision, operation), which the
// apiserver records as the request's storage stage.

#include "engine/kube/api/Resources.h"
#include "engine/kube/api/Selectors.h"
#include "engine/kube/apiserver/ApiResult.h"
#include "engine/kube/store/Store.h"

#include <optional>
#include <string>
#include <vector>

namespace flowlab::kube {

struct StoredObject
{
    Json object; // with metadata.resourceVersion
    std::string key;
    std::int64_t revision = 0; // the store's revision after the write (or at the read)
};

struct ListOptions
{
    std::string ns; // "" for every namespace
    LabelSelector labels;
    FieldSelector fields;
    std::int64_t limit = 0;    // 0: no limit
    std::string continueToken; // from a previous page
    // Items as their stored JSON text (resourceVersion set), not parsed: for a list that
    // nothing needs to look inside (no selectors, plain JSON out). Ten thousand pods go out
    // several times faster.
    bool raw = false;
};

struct ListResult
{
    std::vector<Json> items;
    std::vector<std::string> rawItems; // instead of items, when ListOptions::raw
    std::int64_t revision = 0;
    std::string continueToken; // "" when this was the last page
};

class ObjectStorage
{
public:
    explicit ObjectStorage(Store &store)
        : m_store(store)
    {}

    Store &store() { return m_store; }

    ApiResult<std::optional<StoredObject>> get(const ResourceInfo &resource, const std::string &ns,
                                               const std::string &name);
    ApiResult<ListResult> list(const ResourceInfo &resource, const ListOptions &options);
    // Objects must have metadata.name (and namespace when namespaced) set.
    ApiResult<StoredObject> create(const ResourceInfo &resource, const Json &object);
    // expectedRevision 0: whatever is stored now.
    ApiResult<StoredObject> update(const ResourceInfo &resource, const Json &object,
                                   std::int64_t expectedRevision);
    // Returns the object as it was, stamped with the delete's revision.
    ApiResult<StoredObject> remove(const ResourceInfo &resource, const std::string &ns,
                                   const std::string &name, std::int64_t expectedRevision);

    ApiResult<std::int64_t> currentRevision();

    // The stored form and back: resourceVersion stripped, and set from the revision.
    static std::string encode(const Json &object);
    static Json decode(const KeyValue &kv);
    // The stored text with metadata.resourceVersion set, without parsing it when it can.
    static std::string stampedText(const KeyValue &kv);

private:
    ApiError storeFailure(const std::string &what, const Error &error) const;

    Store &m_store;
};

// "42" → 42; errors for anything that is not a positive integer, as a 400 would say.
std::optional<std::int64_t> parseResourceVersion(const std::string &text);

} // namespace flowlab::kube
