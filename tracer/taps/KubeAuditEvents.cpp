#include "tracer/taps/KubeAuditEvents.h"

#include <chrono>
#include <ctime>

namespace flowlab {

namespace {

// The audit event's wall-clock stamp, on the monotonic clock the rest of the evidence uses
// (both clocks advance together; only their origins differ).
std::int64_t monotonicFromRfc3339(const std::string &stamp)
{
    std::tm parts{};
    const char *rest = ::strptime(stamp.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
    if (!rest)
        return 0;
    std::int64_t micros = 0;
    if (*rest == '.') {
        int digits = 0;
        for (++rest; *rest >= '0' && *rest <= '9'; ++rest, ++digits)
            if (digits < 6)
                micros = micros * 10 + (*rest - '0');
        for (; digits < 6; ++digits)
            micros *= 10;
    }
    const std::int64_t wallNs = (std::int64_t(::timegm(&parts)) * 1000000 + micros) * 1000;
    const std::int64_t nowWall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
    return monotonicNowNs() - (nowWall - wallNs);
}

std::string objectText(const nlohmann::json &ref)
{
    std::string text = ref.value("resource", "");
    if (ref.contains("subresource"))
        text += "/" + ref.value("subresource", "");
    const std::string ns = ref.value("namespace", "");
    const std::string name = ref.value("name", "");
    if (!name.empty())
        text += " " + (ns.empty() ? name : ns + "/" + name);
    else if (!ns.empty())
        text += " in " + ns;
    return text;
}

std::string annotation(const nlohmann::json &audit, const char *key)
{
    const nlohmann::json annotations = audit.value("annotations", nlohmann::json::object());
    return annotations.is_object() ? annotations.value(key, "") : std::string();
}

} // namespace

std::optional<Event> eventFromAuditLine(const nlohmann::json &audit, const EventSource &source)
{
    if (!audit.is_object() || audit.value("apiVersion", "") != "audit.k8s.io/v1" ||
        audit.value("kind", "") != "Event")
        return std::nullopt;
    const std::string stage = audit.value("stage", "");
    const std::string verb = audit.value("verb", "");
    const nlohmann::json ref = audit.value("objectRef", nlohmann::json::object());
    const std::string user = audit.value("user", nlohmann::json::object()).value("username", "");
    const std::string what =
        ref.empty() ? verb + " " + audit.value("requestURI", "") : verb + " " + objectText(ref);

    Event event;
    event.kind = EventKind::Audit;
    event.source = source;
    event.monotonicNs = monotonicFromRfc3339(audit.value("stageTimestamp", ""));
    nlohmann::json &a = event.attributes;
    a["stage"] = stage;
    a["verb"] = verb;
    a["user"] = user;
    a["auditID"] = audit.value("auditID", "");
    a["requestURI"] = audit.value("requestURI", "");
    for (const char *field : {"resource", "namespace", "name", "subresource", "apiGroup"})
        if (ref.contains(field))
            a[field] = ref[field];

    if (stage == "Authentication") {
        event.summary = "authentication: " + annotation(audit, "flowlab.dev/authentication");
    } else if (stage == "Authorization") {
        const std::string decision = annotation(audit, "authorization.k8s.io/decision");
        const std::string reason = annotation(audit, "authorization.k8s.io/reason");
        const std::string review = annotation(audit, "flowlab.dev/access-review");
        a["decision"] = decision;
        a["reason"] = reason;
        event.summary = !review.empty() ? "access review: " + review
                                        : "authorization of " + what + ": " + decision +
                                              (reason.empty() ? "" : " (" + reason + ")");
    } else if (stage == "MutatingAdmission") {
        const std::string mutations = annotation(audit, "flowlab.dev/admission-mutations");
        const std::string plugins = annotation(audit, "flowlab.dev/admission-plugins");
        const std::string refused = annotation(audit, "flowlab.dev/admission");
        a["plugins"] = plugins;
        a["mutations"] = mutations;
        event.summary =
            "mutating admission of " + what + ": " +
            (!refused.empty() ? refused : plugins + (mutations.empty() ? "" : " → " + mutations));
    } else if (stage == "ValidatingAdmission") {
        const std::string result = annotation(audit, "flowlab.dev/validation");
        a["result"] = result;
        event.summary = "validation of " + what + ": " + result;
    } else if (stage == "Storage") {
        event.kind = EventKind::Store;
        a["key"] = annotation(audit, "flowlab.dev/store-key");
        a["operation"] = annotation(audit, "flowlab.dev/store-operation");
        a["revision"] = annotation(audit, "flowlab.dev/store-revision");
        a["store"] = annotation(audit, "flowlab.dev/store");
        event.summary = "store " + a["operation"].get<std::string>() + " " +
                        a["key"].get<std::string>() + " (revision " +
                        a["revision"].get<std::string>() + ", " + a["store"].get<std::string>() +
                        ")";
    } else if (stage == "RequestReceived") {
        event.summary = "request from " + (user.empty() ? std::string("?") : user) + ": " + what;
    } else if (stage == "ResponseStarted" || stage == "ResponseComplete") {
        const nlohmann::json status = audit.value("responseStatus", nlohmann::json::object());
        const int code = status.value("code", 0);
        a["code"] = code;
        event.summary = (stage == "ResponseStarted" ? "response started: " : "response: ") + what +
                        " → " + std::to_string(code);
        if (status.contains("message"))
            event.summary += " " + status.value("message", "");
    } else {
        event.summary = stage + ": " + what;
    }
    a["audit"] = audit;
    return event;
}

} // namespace flowlab
