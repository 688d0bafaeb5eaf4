// flowlab-cli demo docker-run: the `docker run -p 8080:80 nginx` flow, headless.

#include "app/cli/CliSupport.h"

#include <chrono>
#include <cstdio>
#include <thread>

namespace flowlab::cli {

namespace {

constexpr const char *kDemoHelp = R"(Usage: flowlab-cli demo docker-run [--keep-lab]

Run the `docker run -p 8080:80 nginx` flow for real, headless, and show what was recorded:
  1. bring the lab up (namespaces, lab registry, private Docker Engine);
  2. build the nginx image and push it to the lab registry;
  3. `docker run -d -p 8080:80 nginx` through the Docker API tap;
  4. a request from flowlab-client (192.168.56.2) to 192.168.56.10:8080, DNAT'd to nginx;
  5. the Docker API calls the tap recorded;
  6. remove the container and bring the lab down (unless --keep-lab).
Needs root (it starts flowlabd on demand).
)";

void heading(const char *text)
{
    std::printf("\n\033[1m== %s\033[0m\n", text);
    std::fflush(stdout);
}

int call(CliContext &context, DaemonClient &daemon, const char *method, nlohmann::json params = {})
{
    auto reply = daemon.call(method, params, progressPrinter(context));
    if (!reply)
        return fail(std::string(method) + ": " + reply.error().message());
    return 0;
}

// The container `docker run` made, from the tap's record of POST /containers/create.
std::string createdContainerId(DaemonClient &daemon, std::uint64_t sinceSeq)
{
    auto reply = daemon.call("events", {{"since", sinceSeq}});
    if (!reply)
        return {};
    for (const auto &event : (*reply)["events"]) {
        const auto &attrs = event["attrs"];
        if (attrs.value("endpoint", "") == "/containers/create" &&
            attrs.value("direction", "") == "response" && attrs.value("status", 0) == 201 &&
            attrs.contains("body") && attrs["body"].is_object())
            return attrs["body"].value("Id", "");
    }
    return {};
}

} // namespace

int demoCommand(CliContext &context, const Args &args)
{
    if (args.empty() || wantsHelp(args)) {
        std::fputs(kDemoHelp, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    if (args[0] != "docker-run")
        return fail("demo: unknown flow \"" + args[0] + "\" (available: docker-run)", 2);
    const bool keepLab = args.size() > 1 && args[1] == "--keep-lab";

    auto daemon = connectDaemon(context);
    if (!daemon)
        return fail(daemon.error().message());

    heading("1. lab up");
    if (int rc = call(context, **daemon, "lab.up"))
        return rc;
    heading("2. image build nginx");
    if (int rc = call(context, **daemon, "image.build", {{"names", {"nginx"}}}))
        return rc;

    heading("3. docker run -d -p 8080:80 nginx");
    std::uint64_t firstSeq = 0;
    const int runCode =
        runDockerThroughTap(context, {"run", "-d", "-p", "8080:80", "nginx"}, &firstSeq);
    if (runCode != 0)
        return fail("docker run failed (exit " + std::to_string(runCode) + ")");

    heading("4. curl http://192.168.56.10:8080/ from flowlab-client");
    nlohmann::json response;
    // nginx needs a moment after the container starts.
    for (int attempt = 0; attempt < 50; ++attempt) {
        auto reply =
            (*daemon)->call("curl", {{"url", "http://192.168.56.10:8080/"}, {"timeout_ms", 2000}});
        if (reply && reply->value("status", 0) == 200) {
            response = *reply;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (response.is_null())
        return fail("nginx did not answer at 192.168.56.10:8080 from flowlab-client");
    std::printf("%s from %s -> %s\n%s", response.value("status_line", "").c_str(),
                response.value("local_address", "").c_str(),
                response.value("remote_address", "").c_str(), response.value("body", "").c_str());

    heading("5. evidence recorded by the Docker API tap");
    printEvents(context, firstSeq - 1, false);

    heading("6. clean up");
    if (const std::string id = createdContainerId(**daemon, firstSeq); !id.empty())
        runDockerThroughTap(context, {"rm", "-f", id}, nullptr);
    if (!keepLab) {
        if (int rc = call(context, **daemon, "lab.down"))
            return rc;
        std::printf("lab is down\n");
    }
    return 0;
}

} // namespace flowlab::cli
