// The named API groups kubectl's generators and Flowlab's lessons use: apps/v1, batch/v1,
// networking.k8s.io/v1, rbac.authorization.k8s.io/v1, authorization.k8s.io/v1,
// authentication.k8s.io/v1, policy/v1 and scheduling.k8s.io/v1.
//
// Numbers and names: each group's generated.proto in k8s.io/api; Keep follows its types.go.
// Where the proto field name differs from the json tag (BoundObjectReference's "aPIVersion"
// and "uID", IngressClassParametersReference's "aPIGroup"), the json tag is what is written.

#include "engine/kube/api/ProtobufSchema.h"

namespace flowlab::kube::protobuf {

using enum ValueKind;

namespace {

// Deployment, ReplicaSet, StatefulSet, DaemonSet and their conditions share one shape.
MessageSpec condition(std::string_view name, std::uint32_t transition, std::uint32_t reason,
                      std::uint32_t message)
{
    return {name,
            {
                {1, "type", String, Keep},
                {2, "status", String, Keep},
                {transition, "lastTransitionTime", Time},
                {reason, "reason", String},
                {message, "message", String},
            }};
}

std::vector<MessageSpec> appsMessages()
{
    std::vector<MessageSpec> messages = {
        {"Deployment",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "DeploymentSpec"},
             {3, "status", "DeploymentStatus"},
         }},
        {"DeploymentSpec",
         {
             {1, "replicas", Int32, Keep},
             {2, "selector", "LabelSelector"},
             {3, "template", "PodTemplateSpec"},
             {4, "strategy", "DeploymentStrategy"},
             {5, "minReadySeconds", Int32},
             {6, "revisionHistoryLimit", Int32, Keep},
             {7, "paused", Bool},
             {9, "progressDeadlineSeconds", Int32, Keep},
             {10, "podReplacementPolicy", String, Keep},
         }},
        {"DeploymentStrategy",
         {
             {1, "type", String},
             {2, "rollingUpdate", "RollingUpdateDeployment"},
         }},
        {"RollingUpdateDeployment",
         {
             {1, "maxUnavailable", IntOrString},
             {2, "maxSurge", IntOrString},
         }},
        {"DeploymentStatus",
         {
             {1, "observedGeneration", Int64},
             {2, "replicas", Int32},
             {3, "updatedReplicas", Int32},
             {7, "readyReplicas", Int32},
             {4, "availableReplicas", Int32},
             {5, "unavailableReplicas", Int32},
             {9, "terminatingReplicas", Int32, Keep},
             {6, "conditions", "DeploymentCondition", Repeated},
             {8, "collisionCount", Int32, Keep},
         }},
        {"DeploymentCondition",
         {
             {1, "type", String, Keep},
             {2, "status", String, Keep},
             {6, "lastUpdateTime", Time},
             {7, "lastTransitionTime", Time},
             {4, "reason", String},
             {5, "message", String},
         }},
        {"ReplicaSet",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "ReplicaSetSpec"},
             {3, "status", "ReplicaSetStatus"},
         }},
        {"ReplicaSetSpec",
         {
             {1, "replicas", Int32, Keep},
             {4, "minReadySeconds", Int32},
             {2, "selector", "LabelSelector"},
             {3, "template", "PodTemplateSpec"},
         }},
        {"ReplicaSetStatus",
         {
             {1, "replicas", Int32, Keep},
             {2, "fullyLabeledReplicas", Int32},
             {4, "readyReplicas", Int32},
             {5, "availableReplicas", Int32},
             {7, "terminatingReplicas", Int32, Keep},
             {3, "observedGeneration", Int64},
             {6, "conditions", "ReplicaSetCondition", Repeated},
         }},
        condition("ReplicaSetCondition", 3, 4, 5),
        {"StatefulSet",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "StatefulSetSpec"},
             {3, "status", "StatefulSetStatus"},
         }},
        {"StatefulSetSpec",
         {
             {1, "replicas", Int32, Keep},
             {2, "selector", "LabelSelector"},
             {3, "template", "PodTemplateSpec"},
             {4, "volumeClaimTemplates", "PersistentVolumeClaim", Repeated},
             {5, "serviceName", String},
             {6, "podManagementPolicy", String},
             {7, "updateStrategy", "StatefulSetUpdateStrategy"},
             {8, "revisionHistoryLimit", Int32, Keep},
             {9, "minReadySeconds", Int32},
             {10, "persistentVolumeClaimRetentionPolicy",
              "StatefulSetPersistentVolumeClaimRetentionPolicy"},
             {11, "ordinals", "StatefulSetOrdinals"},
         }},
        {"StatefulSetUpdateStrategy",
         {
             {1, "type", String},
             {2, "rollingUpdate", "RollingUpdateStatefulSetStrategy"},
         }},
        {"RollingUpdateStatefulSetStrategy",
         {
             {1, "partition", Int32, Keep},
             {2, "maxUnavailable", IntOrString},
         }},
        {"StatefulSetPersistentVolumeClaimRetentionPolicy",
         {
             {1, "whenDeleted", String},
             {2, "whenScaled", String},
         }},
        {"StatefulSetOrdinals",
         {
             {1, "start", Int32, Keep},
         }},
        {"StatefulSetStatus",
         {
             {1, "observedGeneration", Int64},
             {2, "replicas", Int32, Keep},
             {3, "readyReplicas", Int32},
             {4, "currentReplicas", Int32},
             {5, "updatedReplicas", Int32},
             {6, "currentRevision", String},
             {7, "updateRevision", String},
             {9, "collisionCount", Int32, Keep},
             {10, "conditions", "StatefulSetCondition", Repeated},
             {11, "availableReplicas", Int32, Keep},
         }},
        condition("StatefulSetCondition", 3, 4, 5),
        {"DaemonSet",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "DaemonSetSpec"},
             {3, "status", "DaemonSetStatus"},
         }},
        {"DaemonSetSpec",
         {
             {1, "selector", "LabelSelector"},
             {2, "template", "PodTemplateSpec"},
             {3, "updateStrategy", "DaemonSetUpdateStrategy"},
             {4, "minReadySeconds", Int32},
             {6, "revisionHistoryLimit", Int32, Keep},
         }},
        {"DaemonSetUpdateStrategy",
         {
             {1, "type", String},
             {2, "rollingUpdate", "RollingUpdateDaemonSet"},
         }},
        {"RollingUpdateDaemonSet",
         {
             {1, "maxUnavailable", IntOrString},
             {2, "maxSurge", IntOrString},
         }},
        {"DaemonSetStatus",
         {
             {1, "currentNumberScheduled", Int32, Keep},
             {2, "numberMisscheduled", Int32, Keep},
             {3, "desiredNumberScheduled", Int32, Keep},
             {4, "numberReady", Int32, Keep},
             {5, "observedGeneration", Int64},
             {6, "updatedNumberScheduled", Int32},
             {7, "numberAvailable", Int32},
             {8, "numberUnavailable", Int32},
             {9, "collisionCount", Int32, Keep},
             {10, "conditions", "DaemonSetCondition", Repeated},
         }},
        condition("DaemonSetCondition", 3, 4, 5),
        {"ControllerRevision",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "data", RawExtension},
             {3, "revision", Int64, Keep},
         }},
    };
    return messages;
}

std::vector<MessageSpec> batchMessages()
{
    return {
        {"Job",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "JobSpec"},
             {3, "status", "JobStatus"},
         }},
        {"JobSpec",
         {
             {1, "parallelism", Int32, Keep},
             {2, "completions", Int32, Keep},
             {3, "activeDeadlineSeconds", Int64, Keep},
             {11, "podFailurePolicy", "PodFailurePolicy"},
             {16, "successPolicy", "SuccessPolicy"},
             {7, "backoffLimit", Int32, Keep},
             {12, "backoffLimitPerIndex", Int32, Keep},
             {13, "maxFailedIndexes", Int32, Keep},
             {4, "selector", "LabelSelector"},
             {5, "manualSelector", Bool, Keep},
             {6, "template", "PodTemplateSpec"},
             {8, "ttlSecondsAfterFinished", Int32, Keep},
             {9, "completionMode", String, Keep},
             {10, "suspend", Bool, Keep},
             {14, "podReplacementPolicy", String, Keep},
             {15, "managedBy", String, Keep},
         }},
        {"JobStatus",
         {
             {1, "conditions", "JobCondition", Repeated},
             {2, "startTime", Time},
             {3, "completionTime", Time},
             {4, "active", Int32},
             {5, "succeeded", Int32},
             {6, "failed", Int32},
             {11, "terminating", Int32, Keep},
             {7, "completedIndexes", String},
             {10, "failedIndexes", String, Keep},
             {8, "uncountedTerminatedPods", "UncountedTerminatedPods"},
             {9, "ready", Int32, Keep},
         }},
        {"JobCondition",
         {
             {1, "type", String, Keep},
             {2, "status", String, Keep},
             {3, "lastProbeTime", Time},
             {4, "lastTransitionTime", Time},
             {5, "reason", String},
             {6, "message", String},
         }},
        {"UncountedTerminatedPods",
         {
             {1, "succeeded", String, Repeated},
             {2, "failed", String, Repeated},
         }},
        {"PodFailurePolicy",
         {
             {1, "rules", "PodFailurePolicyRule", Repeated | Keep},
         }},
        {"PodFailurePolicyRule",
         {
             {1, "action", String, Keep},
             {2, "onExitCodes", "PodFailurePolicyOnExitCodesRequirement"},
             {3, "onPodConditions", "PodFailurePolicyOnPodConditionsPattern", Repeated | Keep},
         }},
        {"PodFailurePolicyOnExitCodesRequirement",
         {
             {1, "containerName", String, Keep},
             {2, "operator", String, Keep},
             {3, "values", Int32, Repeated | Keep},
         }},
        {"PodFailurePolicyOnPodConditionsPattern",
         {
             {1, "type", String, Keep},
             {2, "status", String, Keep},
         }},
        {"SuccessPolicy",
         {
             {1, "rules", "SuccessPolicyRule", Repeated | Keep},
         }},
        {"SuccessPolicyRule",
         {
             {1, "succeededIndexes", String, Keep},
             {2, "succeededCount", Int32, Keep},
         }},
        {"CronJob",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "CronJobSpec"},
             {3, "status", "CronJobStatus"},
         }},
        {"CronJobSpec",
         {
             {1, "schedule", String, Keep},
             {8, "timeZone", String, Keep},
             {2, "startingDeadlineSeconds", Int64, Keep},
             {3, "concurrencyPolicy", String},
             {4, "suspend", Bool, Keep},
             {5, "jobTemplate", "JobTemplateSpec"},
             {6, "successfulJobsHistoryLimit", Int32, Keep},
             {7, "failedJobsHistoryLimit", Int32, Keep},
         }},
        {"JobTemplateSpec",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "JobSpec"},
         }},
        {"CronJobStatus",
         {
             {1, "active", "ObjectReference", Repeated},
             {4, "lastScheduleTime", Time},
             {5, "lastSuccessfulTime", Time},
         }},
    };
}

std::vector<MessageSpec> networkingMessages()
{
    return {
        {"Ingress",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "IngressSpec"},
             {3, "status", "IngressStatus"},
         }},
        {"IngressSpec",
         {
             {4, "ingressClassName", String, Keep},
             {1, "defaultBackend", "IngressBackend"},
             {2, "tls", "IngressTLS", Repeated},
             {3, "rules", "IngressRule", Repeated},
         }},
        {"IngressBackend",
         {
             {4, "service", "IngressServiceBackend"},
             {3, "resource", "TypedLocalObjectReference"},
         }},
        {"IngressServiceBackend",
         {
             {1, "name", String, Keep},
             {2, "port", "ServiceBackendPort"},
         }},
        {"ServiceBackendPort",
         {
             {1, "name", String},
             {2, "number", Int32},
         }},
        {"IngressTLS",
         {
             {1, "hosts", String, Repeated},
             {2, "secretName", String},
         }},
        {"IngressRule",
         {
             {1, "host", String},
             {2, "", "IngressRuleValue", Inline},
         }},
        {"IngressRuleValue",
         {
             {1, "http", "HTTPIngressRuleValue"},
         }},
        {"HTTPIngressRuleValue",
         {
             {1, "paths", "HTTPIngressPath", Repeated | Keep},
         }},
        {"HTTPIngressPath",
         {
             {1, "path", String},
             {3, "pathType", String, Keep},
             {2, "backend", "IngressBackend"},
         }},
        {"IngressStatus",
         {
             {1, "loadBalancer", "IngressLoadBalancerStatus"},
         }},
        {"IngressLoadBalancerStatus",
         {
             {1, "ingress", "IngressLoadBalancerIngress", Repeated},
         }},
        {"IngressLoadBalancerIngress",
         {
             {1, "ip", String},
             {2, "hostname", String},
             {4, "ports", "IngressPortStatus", Repeated},
         }},
        {"IngressPortStatus",
         {
             {1, "port", Int32, Keep},
             {2, "protocol", String, Keep},
             {3, "error", String, Keep},
         }},
        {"IngressClass",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "IngressClassSpec"},
         }},
        {"IngressClassSpec",
         {
             {1, "controller", String},
             {2, "parameters", "IngressClassParametersReference"},
         }},
        {"IngressClassParametersReference",
         {
             {1, "apiGroup", String, Keep},
             {2, "kind", String, Keep},
             {3, "name", String, Keep},
             {4, "scope", String, Keep},
             {5, "namespace", String, Keep},
         }},
        {"NetworkPolicy",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "NetworkPolicySpec"},
         }},
        {"NetworkPolicySpec",
         {
             {1, "podSelector", "LabelSelector"},
             {2, "ingress", "NetworkPolicyIngressRule", Repeated},
             {3, "egress", "NetworkPolicyEgressRule", Repeated},
             {4, "policyTypes", String, Repeated},
         }},
        {"NetworkPolicyIngressRule",
         {
             {1, "ports", "NetworkPolicyPort", Repeated},
             {2, "from", "NetworkPolicyPeer", Repeated},
         }},
        {"NetworkPolicyEgressRule",
         {
             {1, "ports", "NetworkPolicyPort", Repeated},
             {2, "to", "NetworkPolicyPeer", Repeated},
         }},
        {"NetworkPolicyPeer",
         {
             {1, "podSelector", "LabelSelector"},
             {2, "namespaceSelector", "LabelSelector"},
             {3, "ipBlock", "IPBlock"},
         }},
        {"IPBlock",
         {
             {1, "cidr", String, Keep},
             {2, "except", String, Repeated},
         }},
        {"NetworkPolicyPort",
         {
             {1, "protocol", String, Keep},
             {2, "port", IntOrString},
             {3, "endPort", Int32, Keep},
         }},
    };
}

std::vector<MessageSpec> rbacMessages()
{
    const std::vector<FieldSpec> binding = {
        {1, "metadata", "ObjectMeta"},
        {2, "subjects", "Subject", Repeated},
        {3, "roleRef", "RoleRef"},
    };
    return {
        {"Role",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "rules", "PolicyRule", Repeated | Keep},
         }},
        {"ClusterRole",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "rules", "PolicyRule", Repeated | Keep},
             {3, "aggregationRule", "AggregationRule"},
         }},
        {"AggregationRule",
         {
             {1, "clusterRoleSelectors", "LabelSelector", Repeated},
         }},
        {"PolicyRule",
         {
             {1, "verbs", String, Repeated | Keep},
             {2, "apiGroups", String, Repeated},
             {3, "resources", String, Repeated},
             {4, "resourceNames", String, Repeated},
             {5, "nonResourceURLs", String, Repeated},
         }},
        {"RoleBinding", binding},
        {"ClusterRoleBinding", binding},
        {"RoleRef",
         {
             {1, "apiGroup", String, Keep},
             {2, "kind", String, Keep},
             {3, "name", String, Keep},
         }},
        {"Subject",
         {
             {1, "kind", String, Keep},
             {2, "apiGroup", String},
             {3, "name", String, Keep},
             {4, "namespace", String},
         }},
    };
}

std::vector<MessageSpec> authorizationMessages()
{
    const std::vector<FieldSpec> accessReview = {
        {1, "metadata", "ObjectMeta"},
        {2, "spec", "SubjectAccessReviewSpec"},
        {3, "status", "SubjectAccessReviewStatus"},
    };
    return {
        {"SelfSubjectAccessReview",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "SelfSubjectAccessReviewSpec"},
             {3, "status", "SubjectAccessReviewStatus"},
         }},
        {"SelfSubjectAccessReviewSpec",
         {
             {1, "resourceAttributes", "ResourceAttributes"},
             {2, "nonResourceAttributes", "NonResourceAttributes"},
         }},
        {"SubjectAccessReview", accessReview},
        {"LocalSubjectAccessReview", accessReview},
        {"SubjectAccessReviewSpec",
         {
             {1, "resourceAttributes", "ResourceAttributes"},
             {2, "nonResourceAttributes", "NonResourceAttributes"},
             {3, "user", String},
             {4, "groups", String, Repeated},
             {5, "extra", StringList, Map},
             {6, "uid", String},
         }},
        {"ResourceAttributes",
         {
             {1, "namespace", String},
             {2, "verb", String},
             {3, "group", String},
             {4, "version", String},
             {5, "resource", String},
             {6, "subresource", String},
             {7, "name", String},
             {8, "fieldSelector", "FieldSelectorAttributes"},
             {9, "labelSelector", "LabelSelectorAttributes"},
         }},
        {"FieldSelectorAttributes",
         {
             {1, "rawSelector", String},
             {2, "requirements", "FieldSelectorRequirement", Repeated},
         }},
        {"FieldSelectorRequirement",
         {
             {1, "key", String, Keep},
             {2, "operator", String, Keep},
             {3, "values", String, Repeated},
         }},
        {"LabelSelectorAttributes",
         {
             {1, "rawSelector", String},
             {2, "requirements", "LabelSelectorRequirement", Repeated},
         }},
        {"NonResourceAttributes",
         {
             {1, "path", String},
             {2, "verb", String},
         }},
        {"SubjectAccessReviewStatus",
         {
             {1, "allowed", Bool, Keep},
             {4, "denied", Bool},
             {2, "reason", String},
             {3, "evaluationError", String},
         }},
        {"SelfSubjectRulesReview",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "SelfSubjectRulesReviewSpec"},
             {3, "status", "SubjectRulesReviewStatus"},
         }},
        {"SelfSubjectRulesReviewSpec",
         {
             {1, "namespace", String},
         }},
        {"SubjectRulesReviewStatus",
         {
             {1, "resourceRules", "ResourceRule", Repeated | Keep},
             {2, "nonResourceRules", "NonResourceRule", Repeated | Keep},
             {3, "incomplete", Bool, Keep},
             {4, "evaluationError", String},
         }},
        {"ResourceRule",
         {
             {1, "verbs", String, Repeated | Keep},
             {2, "apiGroups", String, Repeated},
             {3, "resources", String, Repeated},
             {4, "resourceNames", String, Repeated},
         }},
        {"NonResourceRule",
         {
             {1, "verbs", String, Repeated | Keep},
             {2, "nonResourceURLs", String, Repeated},
         }},
    };
}

std::vector<MessageSpec> authenticationMessages()
{
    return {
        {"TokenRequest",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "TokenRequestSpec"},
             {3, "status", "TokenRequestStatus"},
         }},
        {"TokenRequestSpec",
         {
             {1, "audiences", String, Repeated | Keep},
             {4, "expirationSeconds", Int64, Keep},
             {3, "boundObjectRef", "BoundObjectReference"},
         }},
        {"BoundObjectReference",
         {
             {1, "kind", String},
             {2, "apiVersion", String},
             {3, "name", String},
             {4, "uid", String},
         }},
        {"TokenRequestStatus",
         {
             {1, "token", String, Keep},
             {2, "expirationTimestamp", Time},
         }},
        {"TokenReview",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "TokenReviewSpec"},
             {3, "status", "TokenReviewStatus"},
         }},
        {"TokenReviewSpec",
         {
             {1, "token", String},
             {2, "audiences", String, Repeated},
         }},
        {"TokenReviewStatus",
         {
             {1, "authenticated", Bool},
             {2, "user", "UserInfo"},
             {4, "audiences", String, Repeated},
             {3, "error", String},
         }},
        {"UserInfo",
         {
             {1, "username", String},
             {2, "uid", String},
             {3, "groups", String, Repeated},
             {4, "extra", StringList, Map},
         }},
        {"SelfSubjectReview",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "status", "SelfSubjectReviewStatus"},
         }},
        {"SelfSubjectReviewStatus",
         {
             {1, "userInfo", "UserInfo"},
         }},
    };
}

std::vector<MessageSpec> policyAndSchedulingMessages()
{
    return {
        {"PodDisruptionBudget",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "spec", "PodDisruptionBudgetSpec"},
             {3, "status", "PodDisruptionBudgetStatus"},
         }},
        {"PodDisruptionBudgetSpec",
         {
             {1, "minAvailable", IntOrString},
             {2, "selector", "LabelSelector"},
             {3, "maxUnavailable", IntOrString},
             {4, "unhealthyPodEvictionPolicy", String, Keep},
         }},
        {"PodDisruptionBudgetStatus",
         {
             {1, "observedGeneration", Int64},
             {2, "disruptedPods", Time, Map},
             {3, "disruptionsAllowed", Int32, Keep},
             {4, "currentHealthy", Int32, Keep},
             {5, "desiredHealthy", Int32, Keep},
             {6, "expectedPods", Int32, Keep},
         }},
        {"PriorityClass",
         {
             {1, "metadata", "ObjectMeta"},
             {2, "value", Int32, Keep},
             {3, "globalDefault", Bool},
             {4, "description", String},
             {5, "preemptionPolicy", String, Keep},
         }},
    };
}

} // namespace

const std::vector<MessageSpec> &groupMessages()
{
    static const std::vector<MessageSpec> messages = [] {
        std::vector<MessageSpec> all;
        for (auto group :
             {appsMessages(), batchMessages(), networkingMessages(), rbacMessages(),
              authorizationMessages(), authenticationMessages(), policyAndSchedulingMessages()})
            for (MessageSpec &message : group)
                all.push_back(std::move(message));
        return all;
    }();
    return messages;
}

} // namespace flowlab::kube::protobuf
