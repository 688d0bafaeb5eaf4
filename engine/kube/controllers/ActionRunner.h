#pragma once

// Carries out a Decision's actions through the API, one after the other, and writes the
// Events each asks for. It stops at the first failure: the controller then tries the whole
// object again later from fresh informer state, which is how every Kubernetes controller
// deals with a 409 Conflict or a server that went away.

#include "engine/kube/client/KubeClient.h"
#include "engine/kube/controllers/Decision.h"
#include "engine/kube/controllers/EventRecorder.h"

#include <functional>
#include <vector>

namespace flowlab::kube {

class ActionRunner
{
public:
    struct Outcome
    {
        bool ok = true;
        int code = 0;      // the failed request's HTTP code (0: no answer at all)
        std::string error; // and its message
        std::string failedAction;
        // The answers of the actions that succeeded, in order: the first `results.size()`.
        std::vector<ClientResult> results;
    };
    using Done = std::function<void(const Outcome &)>;

    ActionRunner(KubeClient &client, EventRecorder &events);

    void run(const std::string &component, std::vector<Action> actions, Done done);

private:
    struct Run;
    void step(std::shared_ptr<Run> run);
    void send(const Action &action, KubeClient::Callback done);

    KubeClient &m_client;
    EventRecorder &m_events;
};

} // namespace flowlab::kube
