#include "engine/kube/controllers/Controller.h"

#include <spdlog/spdlog.h>

namespace flowlab::kube {

Controller::Controller(ControllerContext &context, std::string component, int workers,
                       QObject *parent)
    : QObject(parent)
    , m_context(context)
    , m_component(std::move(component))
    , m_queue([this](const std::string &key,
                     WorkQueue::Finished finished) { sync(key, std::move(finished)); },
              workers, this)
{}

void Controller::carryOut(const std::string &key, Decision decision, WorkQueue::Finished finished,
                          std::function<void(const ActionRunner::Outcome &)> after,
                          bool recordEvidence)
{
    if (recordEvidence)
        m_context.evidence.record(decision.toEvidence());
    if (!decision.actions.empty())
        spdlog::info("{}", decision.summary());
    const auto requeueAfter = decision.requeueAfter;
    m_context.runner.run(
        m_component, std::move(decision.actions),
        [this, key, requeueAfter, after = std::move(after),
         finished = std::move(finished)](const ActionRunner::Outcome &outcome) {
            if (outcome.ok) {
                m_queue.forget(key);
                if (requeueAfter)
                    m_queue.addAfter(key, *requeueAfter);
            } else {
                // A 409 Conflict is routine (our cache was behind); anything else is worth
                // a line in the log.
                const auto level = outcome.code == 409 ? spdlog::level::debug : spdlog::level::warn;
                spdlog::log(level, "{} {}: {}: {} (retrying in {} ms)", m_component, key,
                            outcome.failedAction, outcome.error, m_queue.backoff(key).count());
                m_queue.addRateLimited(key);
            }
            if (after)
                after(outcome);
            finished();
        });
}

std::pair<std::string, std::string> splitKey(const std::string &key)
{
    const auto slash = key.find('/');
    if (slash == std::string::npos)
        return {std::string(), key};
    return {key.substr(0, slash), key.substr(slash + 1)};
}

} // namespace flowlab::kube
