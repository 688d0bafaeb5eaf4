// flowlab-cli run LESSON [--out DIR]  and  flowlab-cli lesson check|lint LESSON...

#include "app/cli/CliSupport.h"
#include "tracer/lesson/LessonLoader.h"

#include <cerrno>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace flowlab::cli {

namespace {

constexpr const char *kRunHelp = R"(Usage: flowlab-cli run LESSON [--out DIR] [--json]

Run a lesson for real in the lab (bringing the lab up if needed), then print each step:
observed, with its key evidence, or MISSING, with what was not seen. The trace bundle is
copied to DIR (default: ./flowlab-trace-<lesson id>):

  trace.json         events, steps and their evidence (Flowlab's own format)
  capture.pcapng     the packets; open it in Wireshark (comments name the steps)
  trace-events.json  open it in Perfetto (ui.perfetto.dev) or chrome://tracing
  lesson.json        the lesson that produced it

Exit status: 0 when every step was observed, 1 otherwise.

Example:
  flowlab-cli run lessons/docker-run.json --out /tmp/docker-run
)";

constexpr const char *kLessonHelp = R"(Usage: flowlab-cli lesson check LESSON...
       flowlab-cli lesson lint LESSON...

  check   Run each lesson for real and fail (exit 1) if any step is missing. An
          explain-only lesson is skipped with its reason; a skip is not a pass.
          Each run's bundle goes to a new directory $TMPDIR/flowlab-check-XXXXXX/ID
          (default /tmp), printed first, to open with `flowlab --open` when a step
          is missing.
  lint    Load each lesson and report problems (file and JSON pointer) without running it.
)";

Result<std::string> readFile(const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        return Error::fromErrno("opening lesson " + path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Copies the bundle from the daemon's run directory (readable by root and group flowlab).
// Under sudo the bundle belongs to the user who asked for it, so that the desktop app, which
// runs as that user, can open it.
void giveToSudoUser(const std::string &dir)
{
    const char *uid = std::getenv("SUDO_UID");
    const char *gid = std::getenv("SUDO_GID");
    if (::geteuid() != 0 || !uid || !gid)
        return;
    const uid_t owner = static_cast<uid_t>(std::strtoul(uid, nullptr, 10));
    const gid_t group = static_cast<gid_t>(std::strtoul(gid, nullptr, 10));
    std::error_code ec;
    (void)::lchown(dir.c_str(), owner, group);
    // Never through a symlink: only the regular files the copy made change hands.
    for (const auto &file : fs::directory_iterator(dir, ec)) {
        if (!file.is_regular_file(ec) || file.is_symlink(ec))
            continue;
        (void)::lchown(file.path().c_str(), owner, group);
        ::chmod(file.path().c_str(), 0644);
    }
}

Status copyBundle(const std::string &from, const std::string &to)
{
    std::error_code ec;
    fs::create_directories(to, ec);
    if (ec)
        return Error("mkdir -p " + to + ": " + ec.message());
    for (const auto &file : fs::directory_iterator(from, ec)) {
        fs::copy_file(file.path(), fs::path(to) / file.path().filename(),
                      fs::copy_options::overwrite_existing, ec);
        if (ec)
            return Error("copying " + file.path().string() + " to " + to + ": " + ec.message());
    }
    if (ec)
        return Error("reading " + from + ": " + ec.message());
    giveToSudoUser(to);
    return success();
}

void printSteps(const nlohmann::json &reply)
{
    for (const auto &step : reply["steps"]) {
        const bool observed = step.value("status", "") == "observed";
        std::printf("%2d %-8s %-11s %s\n", step.value("number", 0),
                    observed ? "observed" : "MISSING", step.value("component", "").c_str(),
                    observed ? step.value("key_evidence", "").c_str()
                             : step.value("title", "").c_str());
        if (!observed) {
            for (const auto &missing : step.value("missing", nlohmann::json::array()))
                std::printf("              not seen: %s\n", missing.get<std::string>().c_str());
            for (const auto &related : step.value("last_related", nlohmann::json::array()))
                std::printf("              last related evidence: %s\n",
                            related.get<std::string>().c_str());
        }
    }
}

// Runs one lesson; returns 0 when all steps were observed, 1 when not, -1 on error.
int runOne(CliContext &context, const std::string &path, const std::string &outDir, bool json)
{
    auto lesson = loadLesson(path);
    if (!lesson)
        return fail(lesson.error().message()), -1;
    if (!lesson->explainOnly.empty()) {
        std::printf("%s: skipped, explain-only: %s\n", path.c_str(), lesson->explainOnly.c_str());
        return 2;
    }
    auto text = readFile(path);
    if (!text)
        return fail(text.error().message()), -1;
    auto daemon = connectDaemon(context);
    if (!daemon)
        return fail(daemon.error().message()), -1;
    if (!json)
        std::printf("== %s: %s\n", lesson->id.c_str(), lesson->title.c_str());
    std::fflush(stdout);
    auto reply =
        (*daemon)->call("lesson.run", {{"path", path}, {"text", *text}}, progressPrinter(context));
    if (!reply)
        return fail(path + ": " + reply.error().message()), -1;
    const std::string dir = outDir.empty() ? "flowlab-trace-" + lesson->id : outDir;
    if (auto s = copyBundle(reply->value("bundle", ""), dir); !s)
        return fail(s.error().message()), -1;
    if (json) {
        std::printf("%s\n", reply->dump(2).c_str());
    } else {
        printSteps(*reply);
        const auto &evidence = (*reply)["evidence"];
        std::printf("\n%zu events; %d packets captured, %d dropped; bundle in %s\n",
                    reply->value("events", std::size_t(0)), evidence.value("packets", 0),
                    evidence.value("dropped", 0), dir.c_str());
    }
    return reply->value("all_observed", false) ? 0 : 1;
}

} // namespace

int runCommandVerb(CliContext &context, const Args &args)
{
    std::string lesson, outDir;
    bool json = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "-h" || args[i] == "--help") {
            std::fputs(kRunHelp, stdout);
            return 0;
        } else if (args[i] == "--out" && i + 1 < args.size()) {
            outDir = args[++i];
        } else if (args[i] == "--json") {
            json = true;
        } else if (!args[i].empty() && args[i][0] == '-') {
            return fail("run: unknown option \"" + args[i] + "\"", 2);
        } else if (lesson.empty()) {
            lesson = args[i];
        } else {
            return fail("run: one lesson at a time (use `lesson check` for several)", 2);
        }
    }
    if (lesson.empty()) {
        std::fputs(kRunHelp, stderr);
        return 2;
    }
    const int rc = runOne(context, lesson, outDir, json);
    return rc < 0 ? 1 : rc == 2 ? 0 : rc;
}

int lessonCommand(CliContext &context, const Args &args)
{
    if (args.empty() || wantsHelp(args)) {
        std::fputs(kLessonHelp, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    const std::string verb = args[0];
    const Args files(args.begin() + 1, args.end());
    if (files.empty())
        return fail("lesson " + verb + ": name at least one lesson file", 2);
    if (verb == "lint") {
        int bad = 0;
        for (const auto &file : files) {
            auto lesson = loadLesson(file);
            if (lesson)
                std::printf("%s: ok (%zu steps%s)\n", file.c_str(), lesson->steps.size(),
                            lesson->explainOnly.empty() ? "" : ", explain-only");
            else {
                std::fprintf(stderr, "%s\n", lesson.error().message().c_str());
                ++bad;
            }
        }
        return bad ? 1 : 0;
    }
    if (verb == "check") {
        // A directory of our own, made afresh: a fixed name in a shared /tmp could be someone
        // else's symlink, and the bundles are handed to the sudo user afterwards.
        const char *tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/flowlab-check-XXXXXX";
        if (!::mkdtemp(pattern.data()))
            return fail("lesson check: creating a directory for the bundles (" + pattern +
                            "): " + std::strerror(errno),
                        1);
        const std::string bundles = pattern;
        giveToSudoUser(bundles);
        std::printf("bundles in %s\n\n", bundles.c_str());
        int failed = 0, passed = 0, skipped = 0;
        for (const auto &file : files) {
            auto lesson = loadLesson(file);
            const std::string out = bundles + "/" + (lesson ? lesson->id : "lesson");
            const int rc = runOne(context, file, out, false);
            rc == 0 ? ++passed : rc == 2 ? ++skipped : ++failed;
            std::printf("\n");
        }
        std::printf("lesson check: %d passed, %d failed, %d skipped (explain-only)\n", passed,
                    failed, skipped);
        return failed ? 1 : 0;
    }
    return fail("lesson: unknown verb \"" + verb + "\" (expected check or lint)", 2);
}

} // namespace flowlab::cli
