#pragma once

// The things a lesson does for real (see lessons/SCHEMA.md, "Actions"): run the docker CLI
// through the API tap, run kubectl through the Kubernetes API relay, make an HTTP request
// from a lab namespace, reset the private engine, make sure an image is in the lab registry.
// Each records `command` events.

#include "engine/base/LabPaths.h"
#include "tracer/base/Progress.h"
#include "tracer/lesson/Lesson.h"
#include "tracer/model/EventLog.h"

#include <functional>
#include <map>

namespace flowlab {

class LessonActions
{
public:
    using EnsureImageFn = std::function<Status(const std::string &name, const ProgressFn &)>;

    LessonActions(LabPaths paths, EventLog &events, EnsureImageFn ensureImage)
        : m_paths(std::move(paths))
        , m_events(events)
        , m_ensureImage(std::move(ensureImage))
    {}

    Status perform(const LessonAction &action, const ProgressFn &progress);

private:
    Status runDocker(const LessonAction &action, const ProgressFn &progress);
    Status runKubectl(const LessonAction &action, const ProgressFn &progress);
    Status httpRequestFromLab(const LessonAction &action, const ProgressFn &progress);
    Status resetDocker(const ProgressFn &progress);

    // "{{ID}}" in a kubectl argument or an http URL becomes what the earlier kubectl action
    // ID printed, trimmed: how a lesson names what the cluster chose (a pod's generated name,
    // a LoadBalancer's address).
    Result<std::vector<std::string>> substituteOutputs(const std::vector<std::string> &args) const;

    LabPaths m_paths;
    EventLog &m_events;
    std::map<std::string, std::string> m_outputs; // kubectl action id -> its stdout
    EnsureImageFn m_ensureImage;
};

} // namespace flowlab
