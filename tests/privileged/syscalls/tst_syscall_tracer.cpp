// The tracer on the real kernel: the helper program makes known syscalls, and the events must
// say exactly that, in order; and a tracer that goes away takes its tracees with it.

#include "tracer/model/EventLog.h"
#include "tracer/syscalls/ProcessIdentity.h"
#include "tracer/syscalls/SyscallTracer.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace flowlab;

namespace {

const std::string kHelper = FLOWLAB_SYSCALL_HELPER;

std::vector<Event> ofKind(const std::vector<Event> &events, EventKind kind)
{
    std::vector<Event> out;
    for (const Event &event : events)
        if (event.kind == kind)
            out.push_back(event);
    return out;
}

std::string line(const Event &event)
{
    return event.attributes.value("line", std::string());
}

// Whether `pid` is gone (or only a zombie nobody reaps, as under a container's PID 1).
bool isDead(pid_t pid, unsigned long long startTime)
{
    const auto stat = readProcStat(pid);
    return !stat || stat->startTime != startTime || stat->state == 'Z';
}

bool waitUntilDead(pid_t pid, unsigned long long startTime, std::chrono::milliseconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (isDead(pid, startTime))
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return isDead(pid, startTime);
}

} // namespace

class TestSyscallTracer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: the helper unshares namespaces and mounts, and the tracer "
                  "installs a seccomp filter without no_new_privs");
        QVERIFY2(QFileInfo::exists(QString::fromStdString(kHelper)), kHelper.c_str());
    }

    void decodesTheHelpersSyscallsInOrder()
    {
        QTemporaryDir work;
        QVERIFY(work.isValid());
        const std::string mnt = work.filePath("mnt").toStdString();
        QVERIFY(QDir().mkpath(QString::fromStdString(mnt)));
        const bool haveCgroup = QFileInfo(QStringLiteral("/sys/fs/cgroup/pids")).isDir();
        const std::string cgroupParent = haveCgroup ? "/sys/fs/cgroup/pids" : "-";

        EventLog log;
        TracerStats stats;
        TracedProcess helper;
        {
            SyscallTracer tracer(log);
            TracedLaunch launch;
            launch.argv = {kHelper, mnt, cgroupParent};
            launch.node = "test-node";
            launch.logPath = work.filePath("helper.log").toStdString();
            auto launched = tracer.launch(launch);
            QVERIFY2(launched, launched ? "" : launched.error().message().c_str());
            helper = *launched;
            const auto status = tracer.waitForExit(helper, std::chrono::seconds(30));
            QVERIFY2(status, "the helper did not exit");
            QFile helperLog(work.filePath("helper.log"));
            helperLog.open(QIODevice::ReadOnly);
            QVERIFY2(WIFEXITED(*status) && WEXITSTATUS(*status) == 0,
                     helperLog.readAll().constData());
            QVERIFY(!tracer.isRunning(helper));
            stats = tracer.stats();
        }
        const auto events = log.snapshot();
        const auto process = ofKind(events, EventKind::Process);
        const auto syscalls = ofKind(events, EventKind::Syscall);

        // The fork: one process event from the helper, naming the child.
        auto fork = std::find_if(process.begin(), process.end(), [&](const Event &e) {
            return e.source.pid == helper.pid && e.attributes["event"] == "fork";
        });
        QVERIFY(fork != process.end());
        const pid_t child = fork->attributes["child_pid"].get<pid_t>();
        QCOMPARE(fork->attributes["thread"].get<bool>(), false);
        QCOMPARE(fork->summary, "flowlab-syscall-helper: fork → process " + std::to_string(child));
        // The clone3 child: clone3 is never trapped, so it is decoded at this event.
        auto clone3Fork = std::find_if(fork + 1, process.end(), [&](const Event &e) {
            return e.source.pid == helper.pid && e.attributes["event"] == "fork";
        });
        QVERIFY(clone3Fork != process.end());
        const pid_t cloned = clone3Fork->attributes["child_pid"].get<pid_t>();

        const std::string cgroup =
            cgroupParent + "/flowlab-syscall-helper-" + std::to_string(helper.pid);
        std::vector<std::string> expected{
            "execve(\"" + kHelper + "\", [\"" + kHelper + "\", \"" + mnt + "\", \"" + cgroupParent +
                "\"]) = 0",
            "unshare(CLONE_NEWNS|CLONE_NEWUTS) = 0",
            "mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE, NULL) = 0",
            "sethostname(\"flowlab-helper\") = 0",
            "prctl(PR_SET_NAME, \"flowlab-renamed\") = 0",
            "mount(\"tmpfs\", \"" + mnt +
                "\", \"tmpfs\", MS_NOSUID|MS_NODEV, "
                "\"size=1m,mode=755\") = 0",
            "pivot_root(\"" + mnt + "/sub\", \"" + mnt + "/sub\") = -1 EINVAL (Invalid argument)",
            "umount2(\"" + mnt + "\", MNT_DETACH) = 0",
        };
        if (haveCgroup) {
            expected.push_back("mkdir(\"" + cgroup + "\", 0755) = 0");
            expected.push_back("openat(AT_FDCWD, \"" + cgroup +
                               "/pids.max\", O_WRONLY|O_TRUNC|O_CLOEXEC) = 3 /* pids.max read "
                               "back: \"42\" */");
        }
        expected.push_back("clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|"
                           "SIGCHLD) = " +
                           std::to_string(child));
        expected.push_back("execve(\"/bin/true\", [\"true\", \"--flowlab\"]) = 0");
        expected.push_back("setns(3<uts:[N]>, CLONE_NEWUTS) = 0");
        expected.push_back(
            "chroot(\"/nonexistent-flowlab-helper\") = -1 ENOENT (No such file or directory)");
        expected.push_back(
            "unshare(CLONE_NEWUTS|0x400000 /* CLONE_??? */) = -1 EINVAL (Invalid argument)");
        expected.push_back("clone3({flags=CLONE_NEWUTS, exit_signal=SIGCHLD, stack=NULL, "
                           "stack_size=0}, 88) = " +
                           std::to_string(cloned));

        std::vector<std::string> actual;
        for (const Event &event : syscalls) {
            if (event.source.pid != helper.pid && event.source.pid != child)
                continue;
            // The namespace inode differs per run.
            static const QRegularExpression inode(QStringLiteral("uts:\\[\\d+\\]"));
            actual.push_back(QString::fromStdString(line(event))
                                 .replace(inode, QStringLiteral("uts:[N]"))
                                 .toStdString());
        }
        for (std::size_t i = 0; i < std::max(actual.size(), expected.size()); ++i) {
            const std::string a = i < actual.size() ? actual[i] : "<none>";
            const std::string e = i < expected.size() ? expected[i] : "<none>";
            QVERIFY2(
                a == e,
                ("event " + std::to_string(i) + "\n   actual: " + a + "\n expected: " + e).c_str());
        }

        // Summaries carry the component; attributes carry the structure.
        auto find = [&](const std::string &prefix) {
            return *std::find_if(syscalls.begin(), syscalls.end(),
                                 [&](const Event &e) { return line(e).starts_with(prefix); });
        };
        const Event hostname = find("sethostname");
        QCOMPARE(hostname.summary,
                 std::string("flowlab-syscall-helper: sethostname(\"flowlab-helper\") = 0"));
        QCOMPARE(hostname.source.node, std::string("test-node"));
        QCOMPARE(hostname.source.component, std::string("flowlab-syscall-helper"));
        QCOMPARE(hostname.attributes["hostname"].get<std::string>(), std::string("flowlab-helper"));
        QCOMPARE(hostname.attributes["tid"].get<pid_t>(), helper.pid);
        QCOMPARE(hostname.attributes["exe"].get<std::string>(), kHelper);
        QCOMPARE(hostname.attributes["ppid"].get<pid_t>(), ::getpid());
        QCOMPARE(hostname.attributes["category"].get<std::string>(), std::string("namespace"));
        QCOMPARE(hostname.attributes["retval"].get<int>(), 0);
        // The kernel's comm, 15 bytes at most, until the helper renames itself.
        QCOMPARE(hostname.attributes["comm"].get<std::string>(), std::string("flowlab-syscall"));
        const Event rename = find("prctl");
        QCOMPARE(rename.attributes["name"].get<std::string>(), std::string("flowlab-renamed"));
        QCOMPARE(rename.attributes["comm"].get<std::string>(), std::string("flowlab-syscall"));
        QCOMPARE(find("mount(\"tmpfs\"").attributes["comm"].get<std::string>(),
                 std::string("flowlab-renamed"));
        // The forked child inherits the name until its exec.
        QCOMPARE(fork->attributes["comm"].get<std::string>(), std::string("flowlab-renamed"));
        const Event unshare = find("unshare(CLONE_NEWNS");
        QCOMPARE(unshare.attributes["namespaces"].get<std::vector<std::string>>(),
                 (std::vector<std::string>{"mnt", "uts"}));
        const Event tmpfs = find("mount(\"tmpfs\"");
        QCOMPARE(tmpfs.attributes["options"].dump(),
                 nlohmann::json({{"size", "1m"}, {"mode", "755"}}).dump());
        QCOMPARE(tmpfs.attributes["args"]["mountflags"].get<std::string>(),
                 std::string("MS_NOSUID|MS_NODEV"));
        const Event pivot = find("pivot_root");
        QCOMPARE(pivot.attributes["errno"].get<std::string>(), std::string("EINVAL"));
        QCOMPARE(pivot.attributes["retval"].get<int>(), -1);
        if (haveCgroup) {
            const Event limit = find("openat");
            QCOMPARE(limit.attributes["value"].get<std::string>(), std::string("42"));
            QCOMPARE(limit.attributes["value_read_back"].get<bool>(), true);
            QCOMPARE(limit.attributes["file"].get<std::string>(), std::string("pids.max"));
            QCOMPARE(limit.attributes["hierarchy"].get<std::string>(), std::string("pids"));
            QVERIFY(!QFileInfo::exists(QString::fromStdString(cgroup)));
        }
        // The first exec is credited to the launcher, the child's to the helper that forked it.
        QCOMPARE(find("execve(\"/bin/true\"").source.pid, child);
        QCOMPARE(find("execve(\"/bin/true\"").source.component,
                 std::string("flowlab-syscall-helper"));
        const Event clone = find("clone(");
        QCOMPARE(fork->links, std::vector<std::uint64_t>{clone.seq});
        QVERIFY(clone.seq < fork->seq);

        // Nothing outside the traced set: getpid, read, the read-only open, the tmpfs mkdir.
        for (const Event &event : syscalls) {
            const std::string name = event.attributes["syscall"].get<std::string>();
            QVERIFY2(name != "getpid" && name != "read", name.c_str());
            QVERIFY(name != "mkdir" || line(event).find("/sub\"") == std::string::npos);
        }
        QVERIFY(stats.ignoredSyscalls >= 1); // the mkdir in the tmpfs was trapped, then dropped

        // Process events: fork, then the child's exec and exit, then the helper's exit.
        std::vector<std::string> lifecycle;
        for (const Event &event : process)
            if (event.source.pid == helper.pid || event.source.pid == child)
                lifecycle.push_back(event.summary);
        const std::vector<std::string> expectedLifecycle{
            "flowlab-syscall-helper: exec " + kHelper + " [\"" + kHelper + "\", \"" + mnt +
                "\", \"" + cgroupParent + "\"]",
            "flowlab-syscall-helper: fork → process " + std::to_string(child),
            "true: exec /usr/bin/true [\"true\", \"--flowlab\"]",
            "true: exited with status 0",
            "flowlab-syscall-helper: fork → process " + std::to_string(cloned),
            "flowlab-syscall-helper: exited with status 0",
        };
        QCOMPARE(lifecycle, expectedLifecycle);

        // Every syscall event but the two clones came from a seccomp stop.
        QVERIFY(stats.seccompStops >= actual.size() - 2);
        QCOMPARE(stats.decodedAtForkEvent, std::uint64_t(2));
        QCOMPARE(stats.syscallEvents, std::uint64_t(syscalls.size()));
        QCOMPARE(stats.threads, std::uint64_t(0));
        QVERIFY(stats.timeInStopsNs > 0);
    }

    void followsAnExecFromANonLeaderThread()
    {
        EventLog log;
        TracedProcess helper;
        {
            SyscallTracer tracer(log);
            auto launched = tracer.launch({{kHelper, "--exec-from-thread"}, {}, "", "", "n"});
            QVERIFY2(launched, launched ? "" : launched.error().message().c_str());
            helper = *launched;
            const auto status = tracer.waitForExit(helper, std::chrono::seconds(30));
            QVERIFY(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
            QCOMPARE(tracer.stats().threads, std::uint64_t(0));
        }
        const auto events = log.snapshot();
        auto thread = std::find_if(events.begin(), events.end(), [](const Event &e) {
            return e.attributes.value("event", std::string()) == "clone";
        });
        QVERIFY(thread != events.end());
        QCOMPARE(thread->attributes["thread"].get<bool>(), true);
        const pid_t threadId = thread->attributes["child_pid"].get<pid_t>();

        auto execve = std::find_if(events.begin(), events.end(), [](const Event &e) {
            return line(e) == "execve(\"/bin/true\", [\"true\", \"--from-thread\"]) = 0";
        });
        QVERIFY(execve != events.end());
        QCOMPARE(execve->source.pid, helper.pid);
        QCOMPARE(execve->attributes["tid"].get<pid_t>(), threadId);
        auto exec = std::find_if(execve, events.end(), [](const Event &e) {
            return e.attributes.value("event", std::string()) == "exec";
        });
        QVERIFY(exec != events.end());
        QCOMPARE(exec->summary,
                 std::string("true: exec /usr/bin/true [\"true\", \"--from-thread\"]"));
        QCOMPARE(exec->attributes["former_tid"].get<pid_t>(), threadId);
        QCOMPARE(exec->attributes["tid"].get<pid_t>(), helper.pid);
        QCOMPARE(events.back().summary, std::string("true: exited with status 0"));
    }

    void tracedProgramsRunAtTheDaemonsPriority()
    {
        // The tracer thread runs at a raised priority; what it launches must not inherit it.
        errno = 0;
        const int daemonNice = ::getpriority(PRIO_PROCESS, 0);
        QCOMPARE(errno, 0);
        QTemporaryDir dir;
        const std::string out = dir.filePath("nice.out").toStdString();
        EventLog log;
        SyscallTracer tracer(log);
        auto launched = tracer.launch({{"/usr/bin/nice"}, {}, "", out, "n"});
        QVERIFY2(launched, launched ? "" : launched.error().message().c_str());
        const auto status = tracer.waitForExit(*launched, std::chrono::seconds(30));
        QVERIFY(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
        QFile printed(QString::fromStdString(out));
        QVERIFY(printed.open(QIODevice::ReadOnly));
        QCOMPARE(printed.readAll().trimmed().toInt(), daemonNice);
    }

    void destroyingTheTracerKillsItsTracees()
    {
        EventLog log;
        TracedProcess sleeper;
        {
            SyscallTracer tracer(log);
            auto launched = tracer.launch({{"/bin/sleep", "30"}, {}, "", "", "test-node"});
            QVERIFY2(launched, launched ? "" : launched.error().message().c_str());
            sleeper = *launched;
            QVERIFY(tracer.isRunning(sleeper));
            QVERIFY(!tracer.waitForExit(sleeper, std::chrono::milliseconds(50)));
        }
        QVERIFY(isDead(sleeper.pid, sleeper.startTime));
        const auto events = log.snapshot();
        QVERIFY(!events.empty());
        QCOMPARE(events.back().summary, std::string("sleep: killed by SIGKILL"));
        QCOMPARE(events.back().attributes["signal"].get<std::string>(), std::string("SIGKILL"));
    }

    void aKilledTracerProcessTakesItsTraceesAlong()
    {
        // PTRACE_O_EXITKILL itself: the tracer gets no chance to clean up.
        QProcess traceRun;
        traceRun.start(QStringLiteral(FLOWLAB_TRACE_RUN),
                       {"--log", "/dev/null", "--", "/bin/sleep", "30"});
        QVERIFY(traceRun.waitForStarted());
        pid_t sleeper = 0;
        static const QRegularExpression exec(QStringLiteral("^\\[(\\d+)\\] sleep: exec "));
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        QByteArray output;
        while (sleeper == 0 && std::chrono::steady_clock::now() < deadline) {
            traceRun.waitForReadyRead(100);
            output += traceRun.readAllStandardOutput();
            for (const QByteArray &row : output.split('\n')) {
                const auto match = exec.match(QString::fromUtf8(row));
                if (match.hasMatch())
                    sleeper = pid_t(match.captured(1).toInt());
            }
        }
        QVERIFY2(sleeper != 0, output.constData());
        const auto stat = readProcStat(sleeper);
        QVERIFY(stat && stat->state != 'Z');
        ::kill(pid_t(traceRun.processId()), SIGKILL);
        QVERIFY(traceRun.waitForFinished());
        QVERIFY2(waitUntilDead(sleeper, stat->startTime, std::chrono::seconds(5)),
                 "the tracee outlived its tracer");
    }

    void reportsWhyALaunchFailed()
    {
        EventLog log;
        SyscallTracer tracer(log);
        auto missing = tracer.launch({{"/nonexistent/flowlab-binary"}, {}, "", "", "n"});
        QVERIFY(!missing);
        QCOMPARE(missing.error().message(),
                 std::string("starting /nonexistent/flowlab-binary traced: execve "
                             "/nonexistent/flowlab-binary: No such file or directory"));
        auto netns = tracer.launch({{"/bin/true"}, {}, "/nonexistent/netns", "", "n"});
        QVERIFY(!netns);
        QCOMPARE(netns.error().message(),
                 std::string("starting /bin/true in /nonexistent/netns traced: open "
                             "/nonexistent/netns: No such file or directory"));
        // The failed exec is evidence too.
        const auto events = log.snapshot();
        QVERIFY(std::any_of(events.begin(), events.end(), [](const Event &e) {
            return e.attributes.value("errno", std::string()) == "ENOENT" &&
                   e.attributes.value("syscall", std::string()) == "execve";
        }));
    }
};

QTEST_GUILESS_MAIN(TestSyscallTracer)
#include "tst_syscall_tracer.moc"
