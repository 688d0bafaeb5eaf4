#pragma once

// What clients learn before they ask for anything: /version, the discovery documents (legacy
// /api and /apis, and the aggregated form kubectl 1.32 asks for first), and the OpenAPI
// documents kubectl reads before create and apply.
//
// OpenAPI is served only as far as kubectl needs it, and on purpose no further:
//   /openapi/v3  lists every group version; each document has, per resource, the PATCH
//                operation with its x-kubernetes-group-version-kind and the fieldValidation
//                query parameter. kubectl 1.32 then leaves validation to the server
//                (fieldValidation=Strict) instead of validating against schemas we do not
//                publish. The operations do not offer strategic merge patch, so kubectl apply
//                computes its patches from its built-in types, as it does for any cluster
//                whose OpenAPI lacks them.
//   /openapi/v2  a valid protobuf document without definitions: kubectl 1.20 validates
//                against it before create and apply, and skips kinds it does not describe.

#include "engine/kube/api/Resources.h"

#include <string>

namespace flowlab::kube {

// The Kubernetes release whose API this apiserver follows.
inline constexpr const char *kServedKubernetesVersion = "v1.32.0+flowlab";

Json versionInfo();

// Legacy discovery.
Json coreApiVersions(const std::string &serverAddress); // GET /api
Json apiGroupList();                                    // GET /apis
Json apiGroup(const std::string &group);                // GET /apis/<group>, null if unknown
Json apiResourceList(const GroupVersion &gv);           // GET /api/v1, /apis/<group>/<version>

// Aggregated discovery (apidiscovery.k8s.io): GET /api or /apis with
// Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList.
// `version` is "v2" or "v2beta1", as the client asked.
Json aggregatedDiscovery(bool core, const std::string &version);

Json openApiV3Index();                          // GET /openapi/v3
Json openApiV3Document(const GroupVersion &gv); // GET /openapi/v3/api/v1, /openapi/v3/apis/<g>/<v>
std::string openApiV2Protobuf();                // GET /openapi/v2 (protobuf)

} // namespace flowlab::kube
