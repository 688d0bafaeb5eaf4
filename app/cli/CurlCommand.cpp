// flowlab-cli curl [options] URL

#include "app/cli/CliSupport.h"

#include <cstdio>

namespace flowlab::cli {

namespace {

constexpr const char *kCurlHelp = R"(Usage: flowlab-cli curl [options] URL

Make an HTTP request from inside the lab, by default from the flowlab-client namespace
(192.168.56.2, the "user's browser"), and print the response body.

Options:
  -i, --include         Print the status line and headers before the body.
  -X, --request METHOD  Use METHOD instead of GET.
  -H, --header 'K: V'   Add a request header (repeatable).
  -d, --data DATA       Send DATA as the request body.
  -f, --fail            Exit 22 when the status is 400 or more (as curl does).
      --from NETNS      Send from another lab namespace (e.g. flowlab-docker).
      --timeout SECONDS Give up after SECONDS (default 10).

Only addresses inside the lab (or loopback) are reachable: the lab has no route out.

Example:
  flowlab-cli curl -i http://192.168.56.10:8080/
)";

} // namespace

int curlCommand(CliContext &context, const Args &args)
{
    nlohmann::json params = {{"headers", nlohmann::json::array()}};
    bool include = false;
    bool failOnError = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        auto value = [&](const char *name) -> const std::string * {
            if (i + 1 >= args.size()) {
                fail(std::string("curl: ") + name + " needs a value", 2);
                return nullptr;
            }
            return &args[++i];
        };
        if (arg == "-h" || arg == "--help") {
            std::fputs(kCurlHelp, stdout);
            return 0;
        } else if (arg == "-i" || arg == "--include") {
            include = true;
        } else if (arg == "-f" || arg == "--fail") {
            failOnError = true;
        } else if (arg == "-X" || arg == "--request") {
            auto v = value("-X");
            if (!v)
                return 2;
            params["method"] = *v;
        } else if (arg == "-H" || arg == "--header") {
            auto v = value("-H");
            if (!v)
                return 2;
            params["headers"].push_back(*v);
        } else if (arg == "-d" || arg == "--data") {
            auto v = value("-d");
            if (!v)
                return 2;
            params["data"] = *v;
            if (!params.contains("method"))
                params["method"] = "POST";
        } else if (arg == "--from") {
            auto v = value("--from");
            if (!v)
                return 2;
            params["netns"] = *v;
        } else if (arg == "--timeout") {
            auto v = value("--timeout");
            if (!v)
                return 2;
            params["timeout_ms"] = int(std::stod(*v) * 1000);
        } else if (!arg.empty() && arg[0] == '-') {
            return fail("curl: unknown option \"" + arg + "\" (see flowlab-cli curl --help)", 2);
        } else if (params.contains("url")) {
            return fail("curl: more than one URL given", 2);
        } else {
            params["url"] = arg;
        }
    }
    if (!params.contains("url")) {
        std::fputs(kCurlHelp, stderr);
        return 2;
    }
    auto daemon = connectDaemon(context);
    if (!daemon)
        return fail(daemon.error().message());
    auto reply = (*daemon)->call("curl", params);
    if (!reply)
        return fail(reply.error().message(), 7);
    if (include) {
        std::printf("%s\r\n", reply->value("status_line", "").c_str());
        for (const auto &header : (*reply)["headers"])
            std::printf("%s: %s\r\n", header[0].get<std::string>().c_str(),
                        header[1].get<std::string>().c_str());
        std::printf("\r\n");
    }
    const std::string body = reply->value("body", "");
    std::fwrite(body.data(), 1, body.size(), stdout);
    return failOnError && reply->value("status", 0) >= 400 ? 22 : 0;
}

} // namespace flowlab::cli
