#pragma once

// The store on Debian's etcd 3.4, through its v3 JSON gateway over plain HTTP: one
// keep-alive connection for reads and writes, and one streaming connection per watch (on a
// thread of its own). Conditional writes are single transactions whose failure branch reads
// the key, so a Conflict comes back with the current object in the same round trip.

#include "engine/kube/store/Store.h"

#include <memory>
#include <string>

namespace flowlab::kube {

namespace etcd {
class Connection;
}

class EtcdStore final : public Store
{
public:
    // `baseUrl` such as "http://127.0.0.1:2379" (openStore checks that it stays on loopback
    // or the lab). Reads the revision once, so that an etcd that is not there is reported
    // now: "etcd at http://127.0.0.1:2379 is not reachable: ...".
    static Result<std::unique_ptr<EtcdStore>> open(const std::string &baseUrl);
    ~EtcdStore() override;

    EtcdStore(const EtcdStore &) = delete;
    EtcdStore &operator=(const EtcdStore &) = delete;

    std::string describe() const override;

    Result<std::optional<KeyValue>> get(const std::string &key) override;
    Result<RangeResult> range(const std::string &prefix, const std::string &startAfter = {},
                              std::int64_t limit = 0) override;
    Result<std::int64_t> count(const std::string &prefix) override;
    Result<std::int64_t> currentRevision() override;

    Result<WriteResult> create(const std::string &key, const std::string &value) override;
    Result<WriteResult> update(const std::string &key, const std::string &value,
                               std::int64_t expectedModRevision) override;
    Result<WriteResult> remove(const std::string &key, std::int64_t expectedModRevision) override;

    // Events arrive on the watch's own thread. A watch from a revision etcd has compacted
    // fails with "too old resource version".
    Result<std::unique_ptr<WatchHandle>>
    watch(const std::string &prefix, std::int64_t afterRevision, WatchCallback onEvents) override;

private:
    enum class WriteKind { Create, Update, Remove };

    explicit EtcdStore(std::unique_ptr<etcd::Connection> connection);
    Result<WriteResult> write(WriteKind kind, const std::string &key, const std::string *value,
                              std::int64_t expectedModRevision);
    Status checkNotCompacted(const std::string &prefix, std::int64_t afterRevision);

    std::unique_ptr<etcd::Connection> m_connection;
};

} // namespace flowlab::kube
