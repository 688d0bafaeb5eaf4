#pragma once

// Where a control-plane component records its decisions for Flowlab's lessons: one evidence
// event per line (the tracer's Event JSON, see tracer/model/SCHEMA.md), appended to a file that
// flowlabd follows, as it follows the apiserver's audit log. Timestamps are CLOCK_MONOTONIC,
// which every process on the machine shares, so flowlabd can merge the files into one
// timeline. A controller writes a "reconcile" event per decision (desired, actual, action); the
// scheduler a "schedule" event per pod (its filter and score table, and the chosen node).

#include "tracer/base/Result.h"
#include "tracer/model/Event.h"

#include <cstdio>
#include <string>

namespace flowlab::kube {

class EvidenceLog
{
public:
    EvidenceLog() = default;
    ~EvidenceLog();
    EvidenceLog(const EvidenceLog &) = delete;
    EvidenceLog &operator=(const EvidenceLog &) = delete;

    // `component` and `node` become every event's source, e.g. "controller-manager",
    // "flowlab-cp". An empty path records nothing.
    Status open(const std::string &path, std::string component, std::string node);
    bool enabled() const { return m_file != nullptr; }
    // Stamps and writes `event` (its source filled in when empty).
    void record(Event event);

private:
    std::FILE *m_file = nullptr;
    std::string m_component;
    std::string m_node;
};

} // namespace flowlab::kube
