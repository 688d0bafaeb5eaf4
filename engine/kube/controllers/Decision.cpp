#include "engine/kube/controllers/Decision.h"

#include <algorithm>
#include <cctype>

namespace flowlab::kube {

Action Action::create(const ResourceInfo &resource, Json object, std::string text)
{
    Action action;
    action.verb = Verb::Create;
    action.resource = &resource;
    action.ns = namespaceOf(object);
    action.name = nameOf(object);
    action.body = std::move(object);
    action.text = std::move(text);
    return action;
}

Action Action::update(const ResourceInfo &resource, Json object, std::string text,
                      std::string subresource)
{
    Action action;
    action.verb = Verb::Update;
    action.resource = &resource;
    action.ns = namespaceOf(object);
    action.name = nameOf(object);
    action.subresource = std::move(subresource);
    action.body = std::move(object);
    action.text = std::move(text);
    return action;
}

Action Action::patch(const ResourceInfo &resource, const std::string &ns, const std::string &name,
                     Json patch, std::string text, std::string patchType, std::string subresource)
{
    Action action;
    action.verb = Verb::Patch;
    action.resource = &resource;
    action.ns = ns;
    action.name = name;
    action.subresource = std::move(subresource);
    action.body = std::move(patch);
    action.patchType = std::move(patchType);
    action.text = std::move(text);
    return action;
}

Action Action::remove(const ResourceInfo &resource, const std::string &ns, const std::string &name,
                      Json deleteOptions, std::string text)
{
    Action action;
    action.verb = Verb::Delete;
    action.resource = &resource;
    action.ns = ns;
    action.name = name;
    action.body = std::move(deleteOptions);
    action.text = std::move(text);
    return action;
}

Action &Action::withEvents(const ResourceInfo &resource, const Json &about,
                           std::optional<EventNote> success, std::optional<EventNote> failure)
{
    eventResource = &resource;
    eventObject = about;
    onSuccess = std::move(success);
    onFailure = std::move(failure);
    return *this;
}

std::string Decision::actionText() const
{
    if (!actionSummary.empty())
        return actionSummary;
    if (actions.empty())
        return "none";
    std::string text;
    for (const Action &action : actions)
        text += (text.empty() ? "" : "; ") + action.text;
    return text;
}

std::string Decision::summary() const
{
    std::string kind = object.kind;
    std::transform(kind.begin(), kind.end(), kind.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    const std::string name =
        object.ns.empty() || object.ns == "default" ? object.name : object.ns + "/" + object.name;
    std::string line = kind + " " + name + ": desired " + desiredText + ", actual " + actualText +
                       ": " + actionText();
    if (actions.empty() && !note.empty())
        line += " (" + note + ")";
    return line;
}

Event Decision::toEvidence() const
{
    Event event;
    event.kind = EventKind::Reconcile;
    event.summary = summary();
    event.attributes = {{"controller", controller},
                        {"object", object.toJson()},
                        {"desired", desired},
                        {"actual", actual},
                        {"action", actionText()}};
    if (!note.empty())
        event.attributes["note"] = note;
    return event;
}

} // namespace flowlab::kube
