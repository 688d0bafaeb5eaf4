// flowlab-cli docker -- ARGS...   and   flowlab-cli events

#include "app/cli/CliSupport.h"
#include "engine/docker/PrivateDockerEngine.h"

#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace flowlab::cli {

namespace {

constexpr const char *kDockerHelp = R"(Usage: flowlab-cli docker [--events] -- DOCKER-ARGS...

Run the real docker CLI against the lab's private Docker Engine, through Flowlab's API tap.
Every API request and response is recorded as evidence (see `flowlab-cli events`).
Streaming and interactive commands (pull progress, logs -f, attach, run -it) work as usual.

  --events   After docker exits, print the API events it caused.

The docker client is /usr/bin/docker (Debian's docker.io), or $FLOWLAB_DOCKER_CLI.

Examples:
  flowlab-cli docker -- run -d -p 8080:80 nginx
  flowlab-cli docker --events -- ps
)";

constexpr const char *kEventsHelp = R"(Usage: flowlab-cli events [--since SEQ] [--json]

Print the evidence recorded in this lab session: commands, and the Docker API requests and
responses seen by the tap.

  --since SEQ   Only events after sequence number SEQ.
  --json        One JSON object per line (the trace model's event format).
)";

} // namespace

int runDockerThroughTap(CliContext &context, const Args &dockerArgs, std::uint64_t *firstSeq)
{
    const Result<std::string> client = PrivateDockerEngine::clientProgram();
    if (!client)
        return fail(client.error().message()), -1;
    auto daemon = connectDaemon(context);
    if (!daemon)
        return fail(daemon.error().message()), -1;
    auto session =
        (*daemon)->call("docker.session", {{"argv", dockerArgs}, {"uid", int(::getuid())}});
    if (!session)
        return fail(session.error().message()), -1;
    if (firstSeq)
        *firstSeq = session->value("command_seq", 0ULL);

    const std::string dockerHost = "unix://" + session->value("tap_socket", "");
    const pid_t pid = ::fork();
    if (pid < 0)
        return fail("fork: " + std::string(std::strerror(errno))), -1;
    if (pid == 0) {
        // The user's own context or TLS settings must not redirect the client elsewhere.
        ::unsetenv("DOCKER_CONTEXT");
        ::unsetenv("DOCKER_TLS_VERIFY");
        ::unsetenv("DOCKER_CERT_PATH");
        ::setenv("DOCKER_HOST", dockerHost.c_str(), 1);
        std::vector<char *> argv{const_cast<char *>(client->c_str())};
        for (const auto &arg : dockerArgs)
            argv.push_back(const_cast<char *>(arg.c_str()));
        argv.push_back(nullptr);
        ::execve(client->c_str(), argv.data(), environ);
        std::fprintf(stderr, "flowlab-cli: exec %s: %s\n", client->c_str(), std::strerror(errno));
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int printEvents(CliContext &context, std::uint64_t sinceSeq, bool json)
{
    auto daemon = connectDaemon(context, false);
    if (!daemon)
        return fail(daemon.error().message());
    auto reply = (*daemon)->call("events", {{"since", sinceSeq}});
    if (!reply)
        return fail(reply.error().message());
    for (const auto &event : (*reply)["events"]) {
        if (json) {
            std::printf("%s\n", event.dump().c_str());
            continue;
        }
        std::printf("%5llu  %-9s %-12s %s\n",
                    static_cast<unsigned long long>(event.value("seq", 0ULL)),
                    event.value("kind", "").c_str(), event["source"].value("component", "").c_str(),
                    event.value("summary", "").c_str());
    }
    return 0;
}

int dockerCommand(CliContext &context, const Args &args)
{
    Args dockerArgs;
    bool showEvents = false;
    std::size_t i = 0;
    for (; i < args.size() && args[i] != "--"; ++i) {
        if (args[i] == "--events")
            showEvents = true;
        else if (args[i] == "-h" || args[i] == "--help") {
            std::fputs(kDockerHelp, stdout);
            return 0;
        } else {
            // Without "--", everything is docker's (flowlab-cli docker ps).
            break;
        }
    }
    if (i < args.size() && args[i] == "--")
        ++i;
    dockerArgs.assign(args.begin() + long(i), args.end());
    if (dockerArgs.empty()) {
        std::fputs(kDockerHelp, stderr);
        return 2;
    }
    std::uint64_t firstSeq = 0;
    const int code = runDockerThroughTap(context, dockerArgs, &firstSeq);
    if (code < 0)
        return 1;
    if (showEvents) {
        std::fprintf(stdout, "\nevidence recorded:\n");
        printEvents(context, firstSeq - 1, false);
    }
    return code;
}

int eventsCommand(CliContext &context, const Args &args)
{
    std::uint64_t since = 0;
    bool json = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--json")
            json = true;
        else if (args[i] == "--since" && i + 1 < args.size())
            since = std::strtoull(args[++i].c_str(), nullptr, 10);
        else if (args[i] == "-h" || args[i] == "--help") {
            std::fputs(kEventsHelp, stdout);
            return 0;
        } else
            return fail("events: unknown option \"" + args[i] + "\"", 2);
    }
    return printEvents(context, since, json);
}

} // namespace flowlab::cli
