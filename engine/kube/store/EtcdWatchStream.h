#pragma once

// One etcd watch: a streaming POST to the gateway's /v3/watch on a thread of its own, with
// its own connection, feeding each message's events to the callback on that thread. If the
// connection drops (etcd restarted) it resumes after the last revision it delivered, so no
// change is lost or repeated. Destroying the handle stops the stream at once (a
// curl_multi_wakeup interrupts the wait) and joins the thread; a callback may destroy its
// own handle.

#include "engine/kube/store/Store.h"

#include <memory>
#include <string>
#include <thread>

namespace flowlab::kube::etcd {

class WatchStream final : public Store::WatchHandle
{
public:
    // Returns once etcd has confirmed the watch ("created"), or with the reason it did not.
    static Result<std::unique_ptr<WatchStream>> start(const std::string &baseUrl,
                                                      const std::string &prefix,
                                                      std::int64_t afterRevision,
                                                      Store::WatchCallback onEvents);
    ~WatchStream() override;
    WatchStream(const WatchStream &) = delete;
    WatchStream &operator=(const WatchStream &) = delete;

private:
    struct State;
    WatchStream(std::shared_ptr<State> state, std::thread thread);

    std::shared_ptr<State> m_state; // shared with the thread, which may outlive us (see ~)
    std::thread m_thread;
};

} // namespace flowlab::kube::etcd
