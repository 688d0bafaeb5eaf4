// Flag tables and the syscall table: formatting as strace does, unknown bits never guessed.

#include "tracer/syscalls/DecodedSyscall.h"
#include "tracer/syscalls/FlagTables.h"
#include "tracer/syscalls/SyscallTable.h"

#include <QTest>
#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>

using namespace flowlab;

Q_DECLARE_METATYPE(const FlagTable *)

class TestFlagTables : public QObject
{
    Q_OBJECT

private slots:
    void formatsFlags_data()
    {
        QTest::addColumn<const FlagTable *>("table");
        QTest::addColumn<quint64>("value");
        QTest::addColumn<QString>("expected");

        QTest::newRow("zero") << &kCloneFlags << quint64(0) << "0";
        QTest::newRow("runc's unshare")
            << &kUnshareFlags << quint64(0x20000 | 0x4000000 | 0x8000000 | 0x20000000 | 0x40000000)
            << "CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET";
        // CLONE_IO is a clone flag, but unshare does not accept it: unknown there.
        QTest::newRow("unshare unknown bit")
            << &kUnshareFlags << quint64(0x20000 | 0x20000000 | 0x80000000)
            << "CLONE_NEWNS|CLONE_NEWPID|0x80000000 /* CLONE_??? */";
        QTest::newRow("clone knows CLONE_IO") << &kCloneFlags << quint64(0x80000000) << "CLONE_IO";
        QTest::newRow("clone3 64-bit flags")
            << &kCloneFlags << quint64(0x200000000ULL | 0x100) << "CLONE_VM|CLONE_INTO_CGROUP";
        QTest::newRow("clone unknown high bit") << &kCloneFlags << quint64((1ULL << 40) | 0x4000000)
                                                << "CLONE_NEWUTS|0x10000000000 /* CLONE_??? */";
        QTest::newRow("only unknown") << &kUmountFlags << quint64(0x100) << "0x100 /* MNT_??? */";
        QTest::newRow("mount bind rec")
            << &kMountFlags << quint64(MS_BIND | MS_REC) << "MS_BIND|MS_REC";
        QTest::newRow("mount private rec")
            << &kMountFlags << quint64(MS_REC | MS_PRIVATE) << "MS_REC|MS_PRIVATE";
        QTest::newRow("mount nosuid nodev")
            << &kMountFlags << quint64(MS_NOSUID | MS_NODEV) << "MS_NOSUID|MS_NODEV";
        QTest::newRow("umount detach") << &kUmountFlags << quint64(MNT_DETACH) << "MNT_DETACH";
        QTest::newRow("umount all")
            << &kUmountFlags << quint64(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)
            << "MNT_FORCE|MNT_DETACH|MNT_EXPIRE|UMOUNT_NOFOLLOW";
        QTest::newRow("setns nstype") << &kNamespaceFlags << quint64(0x40000000) << "CLONE_NEWNET";
        QTest::newRow("open flags without mode")
            << &kOpenFlags << quint64(O_CREAT | O_TRUNC | O_CLOEXEC) << "O_CREAT|O_TRUNC|O_CLOEXEC";
        // O_TMPFILE contains O_DIRECTORY's bit: named once, as a whole.
        QTest::newRow("O_TMPFILE") << &kOpenFlags << quint64(O_TMPFILE) << "O_TMPFILE";
        QTest::newRow("O_DIRECTORY alone") << &kOpenFlags << quint64(O_DIRECTORY) << "O_DIRECTORY";
        QTest::newRow("resolve") << &kResolveFlags << quint64(0x08 | 0x02)
                                 << "RESOLVE_NO_MAGICLINKS|RESOLVE_BENEATH";
    }

    void formatsFlags()
    {
        QFETCH(const FlagTable *, table);
        QFETCH(quint64, value);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(formatFlags(*table, value)), expected);
    }

    void formatsOpenFlagsWithAccessMode_data()
    {
        QTest::addColumn<quint64>("flags");
        QTest::addColumn<QString>("expected");
        QTest::newRow("read only") << quint64(O_RDONLY) << "O_RDONLY";
        QTest::newRow("cgroup write")
            << quint64(O_WRONLY | O_TRUNC | O_CLOEXEC) << "O_WRONLY|O_TRUNC|O_CLOEXEC";
        QTest::newRow("go's large file")
            << quint64(O_RDWR | 0100000 | O_CLOEXEC) << "O_RDWR|O_LARGEFILE|O_CLOEXEC";
        QTest::newRow("unknown") << quint64(O_WRONLY | 0x40000000)
                                 << "O_WRONLY|0x40000000 /* O_??? */";
    }

    void formatsOpenFlagsWithAccessMode()
    {
        QFETCH(quint64, flags);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(formatOpenFlags(flags)), expected);
    }

    void formatsSpecialForms()
    {
        QCOMPARE(formatMountFlags(0xc0ed0000 | MS_RDONLY), std::string("MS_MGC_VAL|MS_RDONLY"));
        QCOMPARE(formatMountFlags(0), std::string("0"));
        QCOMPARE(formatCloneFlagsWithSignal(0x01200000 | SIGCHLD),
                 std::string("CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"));
        QCOMPARE(formatCloneFlagsWithSignal(SIGCHLD), std::string("SIGCHLD"));
        QCOMPARE(namespaceNames(0x20000 | 0x4000000 | 0x8000000 | 0x20000000 | 0x40000000),
                 (std::vector<std::string>{"mnt", "uts", "ipc", "pid", "net"}));
        QCOMPARE(flagNames(kUnshareFlags, 0x4000000 | 0x80000000),
                 std::vector<std::string>{"CLONE_NEWUTS"});
        QCOMPARE(signalName(SIGKILL), std::string("SIGKILL"));
        QCOMPARE(signalName(34), std::string("SIGRT_2"));
        QCOMPARE(errnoName(EINVAL), std::string("EINVAL"));
        QCOMPARE(errnoName(4242), std::string("E??? 4242"));
    }

    void rendersLines()
    {
        DecodedSyscall call;
        call.name = "pivot_root";
        call.args = {{"new_root", quoteString(".")}, {"put_old", quoteString(".")}};
        call.retval = 0;
        QCOMPARE(renderSyscallLine(call), std::string("pivot_root(\".\", \".\") = 0"));
        call.retval = -1;
        call.errnum = EINVAL;
        QCOMPARE(renderSyscallLine(call),
                 std::string("pivot_root(\".\", \".\") = -1 EINVAL (Invalid argument)"));
        call.retval.reset();
        QCOMPARE(renderSyscallLine(call), std::string("pivot_root(\".\", \".\") = ?"));
        call.retval = -1;
        call.errnum = 512;
        QCOMPARE(renderSyscallLine(call),
                 std::string("pivot_root(\".\", \".\") = ? ERESTARTSYS (To be restarted)"));
    }

    void quotesAndCutsStrings()
    {
        QCOMPARE(quoteString("a\"b\\c\n\x01"), std::string("\"a\\\"b\\\\c\\n\\001\""));
        QCOMPARE(quoteString("abc", true), std::string("\"abc\"..."));
        DecodedSyscall call;
        call.name = "chroot";
        call.args = {{"path", quoteString("/abcdef\001gh")}};
        call.retval = 0;
        QCOMPARE(renderSyscallLine(call, 4), std::string("chroot(\"/abc\"...) = 0"));
        QCOMPARE(renderSyscallLine(call, 8), std::string("chroot(\"/abcdef\\001\"...) = 0"));
        QCOMPARE(renderSyscallLine(call), std::string("chroot(\"/abcdef\\001gh\") = 0"));
    }

    void looksUpSyscalls()
    {
        const SyscallInfo *unshare = syscallByNumber(SYS_unshare);
        QVERIFY(unshare);
        QCOMPARE(unshare->name, std::string_view("unshare"));
        QCOMPARE(unshare->argCount, 1);
        QCOMPARE(toString(unshare->category), std::string_view("namespace"));
        QCOMPARE(syscallByName("mount")->number, int(SYS_mount));
        QCOMPARE(toString(syscallByName("pivot_root")->category), std::string_view("mount"));
        QCOMPARE(syscallByName("openat")->trapOnlyIf.arg, 2);
        QCOMPARE(syscallByName("openat")->trapOnlyIf.anyOf, std::uint32_t(O_ACCMODE));
        QCOMPARE(syscallByName("clone")->trapOnlyIf.arg, 0); // only when it makes namespaces
        QVERIFY(syscallByName("clone3")->trapOnlyIf.never);  // flags in memory: at the fork event
        QCOMPARE(syscallById(SyscallId::Clone3).number, 435);
        // Observed as ptrace events, not trapped; and never a syscall we do not decode.
        QVERIFY(!syscallByName("exit_group"));
        QVERIFY(!syscallByNumber(SYS_getpid));
        QVERIFY(!syscallByNumber(SYS_read));
        QCOMPARE(tracedSyscalls().size(), std::size_t(18));
    }

    void listsTheTracedSetForStrace()
    {
        const std::string names = tracedSyscallNames();
        QCOMPARE(names.substr(0, names.find(',')), std::string("clone"));
        QVERIFY(names.back() != ',');
        // Every name in the list is a traced syscall, and every traced syscall is listed once.
        std::size_t listed = 0;
        for (std::size_t start = 0; start <= names.size(); ++listed) {
            const std::size_t comma = std::min(names.find(',', start), names.size());
            const std::string name = names.substr(start, comma - start);
            QVERIFY2(syscallByName(name), name.c_str());
            start = comma + 1;
        }
        QCOMPARE(listed, tracedSyscalls().size());
        QVERIFY(names.find("openat2") != std::string::npos);
        QVERIFY(names.find("exit_group") == std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestFlagTables)
#include "tst_flag_tables.moc"
