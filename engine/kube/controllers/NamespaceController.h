#pragma once

// Namespaces being deleted -> empty, then finalized. Unlike the other controllers it cannot
// rely on informers for what is inside (that would mean watching every resource), so each
// pass lists every namespaced resource in the namespace, as the real one does, and comes
// back (with a growing backoff) while something is left. Decisions: namespaces::reconcile.
//
// ServiceAccounts: a "default" one in every active namespace, put back if deleted.
// Decisions: serviceaccounts::reconcile.

#include "engine/kube/controllers/Controller.h"

namespace flowlab::kube {

class NamespaceController : public Controller
{
    Q_OBJECT

public:
    explicit NamespaceController(ControllerContext &context, QObject *parent = nullptr);

protected:
    void sync(const std::string &key, WorkQueue::Finished finished) override;

private:
    Informer &m_namespaces;
};

class ServiceAccountController : public Controller
{
    Q_OBJECT

public:
    explicit ServiceAccountController(ControllerContext &context, QObject *parent = nullptr);

protected:
    void sync(const std::string &key, WorkQueue::Finished finished) override;

private:
    Informer &m_namespaces;
    Informer &m_serviceAccounts;
};

} // namespace flowlab::kube
