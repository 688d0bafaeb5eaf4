// One conformance suite for the apiserver's store, run against SqliteStore in a temporary
// directory and against a real etcd that the test starts on loopback ports of its own. Each
// test keeps to keys under a root of its own, since one etcd serves the whole run.

#include "engine/kube/store/EtcdStore.h"
#include "engine/kube/store/SqliteStore.h"
#include "engine/kube/store/Store.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace flowlab;
using namespace flowlab::kube;
using namespace std::chrono_literals;

namespace flowlab::kube {

bool operator==(const KeyValue &a, const KeyValue &b)
{
    return a.key == b.key && a.value == b.value && a.createRevision == b.createRevision &&
           a.modRevision == b.modRevision && a.version == b.version;
}

// QCOMPARE prints these through ADL.
char *toString(const KeyValue &kv)
{
    const QByteArray value = QByteArray::fromStdString(kv.value.substr(0, 40)).toPercentEncoding();
    return qstrdup(qPrintable(QString::asprintf(
        "{%s = %s, create %lld, mod %lld, version %lld}", kv.key.c_str(), value.constData(),
        qlonglong(kv.createRevision), qlonglong(kv.modRevision), qlonglong(kv.version))));
}

char *toString(WriteOutcome outcome)
{
    static const char *const names[] = {"Done", "NotFound", "AlreadyExists", "Conflict"};
    return qstrdup(names[int(outcome)]);
}

} // namespace flowlab::kube

namespace {

constexpr const char *kEtcdBinary = "/usr/bin/etcd";
constexpr const char *kDurabilityWriterFlag = "--durability-writer";
constexpr int kDurabilityWrites = 500;
constexpr int kKillAfterAcknowledged = 100;

template <typename T> QByteArray why(const Result<T> &result)
{
    return result.ok() ? QByteArray() : QByteArray::fromStdString(result.error().message());
}
#define QVERIFY_OK(result) QVERIFY2((result).ok(), why(result).constData())
// Declares `name` as the value of a Result, or fails the test with the Result's error.
#define QVERIFY_ASSIGN(name, expression)                                                           \
    auto name##Result = (expression);                                                              \
    QVERIFY_OK(name##Result);                                                                      \
    auto &name = *name##Result

// In a test function with a "backend" column: the row's store, or the test fails saying why.
#define OPEN_BACKEND(store)                                                                        \
    QFETCH(QString, backend);                                                                      \
    const std::unique_ptr<Store> store = openBackend(backend);                                     \
    QVERIFY2(store, qPrintable(m_openError))

sockaddr_in loopback(int port)
{
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(quint16(port));
    return address;
}

// A loopback port nobody listens on right now: the kernel picks it when we bind port 0.
int freeLoopbackPort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = loopback(0);
    socklen_t length = sizeof address;
    int port = -1;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0)
        port = ntohs(address.sin_port);
    if (fd >= 0)
        ::close(fd);
    return port;
}

// A tiny HTTP/1.0 client for what the test needs outside the store: etcd's /health, and
// compaction (which the Store interface does not offer). Returns the body, or "" on failure.
QByteArray httpRequest(int port, const QByteArray &method, const QByteArray &path,
                       const QByteArray &body = {})
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return {};
    timeval timeout{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const sockaddr_in address = loopback(port);
    QByteArray answer;
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0) {
        const QByteArray request = method + " " + path + " HTTP/1.0\r\nContent-Length: " +
                                   QByteArray::number(body.size()) + "\r\n\r\n" + body;
        if (::write(fd, request.constData(), request.size()) == request.size()) {
            char buffer[4096];
            for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
                answer.append(buffer, n);
        }
    }
    ::close(fd);
    const int bodyStart = answer.indexOf("\r\n\r\n");
    return bodyStart < 0 ? QByteArray() : answer.mid(bodyStart + 4);
}

// Records what a watch delivers, from whichever thread delivers it.
class EventRecorder
{
public:
    Store::WatchCallback callback()
    {
        return [this](std::vector<WatchEvent> events) {
            std::lock_guard lock(m_mutex);
            for (WatchEvent &event : events)
                m_events.push_back(std::move(event));
            m_changed.notify_all();
        };
    }
    // At least `count` events, or what there is after `timeout`.
    std::vector<WatchEvent> waitFor(std::size_t count, std::chrono::milliseconds timeout = 10s)
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait_for(lock, timeout, [&] { return m_events.size() >= count; });
        return m_events;
    }
    std::vector<WatchEvent> events()
    {
        std::lock_guard lock(m_mutex);
        return m_events;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<WatchEvent> m_events;
};

// The durability test's child: 500 creates, each key printed to stdout once acknowledged.
int runDurabilityWriter(const char *path)
{
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open(path);
    if (!store) {
        std::fprintf(stderr, "%s\n", store.error().message().c_str());
        return 2;
    }
    for (int i = 0; i < kDurabilityWrites; ++i) {
        char key[64];
        std::snprintf(key, sizeof key, "/registry/pods/durability/pod-%04d", i);
        // About the size of a real Pod, so that the WAL grows and checkpoints on the way.
        const std::string value = std::string(key) + std::string(4096, 'x');
        Result<WriteResult> created = (*store)->create(key, value);
        if (!created || created->outcome != WriteOutcome::Done)
            return 3;
        const std::string line = std::string(key) + "\n"; // under PIPE_BUF: written whole
        if (::write(STDOUT_FILENO, line.data(), line.size()) != ssize_t(line.size()))
            return 4;
    }
    return 0;
}

} // namespace

class TestKubeStore : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QProcess m_etcd;
    qint64 m_etcdPid = 0;
    int m_etcdPort = 0;
    QString m_etcdProblem; // why there is no etcd to test against
    std::vector<pid_t> m_children;
    int m_opened = 0;
    std::string m_root; // the keys of the running test
    QString m_openError;

    // A store of `backend` for one test: a new SQLite file, or a client of the shared etcd.
    // Also picks the test's key root. Null, with m_openError set, when it cannot.
    std::unique_ptr<Store> openBackend(const QString &backend)
    {
        ++m_opened;
        m_root = "/test-" + std::to_string(m_opened);
        Result<std::unique_ptr<Store>> store = Error("no such backend");
        if (backend == "sqlite") {
            store = openStore(
                "sqlite:" +
                m_dir.filePath(QString("sqlite-%1/kube/store.db").arg(m_opened)).toStdString());
        } else if (!m_etcdProblem.isEmpty()) {
            m_openError = m_etcdProblem;
            return nullptr;
        } else {
            store = openStore("etcd:" + etcdUrl());
        }
        if (!store) {
            m_openError = QString::fromStdString(store.error().message());
            return nullptr;
        }
        return std::move(*store);
    }

    std::string etcdUrl() const { return "http://127.0.0.1:" + std::to_string(m_etcdPort); }

    static void addBackendRows()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("sqlite") << "sqlite";
        QTest::newRow("etcd") << "etcd";
    }

    void startEtcd()
    {
        if (!QFileInfo::exists(kEtcdBinary)) {
            m_etcdProblem = "/usr/bin/etcd is missing: install etcd-server (apt-get install "
                            "etcd-server; .ci/install-deps installs it) to test the etcd store";
            return;
        }
        m_etcdPort = freeLoopbackPort();
        int peerPort = freeLoopbackPort();
        while (peerPort == m_etcdPort)
            peerPort = freeLoopbackPort();
        const QString client = QString::fromStdString(etcdUrl());
        const QString peer = QString("http://127.0.0.1:%1").arg(peerPort);
        const QString log = m_dir.filePath("etcd.log");
        m_etcd.setProgram(kEtcdBinary);
        m_etcd.setArguments({"--data-dir", m_dir.filePath("etcd"), "--name", "flowlab-test",
                             "--listen-client-urls", client, "--advertise-client-urls", client,
                             "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                             "--initial-cluster", "flowlab-test=" + peer, "--logger", "zap",
                             "--log-level", "warn"});
        // If this test dies (a crash, ctest's timeout), etcd goes with it.
        m_etcd.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        m_etcd.setProcessChannelMode(QProcess::MergedChannels);
        m_etcd.setStandardOutputFile(log);
        m_etcd.start();
        if (!m_etcd.waitForStarted(5000)) {
            m_etcdProblem = "starting " + QString(kEtcdBinary) + ": " + m_etcd.errorString();
            return;
        }
        m_etcdPid = m_etcd.processId();
        const QDeadlineTimer deadline(30s);
        while (!httpRequest(m_etcdPort, "GET", "/health").contains("\"health\":\"true\"")) {
            if (m_etcd.state() != QProcess::Running || deadline.hasExpired()) {
                QFile file(log);
                file.open(QIODevice::ReadOnly);
                m_etcdProblem = "etcd did not become healthy on " + client + ":\n" +
                                QString::fromUtf8(file.readAll().right(2000));
                return;
            }
            QTest::qWait(100);
        }
    }

    // Whether a child we forked has been waited for (and so is gone).
    static bool reaped(pid_t pid)
    {
        return ::waitpid(pid, nullptr, WNOHANG) == -1 && errno == ECHILD;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        startEtcd();
        if (!m_etcdProblem.isEmpty())
            qWarning("%s", qPrintable(m_etcdProblem)); // the etcd rows fail with it
    }

    void cleanupTestCase()
    {
        if (m_etcdPid > 0) {
            m_etcd.terminate();
            if (!m_etcd.waitForFinished(10000)) {
                m_etcd.kill();
                m_etcd.waitForFinished(5000);
            }
            QVERIFY2(m_etcd.state() == QProcess::NotRunning, "etcd did not exit");
            QVERIFY2(::kill(pid_t(m_etcdPid), 0) == -1 && errno == ESRCH,
                     qPrintable(QString("etcd (pid %1) leaked").arg(m_etcdPid)));
        }
        for (const pid_t child : m_children)
            QVERIFY2(reaped(child), qPrintable(QString("child %1 leaked").arg(child)));
    }

    void createGetUpdateRemove_data() { addBackendRows(); }
    void createGetUpdateRemove()
    {
        OPEN_BACKEND(store);
        const std::string key = m_root + "/registry/pods/default/web";

        QVERIFY_ASSIGN(r0, store->currentRevision());
        QVERIFY(r0 >= 1);

        QVERIFY_ASSIGN(created, store->create(key, R"({"v":1})"));
        QCOMPARE(created.outcome, WriteOutcome::Done);
        QCOMPARE(created.revision, r0 + 1);
        QCOMPARE(*created.current, (KeyValue{key, R"({"v":1})", r0 + 1, r0 + 1, 1}));
        QVERIFY_ASSIGN(read, store->get(key));
        QVERIFY(read.has_value());
        QCOMPARE(*read, *created.current);

        QVERIFY_ASSIGN(updated, store->update(key, R"({"v":2})", r0 + 1));
        QCOMPARE(updated.outcome, WriteOutcome::Done);
        QCOMPARE(updated.revision, r0 + 2);
        QCOMPARE(*updated.current, (KeyValue{key, R"({"v":2})", r0 + 1, r0 + 2, 2}));
        QCOMPARE(**store->get(key), *updated.current);

        QVERIFY_ASSIGN(removed, store->remove(key, r0 + 2));
        QCOMPARE(removed.outcome, WriteOutcome::Done);
        QCOMPARE(removed.revision, r0 + 3);
        QCOMPARE(*removed.current, *updated.current); // as it was
        QVERIFY_ASSIGN(gone, store->get(key));
        QVERIFY(!gone.has_value());
        QCOMPARE(*store->currentRevision(), r0 + 3);

        // Created again, it starts over: a new create_revision and version 1.
        QVERIFY_ASSIGN(again, store->create(key, "{}"));
        QCOMPARE(*again.current, (KeyValue{key, "{}", r0 + 4, r0 + 4, 1}));
    }

    void failedWritesReportCurrent_data() { addBackendRows(); }
    void failedWritesReportCurrent()
    {
        OPEN_BACKEND(store);
        const std::string key = m_root + "/registry/pods/default/web";
        const std::string missing = m_root + "/registry/pods/default/missing";

        QVERIFY_ASSIGN(created, store->create(key, "v1"));
        const std::int64_t r1 = created.revision;

        QVERIFY_ASSIGN(duplicate, store->create(key, "other"));
        QCOMPARE(duplicate.outcome, WriteOutcome::AlreadyExists);
        QVERIFY(duplicate.current);
        QCOMPARE(*duplicate.current, *created.current);
        QCOMPARE(duplicate.revision, r1); // a failed write is no write

        for (const std::int64_t expected : {std::int64_t(0), r1}) {
            QVERIFY_ASSIGN(update, store->update(missing, "v", expected));
            QCOMPARE(update.outcome, WriteOutcome::NotFound);
            QVERIFY(!update.current);
            QVERIFY_ASSIGN(remove, store->remove(missing, expected));
            QCOMPARE(remove.outcome, WriteOutcome::NotFound);
        }

        QVERIFY_ASSIGN(updated, store->update(key, "v2", r1));
        QCOMPARE(updated.outcome, WriteOutcome::Done);

        QVERIFY_ASSIGN(stale, store->update(key, "v3", r1));
        QCOMPARE(stale.outcome, WriteOutcome::Conflict);
        QVERIFY(stale.current);
        QCOMPARE(*stale.current, *updated.current);
        QCOMPARE(stale.revision, updated.revision);

        QVERIFY_ASSIGN(staleRemove, store->remove(key, r1));
        QCOMPARE(staleRemove.outcome, WriteOutcome::Conflict);
        QCOMPARE(*staleRemove.current, *updated.current);

        QCOMPARE(*store->currentRevision(), updated.revision);
        QCOMPARE((*store->get(key))->value, std::string("v2"));
    }

    void unconditionalWrites_data() { addBackendRows(); }
    void unconditionalWrites()
    {
        OPEN_BACKEND(store);
        const std::string key = m_root + "/registry/configmaps/default/settings";

        QVERIFY_ASSIGN(created, store->create(key, "a"));
        const Result<WriteResult> first = store->update(key, "b", 0);
        QVERIFY_OK(first);
        QVERIFY_ASSIGN(second, store->update(key, "c", 0));
        QCOMPARE(second.outcome, WriteOutcome::Done);
        QCOMPARE(*second.current, (KeyValue{key, "c", created.revision, created.revision + 2, 3}));

        QVERIFY_ASSIGN(removed, store->remove(key, 0));
        QCOMPARE(removed.outcome, WriteOutcome::Done);
        QCOMPARE(removed.revision, created.revision + 3);
        QCOMPARE(*removed.current, *second.current);
    }

    // Bytes in, the same bytes out: the etcd gateway's base64 at every padding length.
    void valuesAreBytes_data() { addBackendRows(); }
    void valuesAreBytes()
    {
        OPEN_BACKEND(store);
        std::string everyByte;
        for (int b = 0; b < 256; ++b)
            everyByte.push_back(char(b));
        const std::vector<std::string> values = {"", "a", "ab", "abc", everyByte};
        for (std::size_t i = 0; i < values.size(); ++i) {
            const std::string key = m_root + "/registry/secrets/ns/grüße-" + std::to_string(i);
            QVERIFY_OK(store->create(key, values[i]));
            QVERIFY_ASSIGN(read, store->get(key));
            QVERIFY(read.has_value());
            QCOMPARE(read->key, key);
            QCOMPARE(read->value, values[i]);
        }
    }

    void rangeByPrefix_data() { addBackendRows(); }
    void rangeByPrefix()
    {
        OPEN_BACKEND(store);
        const std::string pods = m_root + "/registry/pods/";
        const std::vector<std::string> inside = {pods + "default/a", pods + "default/b",
                                                 pods + "default/c", pods + "kube-system/d",
                                                 pods + "kube-system/e"};
        const std::vector<std::string> outside = {
            m_root + "/registry/podsx/default/z", m_root + "/registry/pods",
            m_root + "/registry/pod", m_root + "/registry/services/default/a"};
        // Created out of order: the range must come back in key order anyway.
        for (const std::string &key : {inside[3], outside[0], inside[1], inside[4], outside[1],
                                       inside[0], outside[2], inside[2], outside[3]})
            QVERIFY_OK(store->create(key, "{}"));

        const auto keysOf = [](const RangeResult &range) {
            std::vector<std::string> keys;
            for (const KeyValue &kv : range.kvs)
                keys.push_back(kv.key);
            return keys;
        };
        QVERIFY_ASSIGN(all, store->range(pods));
        QCOMPARE(keysOf(all), inside);
        QVERIFY(!all.more);
        QCOMPARE(all.revision, *store->currentRevision());
        QCOMPARE(all.kvs[0].createRevision, all.kvs[0].modRevision);

        // Pages of two, each starting after the last key of the one before.
        QVERIFY_ASSIGN(page1, store->range(pods, {}, 2));
        QCOMPARE(keysOf(page1), (std::vector<std::string>{inside[0], inside[1]}));
        QVERIFY(page1.more);
        QVERIFY_ASSIGN(page2, store->range(pods, inside[1], 2));
        QCOMPARE(keysOf(page2), (std::vector<std::string>{inside[2], inside[3]}));
        QVERIFY(page2.more);
        QVERIFY_ASSIGN(page3, store->range(pods, inside[3], 2));
        QCOMPARE(keysOf(page3), (std::vector<std::string>{inside[4]}));
        QVERIFY(!page3.more);
        QVERIFY_ASSIGN(exact, store->range(pods, inside[2], 2));
        QCOMPARE(keysOf(exact), (std::vector<std::string>{inside[3], inside[4]}));
        QVERIFY(!exact.more);
        // A startAfter before the prefix is no restriction; one past the last key leaves none.
        QCOMPARE(keysOf(*store->range(pods, m_root + "/a")), inside);
        QVERIFY(store->range(pods, inside[4])->kvs.empty());

        QCOMPARE(keysOf(*store->range(pods + "default/")),
                 (std::vector<std::string>{inside[0], inside[1], inside[2]}));
        QCOMPARE(*store->count(pods), std::int64_t(5));
        QCOMPARE(*store->count(m_root + "/registry/podsx/"), std::int64_t(1));
        QCOMPARE(*store->count(m_root + "/registry/nothing/"), std::int64_t(0));
        QCOMPARE(*store->count(m_root + "/registry/"), std::int64_t(9)); // "/registry/pod" too
    }

    void watchFromRevision_data() { addBackendRows(); }
    void watchFromRevision()
    {
        OPEN_BACKEND(store);
        const std::string pods = m_root + "/registry/pods/";

        const std::int64_t r1 = store->create(pods + "a", "a1")->revision;
        const std::int64_t r2 = store->update(pods + "a", "a2", r1)->revision;
        const std::int64_t r3 = store->create(m_root + "/registry/podsx/z", "z")->revision;
        const std::int64_t r4 = store->create(pods + "b", "b1")->revision;
        const std::int64_t r5 = store->remove(pods + "a", r2)->revision;
        QCOMPARE(r5, r1 + 4);
        Q_UNUSED(r3);

        // From r1: the create of a is at or before it, so it must not come.
        EventRecorder recorder;
        Result<std::unique_ptr<Store::WatchHandle>> watch =
            store->watch(pods, r1, recorder.callback());
        QVERIFY_OK(watch);
        const std::int64_t r6 = store->create(pods + "c", "c1")->revision;

        const std::vector<WatchEvent> events = recorder.waitFor(4);
        QCOMPARE(events.size(), std::size_t(4));
        QCOMPARE(events[0].type, WatchEvent::Type::Put);
        QCOMPARE(events[0].kv, (KeyValue{pods + "a", "a2", r1, r2, 2}));
        QVERIFY(events[0].prev);
        QCOMPARE(*events[0].prev, (KeyValue{pods + "a", "a1", r1, r1, 1}));
        QCOMPARE(events[1].kv, (KeyValue{pods + "b", "b1", r4, r4, 1}));
        QVERIFY(!events[1].prev);
        QCOMPARE(events[2].type, WatchEvent::Type::Delete);
        QCOMPARE(events[2].kv.key, pods + "a");
        QCOMPARE(events[2].kv.modRevision, r5);
        QVERIFY(events[2].prev);
        QCOMPARE(*events[2].prev, (KeyValue{pods + "a", "a2", r1, r2, 2}));
        QCOMPARE(events[3].kv, (KeyValue{pods + "c", "c1", r6, r6, 1}));
        for (std::size_t i = 1; i < events.size(); ++i)
            QVERIFY(events[i].kv.modRevision > events[i - 1].kv.modRevision);
    }

    // A watch may start ahead of the store: nothing at or before its revision arrives.
    void watchFromFutureRevision_data() { addBackendRows(); }
    void watchFromFutureRevision()
    {
        OPEN_BACKEND(store);
        const std::string pods = m_root + "/registry/pods/";
        const std::int64_t now = *store->currentRevision();

        EventRecorder recorder;
        Result<std::unique_ptr<Store::WatchHandle>> watch =
            store->watch(pods, now + 2, recorder.callback());
        QVERIFY_OK(watch);
        QVERIFY_OK(store->create(pods + "one", "1"));
        QVERIFY_OK(store->create(pods + "two", "2"));
        QVERIFY_OK(store->create(pods + "three", "3"));

        const std::vector<WatchEvent> events = recorder.waitFor(1);
        QCOMPARE(events.size(), std::size_t(1));
        QCOMPARE(events[0].kv.key, pods + "three");
        QCOMPARE(events[0].kv.modRevision, now + 3);
    }

    // etcd is shared: a change another apiserver (another client) makes is seen too.
    void watchSeesOtherClients_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("etcd") << "etcd";
    }
    void watchSeesOtherClients()
    {
        OPEN_BACKEND(store);
        QVERIFY_ASSIGN(other, EtcdStore::open(etcdUrl()));
        const std::string pods = m_root + "/registry/pods/";

        EventRecorder recorder;
        Result<std::unique_ptr<Store::WatchHandle>> watch =
            store->watch(pods, *store->currentRevision(), recorder.callback());
        QVERIFY_OK(watch);
        QVERIFY_ASSIGN(written, other->create(pods + "elsewhere", "x"));
        const std::vector<WatchEvent> events = recorder.waitFor(1);
        QCOMPARE(events.size(), std::size_t(1));
        QCOMPARE(events[0].kv, *written.current);
    }

    void destroyedHandleStopsDelivery_data() { addBackendRows(); }
    void destroyedHandleStopsDelivery()
    {
        OPEN_BACKEND(store);
        const std::string pods = m_root + "/registry/pods/";
        const std::int64_t now = *store->currentRevision();

        EventRecorder stopped, sentinel;
        Result<std::unique_ptr<Store::WatchHandle>> watch =
            store->watch(pods, now, stopped.callback());
        QVERIFY_OK(watch);
        Result<std::unique_ptr<Store::WatchHandle>> sentinelWatch =
            store->watch(pods, now, sentinel.callback());
        QVERIFY_OK(sentinelWatch);

        QVERIFY_OK(store->create(pods + "before", "1"));
        QCOMPARE(stopped.waitFor(1).size(), std::size_t(1));
        watch->reset();
        QVERIFY_OK(store->create(pods + "after", "2"));
        // Once the sentinel has the second change, the stopped watch would have had it too.
        QCOMPARE(sentinel.waitFor(2).size(), std::size_t(2));
        QCOMPARE(stopped.events().size(), std::size_t(1));
    }

    // A callback destroys another watch's handle and its own, mid-delivery.
    void handleDestroyedDuringDelivery_data() { addBackendRows(); }
    void handleDestroyedDuringDelivery()
    {
        OPEN_BACKEND(store);
        const std::string pods = m_root + "/registry/pods/";
        const std::int64_t now = *store->currentRevision();

        std::unique_ptr<Store::WatchHandle> killer, victim, sentinel;
        EventRecorder victimEvents, sentinelEvents;
        std::atomic<int> killerCalls = 0;
        Result<std::unique_ptr<Store::WatchHandle>> made =
            store->watch(pods, now, [&](std::vector<WatchEvent>) {
                ++killerCalls;
                victim.reset();
                killer.reset(); // its own handle: must not deadlock or crash
            });
        QVERIFY_OK(made);
        killer = std::move(*made);
        made = store->watch(pods, now, victimEvents.callback());
        QVERIFY_OK(made);
        victim = std::move(*made);
        made = store->watch(pods, now, sentinelEvents.callback());
        QVERIFY_OK(made);
        sentinel = std::move(*made);

        QVERIFY_OK(store->create(pods + "first", "1"));
        QTRY_COMPARE_WITH_TIMEOUT(killerCalls.load(), 1, 10000);
        QVERIFY_OK(store->create(pods + "second", "2"));
        QCOMPARE(sentinelEvents.waitFor(2).size(), std::size_t(2));
        QCOMPARE(killerCalls.load(), 1);
        // SQLite delivers in the order watches were made: the victim was gone before its
        // turn. etcd's streams race each other, so it may have had the first change.
        const std::vector<WatchEvent> victimSaw = victimEvents.events();
        QVERIFY(victimSaw.size() <= (backend == "sqlite" ? 0u : 1u));
        for (const WatchEvent &event : victimSaw)
            QCOMPARE(event.kv.key, pods + "first");
    }

    // A watch from a revision the store no longer remembers fails as kube-apiserver's 410.
    void watchFromForgottenRevision_data() { addBackendRows(); }
    void watchFromForgottenRevision()
    {
        QFETCH(QString, backend);
        std::unique_ptr<Store> store;
        if (backend == "sqlite") {
            SqliteStore::Options options;
            options.watchHistory.events = 2;
            Result<std::unique_ptr<SqliteStore>> opened =
                SqliteStore::open(m_dir.filePath("forgetful/store.db").toStdString(), options);
            QVERIFY_OK(opened);
            store = std::move(*opened);
            m_root = "/forgetful";
        } else {
            store = openBackend(backend);
            QVERIFY2(store, qPrintable(m_openError));
        }
        const std::string pods = m_root + "/registry/pods/";
        const std::int64_t early = store->create(pods + "a", "1")->revision;
        for (int i = 0; i < 3; ++i)
            QVERIFY_OK(store->update(pods + "a", std::to_string(i), 0));
        const std::int64_t latest = *store->currentRevision();
        if (backend == "etcd") {
            const QByteArray compacted =
                httpRequest(m_etcdPort, "POST", "/v3/kv/compaction",
                            "{\"revision\":\"" + QByteArray::number(latest - 1) + "\"}");
            QVERIFY2(compacted.contains("header"), compacted.constData());
        }

        EventRecorder recorder;
        const Result<std::unique_ptr<Store::WatchHandle>> tooOld =
            store->watch(pods, early, recorder.callback());
        QVERIFY(!tooOld.ok());
        QVERIFY2(QByteArray::fromStdString(tooOld.error().message())
                     .contains("too old resource version: " + QByteArray::number(early)),
                 tooOld.error().message().c_str());
        // What it still remembers is fine.
        const auto recent = store->watch(pods, latest - 1, recorder.callback());
        QVERIFY_OK(recent);
        QCOMPARE(recorder.waitFor(1).size(), std::size_t(1));
    }

    // Acknowledged writes survive kill -9: a child makes 500 writes, printing each key once
    // create() has returned; we SIGKILL it mid-way and find every printed key in the file.
    void sqliteSurvivesKill()
    {
        const std::string self = QCoreApplication::applicationFilePath().toStdString();
        bool killedMidway = false;
        for (int attempt = 0; attempt < 3 && !killedMidway; ++attempt) {
            const std::string path =
                m_dir.filePath(QString("durability-%1/store.db").arg(attempt)).toStdString();
            int pipeFds[2];
            QVERIFY(::pipe2(pipeFds, O_CLOEXEC) == 0);
            const pid_t child = ::fork();
            QVERIFY(child >= 0);
            if (child == 0) {
                ::prctl(PR_SET_PDEATHSIG, SIGKILL);
                ::dup2(pipeFds[1], STDOUT_FILENO);
                ::execl(self.c_str(), self.c_str(), kDurabilityWriterFlag, path.c_str(),
                        static_cast<char *>(nullptr));
                ::_exit(127);
            }
            m_children.push_back(child);
            ::close(pipeFds[1]);

            QByteArray output;
            QList<QByteArray> acknowledged;
            bool killed = false;
            char buffer[4096];
            for (ssize_t n; (n = ::read(pipeFds[0], buffer, sizeof buffer)) > 0;) {
                output.append(buffer, n);
                if (!killed && output.count('\n') >= kKillAfterAcknowledged) {
                    ::kill(child, SIGKILL);
                    killed = true;
                }
            }
            ::close(pipeFds[0]);
            int status = 0;
            QCOMPARE(::waitpid(child, &status, 0), child);
            // Only whole lines: each was one write(2) the child made after create() returned.
            acknowledged = output.left(output.lastIndexOf('\n') + 1).split('\n');
            acknowledged.removeLast();
            killedMidway = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
                           acknowledged.size() < kDurabilityWrites;
            QVERIFY2(killedMidway || (WIFEXITED(status) && WEXITSTATUS(status) == 0),
                     qPrintable(QString("the writer failed: status %1").arg(status)));
            QVERIFY(acknowledged.size() >= kKillAfterAcknowledged);
            qInfo("attempt %d: %s after %lld acknowledged writes", attempt + 1,
                  killedMidway ? "killed" : "finished", qlonglong(acknowledged.size()));

            QVERIFY_ASSIGN(reopened, SqliteStore::open(path));
            for (const QByteArray &key : acknowledged) {
                QVERIFY_ASSIGN(read, reopened->get(key.toStdString()));
                QVERIFY2(read.has_value(),
                         qPrintable("acknowledged " + key + " is missing after kill -9"));
                QCOMPARE(read->value, key.toStdString() + std::string(4096, 'x'));
            }
            const std::int64_t written = *reopened->count("/registry/pods/durability/");
            QVERIFY(written >= acknowledged.size());
            QCOMPARE(*reopened->currentRevision(), 1 + written);
        }
        QVERIFY2(killedMidway, "the writer finished all its writes before the kill, three times");
    }

    void openStoreRejects_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("message");
        const QString forms = "expected sqlite:PATH (e.g. sqlite:/var/lib/flowlab/kube/store.db) "
                              "or etcd:URL (e.g. etcd:http://127.0.0.1:2379)";
        const QString notLab = "the store only talks to loopback or the lab";
        const auto row = [](const char *name, const QString &spec, const QString &message) {
            QTest::newRow(name) << spec << message;
        };
        row("empty", "", "unknown store \"\": " + forms);
        row("unknown", "postgres:/db", "unknown store \"postgres:/db\": " + forms);
        row("sqlite without path", "sqlite:", "names no file");
        row("etcd without url", "etcd:", "names no URL");
        row("not a url", "etcd:127.0.0.1:2379", "store etcd:127.0.0.1:2379: not a URL");
        row("https", "etcd:https://127.0.0.1:2379", "scheme https is not supported");
        row("internet", "etcd:http://8.8.8.8:2379", notLab);
        row("next to the lab", "etcd:http://192.168.57.10:2379", notLab);
        row("a name", "etcd:http://etcd.example.com:2379", notLab);
        row("userinfo", "etcd:http://127.0.0.1@example.com:2379", "credentials");
        row("a path", "etcd:http://127.0.0.1:2379/v3", "only etcd's host and port");
        const int closed = freeLoopbackPort();
        row("nothing listening", QString("etcd:http://127.0.0.1:%1").arg(closed),
            QString("etcd at http://127.0.0.1:%1 is not reachable: ").arg(closed));
        row("unmakeable directory", "sqlite:/proc/flowlab-test/kube/store.db",
            "opening store /proc/flowlab-test/kube/store.db: mkdir /proc/flowlab-test: ");
    }
    void openStoreRejects()
    {
        QFETCH(QString, spec);
        QFETCH(QString, message);
        const Result<std::unique_ptr<Store>> store = openStore(spec.toStdString());
        QVERIFY(!store.ok());
        const QString actual = QString::fromStdString(store.error().message());
        QVERIFY2(actual.contains(message), qPrintable(actual));
    }

    void openStoreAccepts()
    {
        const std::string path = m_dir.filePath("new/dirs/store.db").toStdString();
        QVERIFY_ASSIGN(sqlite, openStore("sqlite:" + path));
        QCOMPARE(sqlite->describe(), "sqlite " + path);
        QVERIFY(QFileInfo::exists(QString::fromStdString(path)));
        QCOMPARE(*sqlite->currentRevision(), std::int64_t(1)); // as a fresh etcd

        // A directory where the file should be: the error names it and the sqlite call.
        const Result<std::unique_ptr<Store>> directory =
            openStore("sqlite:" + m_dir.path().toStdString());
        QVERIFY(!directory.ok());
        QVERIFY2(directory.error().message().starts_with("opening store " +
                                                         m_dir.path().toStdString() + ": sqlite3_"),
                 directory.error().message().c_str());

        QVERIFY2(m_etcdProblem.isEmpty(), qPrintable(m_etcdProblem));
        const std::string url = "http://localhost:" + std::to_string(m_etcdPort);
        QVERIFY_ASSIGN(etcd, openStore("etcd:" + url + "/"));
        QCOMPARE(etcd->describe(), "etcd " + url);
    }
};

int main(int argc, char **argv)
{
    if (argc == 3 && std::strcmp(argv[1], kDurabilityWriterFlag) == 0)
        return runDurabilityWriter(argv[2]);
    QCoreApplication app(argc, argv);
    TestKubeStore test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_kube_store.moc"
