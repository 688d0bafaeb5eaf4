// The daemon's lesson work: run a lesson for real and leave its bundle where the client can
// copy it (the client, not root, writes the user's output directory).

#include "engine/daemon/EngineApi.h"
#include "engine/lesson/LabEvidenceSession.h"
#include "engine/lesson/LessonRunner.h"
#include "tracer/lesson/LessonLoader.h"

#include <filesystem>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace flowlab {

namespace {

// Members of group flowlab may read the bundle, so the unprivileged CLI can copy it.
void shareWithGroup(const std::string &dir)
{
    const struct group *entry = ::getgrnam("flowlab");
    std::error_code ec;
    for (const auto &path : {fs::path(dir)}) {
        if (entry)
            (void)::chown(path.c_str(), 0, entry->gr_gid);
        ::chmod(path.c_str(), 0750);
    }
    for (const auto &file : fs::directory_iterator(dir, ec)) {
        if (entry)
            (void)::chown(file.path().c_str(), 0, entry->gr_gid);
        ::chmod(file.path().c_str(), 0640);
    }
}

} // namespace

Result<nlohmann::json> EngineApi::runLesson(const nlohmann::json &params,
                                            const ProgressFn &progress)
{
    auto lesson = parseLesson(params.value("text", ""), params.value("path", "lesson.json"));
    if (!lesson)
        return lesson.error();
    if (!lesson->explainOnly.empty())
        return Error("lesson \"" + lesson->id + "\" is explain-only: " + lesson->explainOnly);
    const bool needsKube = lesson->lab == "kube";
    if (!m_lab.requireUp()) {
        progress(needsKube ? "bringing the lab up with its Kubernetes cluster"
                           : "bringing the lab up");
        if (auto s = bringLabUp(progress, {.enabled = needsKube}); !s)
            return s.error();
    } else if (needsKube && m_lab.kubeStore().empty()) {
        // Adding a cluster to a running lab is not supported: say how to get one.
        return Error("lesson \"" + lesson->id +
                     "\" needs the lab's Kubernetes cluster, and the lab is up without it: run "
                     "`flowlab-cli lab down`, then `flowlab-cli lab up --kube` (or let the "
                     "lesson bring the lab up)");
    }

    const std::string bundleDir =
        m_paths.runDir + "/bundles/" + lesson->id + "-" + std::to_string(monotonicNowNs());
    LessonActions actions(m_paths, m_events, [this](const std::string &name, const ProgressFn &p) {
        auto built = buildImages({{"names", {name}}}, p);
        return built ? success() : Status(built.error());
    });
    LabEvidenceSession evidence(m_events, m_paths);
    LessonRunner runner(actions, m_events, evidence);
    auto run = runner.run(*lesson, bundleDir, progress);
    if (!run)
        return run.error();
    shareWithGroup(bundleDir);

    nlohmann::json steps = nlohmann::json::array();
    for (std::size_t i = 0; i < run->bundle.steps.size(); ++i) {
        const StepResult &result = run->bundle.steps[i];
        const LessonStep &step = lesson->steps[i];
        steps.push_back({{"number", i + 1},
                         {"id", result.stepId},
                         {"title", step.title},
                         {"component", step.component},
                         {"status", toString(result.status)},
                         {"key_evidence", result.keyEvidence},
                         {"missing", result.missing},
                         {"last_related", result.lastRelated}});
    }
    return nlohmann::json{{"lesson", lesson->id},
                          {"bundle", bundleDir},
                          {"steps", steps},
                          {"all_observed", run->allObserved()},
                          {"evidence", run->bundle.run["evidence"]},
                          {"events", run->bundle.events.size()}};
}

} // namespace flowlab
