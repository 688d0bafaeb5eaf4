#include "tracer/bundle/TraceBundle.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

namespace flowlab {

namespace {

Status writeJson(const std::string &path, const nlohmann::json &value)
{
    std::ofstream out(path, std::ios::trunc);
    if (!out)
        return Error::fromErrno("open " + path);
    out << value.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    out.flush();
    if (!out)
        return Error::fromErrno("write " + path);
    return success();
}

} // namespace

const Event *TraceBundle::event(std::uint64_t seq) const
{
    // Events are stored in seq order; seqs need not start at 1 (a session is a slice of the log).
    auto it = std::lower_bound(events.begin(), events.end(), seq,
                               [](const Event &e, std::uint64_t s) { return e.seq < s; });
    return it != events.end() && it->seq == seq ? &*it : nullptr;
}

Status TraceBundle::writeTraceJson(const std::string &path) const
{
    nlohmann::json document = {{"flowlab_trace", kTraceFormatVersion},
                               {"run", run},
                               {"lesson", lesson},
                               {"steps", steps},
                               {"events", events}};
    return writeJson(path, document);
}

Result<TraceBundle> TraceBundle::readTraceJson(const std::string &path)
{
    // Long recordings are tens of megabytes: read the file once into one string, parse it, and
    // let go of the text before building the events.
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error::fromErrno("opening trace " + path);
    std::string text;
    in.seekg(0, std::ios::end);
    text.resize(static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0)));
    in.seekg(0);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (!in)
        return Error::fromErrno("reading trace " + path);
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error &e) {
        // A truncated file is the common case: say so rather than only "syntax error".
        return Error(path + ": not a complete trace (byte " + std::to_string(e.byte) + " of " +
                     std::to_string(text.size()) + "; truncated or corrupt): " + e.what());
    }
    std::string().swap(text);
    try {
        const int version = document.at("flowlab_trace").get<int>();
        if (version != kTraceFormatVersion)
            return Error(path + ": trace format " + std::to_string(version) +
                         " is not supported; this Flowlab reads " +
                         std::to_string(kTraceFormatVersion));
        TraceBundle bundle;
        bundle.run = document.value("run", nlohmann::json::object());
        bundle.lesson = document.value("lesson", nlohmann::json::object());
        bundle.steps = document.at("steps").get<std::vector<StepResult>>();
        // Events take their attributes out of the document instead of copying them, so the
        // largest part of a trace is held once, not twice.
        nlohmann::json &events = document.at("events");
        bundle.events.reserve(events.size());
        for (nlohmann::json &event : events)
            bundle.events.push_back(eventFromJson(std::move(event)));
        return bundle;
    } catch (const std::exception &e) {
        return Error(path + ": " + e.what());
    }
}

Status TraceBundle::writeDirectory(const std::string &dir) const
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return Error("mkdir -p " + dir + ": " + ec.message());
    if (auto s = writeTraceJson(dir + "/trace.json"); !s)
        return s;
    if (auto s = writeJson(dir + "/trace-events.json", toTraceEvents(*this)); !s)
        return s;
    return writeJson(dir + "/lesson.json", lesson);
}

nlohmann::json toTraceEvents(const TraceBundle &bundle)
{
    nlohmann::json out = nlohmann::json::array();
    if (bundle.events.empty())
        return {{"traceEvents", out}, {"displayTimeUnit", "ms"}};
    const std::int64_t origin = bundle.events.front().monotonicNs;
    auto micros = [origin](std::int64_t ns) { return double(ns - origin) / 1000.0; };

    // One process per component, numbered in order of appearance; pid 1 is the lesson.
    std::map<std::string, int> pids;
    out.push_back({{"ph", "M"},
                   {"name", "process_name"},
                   {"pid", 1},
                   {"tid", 1},
                   {"args", {{"name", "lesson steps"}}}});
    auto pidOf = [&](const std::string &component) {
        auto [it, inserted] = pids.emplace(component, int(pids.size()) + 2);
        if (inserted)
            out.push_back({{"ph", "M"},
                           {"name", "process_name"},
                           {"pid", it->second},
                           {"tid", 1},
                           {"args", {{"name", component}}}});
        return it->second;
    };

    // Responses become slices from their request; everything else an instant.
    std::map<std::uint64_t, const Event *> bySeq;
    for (const auto &event : bundle.events)
        bySeq[event.seq] = &event;
    for (const auto &event : bundle.events) {
        const int pid = pidOf(event.source.component);
        const int tid = event.source.pid > 0 ? event.source.pid : 1;
        nlohmann::json args = {
            {"seq", event.seq}, {"kind", toString(event.kind)}, {"node", event.source.node}};
        const Event *cause = nullptr;
        for (auto link : event.links)
            if (auto it = bySeq.find(link); it != bySeq.end() && link < event.seq) {
                cause = it->second;
                break;
            }
        const bool isCompletion = cause && cause->source.component == event.source.component &&
                                  (event.kind == EventKind::Api || event.kind == EventKind::Grpc);
        if (isCompletion) {
            out.push_back(
                {{"ph", "X"},
                 {"name", event.summary},
                 {"cat", toString(event.kind)},
                 {"pid", pid},
                 {"tid", cause->source.pid > 0 ? cause->source.pid : 1},
                 {"ts", micros(cause->monotonicNs)},
                 {"dur", std::max(1.0, micros(event.monotonicNs) - micros(cause->monotonicNs))},
                 {"args", args}});
        } else {
            out.push_back({{"ph", "i"},
                           {"s", "t"},
                           {"name", event.summary},
                           {"cat", toString(event.kind)},
                           {"pid", pid},
                           {"tid", tid},
                           {"ts", micros(event.monotonicNs)},
                           {"args", args}});
        }
        // A flow arrow from each linked cause in another component.
        if (cause && !isCompletion) {
            const int causePid = pidOf(cause->source.component);
            out.push_back({{"ph", "s"},
                           {"id", event.seq},
                           {"name", "causes"},
                           {"cat", "flow"},
                           {"pid", causePid},
                           {"tid", cause->source.pid > 0 ? cause->source.pid : 1},
                           {"ts", micros(cause->monotonicNs)}});
            out.push_back({{"ph", "f"},
                           {"bp", "e"},
                           {"id", event.seq},
                           {"name", "causes"},
                           {"cat", "flow"},
                           {"pid", pid},
                           {"tid", tid},
                           {"ts", micros(event.monotonicNs)}});
        }
    }

    // Each observed step is a slice over its evidence, on the lesson track.
    for (std::size_t i = 0; i < bundle.steps.size(); ++i) {
        const StepResult &step = bundle.steps[i];
        std::int64_t first = 0, last = 0;
        for (const auto &evidence : step.evidence)
            for (auto seq : evidence.seqs)
                if (auto it = bySeq.find(seq); it != bySeq.end()) {
                    const std::int64_t ts = it->second->monotonicNs;
                    first = first == 0 ? ts : std::min(first, ts);
                    last = std::max(last, ts);
                }
        if (first == 0)
            continue;
        out.push_back(
            {{"ph", "X"},
             {"name", std::to_string(i + 1) + ". " + step.stepId},
             {"cat", "step"},
             {"pid", 1},
             {"tid", 1},
             {"ts", micros(first)},
             {"dur", std::max(1.0, micros(last) - micros(first))},
             {"args", {{"status", toString(step.status)}, {"key_evidence", step.keyEvidence}}}});
    }
    return {{"traceEvents", out}, {"displayTimeUnit", "ms"}};
}

} // namespace flowlab
