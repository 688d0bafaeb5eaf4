// flowlabd: Flowlab's privileged engine. The one process that holds root: it builds the lab,
// runs the private Docker Engine and the registry, and taps the Docker API. flowlab-cli and
// the desktop app talk to it over /run/flowlab/flowlabd.sock (group flowlab).

#include "engine/base/LabPaths.h"
#include "engine/base/Prerequisites.h"
#include "engine/client/DaemonClient.h"
#include "engine/daemon/DaemonServer.h"
#include "engine/daemon/EngineApi.h"
#include "engine/lab/LabService.h"
#include "engine/sys/Command.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimer>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace flowlab;

namespace {

int g_signalPipe[2] = {-1, -1};

void onTerminationSignal(int)
{
    const char byte = 1;
    (void)!::write(g_signalPipe[1], &byte, 1);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("flowlabd");
    QCoreApplication::setApplicationVersion(FLOWLAB_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Flowlab's privileged engine daemon.\n\n"
        "flowlabd builds the lab (network namespaces flowlab-*), runs a private Docker Engine\n"
        "and the lab registry inside it, and records evidence (Docker API calls) for lessons.\n"
        "It must run as root. Clients (flowlab-cli, the flowlab app) need no privilege: they\n"
        "connect to its socket, which members of group 'flowlab' may use.\n\n"
        "State lives in /run/flowlab and /var/lib/flowlab; built images are cached in\n"
        "/var/cache/flowlab. `flowlab-cli lab down` removes the lab, even after flowlabd was\n"
        "killed.");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption exitWhenDown("exit-when-down",
                                    "Exit after the lab is brought down (used when flowlab-cli "
                                    "starts the daemon on demand).");
    QCommandLineOption verbose({"v", "verbose"}, "Log debug messages.");
    QCommandLineOption noSyscallTrace(
        "no-syscall-trace",
        "Run containerd and dockerd without the syscall tracer (for overhead benchmarks; "
        "lessons then miss their syscall steps).");
    QCommandLineOption engineWrapper(
        "engine-wrapper",
        "Run containerd and dockerd under PROGRAM instead of the syscall tracer. Only 'strace' "
        "is known: `strace -f --seccomp-bpf` trapping the tracer's own syscall set (see "
        "`flowlab-trace-run --list-syscalls`), its output in /run/flowlab/logs/*.strace. For "
        "the overhead benchmark; lessons then miss their syscall steps.",
        "PROGRAM");
    parser.addOption(exitWhenDown);
    parser.addOption(verbose);
    parser.addOption(noSyscallTrace);
    parser.addOption(engineWrapper);
    parser.process(app);

    EngineTracing engineTracing = EngineTracing::SyscallTracer;
    if (parser.isSet(engineWrapper)) {
        const QString wrapper = parser.value(engineWrapper);
        if (wrapper != "strace") {
            std::fprintf(stderr,
                         "flowlabd: --engine-wrapper: unknown wrapper \"%s\" (expected "
                         "strace)\n",
                         qPrintable(wrapper));
            return 2;
        }
        if (parser.isSet(noSyscallTrace)) {
            std::fprintf(stderr, "flowlabd: --engine-wrapper and --no-syscall-trace exclude each "
                                 "other\n");
            return 2;
        }
        if (findProgram("strace").empty()) {
            std::fprintf(stderr, "flowlabd: --engine-wrapper=strace: strace is not installed "
                                 "(Debian package strace)\n");
            return 1;
        }
        engineTracing = EngineTracing::Strace;
    } else if (parser.isSet(noSyscallTrace)) {
        engineTracing = EngineTracing::None;
    }

    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e flowlabd %l: %v");
    if (parser.isSet(verbose))
        spdlog::set_level(spdlog::level::debug);

    if (auto s = checkRoot("flowlabd"); !s) {
        std::fprintf(stderr, "flowlabd: %s\n", s.error().message().c_str());
        return 77;
    }
    const LabPaths paths = LabPaths::fromEnvironment();
    if (auto s = makeDirectories(paths.runDir); !s) {
        std::fprintf(stderr, "flowlabd: %s\n", s.error().message().c_str());
        return 1;
    }
    {
        DaemonClient probe;
        if (probe.connect(paths.daemonSocket())) {
            std::fprintf(stderr, "flowlabd: another flowlabd already listens on %s\n",
                         paths.daemonSocket().c_str());
            return 1;
        }
    }

    DaemonServer server;
    EngineApi api(paths, server, engineTracing);
    api.setDaemonFiles({paths.daemonSocket(), paths.daemonPidFile()});

    auto shutdown = [&] {
        server.close();
        // A daemon started after this one stopped listening owns the pid file now.
        std::ifstream pidFile(paths.daemonPidFile());
        pid_t recorded = 0;
        if (pidFile >> recorded && recorded == ::getpid())
            ::unlink(paths.daemonPidFile().c_str());
        // Leave no empty /run/flowlab behind when the lab is down.
        ::rmdir(paths.runDir.c_str());
        app.quit();
    };
    if (parser.isSet(exitWhenDown))
        api.setOnLabDown([&] {
            spdlog::info("lab is down; exiting (started on demand)");
            // Stop taking connections at once, so a client that comes now starts a new daemon
            // instead of talking to this one while it goes; the reply to `lab down` still
            // reaches its client before we quit.
            server.close();
            QTimer::singleShot(200, &app, shutdown);
        });

    if (auto s = server.listen(paths.daemonSocket(), "flowlab"); !s) {
        std::fprintf(stderr, "flowlabd: %s\n", s.error().message().c_str());
        return 1;
    }
    std::ofstream(paths.daemonPidFile()) << ::getpid() << '\n';

    // SIGTERM/SIGINT leave the lab running (like a crash would) but close cleanly.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalPipe) == 0) {
        auto *notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, &app);
        QObject::connect(notifier, &QSocketNotifier::activated, &app, [&] {
            spdlog::info("terminating; the lab stays as it is (`flowlab-cli lab down` removes it)");
            shutdown();
        });
        std::signal(SIGTERM, onTerminationSignal);
        std::signal(SIGINT, onTerminationSignal);
    }
    std::signal(SIGPIPE, SIG_IGN);

    api.resume();
    const char *engineMode = engineTracing == EngineTracing::SyscallTracer ? "syscall tracer"
                             : engineTracing == EngineTracing::Strace      ? "strace"
                                                                           : "untraced";
    spdlog::info("listening on {} (pid {}; engine: {})", paths.daemonSocket(), ::getpid(),
                 engineMode);
    return app.exec();
}
