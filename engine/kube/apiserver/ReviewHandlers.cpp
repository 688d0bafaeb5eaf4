// The reviews: questions to the authorizer and the authenticator, answered and never stored.
//   kubectl auth can-i create pods        SelfSubjectAccessReview
//   kubectl auth can-i --list             SelfSubjectRulesReview
//   kubectl auth whoami                   SelfSubjectReview
//   (as another user)                     SubjectAccessReview, LocalSubjectAccessReview
// and the `bindings` resource, the older form of pods/binding.

#include "engine/kube/apiserver/ApiServer.h"

namespace flowlab::kube {

namespace {

AuthorizationRequest attributesOf(const Json &spec)
{
    AuthorizationRequest attributes;
    if (spec.contains("nonResourceAttributes")) {
        const Json &nonResource = spec["nonResourceAttributes"];
        attributes.isResourceRequest = false;
        attributes.verb = nonResource.value("verb", "");
        attributes.path = nonResource.value("path", "");
        return attributes;
    }
    const Json resource = spec.value("resourceAttributes", Json::object());
    attributes.verb = resource.value("verb", "");
    attributes.apiGroup = resource.value("group", "");
    attributes.resource = resource.value("resource", "");
    attributes.subresource = resource.value("subresource", "");
    attributes.ns = resource.value("namespace", "");
    attributes.name = resource.value("name", "");
    return attributes;
}

} // namespace

void ApiServer::review(ApiRequest &request)
{
    auto body = decodeBody(request);
    if (!body)
        return fail(request, body.error());
    const std::string &kind = request.resource->kind;
    if (kind == "Binding")
        return bind(request, (*body)["metadata"].value("name", ""), *body);

    Json review = *body;
    const Json spec = review.value("spec", Json::object());
    if (kind == "SelfSubjectReview") {
        review["status"] = {{"userInfo",
                             {{"username", request.user.name},
                              {"uid", request.user.uid},
                              {"groups", request.user.groups}}}};
        return reply(request, 201, review);
    }
    if (kind == "SelfSubjectRulesReview") {
        Json resourceRules = Json::array();
        Json nonResourceRules = Json::array();
        for (const Json &rule : m_authorizer->rulesFor(request.user, spec.value("namespace", ""))) {
            if (rule.contains("nonResourceURLs"))
                nonResourceRules.push_back({{"verbs", rule.value("verbs", Json::array())},
                                            {"nonResourceURLs", rule["nonResourceURLs"]}});
            else
                resourceRules.push_back(rule);
        }
        review["status"] = {{"resourceRules", resourceRules},
                            {"nonResourceRules", nonResourceRules},
                            {"incomplete", false}};
        return reply(request, 201, review);
    }

    // Access reviews: as whom, and about what.
    UserInfo subject = request.user;
    if (kind == "SubjectAccessReview" || kind == "LocalSubjectAccessReview") {
        subject.name = spec.value("user", "");
        subject.uid = spec.value("uid", "");
        subject.groups = spec.value("groups", std::vector<std::string>{});
    }
    AuthorizationRequest attributes = attributesOf(spec);
    if (kind == "LocalSubjectAccessReview") {
        if (attributes.ns != request.info.ns)
            return fail(request, ApiError::badRequest(
                                     "spec.resourceAttributes.namespace must match the namespace "
                                     "of the request"));
    }
    if (attributes.verb.empty())
        return fail(request,
                    ApiError::invalid(*request.resource, "",
                                      {FieldError::required("spec.resourceAttributes.verb")}));
    const auto decision = m_authorizer->authorize(subject, attributes);
    review["status"] = {{"allowed", decision.allowed}};
    if (!decision.reason.empty())
        review["status"]["reason"] = decision.reason;
    request.audit->stage(
        "Authorization",
        {{"flowlab.dev/access-review",
          std::string(decision.allowed ? "allowed" : "denied") + ": " +
              (decision.allowed ? decision.reason : forbiddenMessage(subject, attributes))}});
    reply(request, 201, review);
}

} // namespace flowlab::kube
