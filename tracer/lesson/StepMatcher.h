#pragma once

// Decides, from the events a run recorded, which lesson steps were observed. A step is
// observed only when every one of its matchers matched at least one event; otherwise it is
// missing, with what was not seen and the last related evidence that was.

#include "tracer/lesson/Lesson.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace flowlab {

// The events an action caused: those stamped between its start and its end (plus a short
// settling time). By time, not sequence: a packet or a netlink message may be logged a
// little after an event it follows.
struct ActionWindow
{
    std::string actionId;
    std::int64_t startNs = 0; // CLOCK_MONOTONIC, as Event::monotonicNs
    std::int64_t endNs = 0;
};
void to_json(nlohmann::json &j, const ActionWindow &window);

enum class StepStatus { Observed, Missing, Explained };
std::string toString(StepStatus status);

struct MatchedEvidence
{
    int matcher = 0;
    std::string role;
    std::vector<std::uint64_t> seqs; // the first few matching events, in order
};

struct StepResult
{
    std::string stepId;
    StepStatus status = StepStatus::Missing;
    std::vector<MatchedEvidence> evidence;
    std::vector<std::string> missing;     // descriptions of matchers nothing matched
    std::string keyEvidence;              // one line for the console, e.g. the syscall
    std::vector<std::string> lastRelated; // for a missing step: the nearest evidence seen
};

void to_json(nlohmann::json &j, const StepResult &result);
void from_json(const nlohmann::json &j, StepResult &result);

std::vector<StepResult> matchSteps(const Lesson &lesson, const std::vector<Event> &events,
                                   const std::vector<ActionWindow> &windows);

} // namespace flowlab
