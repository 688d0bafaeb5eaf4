#include "app/desktop/live/CommandFlow.h"

#include "app/desktop/library/LessonCatalog.h"
#include "app/desktop/live/KubectlFlow.h"
#include "tracer/lesson/LessonLoader.h"
#include "tracer/lesson/StepMatcher.h"

#include <algorithm>
#include <sstream>
#include <unordered_set>

namespace flowlab {

namespace {

constexpr const char *kStageLessonId = "docker-run";

ExpectedHop typed(const std::string &commandLine)
{
    return {"You type the command",
            "user",
            "docker-cli",
            "docker-cli",
            commandLine,
            "The `docker` program is only a client: it parses what you typed and turns it into "
            "calls to dockerd's Engine API.",
            {{"kind", "command"}, {"component", "docker-cli"}}};
}

ExpectedHop apiRequest(const std::string &operation, const std::string &title,
                       const std::string &label)
{
    return {title,
            "docker-cli",
            "dockerd",
            "dockerd",
            label,
            "The CLI sends `" + label +
                "` to dockerd over its unix socket (through Flowlab's tap, "
                "which records the request).",
            {{"kind", "api"},
             {"attrs", {{"direction", "request"}, {"operation", operation}}},
             {"role", "the request"}}};
}

ExpectedHop apiAnswer(const std::string &operation, const std::string &title,
                      const std::string &label)
{
    return {title,
            "dockerd",
            "docker-cli",
            "dockerd",
            label,
            "dockerd's answer ends the call; the CLI prints what it needs from it.",
            {{"kind", "api"},
             {"attrs", {{"direction", "response"}, {"operation", operation}}},
             {"role", "the answer"}}};
}

ExpectedHop grpcCall(const std::string &method, const std::string &title)
{
    return {title,
            "dockerd",
            "containerd",
            "containerd",
            method,
            "dockerd does not run containers itself: it asks containerd over gRPC (`" + method +
                "`).",
            {{"kind", "grpc"},
             {"summary", {{"contains", "." + method}}},
             {"attrs", {{"phase", "start"}}},
             {"role", "the call"}}};
}

// What starting a container's process makes: a shim, runc, namespaces, the first process.
std::vector<ExpectedHop> runtimeHops()
{
    return {
        {"containerd starts a shim",
         "containerd",
         "shim",
         "shim",
         "containerd-shim-runc-v2",
         "containerd starts `containerd-shim-runc-v2` for the container; the shim calls runc and "
         "stays as the container's parent.",
         {{"kind", "process"},
          {"component", "containerd-shim"},
          {"attrs", {{"event", "exec"}}},
          {"role", "the shim is executed"}}},
        {"The shim runs runc",
         "shim",
         "runc",
         "runc",
         "runc create",
         "The shim executes runc, which reads the OCI spec (`config.json`) and builds the "
         "container.",
         {{"kind", "process"},
          {"component", "runc"},
          {"attrs", {{"event", "exec"}, {"previous_component", "containerd-shim"}}},
          {"role", "runc, run by the shim"}}},
        {"runc creates the container's namespaces",
         "runc",
         "kernel",
         "kernel",
         "unshare(NEWNS|NEWUTS|NEWIPC|NEWPID|NEWNET)",
         "`unshare` asks the kernel for new namespaces: the container's own mounts, hostname, "
         "IPC, process IDs and network.",
         {{"kind", "syscall"},
          {"component", "runc"},
          {"attrs", {{"syscall", "unshare"}}},
          {"role", "new namespaces"}}},
        {"The container's first process starts",
         "runc",
         "container",
         "container",
         "execve(the image's command)",
         "runc's init process (`runc:[2:INIT]`) executes the image's command, which becomes PID 1 "
         "of the container.",
         {{"kind", "syscall"},
          {"component", "runc"},
          {"attrs", {{"syscall", "execve"}, {"comm", "runc:[2:INIT]"}}},
          {"role", "the container's command"}}},
    };
}

// The subcommand, with `docker container run` read as `docker run` and so on.
std::string subcommandOf(const std::vector<std::string> &args)
{
    std::vector<std::string> words;
    for (std::size_t i = 0; i < args.size() && words.size() < 2; ++i)
        if (!args[i].empty() && args[i].front() != '-')
            words.push_back(args[i]);
    if (words.empty())
        return {};
    if (words.size() == 2 && (words[0] == "container" || words[0] == "image")) {
        if (words[1] == "ls" || words[1] == "list")
            return words[0] == "container" ? "ps" : "images";
        return words[1] == "remove" ? "rm" : words[1];
    }
    return words[0];
}

// A kubectl line typed in the live panel (kubectl.session's event) rather than a docker one.
bool isKubectlCommand(const Event &command)
{
    return command.source.component == "kubectl";
}

std::vector<std::string> argvOf(const Event &command, const std::string &commandLine)
{
    const std::string program = isKubectlCommand(command) ? "kubectl" : "docker";
    std::vector<std::string> args;
    if (const auto *argv = findPath(command.attributes, "argv"); argv && argv->is_array()) {
        for (const auto &arg : *argv)
            if (arg.is_string())
                args.push_back(arg.get<std::string>());
        // A lesson's docker action records the client program too ("/usr/bin/docker", …).
        if (!args.empty() && (args.front() == program || args.front().ends_with("/" + program)))
            args.erase(args.begin());
        return args;
    }
    std::istringstream words(commandLine);
    for (std::string word; words >> word;)
        args.push_back(word);
    if (!args.empty() && args.front() == program)
        args.erase(args.begin());
    return args;
}

} // namespace

std::vector<Event> eventsOfCommand(const std::vector<Event> &events, const CommandSpan &span)
{
    const auto command = std::find_if(events.begin(), events.end(),
                                      [&](const Event &e) { return e.seq == span.commandSeq; });
    if (command == events.end())
        return {};
    const std::int64_t startNs = command->monotonicNs;
    std::vector<Event> caused;
    std::unordered_set<std::uint64_t> included;
    std::vector<const Event *> ordered;
    for (const Event &event : events)
        if (event.seq >= span.commandSeq)
            ordered.push_back(&event);
    std::sort(ordered.begin(), ordered.end(),
              [](const Event *a, const Event *b) { return a->seq < b->seq; });
    for (const Event *event : ordered) {
        bool belongs = event->seq == span.commandSeq ||
                       (event->monotonicNs >= startNs && event->monotonicNs <= span.endNs);
        // Links point back in time: one pass in seq order follows chains of them.
        for (std::uint64_t link : event->links)
            belongs = belongs || included.count(link);
        if (!belongs)
            continue;
        included.insert(event->seq);
        caused.push_back(*event);
    }
    return caused;
}

std::vector<ExpectedHop> expectedHops(const std::vector<std::string> &dockerArgs)
{
    std::string line = "docker";
    for (const std::string &arg : dockerArgs)
        line += " " + arg;
    std::vector<ExpectedHop> hops{typed(line)};
    auto add = [&](std::vector<ExpectedHop> more) {
        hops.insert(hops.end(), more.begin(), more.end());
    };
    const std::string sub = subcommandOf(dockerArgs);
    if (sub == "run") {
        hops.push_back(apiRequest("ContainerCreate", "The CLI asks dockerd to create the container",
                                  "POST /containers/create"));
        hops.push_back(apiRequest("ContainerStart", "The CLI asks dockerd to start it",
                                  "POST /containers/{id}/start"));
        hops.push_back(grpcCall("Tasks/Create", "dockerd asks containerd for a task"));
        add(runtimeHops());
        hops.push_back(apiAnswer("ContainerStart", "dockerd answers: started", "204 No Content"));
    } else if (sub == "start" || sub == "restart") {
        const std::string operation = sub == "start" ? "ContainerStart" : "ContainerRestart";
        hops.push_back(apiRequest(operation, "The CLI asks dockerd to " + sub + " the container",
                                  "POST /containers/{id}/" + sub));
        hops.push_back(grpcCall("Tasks/Create", "dockerd asks containerd for a task"));
        add(runtimeHops());
        hops.push_back(apiAnswer(operation, "dockerd answers", "204 No Content"));
    } else if (sub == "create") {
        hops.push_back(apiRequest("ContainerCreate", "The CLI asks dockerd to create the container",
                                  "POST /containers/create"));
        hops.push_back(apiAnswer("ContainerCreate", "dockerd answers: created", "201 Created"));
    } else if (sub == "exec") {
        hops.push_back(apiRequest("ContainerExec", "The CLI asks dockerd for an exec instance",
                                  "POST /containers/{id}/exec"));
        hops.push_back(apiRequest("ExecStart", "The CLI starts it", "POST /exec/{id}/start"));
        hops.push_back(grpcCall("Tasks/Exec", "dockerd asks containerd to exec in the task"));
        hops.push_back({"runc joins the container's namespaces",
                        "runc",
                        "kernel",
                        "kernel",
                        "setns(…)",
                        "`runc exec` enters the running container's namespaces with `setns` "
                        "before it executes the command.",
                        {{"kind", "syscall"},
                         {"component", "runc"},
                         {"attrs", {{"syscall", "setns"}}},
                         {"role", "into the container"}}});
        hops.push_back(apiAnswer("ExecStart", "dockerd answers", "200 OK"));
    } else if (sub == "stop" || sub == "kill") {
        const std::string operation = sub == "stop" ? "ContainerStop" : "ContainerKill";
        hops.push_back(apiRequest(operation, "The CLI asks dockerd to " + sub + " the container",
                                  "POST /containers/{id}/" + sub));
        hops.push_back(grpcCall("Tasks/Kill", "dockerd asks containerd to signal the task"));
        hops.push_back(apiAnswer(operation, "dockerd answers", "204 No Content"));
    } else if (sub == "rm") {
        hops.push_back(apiRequest("ContainerDelete", "The CLI asks dockerd to remove the container",
                                  "DELETE /containers/{id}"));
        hops.push_back(apiAnswer("ContainerDelete", "dockerd answers", "204 No Content"));
    } else if (sub == "ps") {
        hops.push_back(
            apiRequest("ContainerList", "The CLI asks for the containers", "GET /containers/json"));
        hops.push_back(apiAnswer("ContainerList", "dockerd answers with the list", "200 OK"));
    } else if (sub == "images") {
        hops.push_back(apiRequest("ImageList", "The CLI asks for the images", "GET /images/json"));
        hops.push_back(apiAnswer("ImageList", "dockerd answers with the list", "200 OK"));
    } else if (sub == "pull") {
        hops.push_back(
            apiRequest("ImageCreate", "The CLI asks dockerd to pull", "POST /images/create"));
        hops.push_back(apiAnswer("ImageCreate", "dockerd streams the pull's progress", "200 OK"));
    } else {
        hops.push_back(
            {"The CLI calls the Engine API",
             "docker-cli",
             "dockerd",
             "dockerd",
             "an Engine API request",
             "The CLI sends its request to dockerd over its unix socket.",
             {{"kind", "api"}, {"attrs", {{"direction", "request"}}}, {"role", "the request"}}});
        hops.push_back(
            {"dockerd answers",
             "dockerd",
             "docker-cli",
             "dockerd",
             "the answer",
             "dockerd's answer ends the call.",
             {{"kind", "api"}, {"attrs", {{"direction", "response"}}}, {"role", "the answer"}}});
    }
    return hops;
}

Result<TraceBundle> commandFlowBundle(const Lesson &stage, const CommandSpan &span,
                                      const std::vector<Event> &events)
{
    const auto command = std::find_if(events.begin(), events.end(),
                                      [&](const Event &e) { return e.seq == span.commandSeq; });
    if (command == events.end())
        return Error("the event of \"" + span.commandLine + "\" (#" +
                     std::to_string(span.commandSeq) + ") has not arrived from flowlabd");
    if (span.endNs < command->monotonicNs)
        return Error("\"" + span.commandLine + "\": when the command ended is not known");
    std::vector<Event> caused = eventsOfCommand(events, span);

    const bool kubectl = isKubectlCommand(*command);
    const std::vector<std::string> args = argvOf(*command, span.commandLine);
    nlohmann::json steps = nlohmann::json::array();
    for (const ExpectedHop &hop : kubectl ? kubectlHops(args) : expectedHops(args)) {
        const bool travels = !hop.from.empty() || !hop.to.empty();
        if (!stage.component(hop.component) ||
            (travels && (!stage.component(hop.from) || !stage.component(hop.to))))
            continue; // the stage cannot draw it
        nlohmann::json step = {{"id", "hop-" + std::to_string(steps.size() + 1)},
                               {"title", hop.title},
                               {"component", hop.component},
                               {"label", hop.label},
                               {"explanation", hop.explanation},
                               {"match", {hop.matcher}}};
        if (travels) {
            step["from"] = hop.from;
            step["to"] = hop.to;
        }
        steps.push_back(std::move(step));
    }
    if (steps.empty())
        return Error("the stage lesson " + stage.id + " has none of the components a " +
                     (kubectl ? "kubectl" : "docker") + " command's flow needs");
    nlohmann::json lesson = {
        {"flowlab_lesson", kLessonFormatVersion},
        {"id", "command"},
        {"title", span.commandLine},
        {"summary", "What `" + span.commandLine +
                        "` did, hop by hop: what such a command is expected to do, checked "
                        "against the evidence it caused."},
        {"level", "beginner"},
        {"topics", {kubectl ? "kubernetes" : "docker"}},
        {"lab", kubectl ? "kube" : "docker"},
        {"components", stage.source.at("components")},
        {"steps", steps}};
    if (!kubectl) // a docker command is a docker action (kubectl is not a lesson action yet)
        lesson["actions"] = {{{"id", "command"}, {"do", "docker"}, {"args", {span.commandLine}}}};
    if (stage.source.contains("stage"))
        lesson["stage"] = stage.source["stage"];
    auto parsed = parseLesson(lesson.dump(), "command flow");
    if (!parsed)
        return parsed.error();

    TraceBundle bundle;
    bundle.lesson = lesson;
    const ActionWindow window{"command", command->monotonicNs, span.endNs};
    bundle.run = {{"lesson", "command"},
                  {"command", span.commandLine},
                  {"command_seq", span.commandSeq},
                  {"live", true},
                  {"actions", {window}}};
    // The matchers need no window: these are the command's events and no others.
    bundle.steps = matchSteps(*parsed, caused, {});
    bundle.events = std::move(caused);
    return bundle;
}

Result<Lesson> loadCommandFlowStage(const std::vector<std::string> &directories)
{
    LessonCatalog catalog;
    catalog.scan(directories);
    for (const CatalogEntry &entry : catalog.entries())
        if (entry.lesson && entry.lesson->id == kStageLessonId)
            return *entry.lesson;
    std::string searched;
    for (const std::string &directory : directories)
        searched += (searched.empty() ? "" : ", ") + directory;
    return Error(std::string("a command's flow is drawn on the diagram of the lesson \"") +
                 kStageLessonId + "\", and no lesson directory has it (searched: " +
                 (searched.empty() ? std::string("none") : searched) +
                 "); set FLOWLAB_LESSONS_DIR to a directory with docker-run.json");
}

} // namespace flowlab
