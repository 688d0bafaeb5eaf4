#include "engine/kube/store/SqliteStore.h"

#include "engine/kube/store/KeyRange.h"

#include <cerrno>
#include <sqlite3.h>
#include <sys/stat.h>

namespace flowlab::kube {

namespace {

struct ConnectionCloser
{
    void operator()(sqlite3 *db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer
{
    void operator()(sqlite3_stmt *statement) const { sqlite3_finalize(statement); }
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// Schema 1. The revision lives in a table of its own, one row, so that it survives deletes
// of every key. kv keeps its rowid: values are JSON objects of kilobytes, which a WITHOUT
// ROWID table would push into overflow pages, and the primary key's own index
// (sqlite_autoindex_kv_1) then holds keys only, so a prefix count reads the index alone and
// a prefix range walks it in order ("SEARCH kv USING INDEX sqlite_autoindex_kv_1 (key>?
// AND key<?)" in EXPLAIN QUERY PLAN).
constexpr int kSchemaVersion = 1;
constexpr const char *kSchema = R"sql(
CREATE TABLE IF NOT EXISTS kv (
    key             TEXT PRIMARY KEY NOT NULL,
    value           BLOB NOT NULL,
    create_revision INTEGER NOT NULL,
    mod_revision    INTEGER NOT NULL,
    version         INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS revision (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    value    INTEGER NOT NULL
);
-- etcd starts at revision 1 too: the first write is revision 2 on either store.
INSERT OR IGNORE INTO revision VALUES (1, 1);
PRAGMA user_version = 1;
)sql";

constexpr const char *kSelectColumns =
    "SELECT key, value, create_revision, mod_revision, version FROM kv ";

// Resets a cached statement when the scope ends, on every path out, so that it holds no
// read snapshot open and can be bound again next time.
class StatementUse
{
public:
    explicit StatementUse(const Statement &statement)
        : m_statement(statement.get())
    {}
    ~StatementUse()
    {
        sqlite3_reset(m_statement);
        sqlite3_clear_bindings(m_statement);
    }
    StatementUse(const StatementUse &) = delete;
    StatementUse &operator=(const StatementUse &) = delete;

    // The strings must outlive this scope: SQLite reads them in place (SQLITE_STATIC).
    void bind(int index, std::string_view text)
    {
        sqlite3_bind_text64(m_statement, index, text.data(), text.size(), SQLITE_STATIC,
                            SQLITE_UTF8);
    }
    void bindBlob(int index, const std::string &bytes)
    {
        sqlite3_bind_blob64(m_statement, index, bytes.data(), bytes.size(), SQLITE_STATIC);
    }
    void bind(int index, std::int64_t number) { sqlite3_bind_int64(m_statement, index, number); }

    int step() { return sqlite3_step(m_statement); }
    std::int64_t integer(int column) const { return sqlite3_column_int64(m_statement, column); }
    std::string text(int column) const
    {
        // sqlite3_column_blob returns null for an empty value; the byte count is what counts.
        const void *bytes = sqlite3_column_blob(m_statement, column);
        const int size = sqlite3_column_bytes(m_statement, column);
        return size > 0 ? std::string(static_cast<const char *>(bytes), size) : std::string();
    }
    // The current row of kSelectColumns.
    KeyValue keyValue() const
    {
        return KeyValue{text(0), text(1), integer(2), integer(3), integer(4)};
    }

private:
    sqlite3_stmt *m_statement;
};

// A transaction that rolls back unless committed, so that an error on any path leaves the
// write lock released and the file as it was.
class Transaction
{
public:
    explicit Transaction(const Statement &rollback)
        : m_rollback(rollback)
    {}
    ~Transaction()
    {
        if (!m_finished)
            StatementUse(m_rollback).step();
    }
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

    bool commit(const Statement &commitStatement)
    {
        m_finished = StatementUse(commitStatement).step() == SQLITE_DONE;
        return m_finished;
    }

private:
    const Statement &m_rollback;
    bool m_finished = false;
};

// Creates the missing directories of `dir`, mode 0700: the store holds Secrets.
Status makeDirectories(const std::string &dir)
{
    for (std::size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
        const std::string partial = dir.substr(0, slash);
        if (!partial.empty() && ::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
            return Error::fromErrno("mkdir " + partial);
        if (slash == std::string::npos)
            return success();
    }
}

std::string parentDirectory(const std::string &path)
{
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return {};
    return path.substr(0, slash);
}

// Statements prepared once, when the store opens. Range and count come in variants (start
// key inclusive or exclusive, with or without an end key) so that each is a plain
// `key >= ? AND key < ?` the planner answers from the primary key, never a scan.
struct Statements
{
    Statement begin, beginImmediate, commit, rollback;
    Statement readRevision, bumpRevision;
    Statement getKey, insertKey, updateKey, deleteKey;
    Statement range[2][2]; // [start exclusive][has end]
    Statement count[2];    // [has end]
};

Error sqliteError(sqlite3 *db, const char *call)
{
    return Error(std::string(call) + ": " + sqlite3_errmsg(db));
}

Status prepare(sqlite3 *db, Statement &statement, const std::string &sql)
{
    sqlite3_stmt *raw = nullptr;
    if (sqlite3_prepare_v3(db, sql.c_str(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw,
                           nullptr) != SQLITE_OK)
        return sqliteError(db, "sqlite3_prepare_v3").context(sql);
    statement.reset(raw);
    return success();
}

Status prepareAll(sqlite3 *db, Statements &s)
{
    const std::pair<Statement *, std::string> plain[] = {
        {&s.begin, "BEGIN"},
        {&s.beginImmediate, "BEGIN IMMEDIATE"},
        {&s.commit, "COMMIT"},
        {&s.rollback, "ROLLBACK"},
        {&s.readRevision, "SELECT value FROM revision WHERE only_row = 1"},
        {&s.bumpRevision,
         "UPDATE revision SET value = value + 1 WHERE only_row = 1 RETURNING value"},
        {&s.getKey, std::string(kSelectColumns) + "WHERE key = ?1"},
        {&s.insertKey, "INSERT INTO kv (key, value, create_revision, mod_revision, version) "
                       "VALUES (?1, ?2, ?3, ?3, 1)"},
        {&s.updateKey, "UPDATE kv SET value = ?2, mod_revision = ?3, version = version + 1 "
                       "WHERE key = ?1"},
        {&s.deleteKey, "DELETE FROM kv WHERE key = ?1"},
        {&s.count[0], "SELECT count(*) FROM kv WHERE key >= ?1"},
        {&s.count[1], "SELECT count(*) FROM kv WHERE key >= ?1 AND key < ?2"},
    };
    for (const auto &[statement, sql] : plain) {
        if (Status prepared = prepare(db, *statement, sql); !prepared)
            return prepared;
    }
    for (int exclusive = 0; exclusive < 2; ++exclusive) {
        for (int hasEnd = 0; hasEnd < 2; ++hasEnd) {
            const std::string sql = std::string(kSelectColumns) + "WHERE key " +
                                    (exclusive ? ">" : ">=") + " ?1" +
                                    (hasEnd ? " AND key < ?2" : "") + " ORDER BY key LIMIT ?3";
            if (Status prepared = prepare(db, s.range[exclusive][hasEnd], sql); !prepared)
                return prepared;
        }
    }
    return success();
}

// WAL with synchronous=NORMAL: a commit appends its pages to the -wal file with write(2)
// and returns without fsync. Once write(2) returns, the bytes are in the kernel's page
// cache, which outlives the process, so an acknowledged write survives kill -9 (the
// durability test does exactly that). Only a kernel crash or power loss can drop the last
// commits, and even then the file stays consistent, because the WAL is fsynced at every
// checkpoint. FULL would fsync on every commit: several milliseconds per write for a
// guarantee the lab's throwaway VM does not need.
Status configure(sqlite3 *db)
{
    sqlite3_extended_result_codes(db, 1);
    // A learner may open the file with the sqlite3 shell: wait for its lock, do not fail.
    sqlite3_busy_timeout(db, 5000);

    sqlite3_stmt *raw = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &raw, nullptr) != SQLITE_OK)
        return sqliteError(db, "sqlite3_prepare_v2");
    Statement journalMode(raw);
    if (sqlite3_step(raw) != SQLITE_ROW)
        return sqliteError(db, "sqlite3_step").context("PRAGMA journal_mode = WAL");
    const auto *mode = reinterpret_cast<const char *>(sqlite3_column_text(raw, 0));
    if (!mode || std::string_view(mode) != "wal")
        return Error(std::string("PRAGMA journal_mode = WAL: SQLite kept journal mode ") +
                     (mode ? mode : "(none)"));
    journalMode.reset();

    if (sqlite3_exec(db, "PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr) != SQLITE_OK)
        return sqliteError(db, "sqlite3_exec").context("PRAGMA synchronous = NORMAL");

    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &raw, nullptr) != SQLITE_OK)
        return sqliteError(db, "sqlite3_prepare_v2");
    Statement userVersion(raw);
    if (sqlite3_step(raw) != SQLITE_ROW)
        return sqliteError(db, "sqlite3_step").context("PRAGMA user_version");
    const int schema = sqlite3_column_int(raw, 0);
    userVersion.reset();
    if (schema > kSchemaVersion)
        return Error("the file has schema " + std::to_string(schema) +
                     ", newer than this Flowlab's " + std::to_string(kSchemaVersion));

    if (sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK)
        return sqliteError(db, "sqlite3_exec").context("creating the schema");
    return success();
}

} // namespace

struct SqliteStore::Database
{
    Connection connection;
    Statements statements; // declared after: finalized before the connection closes
};

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string &path, Options options)
{
    const std::string what = "opening store " + path;
    if (path.empty())
        return Error("opening store: no file named");
    if (const std::string dir = parentDirectory(path); !dir.empty()) {
        if (Status made = makeDirectories(dir); !made)
            return made.error().withContext(what);
    }

    sqlite3 *raw = nullptr;
    const int opened = sqlite3_open_v2(path.c_str(), &raw,
                                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                           SQLITE_OPEN_NOMUTEX, // one thread: the event loop's
                                       nullptr);
    auto db = std::make_unique<Database>();
    db->connection.reset(raw);
    if (opened != SQLITE_OK)
        return Error(std::string("sqlite3_open_v2: ") +
                     (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(opened)))
            .context(what);
    if (Status configured = configure(raw); !configured)
        return configured.error().withContext(what);
    if (Status prepared = prepareAll(raw, db->statements); !prepared)
        return prepared.error().withContext(what);

    std::unique_ptr<SqliteStore> store(new SqliteStore(path, std::move(db)));
    Result<std::int64_t> revision = store->currentRevision();
    if (!revision)
        return revision.error().withContext(what);
    store->m_fanout = std::make_shared<WatchFanout>(*revision, options.watchHistory);
    return store;
}

SqliteStore::SqliteStore(std::string path, std::unique_ptr<Database> db)
    : m_path(std::move(path))
    , m_db(std::move(db))
{}

SqliteStore::~SqliteStore() = default;

std::string SqliteStore::describe() const
{
    return "sqlite " + m_path;
}

Error SqliteStore::failure(const char *call) const
{
    return sqliteError(m_db->connection.get(), call);
}

Result<std::int64_t> SqliteStore::currentRevision()
{
    StatementUse read(m_db->statements.readRevision);
    if (read.step() != SQLITE_ROW)
        return failure("sqlite3_step").context("reading the revision of store " + m_path);
    return read.integer(0);
}

Result<std::optional<KeyValue>> SqliteStore::get(const std::string &key)
{
    StatementUse select(m_db->statements.getKey);
    select.bind(1, key);
    switch (select.step()) {
    case SQLITE_ROW:
        return std::optional<KeyValue>(select.keyValue());
    case SQLITE_DONE:
        return std::optional<KeyValue>();
    default:
        return failure("sqlite3_step").context("reading " + key + " from store " + m_path);
    }
}

Result<RangeResult> SqliteStore::range(const std::string &prefix, const std::string &startAfter,
                                       std::int64_t limit)
{
    const auto what = [&] { return "listing " + prefix + " in store " + m_path; };
    Statements &s = m_db->statements;
    // One read transaction, so that the revision is the one the keys were read at.
    if (StatementUse(s.begin).step() != SQLITE_DONE)
        return failure("BEGIN").context(what());
    Transaction transaction(s.rollback);

    RangeResult result;
    Result<std::int64_t> revision = currentRevision();
    if (!revision)
        return revision.error();
    result.revision = *revision;

    const RangeStart start = rangeStart(prefix, startAfter);
    const std::string end = prefixEnd(prefix);
    StatementUse select(s.range[start.inclusive ? 0 : 1][end.empty() ? 0 : 1]);
    select.bind(1, start.key);
    if (!end.empty())
        select.bind(2, end);
    // One row beyond the limit tells whether there is more.
    select.bind(3, limit > 0 ? limit + 1 : std::int64_t(-1));
    int stepped;
    while ((stepped = select.step()) == SQLITE_ROW) {
        if (limit > 0 && std::int64_t(result.kvs.size()) == limit) {
            result.more = true;
            break;
        }
        result.kvs.push_back(select.keyValue());
    }
    if (stepped != SQLITE_ROW && stepped != SQLITE_DONE)
        return failure("sqlite3_step").context(what());
    if (!transaction.commit(s.commit))
        return failure("COMMIT").context(what());
    return result;
}

Result<std::int64_t> SqliteStore::count(const std::string &prefix)
{
    const std::string end = prefixEnd(prefix);
    StatementUse select(m_db->statements.count[end.empty() ? 0 : 1]);
    select.bind(1, prefix);
    if (!end.empty())
        select.bind(2, end);
    if (select.step() != SQLITE_ROW)
        return failure("sqlite3_step").context("counting " + prefix + " in store " + m_path);
    return select.integer(0);
}

Result<WriteResult> SqliteStore::create(const std::string &key, const std::string &value)
{
    return write(WriteKind::Create, key, &value, 0)
        .context("creating " + key + " in store " + m_path);
}

Result<WriteResult> SqliteStore::update(const std::string &key, const std::string &value,
                                        std::int64_t expectedModRevision)
{
    return write(WriteKind::Update, key, &value, expectedModRevision)
        .context("updating " + key + " in store " + m_path);
}

Result<WriteResult> SqliteStore::remove(const std::string &key, std::int64_t expectedModRevision)
{
    return write(WriteKind::Remove, key, nullptr, expectedModRevision)
        .context("deleting " + key + " from store " + m_path);
}

Result<WriteResult> SqliteStore::write(WriteKind kind, const std::string &key,
                                       const std::string *value, std::int64_t expectedModRevision)
{
    Statements &s = m_db->statements;
    // IMMEDIATE takes the write lock up front: the check below and the write after it see
    // the same row, and no other connection can slip in between.
    if (StatementUse(s.beginImmediate).step() != SQLITE_DONE)
        return failure("BEGIN IMMEDIATE");
    Transaction transaction(s.rollback);

    Result<std::optional<KeyValue>> read = get(key);
    if (!read)
        return read.error();
    std::optional<KeyValue> &before = *read;

    WriteResult result;
    if (kind == WriteKind::Create && before)
        result.outcome = WriteOutcome::AlreadyExists;
    else if (kind != WriteKind::Create && !before)
        result.outcome = WriteOutcome::NotFound;
    else if (kind != WriteKind::Create && expectedModRevision != 0 &&
             before->modRevision != expectedModRevision)
        result.outcome = WriteOutcome::Conflict;
    if (result.outcome != WriteOutcome::Done) {
        Result<std::int64_t> revision = currentRevision();
        if (!revision)
            return revision.error();
        result.revision = *revision;
        result.current = std::move(before);
        return result; // the transaction rolls back: nothing was written
    }

    std::int64_t revision = 0;
    {
        StatementUse bump(s.bumpRevision);
        if (bump.step() != SQLITE_ROW)
            return failure("sqlite3_step").context("UPDATE revision");
        revision = bump.integer(0);
    }
    {
        const Statement &change = kind == WriteKind::Create   ? s.insertKey
                                  : kind == WriteKind::Update ? s.updateKey
                                                              : s.deleteKey;
        StatementUse use(change);
        use.bind(1, key);
        if (value) {
            use.bindBlob(2, *value);
            use.bind(3, revision);
        }
        if (use.step() != SQLITE_DONE)
            return failure("sqlite3_step").context(sqlite3_sql(change.get()));
    }
    if (!transaction.commit(s.commit))
        return failure("COMMIT");

    WatchEvent event;
    result.revision = revision;
    if (kind == WriteKind::Remove) {
        event.type = WatchEvent::Type::Delete;
        event.kv.key = key;
        event.kv.modRevision = revision;
        result.current = before;
    } else {
        event.kv = KeyValue{key, *value, before ? before->createRevision : revision, revision,
                            before ? before->version + 1 : 1};
        result.current = event.kv;
    }
    event.prev = std::move(before);
    m_fanout->publish(std::move(event));
    return result;
}

Result<std::unique_ptr<Store::WatchHandle>>
SqliteStore::watch(const std::string &prefix, std::int64_t afterRevision, WatchCallback onEvents)
{
    const auto what = [&] {
        return "watching " + prefix + " in store " + m_path + " after revision " +
               std::to_string(afterRevision);
    };
    Result<std::int64_t> revision = currentRevision();
    if (!revision)
        return revision.error().withContext(what());
    return m_fanout->add(prefix, afterRevision, *revision, std::move(onEvents)).context(what());
}

} // namespace flowlab::kube
