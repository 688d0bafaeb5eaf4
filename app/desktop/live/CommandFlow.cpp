#include "app/desktop/live/CommandFlow.h"

#include "tracer/lesson/LessonLoader.h"
#include "tracer/lesson/StepMatcher.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace flowlab {

namespace {

struct Hop
{
    std::string from, to, component, label, title;
    const Event *event = nullptr;
};

// Syscalls worth a step: the ones that build a container.
bool buildsAContainer(const Event &event)
{
    const auto *name = findPath(event.attributes, "syscall");
    if (!name || !name->is_string())
        return false;
    const std::string syscall = name->get<std::string>();
    return syscall == "unshare" || syscall == "setns" || syscall == "pivot_root" ||
           (syscall == "mount" && event.summary.find("overlay") != std::string::npos);
}

std::string shortGrpcMethod(const std::string &summary)
{
    // "dockerd → containerd: /containerd.services.tasks.v1.Tasks/Create" → "Tasks/Create"
    const auto slash = summary.rfind('/');
    if (slash == std::string::npos)
        return summary;
    const auto dot = summary.rfind('.', slash);
    return dot == std::string::npos ? summary.substr(slash + 1) : summary.substr(dot + 1);
}

std::string clipped(const std::string &text, std::size_t max = 70)
{
    return text.size() <= max ? text : text.substr(0, max - 1) + "…";
}

std::optional<Hop> hopFor(const Event &event, const Lesson &stage)
{
    auto known = [&](const char *id) { return stage.component(id) != nullptr; };
    const std::string &component = event.source.component;
    switch (event.kind) {
    case EventKind::Command:
        if (component == "docker-cli" && known("user") && known("docker-cli"))
            return Hop{
                "user", "docker-cli", "docker-cli", clipped(event.summary), "You type the command",
                &event};
        break;
    case EventKind::Api: {
        const auto *direction = findPath(event.attributes, "direction");
        const bool request = direction && *direction == "request";
        if (!known("docker-cli") || !known("dockerd"))
            break;
        if (request)
            return Hop{"docker-cli",
                       "dockerd",
                       "dockerd",
                       clipped(event.summary),
                       "The CLI calls the Engine API",
                       &event};
        return Hop{"dockerd",         "docker-cli", "dockerd", clipped(event.summary),
                   "dockerd answers", &event};
    }
    case EventKind::Grpc:
        if (known("dockerd") && known("containerd"))
            return Hop{"dockerd",
                       "containerd",
                       "containerd",
                       shortGrpcMethod(event.summary),
                       "dockerd asks containerd over gRPC",
                       &event};
        break;
    case EventKind::Process: {
        if (event.summary.find(": exec ") == std::string::npos)
            break;
        if (component == "containerd-shim" && known("shim"))
            return Hop{"containerd",
                       "shim",
                       "shim",
                       "exec containerd-shim-runc-v2",
                       "containerd starts a shim",
                       &event};
        if (component == "runc" && known("runc"))
            return Hop{
                "shim", "runc", "runc", clipped(event.summary.substr(6)), "The shim runs runc",
                &event};
        if (known("container") && component != "dockerd" && component != "containerd" &&
            event.summary.find("--version") == std::string::npos &&
            component.find("xtables") == std::string::npos && component != "iptables")
            return Hop{"runc",
                       "container",
                       "container",
                       clipped(event.summary),
                       "The container's first process starts",
                       &event};
        break;
    }
    case EventKind::Syscall:
        if (buildsAContainer(event) && known("kernel") && stage.component(component))
            return Hop{component,
                       "kernel",
                       "kernel",
                       clipped(event.summary, 60),
                       "A system call builds the container",
                       &event};
        if (buildsAContainer(event) && known("kernel") && component == "containerd-shim" &&
            known("shim"))
            return Hop{"shim",
                       "kernel",
                       "kernel",
                       clipped(event.summary, 60),
                       "A system call builds the container",
                       &event};
        break;
    default:
        break;
    }
    return std::nullopt;
}

nlohmann::json matcherFor(const Event &event)
{
    return {{"kind", std::string(toString(event.kind))},
            {"component", event.source.component},
            {"summary", {{"equals", event.summary}}},
            {"during", "command"}};
}

} // namespace

Result<TraceBundle> commandFlowBundle(const Lesson &stage, const std::string &commandLine,
                                      const std::vector<Event> &events, std::uint64_t commandSeq,
                                      std::size_t maxSteps)
{
    std::vector<Hop> hops;
    std::vector<Event> caused;
    for (const Event &event : events)
        if (event.seq >= commandSeq)
            caused.push_back(event);
    if (caused.empty())
        return Error("no evidence arrived for \"" + commandLine + "\"");
    for (const Event &event : caused) {
        auto hop = hopFor(event, stage);
        if (!hop)
            continue;
        // The same hop with the same label again (a retried ping, a second clone) adds nothing.
        if (!hops.empty() && hops.back().from == hop->from && hops.back().to == hop->to &&
            hops.back().label == hop->label)
            continue;
        hops.push_back(*hop);
        if (hops.size() == maxSteps)
            break;
    }
    if (hops.empty())
        return Error("\"" + commandLine + "\" caused no hop between the lab's components");

    nlohmann::json lesson = {
        {"flowlab_lesson", kLessonFormatVersion},
        {"id", "command"},
        {"title", commandLine},
        {"summary", "What `" + commandLine + "` did, step by step, from the evidence it caused."},
        {"level", "beginner"},
        {"topics", {"docker"}},
        {"lab", "docker"},
        {"components", stage.source.at("components")},
        {"actions", {{{"id", "command"}, {"do", "docker"}, {"args", {commandLine}}}}},
        {"steps", nlohmann::json::array()}};
    if (stage.source.contains("stage"))
        lesson["stage"] = stage.source["stage"];
    for (std::size_t i = 0; i < hops.size(); ++i) {
        const Hop &hop = hops[i];
        lesson["steps"].push_back({{"id", "hop-" + std::to_string(i + 1)},
                                   {"title", hop.title},
                                   {"component", hop.component},
                                   {"from", hop.from},
                                   {"to", hop.to},
                                   {"label", hop.label},
                                   {"explanation", "Seen as: `" + hop.event->summary + "`"},
                                   {"match", {matcherFor(*hop.event)}}});
    }
    auto parsed = parseLesson(lesson.dump(), "command flow");
    if (!parsed)
        return parsed.error();

    TraceBundle bundle;
    bundle.lesson = lesson;
    bundle.run = {{"lesson", "command"}, {"command", commandLine}, {"live", true}};
    bundle.events = std::move(caused);
    const ActionWindow window{"command", bundle.events.front().monotonicNs,
                              std::numeric_limits<std::int64_t>::max()};
    bundle.steps = matchSteps(*parsed, bundle.events, {window});
    return bundle;
}

} // namespace flowlab
