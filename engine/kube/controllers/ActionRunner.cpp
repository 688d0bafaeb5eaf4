#include "engine/kube/controllers/ActionRunner.h"

namespace flowlab::kube {

namespace {

std::string replaced(std::string text, const std::string &placeholder, const std::string &value)
{
    for (auto at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + value.size()))
        text.replace(at, placeholder.size(), value);
    return text;
}

} // namespace

struct ActionRunner::Run
{
    std::string component;
    std::vector<Action> actions;
    std::size_t next = 0;
    Outcome outcome;
    Done done;
};

ActionRunner::ActionRunner(KubeClient &client, EventRecorder &events)
    : m_client(client)
    , m_events(events)
{}

void ActionRunner::run(const std::string &component, std::vector<Action> actions, Done done)
{
    auto state = std::make_shared<Run>();
    state->component = component;
    state->actions = std::move(actions);
    state->done = std::move(done);
    step(std::move(state));
}

void ActionRunner::step(std::shared_ptr<Run> run)
{
    if (run->next == run->actions.size()) {
        if (run->done)
            run->done(run->outcome);
        return;
    }
    const Action &action = run->actions[run->next];
    send(action, [this, run](const ClientResult &result) {
        const Action &action = run->actions[run->next];
        // Deleting what is already gone is what was wanted.
        const bool ok = result.ok() || (action.verb == Action::Verb::Delete && result.code == 404);
        if (ok) {
            if (action.onSuccess && action.eventResource) {
                EventNote note = *action.onSuccess;
                note.message = replaced(note.message, "{name}", nameOf(result.body));
                m_events.record(run->component, *action.eventResource, action.eventObject, note);
            }
            run->outcome.results.push_back(result);
            ++run->next;
            step(run);
            return;
        }
        if (action.onFailure && action.eventResource) {
            EventNote note = *action.onFailure;
            note.message = replaced(note.message, "{error}", result.message());
            m_events.record(run->component, *action.eventResource, action.eventObject, note);
        }
        run->outcome.ok = false;
        run->outcome.code = result.code;
        run->outcome.error = result.message();
        run->outcome.failedAction = action.text;
        if (run->done)
            run->done(run->outcome);
    });
}

void ActionRunner::send(const Action &action, KubeClient::Callback done)
{
    switch (action.verb) {
    case Action::Verb::Create:
        m_client.create(*action.resource, action.ns, action.body, std::move(done));
        return;
    case Action::Verb::Update:
        m_client.update(*action.resource, action.body, std::move(done), action.subresource);
        return;
    case Action::Verb::Patch:
        m_client.patch(*action.resource, action.ns, action.name, action.body, action.patchType,
                       std::move(done), action.subresource);
        return;
    case Action::Verb::Delete:
        m_client.remove(*action.resource, action.ns, action.name, action.body, std::move(done));
        return;
    }
}

} // namespace flowlab::kube
