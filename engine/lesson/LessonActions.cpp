#include "engine/lesson/LessonActions.h"

#include "engine/docker/PrivateDockerEngine.h"
#include "engine/lab/LabTopology.h"
#include "engine/net/HttpClient.h"
#include "engine/sys/Command.h"
#include "engine/sys/NetnsThread.h"
#include "tracer/lesson/KubectlArguments.h"

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

namespace flowlab {

namespace {

std::string firstLine(const std::string &text)
{
    return text.substr(0, text.find('\n'));
}

struct HttpLoad
{
    int ok = 0;
    int failed = 0;
    std::map<long, int> statuses;
    std::string firstFailure;
    double seconds = 0;
};

// `count` requests from `from`, back to back over `parallel` connections at once, each on a
// fresh connection (a new flow through conntrack and DNAT), as separate browsers would make
// them.
Result<HttpLoad> sendHttpLoad(const std::string &from, const std::string &url,
                              const std::vector<std::pair<std::string, std::string>> &headers,
                              int count, int parallel, long expected)
{
    HttpLoad load;
    std::mutex mutex;
    std::atomic<int> next{0};
    std::vector<Status> workerStatus(std::size_t(parallel), success());
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int w = 0; w < parallel; ++w)
        workers.emplace_back([&, w] {
            workerStatus[std::size_t(w)] = runInNetns(from, [&] {
                while (next.fetch_add(1) < count) {
                    auto response =
                        httpRequest({.url = url, .headers = headers, .timeoutMs = 3000});
                    std::lock_guard lock(mutex);
                    if (response)
                        ++load.statuses[response->status];
                    if (response && (expected == 0 || response->status == expected)) {
                        ++load.ok;
                        continue;
                    }
                    ++load.failed;
                    if (load.firstFailure.empty())
                        load.firstFailure =
                            response ? response->statusLine : response.error().message();
                }
            });
        });
    for (auto &worker : workers)
        worker.join();
    load.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (const auto &status : workerStatus)
        if (!status)
            return status.error();
    return load;
}

} // namespace

Status LessonActions::perform(const LessonAction &action, const ProgressFn &progress)
{
    Status status;
    if (action.kind == "docker")
        status = runDocker(action, progress);
    else if (action.kind == "kubectl")
        status = runKubectl(action, progress);
    else if (action.kind == "http")
        status = httpRequestFromLab(action, progress);
    else if (action.kind == "reset-docker")
        status = resetDocker(progress);
    else if (action.kind == "image")
        status = m_ensureImage(action.params.at("name").get<std::string>(), progress);
    else
        status = Error("unknown action \"" + action.kind + "\"");
    if (!status && action.ignoreFailure) {
        progress("action " + action.id + " failed (ignored): " + status.error().message());
        return success();
    }
    return std::move(status).context("action \"" + action.id + "\"");
}

Status LessonActions::runDocker(const LessonAction &action, const ProgressFn &progress)
{
    const auto args = action.params.at("args").get<std::vector<std::string>>();
    const Result<std::string> client = PrivateDockerEngine::clientProgram();
    if (!client)
        return client.error();
    std::vector<std::string> argv{*client};
    argv.insert(argv.end(), args.begin(), args.end());

    Event command;
    command.kind = EventKind::Command;
    command.source = {"docker-cli", "host"};
    command.summary = "docker " + joinCommandLine(args);
    command.attributes = {{"argv", argv}, {"action", action.id}};
    const auto commandSeq = m_events.append(command);
    progress("$ " + command.summary);

    auto result = runCommand(argv, {.timeoutMs = 180'000,
                                    .env = {{"DOCKER_HOST", "unix://" + m_paths.dockerTapSocket()},
                                            {"DOCKER_CONFIG", m_paths.dockerCliConfigDir()}}});
    if (!result)
        return result.error();
    Event done;
    done.kind = EventKind::Command;
    done.source = {"docker-cli", "host"};
    done.summary = command.summary + " → exit " + std::to_string(result->exitCode);
    done.attributes = {{"exit_code", result->exitCode},
                       {"stdout", result->out.substr(0, 4096)},
                       {"stderr", result->err.substr(0, 4096)},
                       {"action", action.id}};
    done.links = {commandSeq};
    m_events.append(done);
    if (!result->out.empty())
        progress("  " + firstLine(result->out));
    if (result->exitCode != 0)
        return Error(command.summary + " failed (exit " + std::to_string(result->exitCode) +
                     "): " + firstLine(result->err));
    return success();
}

Result<std::vector<std::string>>
LessonActions::substituteOutputs(const std::vector<std::string> &args) const
{
    std::vector<std::string> out;
    for (std::string arg : args) {
        // Only "{{NAME}}" with a plain name: kubectl's go-templates ({{.spec}}) stay.
        for (const std::string &id : outputPlaceholders(arg)) {
            const auto found = m_outputs.find(id);
            if (found == m_outputs.end())
                return Error("\"{{" + id + "}}\" names no kubectl action run before this one");
            std::string value = found->second;
            while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
                value.pop_back();
            const std::string placeholder = "{{" + id + "}}";
            for (std::size_t at = arg.find(placeholder); at != std::string::npos;
                 at = arg.find(placeholder, at + value.size()))
                arg.replace(at, placeholder.size(), value);
        }
        out.push_back(std::move(arg));
    }
    return out;
}

Status LessonActions::runKubectl(const LessonAction &action, const ProgressFn &progress)
{
    const auto substituted =
        substituteOutputs(action.params.at("args").get<std::vector<std::string>>());
    if (!substituted)
        return substituted.error();
    const std::vector<std::string> &args = *substituted;
    // What an earlier command printed must not turn into a flag the lesson could not write.
    if (auto problem = kubectlArgumentProblem(args))
        return Error("kubectl " + joinCommandLine(args) + ": argument " +
                     std::to_string(problem->index + 1) + ": " + problem->message);
    std::string input;
    if (const auto found = action.params.find("stdin"); found != action.params.end()) {
        if (found->is_string())
            input = found->get<std::string>();
        else
            for (const auto &line : *found)
                input += line.get<std::string>() + "\n";
    }
    const int retryForMs = action.params.value("retry_for_ms", 0);
    const int expectedExit = action.params.value("expect_exit", 0);
    const std::string program = findProgram("kubectl");
    if (program.empty())
        return Error("kubectl is not installed (Debian: apt-get install kubernetes-client)");
    std::vector<std::string> argv{program};
    argv.insert(argv.end(), args.begin(), args.end());

    Event command;
    command.kind = EventKind::Command;
    command.source = {"kubectl", "host"};
    command.summary = "kubectl " + joinCommandLine(args);
    command.attributes = {{"argv", argv}, {"action", action.id}};
    if (!input.empty())
        command.attributes["stdin"] = input.substr(0, 4096);
    const auto commandSeq = m_events.append(command);
    progress("$ " + command.summary);

    // The lab's kubeconfig points at flowlabd's relay, so every request is recorded.
    const CommandOptions options{.stdinData = input,
                                 .timeoutMs = 120'000,
                                 .env = {{"KUBECONFIG", m_paths.kubeconfig()}}};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(retryForMs);
    Result<CommandOutput> result = Error("not run");
    int attempts = 0;
    auto succeeded = [&] {
        if (!result || result->exitCode != expectedExit)
            return false;
        const nlohmann::json out = result->out;
        return !action.until || action.until->test(&out);
    };
    while (true) {
        ++attempts;
        result = runCommand(argv, options);
        if (!result)
            return result.error();
        if (succeeded() || std::chrono::steady_clock::now() >= deadline)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    Event done;
    done.kind = EventKind::Command;
    done.source = command.source;
    done.summary = command.summary + " → exit " + std::to_string(result->exitCode);
    done.attributes = {{"exit_code", result->exitCode},
                       {"stdout", result->out.substr(0, 4096)},
                       {"stderr", result->err.substr(0, 4096)},
                       {"attempts", attempts},
                       {"action", action.id}};
    done.links = {commandSeq};
    m_events.append(done);
    m_outputs[action.id] = result->out;
    for (const std::string &text : {result->out, result->err})
        if (!text.empty())
            progress("  " + firstLine(text));
    if (result->exitCode != expectedExit)
        return Error(command.summary + " exited with " + std::to_string(result->exitCode) +
                     " (expected " + std::to_string(expectedExit) + "): " +
                     firstLine(result->err.empty() ? result->out : result->err));
    if (!succeeded())
        return Error(command.summary + ": its output never showed " + action.until->describe() +
                     " within " + std::to_string(retryForMs) + " ms (" +
                     std::to_string(attempts) + " tries); last output: " + firstLine(result->out));
    return success();
}

Status LessonActions::httpRequestFromLab(const LessonAction &action, const ProgressFn &progress)
{
    const auto substituted = substituteOutputs({action.params.at("url").get<std::string>()});
    if (!substituted)
        return substituted.error();
    const std::string url = substituted->front();
    const std::string from = action.params.value("from", kClientNetns);
    const long expected = action.params.value("expect_status", 0L);
    const int retryForMs = action.params.value("retry_for_ms", 0);
    const int count = action.params.value("count", 1);
    const int parallel = action.params.value("parallel", 1);
    // The name a browser would have asked for (app2.com): the lab has no DNS for it, so the
    // URL names the address and the Host header the site, as `curl -H Host:` does.
    const std::string host = action.params.value("host", "");
    std::vector<std::pair<std::string, std::string>> headers;
    if (!host.empty())
        headers.emplace_back("Host", host);
    if (from.rfind(kLabNamePrefix, 0) != 0)
        return Error("an http action runs only from a lab namespace, not \"" + from + "\"");

    Event command;
    command.kind = EventKind::Command;
    command.source = {"curl", from, 0, from};
    command.summary = "curl " + url;
    command.attributes = {{"url", url}, {"from", from}, {"action", action.id}};
    if (!host.empty()) {
        command.summary = "curl -H 'Host: " + host + "' " + url;
        command.attributes["host"] = host;
    }
    if (count > 1) {
        command.summary += " ×" + std::to_string(count);
        command.attributes["count"] = count;
        command.attributes["parallel"] = parallel;
    }
    const auto commandSeq = m_events.append(command);
    progress("$ " + command.summary + " (from " + from + ")");

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(retryForMs);
    Result<HttpResponse> response = Error("not sent");
    while (true) {
        if (auto s =
                runInNetns(from, [&] {
                    response = httpRequest({.url = url, .headers = headers, .timeoutMs = 3000});
                });
            !s)
            return s;
        const bool good = response && (expected == 0 || response->status == expected);
        if (good || std::chrono::steady_clock::now() >= deadline)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    Event done;
    done.kind = EventKind::Command;
    done.source = command.source;
    done.links = {commandSeq};
    done.attributes = {{"url", url}, {"action", action.id}};
    if (!response) {
        done.summary = "curl " + url + " → " + response.error().message();
        m_events.append(done);
        return response.error();
    }
    done.summary = "curl " + url + " → " + response->statusLine;
    done.attributes["status"] = response->status;
    done.attributes["local_address"] = response->localAddress;
    done.attributes["remote_address"] = response->remoteAddress;
    done.attributes["body"] = response->body.substr(0, 4096);
    if (expected != 0 && response->status != expected) {
        m_events.append(done);
        return Error("curl " + url + ": expected status " + std::to_string(expected) + ", got " +
                     std::to_string(response->status));
    }
    if (count <= 1) {
        m_events.append(done);
        progress("  " + response->statusLine);
        return success();
    }
    // The first request found the service up; the rest go back to back.
    progress("  " + response->statusLine + "; " + std::to_string(count - 1) +
             " more request(s) over " + std::to_string(parallel) + " connection(s) at once");
    auto load = sendHttpLoad(from, url, headers, count - 1, parallel, expected);
    if (!load)
        return load.error().withContext("curl " + url);
    const double perSecond = load->seconds > 0 ? (count - 1) / load->seconds : 0;
    ++load->statuses[response->status]; // the first request counts too
    nlohmann::json statuses = nlohmann::json::object();
    for (const auto &[status, times] : load->statuses)
        statuses[std::to_string(status)] = times;
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.0f/s", perSecond);
    done.summary += "; " + std::to_string(count) + " requests, " + std::to_string(load->ok + 1) +
                    " ok, " + std::to_string(load->failed) + " failed, " + rate;
    done.attributes["requests"] = count;
    done.attributes["parallel"] = parallel;
    done.attributes["ok"] = load->ok + 1;
    done.attributes["failed"] = load->failed;
    done.attributes["statuses"] = statuses;
    done.attributes["load_seconds"] = load->seconds;
    done.attributes["requests_per_s"] = perSecond;
    if (!load->firstFailure.empty())
        done.attributes["first_failure"] = load->firstFailure;
    m_events.append(done);
    progress("  " + done.summary);
    if (load->failed > 0)
        return Error("curl " + url + ": " + std::to_string(load->failed) + " of " +
                     std::to_string(count) + " requests failed (first: " + load->firstFailure +
                     ")");
    return success();
}

Status LessonActions::resetDocker(const ProgressFn &progress)
{
    // Straight to the engine's socket, not through the tap: resetting is not part of the flow.
    auto api = [this](const std::string &method, const std::string &path) {
        return httpRequest({.method = method,
                            .url = "http://localhost" + path,
                            .unixSocket = m_paths.dockerSocket(),
                            .timeoutMs = 60'000});
    };
    auto containers = api("GET", "/containers/json?all=1");
    if (!containers)
        return containers.error().withContext("listing the private engine's containers");
    int removed = 0;
    for (const auto &container : nlohmann::json::parse(containers->body, nullptr, false)) {
        if (!container.is_object())
            continue;
        auto r = api("DELETE", "/containers/" + container.value("Id", "") + "?force=1&v=1");
        if (!r || r->status >= 300)
            return Error("removing container " + container.value("Id", "") + ": " +
                         (r ? r->body : r.error().message()));
        ++removed;
    }
    auto images = api("GET", "/images/json?all=1");
    if (!images)
        return images.error().withContext("listing the private engine's images");
    int removedImages = 0;
    for (const auto &image : nlohmann::json::parse(images->body, nullptr, false)) {
        if (!image.is_object())
            continue;
        auto r = api("DELETE", "/images/" + image.value("Id", "") + "?force=1");
        if (!r || r->status >= 300)
            return Error("removing image " + image.value("Id", "") + ": " +
                         (r ? r->body : r.error().message()));
        ++removedImages;
    }
    progress("private engine reset: " + std::to_string(removed) + " container(s), " +
             std::to_string(removedImages) + " image(s) removed");
    return success();
}

} // namespace flowlab
