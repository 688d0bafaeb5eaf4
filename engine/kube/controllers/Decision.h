#pragma once

// What a controller decides on one pass over one object: what it wants (desired), what it
// found (actual), and what it will do about the difference (actions). Reconcile functions
// return a Decision and never touch the network, so tests can check them directly; the
// controller then records the Decision as a "reconcile" evidence event and carries out its
// actions through the API, writing the core/v1 Events that `kubectl describe` shows.

#include "engine/kube/api/Resources.h"
#include "engine/kube/controllers/ObjectMeta.h"
#include "tracer/model/Event.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::kube {

// A core/v1 Event, as the real controllers word them. In `message`, "{name}" stands for the
// name the server gave a created object (pods are created with generateName) and "{error}"
// for why the request failed.
struct EventNote
{
    std::string type = "Normal"; // or "Warning"
    std::string reason;          // "ScalingReplicaSet", "SuccessfulCreate", "NodeNotReady"
    std::string message;         // "Scaled up replica set web-5d7f8c9b4 from 0 to 3"
};

// One API request a decision needs.
struct Action
{
    enum class Verb { Create, Update, Patch, Delete };

    Verb verb = Verb::Create;
    const ResourceInfo *resource = nullptr;
    std::string ns;
    std::string name;        // empty for a Create with generateName
    std::string subresource; // "status", "finalize"
    // The object to create or PUT (with the resourceVersion it was based on: a 409 Conflict
    // means someone changed it first, and the controller tries again from fresh state), the
    // patch, or the DeleteOptions.
    Json body;
    std::string patchType = "application/merge-patch+json";
    std::string text; // how evidence names it: "create ReplicaSet web-5d7f8c9b4 (replicas 3)"

    // The Events to write when it succeeds or fails, and the object they are about.
    const ResourceInfo *eventResource = nullptr;
    Json eventObject;
    std::optional<EventNote> onSuccess;
    std::optional<EventNote> onFailure;

    static Action create(const ResourceInfo &resource, Json object, std::string text);
    static Action update(const ResourceInfo &resource, Json object, std::string text,
                         std::string subresource = {});
    static Action patch(const ResourceInfo &resource, const std::string &ns,
                        const std::string &name, Json patch, std::string text,
                        std::string patchType = "application/merge-patch+json",
                        std::string subresource = {});
    static Action remove(const ResourceInfo &resource, const std::string &ns,
                         const std::string &name, Json deleteOptions, std::string text);

    Action &withEvents(const ResourceInfo &resource, const Json &about,
                       std::optional<EventNote> success, std::optional<EventNote> failure = {});
};

struct Decision
{
    std::string controller; // "deployment-controller": also the Events' source component
    ObjectRef object;
    Json desired = Json::object();
    Json actual = Json::object();
    // The summary's words for them: "3 replicas of template 5d7f8c9b4", "0".
    std::string desiredText;
    std::string actualText;
    std::vector<Action> actions;
    // Set when the actions are better told in one phrase ("create 3 pods (web-5d7f8c9b4-*)").
    std::string actionSummary;
    // Why nothing is done, when that is worth saying ("the Service has no selector").
    std::string note;
    // Look again later even if nothing changes (minReadySeconds, a progress deadline).
    std::optional<std::chrono::milliseconds> requeueAfter;

    // The actions' texts joined with "; ", or "none".
    std::string actionText() const;
    // "deployment web: desired 3 replicas of template 5d7f8c9b4, actual 0: create ReplicaSet
    // web-5d7f8c9b4 (replicas 3)". Objects outside "default" are named namespace/name.
    std::string summary() const;
    // The "reconcile" evidence event: {controller, object, desired, actual, action}.
    Event toEvidence() const;
};

} // namespace flowlab::kube
