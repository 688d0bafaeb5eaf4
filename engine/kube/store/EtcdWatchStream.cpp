#include "engine/kube/store/EtcdWatchStream.h"

#include "engine/kube/store/EtcdGateway.h"
#include "engine/kube/store/KeyRange.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

namespace flowlab::kube::etcd {

namespace {

struct MultiCleanup
{
    void operator()(CURLM *multi) const { curl_multi_cleanup(multi); }
};
using MultiHandle = std::unique_ptr<CURLM, MultiCleanup>;

constexpr auto kCreationTimeout = std::chrono::seconds(10);
constexpr int kMaxBackoffMs = 5000;

} // namespace

struct WatchStream::State
{
    std::string baseUrl;
    std::string url; // baseUrl + /v3/watch
    std::string prefix;
    std::string key64, rangeEnd64;
    Store::WatchCallback onEvents;
    MultiHandle multi; // made before the thread starts, so ~WatchStream can always wake it
    std::atomic<bool> stopping = false;

    // Owned by the thread once it runs.
    std::int64_t nextRevision = 0;
    std::string pendingBytes; // a message not yet ended by its newline
    std::string gaveUp;       // why the stream must not be resumed (canceled, compacted)
    bool created = false;

    // The handshake with start().
    std::mutex mutex;
    std::condition_variable confirmed;
    enum class Creation { Waiting, Created, Failed } creation = Creation::Waiting;
    std::string creationError;

    void settleCreation(Creation outcome, std::string error = {})
    {
        std::lock_guard lock(mutex);
        if (creation != Creation::Waiting)
            return;
        creation = outcome;
        creationError = std::move(error);
        confirmed.notify_all();
    }

    std::string createRequest() const
    {
        return Json{{"create_request",
                     {{"key", key64},
                      {"range_end", rangeEnd64},
                      {"start_revision", std::to_string(nextRevision)},
                      {"prev_kv", true}}}}
            .dump();
    }

    // One newline-ended message: {"result":{"header":..,"created":true}} first, then
    // {"result":{"events":[...]}}, or {"result":{"canceled":true,...}}, or {"error":{...}}.
    // Returns false when the stream must end.
    bool handleMessage(std::string_view line)
    {
        const Json message = Json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!message.is_object()) {
            gaveUp = "etcd sent a message that is not JSON: " + std::string(line.substr(0, 200));
            return false;
        }
        if (const auto error = message.find("error"); error != message.end()) {
            gaveUp = "etcd ended the watch: " +
                     (error->is_object() ? error->value("message", error->dump()) : error->dump());
            return false;
        }
        const auto result = message.find("result");
        if (result == message.end())
            return true;
        if (result->value("created", false)) {
            created = true;
            settleCreation(Creation::Created);
        }
        if (result->value("canceled", false)) {
            const std::int64_t compacted = int64Field(*result, "compact_revision");
            gaveUp = compacted > 0 ? tooOldRevisionMessage(nextRevision - 1, compacted) +
                                         ": etcd compacted its history"
                                   : "etcd canceled the watch: " +
                                         result->value("cancel_reason", std::string("no reason"));
            return false;
        }
        const auto events = result->find("events");
        if (events == result->end() || events->empty())
            return true;

        std::vector<WatchEvent> batch;
        batch.reserve(events->size());
        for (const Json &event : *events) {
            WatchEvent &converted = batch.emplace_back();
            converted.type = event.value("type", std::string()) == "DELETE"
                                 ? WatchEvent::Type::Delete
                                 : WatchEvent::Type::Put;
            converted.kv = keyValue(event.at("kv"));
            if (const auto prev = event.find("prev_kv"); prev != event.end())
                converted.prev = keyValue(*prev);
        }
        nextRevision = batch.back().kv.modRevision + 1;
        if (stopping)
            return false; // the handle is going: nothing more may reach the callback
        onEvents(std::move(batch));
        return !stopping;
    }

    static size_t receive(char *data, size_t size, size_t count, void *opaque)
    {
        auto *self = static_cast<State *>(opaque);
        const size_t bytes = size * count;
        if (self->stopping)
            return 0; // aborts the transfer
        self->pendingBytes.append(data, bytes);
        std::size_t begin = 0;
        for (std::size_t newline;
             (newline = self->pendingBytes.find('\n', begin)) != std::string::npos;
             begin = newline + 1) {
            const std::string_view line(self->pendingBytes.data() + begin, newline - begin);
            if (line.empty())
                continue;
            bool keepGoing = false;
            try {
                keepGoing = self->handleMessage(line);
            } catch (const std::exception &e) {
                self->gaveUp = "unexpected watch message from " + self->url + ": " + e.what();
            }
            if (!keepGoing)
                return 0;
        }
        self->pendingBytes.erase(0, begin);
        return bytes;
    }

    // Runs one streaming request until it ends, fails, or we are stopping.
    CURLcode stream(CURL *easy)
    {
        pendingBytes.clear();
        const std::string body = createRequest();
        curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, body.c_str());
        curl_multi_add_handle(multi.get(), easy);
        CURLcode outcome = CURLE_OK;
        for (;;) {
            int running = 0;
            if (curl_multi_perform(multi.get(), &running) != CURLM_OK) {
                outcome = CURLE_RECV_ERROR;
                break;
            }
            if (running == 0) {
                int queued = 0;
                if (CURLMsg *done = curl_multi_info_read(multi.get(), &queued))
                    outcome = done->data.result;
                break;
            }
            if (stopping)
                break;
            // Sleeps until data, curl's own timers, or curl_multi_wakeup from ~WatchStream.
            curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr);
        }
        curl_multi_remove_handle(multi.get(), easy);

        // What refused the watch comes as one answer, not always newline-ended: a gateway
        // error, or something that is not etcd at all.
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        if (!stopping && gaveUp.empty() && status != 0 && status != 200) {
            const Json answer = Json::parse(pendingBytes, nullptr, /*allow_exceptions=*/false);
            const std::string said = answer.is_object() && answer.contains("message")
                                         ? answer.value("message", std::string())
                                         : pendingBytes.substr(0, 200);
            gaveUp = "POST " + url + ": HTTP " + std::to_string(status) + ": " + said;
        }
        return outcome;
    }

    void run()
    {
        char errorBuffer[CURL_ERROR_SIZE] = {};
        CurlHandle easy(curl_easy_init());
        if (!easy) {
            settleCreation(Creation::Failed, "curl_easy_init failed");
            return;
        }
        curl_slist *headers = curl_slist_append(nullptr, "Content-Type: application/json");
        configureHandle(easy.get(), errorBuffer);
        curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
        curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &State::receive);
        curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, this);

        int backoffMs = 100;
        while (!stopping) {
            errorBuffer[0] = '\0';
            const std::int64_t resumeFrom = nextRevision;
            const CURLcode outcome = stream(easy.get());
            if (stopping)
                break;
            if (!created) {
                settleCreation(
                    Creation::Failed,
                    gaveUp.empty()
                        ? transferError(baseUrl, url, easy.get(),
                                        outcome == CURLE_OK ? CURLE_GOT_NOTHING : outcome,
                                        errorBuffer)
                              .message()
                        : gaveUp);
                break;
            }
            if (!gaveUp.empty()) {
                // The Store contract has no way to tell the watcher; the log has to do.
                std::fprintf(stderr, "flowlab: watch of %s at %s ended: %s\n", prefix.c_str(),
                             baseUrl.c_str(), gaveUp.c_str());
                break;
            }
            if (nextRevision > resumeFrom)
                backoffMs = 100; // it was working: the drop is news, retry soon
            // An interruptible sleep: curl_multi_wakeup ends it early.
            curl_multi_poll(multi.get(), nullptr, 0, backoffMs, nullptr);
            backoffMs = std::min(backoffMs * 2, kMaxBackoffMs);
        }
        easy.reset();
        curl_slist_free_all(headers);
    }
};

Result<std::unique_ptr<WatchStream>> WatchStream::start(const std::string &baseUrl,
                                                        const std::string &prefix,
                                                        std::int64_t afterRevision,
                                                        Store::WatchCallback onEvents)
{
    auto state = std::make_shared<State>();
    state->baseUrl = baseUrl;
    state->url = baseUrl + "/v3/watch";
    state->prefix = prefix;
    // etcd wants a key: the smallest one stands for "from the first" with an empty prefix.
    state->key64 = base64(prefix.empty() ? std::string_view("\0", 1) : prefix);
    const std::string end = prefixEnd(prefix);
    state->rangeEnd64 = base64(end.empty() ? std::string_view("\0", 1) : end);
    state->onEvents = std::move(onEvents);
    state->nextRevision = afterRevision + 1;
    state->multi.reset(curl_multi_init());
    if (!state->multi)
        return Error("curl_multi_init failed");

    std::thread thread([state] { state->run(); });
    std::unique_lock lock(state->mutex);
    state->confirmed.wait_for(lock, kCreationTimeout,
                              [&] { return state->creation != State::Creation::Waiting; });
    const State::Creation creation = state->creation;
    std::string error = state->creationError;
    lock.unlock();

    if (creation != State::Creation::Created) {
        state->stopping = true;
        curl_multi_wakeup(state->multi.get());
        thread.join();
        if (creation == State::Creation::Waiting)
            return Error("etcd at " + baseUrl + " did not confirm the watch within " +
                         std::to_string(kCreationTimeout.count()) + " s");
        return Error(std::move(error));
    }
    return std::unique_ptr<WatchStream>(new WatchStream(std::move(state), std::move(thread)));
}

WatchStream::WatchStream(std::shared_ptr<State> state, std::thread thread)
    : m_state(std::move(state))
    , m_thread(std::move(thread))
{}

WatchStream::~WatchStream()
{
    m_state->stopping = true;
    curl_multi_wakeup(m_state->multi.get());
    if (m_thread.get_id() == std::this_thread::get_id()) {
        // Destroyed by its own callback: joining would wait for ourselves. The thread sees
        // `stopping` as soon as the callback returns, and keeps the state alive until then.
        m_thread.detach();
    } else {
        m_thread.join();
    }
}

} // namespace flowlab::kube::etcd
