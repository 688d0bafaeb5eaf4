#pragma once

// Writes core/v1 Events, as client-go's record.EventRecorder does for the real controllers,
// so that `kubectl describe deployment web` lists "Scaled up replica set web-5d7f8c9b4 from 0
// to 3" with the controller as its source. Like the real recorder, it folds a repeat of the
// same event (same object, reason and message within ten minutes) into the first one by
// raising its count, which `kubectl describe` prints as "(x3 over 2m)".

#include "engine/kube/client/KubeClient.h"
#include "engine/kube/controllers/Decision.h"

#include <map>
#include <string>

namespace flowlab::kube {

class EventRecorder
{
public:
    explicit EventRecorder(KubeClient &client);

    // `component` is the source ("deployment-controller"); `object` the involvedObject.
    void record(const std::string &component, const ResourceInfo &resource, const Json &object,
                const EventNote &note);

    // The Event object record() would create first (public for tests and for learners).
    static Json newEvent(const std::string &component, const ResourceInfo &resource,
                         const Json &object, const EventNote &note, TimePoint now);

private:
    struct Seen
    {
        std::string ns;
        std::string name;
        int count = 1;
        std::string firstTimestamp;
        TimePoint last;
    };

    KubeClient &m_client;
    std::map<std::string, Seen> m_seen;
};

} // namespace flowlab::kube
