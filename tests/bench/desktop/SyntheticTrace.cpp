#include "SyntheticTrace.h"

#include "tracer/lesson/LessonLoader.h"

namespace flowlab::bench {

namespace {

Event syntheticEvent(std::uint64_t seq, std::int64_t ns)
{
    Event event;
    event.seq = seq;
    event.monotonicNs = ns;
    const std::string n = std::to_string(seq);
    switch (seq % 8) {
    case 0:
        event.kind = EventKind::Api;
        event.source = {"dockerd", "flowlab-docker"};
        event.summary = "GET /containers/" + n + "/json";
        event.attributes = {{"direction", seq % 16 ? "request" : "response"},
                            {"endpoint", "/containers/json"},
                            {"body", {{"Id", n}, {"Image", "nginx"}, {"State", "running"}}}};
        break;
    case 1:
    case 2:
        event.kind = EventKind::Syscall;
        event.source = {"runc", "flowlab-docker", static_cast<int>(1000 + seq % 50)};
        event.summary = "runc: mkdirat(AT_FDCWD, \"/sys/fs/cgroup/synthetic/" + n + "\", 0755) = 0";
        event.attributes = {{"syscall", "mkdirat"}, {"retval", 0}, {"category", "cgroup"}};
        break;
    case 3:
        event.kind = EventKind::Grpc;
        event.source = {"containerd", "flowlab-docker"};
        event.summary = "dockerd → containerd: /containerd.services.tasks.v1.Tasks/State";
        event.attributes = {{"method", "/containerd.services.tasks.v1.Tasks/State"},
                            {"request", {{"container_id", n}}}};
        break;
    case 4:
    case 5:
        event.kind = EventKind::Packet;
        event.source = {"network", "flowlab-docker", 0, "flowlab-docker"};
        event.summary = "TCP 192.168.56.2:" + std::to_string(30000 + seq % 30000) +
                        " → 192.168.56.10:8080 [ACK]";
        event.attributes = {{"interface", "eth0"},
                            {"src", "192.168.56.2"},
                            {"dst", "192.168.56.10"},
                            {"sport", 30000 + seq % 30000},
                            {"dport", 8080},
                            {"protocol", "TCP"},
                            {"length", 66}};
        break;
    case 6:
        event.kind = EventKind::Process;
        event.source = {"containerd-shim", "flowlab-docker", static_cast<int>(2000 + seq % 10)};
        event.summary = "containerd-shim: exec /usr/sbin/runc [\"runc\", \"state\", \"" + n + "\"]";
        break;
    default:
        event.kind = EventKind::Conntrack;
        event.source = {"conntrack", "flowlab-docker"};
        event.summary = "tcp 192.168.56.2 → 192.168.56.10:8080";
        event.attributes = {{"type", "update"}};
        break;
    }
    return event;
}

} // namespace

Result<TraceBundle> makeSyntheticTrace(const std::string &lessonPath, std::size_t eventCount)
{
    auto lesson = loadLesson(lessonPath);
    if (!lesson)
        return lesson.error();
    TraceBundle bundle;
    bundle.lesson = lesson->source;
    bundle.lesson["title"] = "SYNTHETIC benchmark trace (" + lesson->title + ")";
    bundle.run = {{"lesson", lesson->id},
                  {"synthetic", true},
                  {"note", "made up by tests/bench/desktop for the desktop benchmark only"}};
    bundle.events.reserve(eventCount);
    const std::int64_t start = 1'000'000'000;
    for (std::size_t i = 1; i <= eventCount; ++i)
        bundle.events.push_back(syntheticEvent(i, start + static_cast<std::int64_t>(i) * 20'000));
    // Each step's evidence: a handful of events of a fitting kind spread over the trace, as a
    // long recording's would be.
    const std::size_t stride = eventCount / (lesson->steps.size() + 1);
    for (std::size_t s = 0; s < lesson->steps.size(); ++s) {
        StepResult result;
        result.stepId = lesson->steps[s].id;
        result.status = StepStatus::Observed;
        result.keyEvidence = "synthetic evidence";
        MatchedEvidence evidence;
        evidence.role = "synthetic";
        for (std::size_t k = 0; k < 12; ++k)
            evidence.seqs.push_back((s + 1) * stride + k);
        result.evidence.push_back(evidence);
        bundle.steps.push_back(result);
    }
    return bundle;
}

} // namespace flowlab::bench
