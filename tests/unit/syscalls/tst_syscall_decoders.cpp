// The decoders on arguments in this process's own memory: process_vm_readv on ourselves
// needs no ptrace and no root, so every decoder's rendering is checked here exactly.

#include "tracer/syscalls/SyscallDecoders.h"
#include "tracer/syscalls/TraceeMemory.h"

#include <QTest>
#include <csignal>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

using namespace flowlab;

namespace {

std::uint64_t ptr(const void *p)
{
    return reinterpret_cast<std::uint64_t>(p);
}

EntryDecoding decodeOwn(const char *name, std::array<std::uint64_t, 6> args)
{
    SyscallEntry entry;
    entry.tid = pid_t(::gettid());
    entry.info = syscallByName(name);
    entry.args = args;
    return decodeSyscallEntry(entry, TraceeMemory(::getpid()));
}

std::string line(EntryDecoding decoding, std::int64_t rval, bool isError = false)
{
    decodeSyscallExit(decoding.syscall, rval, isError);
    return renderSyscallLine(decoding.syscall);
}

} // namespace

class TestSyscallDecoders : public QObject
{
    Q_OBJECT

private slots:
    void decodesOverlayMount()
    {
        const char source[] = "overlay";
        const char target[] = "/var/lib/flowlab/docker/overlay2/abc/merged";
        const char data[] = "lowerdir=/l/2:/l/1,upperdir=/u,workdir=/w,index=off,ro";
        auto d = decodeOwn("mount", {ptr(source), ptr(target), ptr(source), 0, ptr(data)});
        QCOMPARE(line(d, 0), std::string("mount(\"overlay\", \"/var/lib/flowlab/docker/overlay2/"
                                         "abc/merged\", \"overlay\", 0, \"lowerdir=/l/2:/l/1,"
                                         "upperdir=/u,workdir=/w,index=off,ro\") = 0"));
        const auto &attrs = d.syscall.attributes;
        QCOMPARE(attrs["options"]["upperdir"].get<std::string>(), std::string("/u"));
        QCOMPARE(attrs["options"]["workdir"].get<std::string>(), std::string("/w"));
        QCOMPARE(attrs["options"]["index"].get<std::string>(), std::string("off"));
        QCOMPARE(attrs["options"]["ro"].get<bool>(), true);
        QCOMPARE(attrs["lowerdirs"].get<std::vector<std::string>>(),
                 (std::vector<std::string>{"/l/2", "/l/1"}));
        QCOMPARE(attrs["fstype"].get<std::string>(), std::string("overlay"));
        QCOMPARE(attrs["category"].get<std::string>(), std::string("mount"));
    }

    void decodesNullsAndBadPointers()
    {
        const char root[] = "/";
        auto d = decodeOwn("mount", {0, ptr(root), 0, MS_REC | MS_PRIVATE, 0});
        QCOMPARE(line(d, 0), std::string("mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE, NULL) = 0"));
        // A pointer into nothing is shown as the pointer, never as a guess at a string.
        auto bad = decodeOwn("chroot", {0x10, 0});
        QCOMPARE(line(bad, -EFAULT, true), std::string("chroot(0x10) = -1 EFAULT (Bad address)"));
    }

    void decodesUmountPivotRootChroot()
    {
        const char dir[] = "/tmp/x";
        QCOMPARE(line(decodeOwn("umount2", {ptr(dir), MNT_DETACH}), 0),
                 std::string("umount2(\"/tmp/x\", MNT_DETACH) = 0"));
        const char dot[] = ".";
        auto pivot = decodeOwn("pivot_root", {ptr(dot), ptr(dot)});
        QCOMPARE(line(pivot, -EINVAL, true),
                 std::string("pivot_root(\".\", \".\") = -1 EINVAL (Invalid argument)"));
        QVERIFY(pivot.syscall.attributes.contains("cwd"));
    }

    void decodesNamespaces()
    {
        auto unshare =
            decodeOwn("unshare", {0x20000 | 0x4000000 | 0x8000000 | 0x20000000 | 0x40000000});
        QCOMPARE(line(unshare, 0),
                 std::string("unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|"
                             "CLONE_NEWNET) = 0"));
        QCOMPARE(unshare.syscall.attributes["namespaces"].get<std::vector<std::string>>(),
                 (std::vector<std::string>{"mnt", "uts", "ipc", "pid", "net"}));

        auto unknown = decodeOwn("unshare", {0x4000000 | 0x00400000});
        QCOMPARE(line(unknown, -EINVAL, true),
                 std::string("unshare(CLONE_NEWUTS|0x400000 /* CLONE_??? */) = -1 EINVAL "
                             "(Invalid argument)"));

        const int fd = ::open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
        QVERIFY(fd >= 0);
        auto setns = decodeOwn("setns", {std::uint64_t(fd), 0});
        const std::string rendered = line(setns, 0);
        ::close(fd);
        const std::string prefix = "setns(" + std::to_string(fd) + "<uts:[";
        QVERIFY2(rendered.starts_with(prefix) && rendered.ends_with("]>, 0) = 0"),
                 rendered.c_str());
        QCOMPARE(setns.syscall.attributes["namespaces"].get<std::vector<std::string>>(),
                 std::vector<std::string>{"uts"});
    }

    void decodesClones()
    {
        auto clone = decodeOwn("clone", {0x01200000 | SIGCHLD, 0, 0, 0, 0});
        QCOMPARE(line(clone, 4321),
                 std::string("clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|"
                             "CLONE_CHILD_SETTID|SIGCHLD) = 4321"));
        QCOMPARE(clone.syscall.attributes["thread"].get<bool>(), false);

        std::uint64_t args[11] = {};
        args[0] = (1ULL << 40) | 0x4000000; // flags
        args[4] = SIGCHLD;                  // exit_signal
        auto clone3 = decodeOwn("clone3", {ptr(args), sizeof args});
        QCOMPARE(line(clone3, -EINVAL, true),
                 std::string("clone3({flags=CLONE_NEWUTS|0x10000000000 /* CLONE_??? */, "
                             "exit_signal=SIGCHLD, stack=NULL, stack_size=0}, 88) = -1 EINVAL "
                             "(Invalid argument)"));
    }

    void decodesExec()
    {
        const char path[] = "/usr/sbin/nginx";
        const char *argv[] = {"nginx", "-g", "daemon off;", nullptr};
        const char *env[] = {"SECRET=do-not-record", nullptr};
        auto exec = decodeOwn("execve", {ptr(path), ptr(argv), ptr(env)});
        QCOMPARE(
            line(exec, 0),
            std::string("execve(\"/usr/sbin/nginx\", [\"nginx\", \"-g\", \"daemon off;\"]) = 0"));
        QVERIFY(exec.syscall.attributes.dump().find("SECRET") == std::string::npos);

        std::vector<std::string> many(70, "x");
        std::vector<const char *> manyArgv;
        for (const auto &arg : many)
            manyArgv.push_back(arg.c_str());
        manyArgv.push_back(nullptr);
        auto bounded = decodeOwn("execve", {ptr(path), ptr(manyArgv.data()), 0});
        QVERIFY(line(bounded, 0).ends_with("\"x\", ...]) = 0"));
        QCOMPARE(bounded.syscall.attributes["argv"].size(), std::size_t(64));

        const char relative[] = "true";
        auto at = decodeOwn("execveat", {std::uint64_t(std::int64_t(AT_FDCWD)), ptr(relative),
                                         ptr(argv), 0, AT_EMPTY_PATH});
        QCOMPARE(line(at, -ENOENT, true),
                 std::string("execveat(AT_FDCWD, \"true\", [\"nginx\", \"-g\", \"daemon off;\"], "
                             "AT_EMPTY_PATH) = -1 ENOENT (No such file or directory)"));
    }

    void decodesSethostname()
    {
        const char name[] = "f06be762af50-and-more"; // only len bytes count: no NUL needed
        QCOMPARE(line(decodeOwn("sethostname", {ptr(name), 12}), 0),
                 std::string("sethostname(\"f06be762af50\") = 0"));
    }

    void decodesCgroupWrites()
    {
        const char limit[] = "/sys/fs/cgroup/pids/docker/abc/pids.max";
        auto open = decodeOwn("openat", {std::uint64_t(std::int64_t(AT_FDCWD)), ptr(limit),
                                         O_WRONLY | O_TRUNC | O_CLOEXEC, 0});
        QCOMPARE(open.interest, Interest::Record);
        QVERIFY(open.readBackAfterWrite);
        recordCgroupReadBack(open.syscall, "42\n");
        QCOMPARE(line(open, 3),
                 std::string("openat(AT_FDCWD, \"/sys/fs/cgroup/pids/docker/abc/pids.max\", "
                             "O_WRONLY|O_TRUNC|O_CLOEXEC) = 3 /* pids.max read back: \"42\" */"));
        const auto &attrs = open.syscall.attributes;
        QCOMPARE(attrs["file"].get<std::string>(), std::string("pids.max"));
        QCOMPARE(attrs["value"].get<std::string>(), std::string("42"));
        QCOMPARE(attrs["value_read_back"].get<bool>(), true);
        struct statfs fs
        {
        };
        const bool unified =
            ::statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
        QCOMPARE(attrs["hierarchy"].get<std::string>(), std::string(unified ? "unified" : "pids"));
        QCOMPARE(attrs["cgroup"].get<std::string>(),
                 std::string(unified ? "/pids/docker/abc" : "/docker/abc"));

        const char created[] = "/sys/fs/cgroup/memory/docker/abc";
        auto mkdir = decodeOwn("mkdir", {ptr(created), 0755});
        QCOMPARE(mkdir.interest, Interest::Record);
        QCOMPARE(line(mkdir, 0),
                 std::string("mkdir(\"/sys/fs/cgroup/memory/docker/abc\", 0755) = 0"));
    }

    void ignoresOtherWrites()
    {
        const char elsewhere[] = "/var/lib/flowlab/docker/overlay2/abc/diff/etc/passwd";
        auto open = decodeOwn("openat", {std::uint64_t(std::int64_t(AT_FDCWD)), ptr(elsewhere),
                                         O_WRONLY | O_CREAT, 0644});
        QCOMPARE(open.interest, Interest::Ignore);
        const char lookalike[] = "/sys/fs/cgroupies/x";
        QCOMPARE(decodeOwn("mkdir", {ptr(lookalike), 0755}).interest, Interest::Ignore);
        // A cgroup file opened only for reading is not a write.
        const char limit[] = "/sys/fs/cgroup/pids/pids.max";
        auto read =
            decodeOwn("openat", {std::uint64_t(std::int64_t(AT_FDCWD)), ptr(limit), O_RDONLY, 0});
        QCOMPARE(read.interest, Interest::Ignore);
    }

    void resolvesOpenat2AgainstItsDirfd()
    {
        // runc: openat2(fd of /sys/fs/cgroup, "pids/x/pids.max", {O_WRONLY..., BENEATH...}).
        const int dir = ::open("/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC);
        QVERIFY(dir >= 0);
        const char relative[] = "pids/docker/abc/pids.max";
        const std::uint64_t how[3] = {O_WRONLY | O_TRUNC | O_CLOEXEC, 0, 0x08 | 0x02};
        auto open = decodeOwn("openat2", {std::uint64_t(dir), ptr(relative), ptr(how), sizeof how});
        ::close(dir);
        QCOMPARE(open.interest, Interest::Record);
        QCOMPARE(open.syscall.attributes["path"].get<std::string>(),
                 std::string("/sys/fs/cgroup/pids/docker/abc/pids.max"));
        QCOMPARE(open.syscall.args[2].value,
                 std::string("{flags=O_WRONLY|O_TRUNC|O_CLOEXEC, "
                             "resolve=RESOLVE_NO_MAGICLINKS|RESOLVE_BENEATH}"));
        QCOMPARE(open.syscall.args[0].value, std::to_string(dir) + "</sys/fs/cgroup>");
    }

    void stopsStringsAtUnmappedMemory()
    {
        const long page = ::sysconf(_SC_PAGESIZE);
        auto *pages =
            static_cast<char *>(::mmap(nullptr, std::size_t(page) * 2, PROT_READ | PROT_WRITE,
                                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        QVERIFY(pages != MAP_FAILED);
        ::munmap(pages + page, std::size_t(page));
        std::memset(pages, 'a', std::size_t(page)); // no NUL before the hole
        TraceeMemory memory(::getpid());
        auto read = memory.readString(ptr(pages + page - 3), 4096);
        QVERIFY(read);
        QCOMPARE(read->bytes, std::string("aaa"));
        QVERIFY(read->truncated);
        pages[page - 1] = '\0';
        read = memory.readString(ptr(pages + page - 3), 4096);
        QVERIFY(read && !read->truncated);
        QCOMPARE(read->bytes, std::string("aa"));
        QVERIFY(!memory.readString(ptr(pages + page), 16));
        auto limited = memory.readString(ptr(pages), 10);
        QVERIFY(limited && limited->truncated && limited->bytes.size() == 10);
        ::munmap(pages, std::size_t(page));
    }
};

QTEST_APPLESS_MAIN(TestSyscallDecoders)
#include "tst_syscall_decoders.moc"
