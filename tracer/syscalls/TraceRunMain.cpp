// flowlab-trace-run: a command under the syscall tracer, for trying decoders by hand and for
// the overhead benchmark.
//
//   flowlab-trace-run [--quiet] [--json] [--node NAME] [--netns PATH] [--log FILE] -- CMD ARGS...
//   flowlab-trace-run --list-syscalls
//
// Events go to stdout as they happen (summaries, or JSON lines with --json); the command's own
// output goes to --log (default: this program's stderr). At the end the tracer's stats and the
// wall time go to stderr, and the command's exit status becomes ours.
//
// --list-syscalls prints the syscalls the seccomp filter traps, comma-separated, for
// `strace -f --seccomp-bpf -e trace=$(flowlab-trace-run --list-syscalls) CMD`.

#include "tracer/model/EventLog.h"
#include "tracer/syscalls/SyscallTable.h"
#include "tracer/syscalls/SyscallTracer.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

using namespace flowlab;

namespace {

int usage()
{
    std::fprintf(stderr, "usage: flowlab-trace-run [--quiet] [--json] [--node NAME] "
                         "[--netns PATH] [--log FILE] -- COMMAND [ARGS...]\n"
                         "       flowlab-trace-run --list-syscalls\n");
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc == 2 && std::strcmp(argv[1], "--list-syscalls") == 0) {
        std::printf("%s\n", tracedSyscallNames().c_str());
        return 0;
    }
    TracedLaunch launch;
    launch.node = "host";
    launch.logPath = "/dev/stderr";
    bool quiet = false;
    bool json = false;
    int i = 1;
    for (; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool hasValue = i + 1 < argc;
        if (arg == "--") {
            ++i;
            break;
        } else if (arg == "--quiet") {
            quiet = true;
        } else if (arg == "--json") {
            json = true;
        } else if (arg == "--node" && hasValue) {
            launch.node = argv[++i];
        } else if (arg == "--netns" && hasValue) {
            launch.netnsPath = argv[++i];
        } else if (arg == "--log" && hasValue) {
            launch.logPath = argv[++i];
        } else {
            return usage();
        }
    }
    if (i >= argc)
        return usage();
    for (; i < argc; ++i)
        launch.argv.emplace_back(argv[i]);
    // The caller's environment, as strace would pass it, so timings compare like for like.
    for (char **entry = environ; *entry; ++entry) {
        const char *equals = std::strchr(*entry, '=');
        if (equals && std::strncmp(*entry, "PATH=", 5) != 0)
            launch.env.emplace_back(std::string(*entry, std::size_t(equals - *entry)), equals + 1);
    }

    EventLog log;
    if (!quiet) {
        log.addListener([json](const Event &event) {
            const std::string line =
                json ? nlohmann::json(event).dump(-1, ' ', false,
                                                  nlohmann::json::error_handler_t::replace)
                     : "[" + std::to_string(event.source.pid) + "] " + event.summary;
            std::fprintf(stdout, "%s\n", line.c_str());
            std::fflush(stdout);
        });
    }

    const auto started = std::chrono::steady_clock::now();
    int exitCode = 1;
    TracerStats stats;
    {
        SyscallTracer tracer(log);
        auto process = tracer.launch(launch);
        if (!process) {
            std::fprintf(stderr, "flowlab-trace-run: %s\n", process.error().message().c_str());
            return 127;
        }
        std::optional<int> status;
        while (!(status = tracer.waitForExit(*process, std::chrono::hours(1)))) {
        }
        exitCode = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
        stats = tracer.stats();
    } // the destructor kills what the command left running in the background
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr,
                 "flowlab-trace-run: %.3f s wall; %llu stops (%llu seccomp, %llu syscall-exit, "
                 "%llu ptrace-event, %llu signal, %llu group); %llu syscall events, %llu "
                 "process events, %llu trapped but ignored, %llu clones read at the fork event; "
                 "%.3f ms in stops\n",
                 seconds, (unsigned long long)stats.stops, (unsigned long long)stats.seccompStops,
                 (unsigned long long)stats.syscallExitStops, (unsigned long long)stats.eventStops,
                 (unsigned long long)stats.signalStops, (unsigned long long)stats.groupStops,
                 (unsigned long long)stats.syscallEvents, (unsigned long long)stats.processEvents,
                 (unsigned long long)stats.ignoredSyscalls,
                 (unsigned long long)stats.decodedAtForkEvent, double(stats.timeInStopsNs) / 1e6);
    return exitCode;
}
