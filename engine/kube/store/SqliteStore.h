#pragma once

// The default store: one SQLite file in WAL mode, nothing else to run. Every write is one
// IMMEDIATE transaction that bumps a one-row revision counter; statements are prepared once.
// Watches see the writes made through this object (SQLite cannot tell us about others),
// delivered on the writing thread right after the commit, and can start from a recent
// revision: the store remembers its latest changes the way etcd keeps history until a
// compaction. A watch from further back fails with "too old resource version", which the
// apiserver turns into 410 Gone and clients answer by listing again.

#include "engine/kube/store/Store.h"
#include "engine/kube/store/WatchFanout.h"

#include <memory>
#include <string>

struct sqlite3;

namespace flowlab::kube {

class SqliteStore final : public Store
{
public:
    struct Options
    {
        WatchFanout::Limits watchHistory;
    };

    // Opens the database at `path`, creating it and its directory (mode 0700: it holds
    // Secrets) when missing. Errors name the file and the failing call, e.g.
    // "opening store /var/lib/flowlab/kube/store.db: sqlite3_open_v2: unable to open database
    // file".
    static Result<std::unique_ptr<SqliteStore>> open(const std::string &path, Options options = {});
    ~SqliteStore() override;

    SqliteStore(const SqliteStore &) = delete;
    SqliteStore &operator=(const SqliteStore &) = delete;

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

    Result<std::unique_ptr<WatchHandle>>
    watch(const std::string &prefix, std::int64_t afterRevision, WatchCallback onEvents) override;

private:
    struct Database;
    enum class WriteKind { Create, Update, Remove };

    SqliteStore(std::string path, std::unique_ptr<Database> db);
    Result<WriteResult> write(WriteKind kind, const std::string &key, const std::string *value,
                              std::int64_t expectedModRevision);
    Error failure(const char *call) const;

    std::string m_path;
    std::unique_ptr<Database> m_db;
    std::shared_ptr<WatchFanout> m_fanout;
};

} // namespace flowlab::kube
