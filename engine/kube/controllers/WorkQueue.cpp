#include "engine/kube/controllers/WorkQueue.h"

#include <QPointer>
#include <QTimer>

namespace flowlab::kube {

namespace {

constexpr std::chrono::milliseconds kBaseDelay{5};
constexpr std::chrono::milliseconds kMaxDelay{30000};

} // namespace

WorkQueue::WorkQueue(Worker worker, int workers, QObject *parent)
    : QObject(parent)
    , m_worker(std::move(worker))
    , m_workers(workers)
{}

void WorkQueue::add(const std::string &key)
{
    if (!m_dirty.insert(key).second)
        return;
    // A key being worked on goes again when that work is done (see the lambda in pump()).
    if (!m_active.contains(key))
        m_queue.push_back(key);
    pump();
}

void WorkQueue::addAfter(const std::string &key, std::chrono::milliseconds delay)
{
    QTimer::singleShot(delay, this, [this, key] { add(key); });
}

std::chrono::milliseconds WorkQueue::backoff(const std::string &key) const
{
    const auto found = m_failures.find(key);
    const int failures = found == m_failures.end() ? 0 : found->second;
    auto delay = kBaseDelay;
    for (int i = 0; i < failures && delay < kMaxDelay; ++i)
        delay *= 2;
    return std::min(delay, kMaxDelay);
}

void WorkQueue::addRateLimited(const std::string &key)
{
    const auto delay = backoff(key);
    ++m_failures[key];
    addAfter(key, delay);
}

void WorkQueue::forget(const std::string &key)
{
    m_failures.erase(key);
}

void WorkQueue::start()
{
    m_started = true;
    pump();
}

void WorkQueue::pump()
{
    while (m_started && !m_queue.empty() && int(m_active.size()) < m_workers) {
        const std::string key = m_queue.front();
        m_queue.pop_front();
        m_dirty.erase(key);
        m_active.insert(key);
        QPointer<WorkQueue> self(this);
        m_worker(key, [self, key] {
            if (!self)
                return;
            self->m_active.erase(key);
            if (self->m_dirty.contains(key))
                self->m_queue.push_back(key);
            // Let the caller's stack unwind before the next piece of work starts.
            QTimer::singleShot(0, self, [self] {
                if (self)
                    self->pump();
            });
        });
    }
}

} // namespace flowlab::kube
