/* Makes known syscalls in a fixed order, for tst_syscall_tracer to compare with what the
 * tracer decoded (strace's test method). Needs root: it unshares namespaces and mounts.
 *
 *   flowlab-syscall-helper WORKDIR CGROUP_PARENT|-
 *   flowlab-syscall-helper --exec-from-thread
 *
 * WORKDIR is an empty directory it may mount on; CGROUP_PARENT a cgroup directory (e.g.
 * /sys/fs/cgroup/pids) under which it creates and removes flowlab-syscall-helper-PID, or "-".
 * Everything it changes is undone or lives in namespaces that die with it.
 *
 * Exit status: 0 when every call behaved as expected, else the step number that did not. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(step, condition)                                                                     \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            fprintf(stderr, "syscall_helper: step %d failed: %s (errno %d)\n", step, #condition,   \
                    errno);                                                                        \
            return step;                                                                           \
        }                                                                                          \
    } while (0)

/* An unshare flag that is a clone flag but not accepted by unshare (CLONE_DETACHED). */
#define HELPER_UNSHARE_UNKNOWN_BIT 0x00400000

/* A thread other than the leader execs: the kernel gives it the leader's id (ptrace(2)). */
static void *execFromThread(void *unused)
{
    (void)unused;
    char *const trueArgv[] = {"true", "--from-thread", NULL};
    char *const noEnv[] = {NULL};
    execve("/bin/true", trueArgv, noEnv);
    _exit(127);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--exec-from-thread") == 0) {
        pthread_t thread;
        CHECK(1, pthread_create(&thread, NULL, execFromThread, NULL) == 0);
        pthread_join(thread, NULL); /* never returns: the exec replaces us */
        return 2;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: %s WORKDIR CGROUP_PARENT|-\n", argv[0]);
        return 100;
    }
    const char *workdir = argv[1];
    const char *cgroupParent = argv[2];
    char path[4096];

    /* 1: new mount and UTS namespaces, then no mount event leaks to the host. */
    CHECK(1, unshare(CLONE_NEWUTS | CLONE_NEWNS) == 0);
    CHECK(2, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
    CHECK(3, sethostname("flowlab-helper", strlen("flowlab-helper")) == 0);
    /* 18: renamed, as runc names its stages; the events after this carry the new name. A
     * PR_GET_NAME is not trapped. */
    char name[16];
    CHECK(18, prctl(PR_SET_NAME, "flowlab-renamed") == 0 && prctl(PR_GET_NAME, name) == 0 &&
                  strcmp(name, "flowlab-renamed") == 0);

    /* 4: a tmpfs with flags and data, a directory in it (not a cgroup: no event). */
    CHECK(4, mount("tmpfs", workdir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755") == 0);
    snprintf(path, sizeof path, "%s/sub", workdir);
    CHECK(5, mkdir(path, 0700) == 0);
    /* 6: pivot_root that must fail with EINVAL: the new root is a directory of the tmpfs, not a
     * mount point (on the root file system itself it would be EBUSY). */
    CHECK(6, syscall(SYS_pivot_root, path, path) == -1 && errno == EINVAL);
    CHECK(7, umount2(workdir, MNT_DETACH) == 0);

    /* Untraced syscalls: they must leave no event. */
    (void)getpid();
    char byte;
    int devZero = open("/dev/zero", O_RDONLY | O_CLOEXEC); /* read-only: not trapped */
    CHECK(8, devZero >= 0 && read(devZero, &byte, 1) == 1);
    close(devZero);

    /* 9: a cgroup created, a limit written, read back by the tracer at our next stop. */
    char cgroup[4096] = "";
    if (strcmp(cgroupParent, "-") != 0) {
        snprintf(cgroup, sizeof cgroup, "%s/flowlab-syscall-helper-%d", cgroupParent, getpid());
        CHECK(9, mkdir(cgroup, 0755) == 0);
        snprintf(path, sizeof path, "%s/pids.max", cgroup);
        int limit = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        CHECK(10, limit >= 0 && write(limit, "42\n", 3) == 3);
        close(limit);
    }

    /* 11: fork, and the child execs /bin/true. */
    pid_t child = fork();
    CHECK(11, child >= 0);
    if (child == 0) {
        char *const trueArgv[] = {"true", "--flowlab", NULL};
        char *const noEnv[] = {NULL};
        execve("/bin/true", trueArgv, noEnv);
        _exit(127);
    }
    int status = 0;
    CHECK(12, waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (cgroup[0] != '\0')
        CHECK(13, rmdir(cgroup) == 0);

    /* 14: setns into the UTS namespace we are already in. */
    int uts = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
    CHECK(14, uts >= 0 && setns(uts, CLONE_NEWUTS) == 0);
    close(uts);

    /* 15: chroot into nothing. */
    CHECK(15, chroot("/nonexistent-flowlab-helper") == -1 && errno == ENOENT);

    /* 16: flags no table names, refused by the kernel before doing anything. */
    CHECK(16, unshare(CLONE_NEWUTS | HELPER_UNSHARE_UNKNOWN_BIT) == -1 && errno == EINVAL);

    /* 17: clone3 into a new UTS namespace; the child exits at once. The tracer lets clone3
       through its filter and reads the arguments at the fork event. */
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_NEWUTS;
    args.exit_signal = SIGCHLD;
    long cloned = syscall(SYS_clone3, &args, sizeof args);
    if (cloned == 0)
        _exit(0);
    CHECK(17, cloned > 0 && waitpid((pid_t)cloned, &status, 0) == (pid_t)cloned &&
                  WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return 0;
}
