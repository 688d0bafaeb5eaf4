#include "engine/lesson/LessonRunner.h"

#include <chrono>
#include <thread>

namespace flowlab {

namespace {

// Evidence that follows an action asynchronously (packets, netlink, conntrack) is given this
// long to arrive before the action's window closes.
constexpr auto kSettle = std::chrono::milliseconds(400);

std::string isoNow()
{
    const std::time_t now = std::time(nullptr);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return buffer;
}

} // namespace

bool LessonRun::allObserved() const
{
    for (const auto &step : bundle.steps)
        if (step.status != StepStatus::Observed)
            return false;
    return !bundle.steps.empty();
}

Status LessonRunner::runActions(const std::vector<LessonAction> &actions, const char *phase,
                                const ProgressFn &progress, std::vector<ActionWindow> *windows)
{
    for (const auto &action : actions) {
        ActionWindow window{action.id, monotonicNowNs(), 0};
        Status status = m_actions.perform(action, progress);
        if (windows) {
            std::this_thread::sleep_for(kSettle);
            m_evidence.refresh();
            window.endNs = monotonicNowNs();
            windows->push_back(window);
        }
        if (!status)
            return std::move(status).context(std::string(phase));
    }
    return success();
}

Result<LessonRun> LessonRunner::run(const Lesson &lesson, const std::string &bundleDir,
                                    const ProgressFn &progress)
{
    if (!lesson.explainOnly.empty())
        return Error("lesson " + lesson.id + " is explain-only (" + lesson.explainOnly +
                     "): there is nothing to run");
    const std::string startedAt = isoNow();
    progress("setting up " + lesson.id);
    if (auto s = runActions(lesson.setup, "setup", progress, nullptr); !s)
        return s.error();

    const std::uint64_t firstSeq = m_events.size() + 1;
    if (auto s = m_evidence.start(lesson); !s)
        return s.error().withContext("starting evidence capture");
    std::vector<ActionWindow> windows;
    Status actionStatus = runActions(lesson.actions, "running the lesson", progress, &windows);
    Status stopStatus = m_evidence.stop();
    // What cleanup does (deleting what the lesson made) is not the lesson's evidence. The cut
    // is by time, not by arrival: the components' evidence logs are followed asynchronously,
    // so a line written before this moment may be appended to the log after it.
    const std::int64_t stoppedNs = monotonicNowNs();
    const std::uint64_t lastSeq = m_events.size();
    Status cleanupStatus = runActions(lesson.cleanup, "cleanup", progress, nullptr);
    if (!actionStatus)
        return actionStatus.error();
    if (!stopStatus)
        return stopStatus.error().withContext("stopping evidence capture");
    if (!cleanupStatus)
        progress("cleanup failed: " + cleanupStatus.error().message());

    LessonRun result;
    result.bundleDir = bundleDir;
    TraceBundle &bundle = result.bundle;
    for (auto &event : m_events.snapshot())
        if (event.seq >= firstSeq &&
            (event.monotonicNs > 0 ? event.monotonicNs <= stoppedNs : event.seq <= lastSeq))
            bundle.events.push_back(std::move(event));
    bundle.lesson = lesson.source;
    bundle.steps = matchSteps(lesson, bundle.events, windows);
    bundle.run = {{"lesson", lesson.id},
                  {"started_at", startedAt},
                  {"finished_at", isoNow()},
                  {"recording", false},
                  {"flowlab_version", FLOWLAB_VERSION},
                  {"actions", windows},
                  {"evidence", m_evidence.stats()}};
    if (auto s = bundle.writeDirectory(bundleDir); !s)
        return s.error().withContext("writing the trace bundle");
    if (auto s =
            m_evidence.writePcapng(bundleDir + "/capture.pcapng", packetComments(lesson, bundle));
        !s)
        return s.error().withContext("writing capture.pcapng");
    return result;
}

std::map<std::uint64_t, std::string> packetComments(const Lesson &lesson, const TraceBundle &bundle)
{
    std::map<std::uint64_t, std::string> comments;
    for (std::size_t i = 0; i < bundle.steps.size() && i < lesson.steps.size(); ++i) {
        const StepResult &result = bundle.steps[i];
        for (const auto &evidence : result.evidence) {
            for (auto seq : evidence.seqs) {
                const Event *event = bundle.event(seq);
                if (!event)
                    continue;
                std::string comment = "step " + std::to_string(i + 1) + " " + result.stepId;
                if (!evidence.role.empty())
                    comment += ": " + evidence.role;
                if (event->kind == EventKind::Packet) {
                    auto &slot = comments[seq];
                    slot += (slot.empty() ? "" : "; ") + comment;
                }
                // A NAT pair names its packets.
                if (event->kind == EventKind::Conntrack)
                    for (auto link : event->links)
                        if (const Event *packet = bundle.event(link);
                            packet && packet->kind == EventKind::Packet) {
                            auto &slot = comments[link];
                            slot += (slot.empty() ? "" : "; ") + std::string("NAT pair #") +
                                    std::to_string(seq) + " (" +
                                    event->attributes.value("nat", "nat") + ")";
                        }
            }
        }
    }
    return comments;
}

} // namespace flowlab
