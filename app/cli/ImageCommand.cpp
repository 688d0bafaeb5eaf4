// flowlab-cli image build [NAME...]

#include "app/cli/CliSupport.h"

#include <cstdio>

namespace flowlab::cli {

namespace {

constexpr const char *kImageHelp = R"(Usage: flowlab-cli image build [--rebuild] [NAME...]

Build the lab's images from the recipes in resources/images/ and push them to the lab
registry (192.168.56.5:5000) when the lab is up. With no NAME, every recipe is built.

  nginx     Debian's nginx binary, its shared libraries and a minimal config, in three
            layers; it serves a page that names the container.
  busybox   busybox-static with its applets.
  pause     Flowlab's own pause program, the sandbox of every pod.

Images are real Docker v2 images (gzip layers, sha256 digests), cached in
/var/cache/flowlab/images and pushed again on every `lab up`.

  --rebuild   Build even when the cache already holds the image.
)";

} // namespace

int imageCommand(CliContext &context, const Args &args)
{
    if (args.empty() || wantsHelp(args)) {
        std::fputs(kImageHelp, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    if (args[0] != "build")
        return fail("image: unknown verb \"" + args[0] + "\" (expected build)", 2);
    nlohmann::json params = {{"names", nlohmann::json::array()}, {"rebuild", false}};
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--rebuild")
            params["rebuild"] = true;
        else if (!args[i].empty() && args[i][0] == '-')
            return fail("image build: unknown option \"" + args[i] + "\"", 2);
        else
            params["names"].push_back(args[i]);
    }
    auto daemon = connectDaemon(context);
    if (!daemon)
        return fail(daemon.error().message());
    auto reply = (*daemon)->call("image.build", params, progressPrinter(context));
    if (!reply)
        return fail(reply.error().message());
    for (const auto &image : (*reply)["images"])
        std::printf("%-28s %s  %s\n", image.value("reference", "").c_str(),
                    image.value("digest", "").c_str(),
                    image.value("pushed", false) ? "pushed" : "built (push on lab up)");
    return 0;
}

} // namespace flowlab::cli
