#include "engine/kube/controllers/NamespaceController.h"

#include "engine/kube/controllers/NamespaceReconcile.h"

#include <memory>
#include <spdlog/spdlog.h>

namespace flowlab::kube {

NamespaceController::NamespaceController(ControllerContext &context, QObject *parent)
    : Controller(context, namespaces::kComponent, 2, parent)
    , m_namespaces(context.informers.of("", "namespaces"))
{
    auto enqueue = [this](const Json &ns) {
        if (isBeingDeleted(ns))
            m_queue.add(nameOf(ns));
    };
    m_namespaces.addHandlers(
        {enqueue, [enqueue](const Json &, const Json &now) { enqueue(now); }, nullptr});
}

void NamespaceController::sync(const std::string &key, WorkQueue::Finished finished)
{
    const Json *found = m_namespaces.find(key);
    if (!found || !isBeingDeleted(*found)) {
        finished();
        return;
    }
    struct Listing
    {
        Json ns;
        std::vector<namespaces::Remaining> content;
        int pending = 0;
        std::string error;
    };
    auto listing = std::make_shared<Listing>();
    listing->ns = *found;
    for (const ResourceInfo &resource : ResourceRegistry::builtin().all())
        if (namespaces::holdsContent(resource))
            listing->content.push_back({&resource, {}});
    listing->pending = int(listing->content.size());
    for (std::size_t i = 0; i < listing->content.size(); ++i) {
        m_context.client.list(
            *listing->content[i].resource, key, "",
            [this, key, i, listing, finished](const ClientResult &result) {
                if (result.ok()) {
                    for (const Json &item : result.body.value("items", Json::array()))
                        listing->content[i].names.push_back(nameOf(item));
                } else {
                    listing->error = "listing " +
                                     listing->content[i].resource->qualifiedResource() + ": " +
                                     result.message();
                }
                if (--listing->pending > 0)
                    return;
                if (!listing->error.empty()) {
                    spdlog::warn("{} {}: {}", m_component, key, listing->error);
                    m_queue.addRateLimited(key);
                    finished();
                    return;
                }
                Decision decision = namespaces::reconcile(listing->ns, listing->content);
                const bool contentLeft =
                    std::any_of(decision.actions.begin(), decision.actions.end(),
                                [](const Action &a) { return a.verb == Action::Verb::Delete; });
                carryOut(key, std::move(decision), finished,
                         [this, key, contentLeft](const ActionRunner::Outcome &outcome) {
                             // Deleted is not yet gone (finalizers, graceful pods): look again,
                             // less and less often, until the namespace can be finalized.
                             if (outcome.ok && contentLeft)
                                 m_queue.addRateLimited(key);
                         });
            });
    }
}

ServiceAccountController::ServiceAccountController(ControllerContext &context, QObject *parent)
    : Controller(context, serviceaccounts::kComponent, 2, parent)
    , m_namespaces(context.informers.of("", "namespaces"))
    , m_serviceAccounts(context.informers.of("", "serviceaccounts"))
{
    auto enqueue = [this](const Json &ns) { m_queue.add(nameOf(ns)); };
    m_namespaces.addHandlers(
        {enqueue, [enqueue](const Json &, const Json &now) { enqueue(now); }, nullptr});
    m_serviceAccounts.addHandlers({nullptr, nullptr, [this](const Json &account) {
                                       if (nameOf(account) == serviceaccounts::kDefaultName)
                                           m_queue.add(namespaceOf(account));
                                   }});
}

void ServiceAccountController::sync(const std::string &key, WorkQueue::Finished finished)
{
    const Json *ns = m_namespaces.find(key);
    if (!ns) {
        finished();
        return;
    }
    const Json *account = m_serviceAccounts.find(key, serviceaccounts::kDefaultName);
    carryOut(key, serviceaccounts::reconcile(*ns, account ? *account : Json()),
             std::move(finished));
}

} // namespace flowlab::kube
