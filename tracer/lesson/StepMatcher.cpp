#include "tracer/lesson/StepMatcher.h"

#include <map>

namespace flowlab {

namespace {

constexpr std::size_t kEvidencePerMatcher = 16;

const std::pair<StepStatus, const char *> kStatusNames[] = {
    {StepStatus::Observed, "observed"},
    {StepStatus::Missing, "missing"},
    {StepStatus::Explained, "explained"},
};

bool inWindow(const Event &event, const EventMatcher &matcher,
              const std::map<std::string, ActionWindow> &windows)
{
    if (!matcher.after.empty()) {
        const auto from = windows.find(matcher.after);
        if (from == windows.end() || event.monotonicNs < from->second.startNs)
            return false;
    }
    if (matcher.during.empty())
        return true;
    const auto window = windows.find(matcher.during);
    return window != windows.end() && event.monotonicNs >= window->second.startNs &&
           event.monotonicNs <= window->second.endNs;
}

} // namespace

std::string toString(StepStatus status)
{
    for (const auto &[s, name] : kStatusNames)
        if (s == status)
            return name;
    return "missing";
}

void to_json(nlohmann::json &j, const ActionWindow &window)
{
    j = {{"action", window.actionId}, {"start_ns", window.startNs}, {"end_ns", window.endNs}};
}

void to_json(nlohmann::json &j, const StepResult &result)
{
    nlohmann::json evidence = nlohmann::json::array();
    for (const auto &e : result.evidence)
        evidence.push_back({{"matcher", e.matcher}, {"role", e.role}, {"events", e.seqs}});
    j = {{"id", result.stepId},
         {"status", toString(result.status)},
         {"evidence", evidence},
         {"key_evidence", result.keyEvidence}};
    if (!result.missing.empty())
        j["missing"] = result.missing;
    if (!result.lastRelated.empty())
        j["last_related"] = result.lastRelated;
}

void from_json(const nlohmann::json &j, StepResult &result)
{
    result.stepId = j.at("id").get<std::string>();
    const std::string status = j.at("status").get<std::string>();
    result.status = StepStatus::Missing;
    for (const auto &[s, name] : kStatusNames)
        if (status == name)
            result.status = s;
    for (const auto &e : j.value("evidence", nlohmann::json::array()))
        result.evidence.push_back({e.at("matcher").get<int>(), e.value("role", ""),
                                   e.at("events").get<std::vector<std::uint64_t>>()});
    result.keyEvidence = j.value("key_evidence", "");
    result.missing = j.value("missing", std::vector<std::string>{});
    result.lastRelated = j.value("last_related", std::vector<std::string>{});
}

std::vector<StepResult> matchSteps(const Lesson &lesson, const std::vector<Event> &events,
                                   const std::vector<ActionWindow> &windows)
{
    std::map<std::string, ActionWindow> windowById;
    for (const auto &window : windows)
        windowById[window.actionId] = window;

    std::vector<StepResult> results;
    for (const auto &step : lesson.steps) {
        StepResult result;
        result.stepId = step.id;
        if (!lesson.explainOnly.empty()) {
            result.status = StepStatus::Explained;
            results.push_back(result);
            continue;
        }
        for (std::size_t m = 0; m < step.matchers.size(); ++m) {
            const EventMatcher &matcher = step.matchers[m];
            MatchedEvidence evidence{int(m), matcher.role, {}};
            const Event *related = nullptr;
            for (const auto &event : events) {
                if (event.kind == matcher.kind &&
                    (!matcher.component || event.source.component == *matcher.component))
                    related = &event;
                if (!inWindow(event, matcher, windowById) || !matcher.matches(event))
                    continue;
                if (evidence.seqs.empty() && result.keyEvidence.empty())
                    result.keyEvidence = event.summary;
                evidence.seqs.push_back(event.seq);
                if (evidence.seqs.size() >= kEvidencePerMatcher)
                    break;
            }
            if (evidence.seqs.empty()) {
                result.missing.push_back(matcher.describe());
                if (related)
                    result.lastRelated.push_back("#" + std::to_string(related->seq) + " " +
                                                 related->summary);
            } else {
                result.evidence.push_back(std::move(evidence));
            }
        }
        result.status = result.missing.empty() ? StepStatus::Observed : StepStatus::Missing;
        if (result.status == StepStatus::Missing)
            result.keyEvidence.clear();
        results.push_back(std::move(result));
    }
    return results;
}

} // namespace flowlab
