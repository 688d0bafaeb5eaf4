#pragma once

// Small Kubernetes objects for the reconcile tests, shaped as the apiserver returns them
// (defaults filled in, uid and creationTimestamp set), so the pure functions see what
// they would see from an informer.

#include "engine/kube/controllers/Time.h"

#include <nlohmann/json.hpp>
#include <string>

// QCOMPARE for JSON values (QTest cannot print them): both are shown on failure.
#define QCOMPARE_JSON(actual, expected)                                                            \
    do {                                                                                           \
        const nlohmann::json actual_ = (actual);                                                   \
        const nlohmann::json expected_ = (expected);                                               \
        QVERIFY2(actual_ == expected_,                                                             \
                 ("\n   Actual: " + actual_.dump() + "\n Expected: " + expected_.dump()).c_str()); \
    } while (false)

namespace flowlab::kube::test {

using Json = nlohmann::json;

// A fixed "now", so decisions and their timestamps do not depend on the clock.
inline TimePoint testNow()
{
    return *parseRfc3339("2025-03-01T12:00:00Z");
}

inline std::string secondsAgo(int seconds)
{
    return toRfc3339(testNow() - std::chrono::seconds(seconds));
}

inline Json podTemplate(const std::string &image, const std::string &app = "web")
{
    return {{"metadata", {{"labels", {{"app", app}}}}},
            {"spec",
             {{"containers", Json::array({{{"name", "web"},
                                           {"image", image},
                                           {"ports", Json::array({{{"name", "http"},
                                                                   {"containerPort", 80},
                                                                   {"protocol", "TCP"}}})},
                                           {"imagePullPolicy", "Always"}}})},
              {"restartPolicy", "Always"},
              {"terminationGracePeriodSeconds", 30}}}};
}

inline Json deploymentObject(int replicas, const std::string &image, Json maxSurge = "25%",
                             Json maxUnavailable = "25%",
                             const std::string &strategy = "RollingUpdate")
{
    Json spec = {
        {"replicas", replicas},           {"selector", {{"matchLabels", {{"app", "web"}}}}},
        {"template", podTemplate(image)}, {"strategy", {{"type", strategy}}},
        {"revisionHistoryLimit", 10},     {"progressDeadlineSeconds", 600}};
    if (strategy == "RollingUpdate")
        spec["strategy"]["rollingUpdate"] = {{"maxSurge", maxSurge},
                                             {"maxUnavailable", maxUnavailable}};
    return {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata",
             {{"name", "web"},
              {"namespace", "default"},
              {"uid", "uid-deploy-web"},
              {"generation", 1},
              {"resourceVersion", "100"},
              {"creationTimestamp", secondsAgo(600)}}},
            {"spec", spec},
            {"status", Json::object()}};
}

// A ReplicaSet of `deployment` for `image`, as the Deployment controller makes them, with
// its status settled: `replicas` pods, all ready and available.
inline Json replicaSetObject(const Json &deployment, const std::string &hash,
                             const std::string &image, int replicas, int revision, int ageSeconds)
{
    Json templ = podTemplate(image);
    templ["metadata"]["labels"]["pod-template-hash"] = hash;
    const std::string name = deployment["metadata"]["name"].get<std::string>() + "-" + hash;
    return {{"apiVersion", "apps/v1"},
            {"kind", "ReplicaSet"},
            {"metadata",
             {{"name", name},
              {"namespace", "default"},
              {"uid", "uid-rs-" + hash},
              {"generation", 1},
              {"resourceVersion", "50"},
              {"creationTimestamp", secondsAgo(ageSeconds)},
              {"labels", templ["metadata"]["labels"]},
              {"annotations",
               {{"deployment.kubernetes.io/revision", std::to_string(revision)},
                {"deployment.kubernetes.io/desired-replicas",
                 std::to_string(deployment["spec"]["replicas"].get<int>())},
                {"deployment.kubernetes.io/max-replicas",
                 std::to_string(deployment["spec"]["replicas"].get<int>() + 1)}}},
              {"ownerReferences", Json::array({{{"apiVersion", "apps/v1"},
                                                {"kind", "Deployment"},
                                                {"name", "web"},
                                                {"uid", deployment["metadata"]["uid"]},
                                                {"controller", true},
                                                {"blockOwnerDeletion", true}}})}}},
            {"spec",
             {{"replicas", replicas},
              {"selector", {{"matchLabels", {{"app", "web"}, {"pod-template-hash", hash}}}}},
              {"template", templ}}},
            {"status",
             {{"replicas", replicas},
              {"readyReplicas", replicas},
              {"availableReplicas", replicas},
              {"observedGeneration", 1}}}};
}

// A pod of a ReplicaSet; `ready` sets the Ready condition (what a kubelet would report).
inline Json podObject(const std::string &name, const std::string &ip, bool ready,
                      const std::string &node = {}, int ageSeconds = 60,
                      const std::string &ownerUid = "uid-rs")
{
    Json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata",
                 {{"name", name},
                  {"namespace", "default"},
                  {"uid", "uid-" + name},
                  {"resourceVersion", "10"},
                  {"creationTimestamp", secondsAgo(ageSeconds)},
                  {"labels", {{"app", "web"}}},
                  {"ownerReferences", Json::array({{{"apiVersion", "apps/v1"},
                                                    {"kind", "ReplicaSet"},
                                                    {"name", "web-rs"},
                                                    {"uid", ownerUid},
                                                    {"controller", true},
                                                    {"blockOwnerDeletion", true}}})}}},
                {"spec", podTemplate("nginx")["spec"]},
                {"status", {{"phase", ip.empty() ? "Pending" : "Running"}}}};
    if (!node.empty())
        pod["spec"]["nodeName"] = node;
    if (!ip.empty()) {
        pod["status"]["podIP"] = ip;
        pod["status"]["podIPs"] = Json::array({{{"ip", ip}}});
    }
    pod["status"]["conditions"] =
        Json::array({{{"type", "Ready"},
                      {"status", ready ? "True" : "False"},
                      {"lastTransitionTime", secondsAgo(ageSeconds / 2)}}});
    return pod;
}

} // namespace flowlab::kube::test
