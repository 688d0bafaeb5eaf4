// The strace leg of the overhead benchmark: which programs run under strace, with which
// command line, and how they are stopped (the engine is signalled, not strace), against the
// recording launcher. No process is started and no signal is sent.

#include "engine/sys/StracedProcessLauncher.h"
#include "engine/sys/fakes/RecordingProcessLauncher.h"
#include "tracer/syscalls/SyscallTable.h"

#include <QTest>
#include <csignal>

using namespace flowlab;

namespace {

LaunchSpec dockerdSpec()
{
    LaunchSpec spec;
    spec.argv = {"/usr/sbin/dockerd", "--config-file", "/run/flowlab/docker/daemon.json"};
    spec.netns = "flowlab-docker";
    spec.logPath = "/run/flowlab/logs/dockerd.log";
    spec.env = {{"TMPDIR", "/tmp"}};
    return spec;
}

struct SignalledChildren
{
    std::vector<std::pair<pid_t, int>> calls;
    int children = 1;
};

} // namespace

class TestStracedLauncher : public QObject
{
    Q_OBJECT

private slots:
    void wrapsTheEngineWithTheTracersSyscalls()
    {
        auto inner = std::make_unique<RecordingProcessLauncher>();
        RecordingProcessLauncher *fake = inner.get();
        StracedProcessLauncher launcher(std::move(inner), {"containerd", "dockerd"},
                                        {"/usr/bin/strace", tracedSyscallNames()},
                                        [](pid_t, int) { return 0; });
        QVERIFY(launcher.launch(dockerdSpec()));

        QCOMPARE(fake->launched().size(), std::size_t(1));
        const LaunchSpec &ran = fake->launched()[0];
        const std::vector<std::string> expected{"/usr/bin/strace",
                                                "-f",
                                                "--seccomp-bpf",
                                                "-e",
                                                "trace=" + tracedSyscallNames(),
                                                "-o",
                                                "/run/flowlab/logs/dockerd.strace",
                                                "--",
                                                "/usr/sbin/dockerd",
                                                "--config-file",
                                                "/run/flowlab/docker/daemon.json"};
        QCOMPARE(ran.argv, expected);
        // Everything else about the launch is the service's own.
        QCOMPARE(ran.netns, std::string("flowlab-docker"));
        QCOMPARE(ran.logPath, std::string("/run/flowlab/logs/dockerd.log"));
        QCOMPARE(ran.env, dockerdSpec().env);
    }

    void startsOtherServicesAsTheyAre()
    {
        auto inner = std::make_unique<RecordingProcessLauncher>();
        RecordingProcessLauncher *fake = inner.get();
        StracedProcessLauncher launcher(std::move(inner), {"containerd", "dockerd"},
                                        {"/usr/bin/strace", "clone"}, [](pid_t, int) { return 0; });
        LaunchSpec registry;
        registry.argv = {"/usr/bin/docker-registry", "serve", "/run/flowlab/registry/config.yml"};
        QVERIFY(launcher.launch(registry));
        QCOMPARE(fake->launched().at(0).argv, registry.argv);
    }

    void missingStraceIsAClearError()
    {
        auto inner = std::make_unique<RecordingProcessLauncher>();
        RecordingProcessLauncher *fake = inner.get();
        StracedProcessLauncher launcher(std::move(inner), {"dockerd"}, {"", "clone"},
                                        [](pid_t, int) { return 0; });
        auto launched = launcher.launch(dockerdSpec());
        QVERIFY(!launched);
        QCOMPARE(launched.error().message(),
                 std::string("starting dockerd under strace: strace is not installed (Debian "
                             "package strace)"));
        QVERIFY(fake->launched().empty());
    }

    void stopSignalsTheEngineAndWaitsForStrace()
    {
        auto inner = std::make_unique<RecordingProcessLauncher>();
        RecordingProcessLauncher *fake = inner.get();
        SignalledChildren signalled;
        // The engine exits on the signal, and strace with it.
        StracedProcessLauncher launcher(std::move(inner), {"dockerd"}, {"/usr/bin/strace", "clone"},
                                        [&](pid_t parent, int signal) {
                                            signalled.calls.emplace_back(parent, signal);
                                            fake->markDead(parent);
                                            return signalled.children;
                                        });
        auto handle = launcher.launch(dockerdSpec());
        QVERIFY(handle);
        QVERIFY(launcher.stop(*handle, SIGTERM, 5000));
        QCOMPARE(signalled.calls, (std::vector<std::pair<pid_t, int>>{{handle->pid, SIGTERM}}));
        // strace itself was never signalled.
        QVERIFY(fake->stopped().empty());
        QVERIFY(!launcher.isRunning(*handle));
    }

    void straceThatOutlivesTheGraceIsKilled()
    {
        auto inner = std::make_unique<RecordingProcessLauncher>();
        RecordingProcessLauncher *fake = inner.get();
        SignalledChildren signalled;
        StracedProcessLauncher launcher(std::move(inner), {"dockerd"}, {"/usr/bin/strace", "clone"},
                                        [&](pid_t parent, int signal) {
                                            signalled.calls.emplace_back(parent, signal);
                                            return signalled.children;
                                        });
        auto handle = launcher.launch(dockerdSpec());
        QVERIFY(handle);
        QVERIFY(launcher.stop(*handle, SIGTERM, 0));
        QCOMPARE(signalled.calls.size(), std::size_t(1));
        QCOMPARE(fake->stopped(), (std::vector<std::pair<pid_t, int>>{{handle->pid, SIGKILL}}));
    }

    void straceWithoutAChildIsStoppedDirectly()
    {
        auto inner = std::make_unique<RecordingProcessLauncher>();
        RecordingProcessLauncher *fake = inner.get();
        SignalledChildren signalled;
        signalled.children = 0; // the engine already exited; strace waits for a straggler
        StracedProcessLauncher launcher(std::move(inner), {"dockerd"}, {"/usr/bin/strace", "clone"},
                                        [&](pid_t parent, int signal) {
                                            signalled.calls.emplace_back(parent, signal);
                                            return signalled.children;
                                        });
        auto handle = launcher.launch(dockerdSpec());
        QVERIFY(handle);
        QVERIFY(launcher.stop(*handle, SIGTERM, 1000));
        QCOMPARE(fake->stopped(), (std::vector<std::pair<pid_t, int>>{{handle->pid, SIGTERM}}));
    }

    void unwrappedServicesAreStoppedByTheInnerLauncher()
    {
        auto inner = std::make_unique<RecordingProcessLauncher>();
        RecordingProcessLauncher *fake = inner.get();
        SignalledChildren signalled;
        StracedProcessLauncher launcher(std::move(inner), {"dockerd"}, {"/usr/bin/strace", "clone"},
                                        [&](pid_t parent, int signal) {
                                            signalled.calls.emplace_back(parent, signal);
                                            return signalled.children;
                                        });
        LaunchSpec registry;
        registry.argv = {"/usr/bin/docker-registry", "serve"};
        auto handle = launcher.launch(registry);
        QVERIFY(handle);
        QVERIFY(launcher.stop(*handle, SIGTERM, 1000));
        QVERIFY(signalled.calls.empty());
        QCOMPARE(fake->stopped(), (std::vector<std::pair<pid_t, int>>{{handle->pid, SIGTERM}}));
    }
};

QTEST_APPLESS_MAIN(TestStracedLauncher)
#include "tst_straced_launcher.moc"
