// The trace filter, run for real without root: a forked child sets no_new_privs, installs
// it with no tracer attached, and reports which syscalls were trapped. A trapped syscall with
// no tracer fails with ENOSYS (the reason SyscallTracer uses PTRACE_O_EXITKILL).

#include "tracer/syscalls/SeccompFilter.h"
#include "tracer/syscalls/SyscallTable.h"

#include <QTest>
#include <cerrno>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace flowlab;

namespace {

// What the child saw, one entry per probe, in order.
struct Probes
{
    int getpidErrno;
    int openReadErrno;
    int openWriteErrno;
    int openReadWriteErrno;
    int openCreateErrno;
    int mkdirErrno;
    int unshareErrno;
    int chrootErrno;
    int plainCloneErrno;
    int namespaceCloneErrno;
    int clone3Errno;
    int setNameErrno;
    int getNameErrno;
};

int errnoOf(long result)
{
    return result < 0 ? errno : 0;
}

Probes runProbes()
{
    Probes probes{};
    probes.getpidErrno = errnoOf(::syscall(SYS_getpid));
    const long readFd = ::syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
    probes.openReadErrno = errnoOf(readFd);
    if (readFd >= 0)
        ::close(int(readFd));
    probes.openWriteErrno =
        errnoOf(::syscall(SYS_openat, AT_FDCWD, "/dev/null", O_WRONLY | O_CLOEXEC));
    probes.openReadWriteErrno =
        errnoOf(::syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC));
    // Creating opens are let through: the kernel says ENOENT for the missing directory.
    probes.openCreateErrno = errnoOf(::syscall(SYS_openat, AT_FDCWD, "/nonexistent-flowlab/x",
                                               O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    probes.mkdirErrno = errnoOf(::syscall(SYS_mkdir, "/nonexistent-flowlab/x", 0700));
    probes.unshareErrno = errnoOf(::syscall(SYS_unshare, 0));
    probes.chrootErrno = errnoOf(::syscall(SYS_chroot, "/nonexistent-flowlab"));
    // Both clones are invalid (CLONE_THREAD without CLONE_SIGHAND), so neither makes a task:
    // the kernel says EINVAL to the one the filter lets through, the filter ENOSYS to the other.
    probes.plainCloneErrno = errnoOf(::syscall(SYS_clone, CLONE_THREAD, 0, 0, 0, 0));
    probes.namespaceCloneErrno =
        errnoOf(::syscall(SYS_clone, CLONE_THREAD | CLONE_NEWNET, 0, 0, 0, 0));
    // clone3 is never trapped: a NULL argument block reaches the kernel, which says EFAULT.
    probes.clone3Errno = errnoOf(::syscall(SYS_clone3, nullptr, 88));
    // prctl is trapped for PR_SET_NAME only: an equality test, not a bit test.
    probes.setNameErrno = errnoOf(::syscall(SYS_prctl, PR_SET_NAME, "probe", 0, 0, 0));
    char name[16];
    probes.getNameErrno = errnoOf(::syscall(SYS_prctl, PR_GET_NAME, name, 0, 0, 0));
    return probes;
}

} // namespace

class TestSeccompFilter : public QObject
{
    Q_OBJECT

private slots:
    void programFitsTheKernelLimits()
    {
        const auto program = buildTraceFilter();
        QVERIFY(program.size() < 4096); // BPF_MAXINSNS
        // Every traced syscall is compared once; opens add an argument check.
        QVERIFY(program.size() >= tracedSyscalls().size() + 6);
    }

    void trapsOnlyTheTracedSetOpensForWritingAndNamespaceClones()
    {
        const auto program = buildTraceFilter();
        int pipeFds[2];
        QVERIFY(::pipe(pipeFds) == 0);
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            ::close(pipeFds[0]);
            sock_fprog fprog{static_cast<unsigned short>(program.size()),
                             const_cast<sock_filter *>(program.data())};
            if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || installTraceFilter(fprog) != 0)
                ::_exit(2);
            const Probes probes = runProbes();
            (void)!::write(pipeFds[1], &probes, sizeof probes);
            ::_exit(0);
        }
        ::close(pipeFds[1]);
        Probes probes{};
        const ssize_t got = ::read(pipeFds[0], &probes, sizeof probes);
        ::close(pipeFds[0]);
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY2(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child could not install it");
        QCOMPARE(got, ssize_t(sizeof probes));

        QCOMPARE(probes.getpidErrno, 0);
        QCOMPARE(probes.openReadErrno, 0);
        QCOMPARE(probes.openWriteErrno, ENOSYS);
        QCOMPARE(probes.openReadWriteErrno, ENOSYS);
        QCOMPARE(probes.openCreateErrno, ENOENT);
        QCOMPARE(probes.mkdirErrno, ENOSYS);
        QCOMPARE(probes.unshareErrno, ENOSYS);
        QCOMPARE(probes.chrootErrno, ENOSYS);
        // Thread and fork clones run untrapped (decoded at the fork event); namespaces trap.
        QCOMPARE(probes.plainCloneErrno, EINVAL);
        QCOMPARE(probes.namespaceCloneErrno, ENOSYS);
        QCOMPARE(probes.clone3Errno, EFAULT);
        QCOMPARE(probes.setNameErrno, ENOSYS);
        QCOMPARE(probes.getNameErrno, 0);
    }
};

QTEST_APPLESS_MAIN(TestSeccompFilter)
#include "tst_seccomp_filter.moc"
