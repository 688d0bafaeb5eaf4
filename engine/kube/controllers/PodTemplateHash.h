#pragma once

// The pod-template-hash that names a Deployment's ReplicaSets (web-5d7f8c9b4) and labels
// their pods: one ReplicaSet per pod template. The real controller hashes the Go struct;
// ours hashes the template's canonical JSON, with the same FNV-1a and the same encoding,
// so the names have the real shape.

#include "engine/kube/api/Resources.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowlab::kube::deployment {

inline constexpr const char *kPodTemplateHashLabel = "pod-template-hash";

// FNV-1a, 32 bits: the hash the real controller feeds the pod template to.
std::uint32_t fnv1a32(std::string_view bytes, std::uint32_t hash = 2166136261u);
// k8s.io/apimachinery's rand.SafeEncodeString: each character mapped into
// "bcdfghjklmnpqrstvwxz2456789" (no vowels, so no words; no 0/1/3, so no look-alikes).
std::string safeEncode(std::string_view text);
// The template as compared and hashed: without the pod-template-hash label, and with the
// null, {} and [] values that Go decodes to the same zero value as an absent field pruned.
Json comparableTemplate(const Json &podTemplate);
// The pod-template-hash: FNV-1a-32 of the template's canonical JSON (keys sorted, compact),
// then of the collision count's 8 little-endian bytes when there is one, printed in decimal
// and safe-encoded: e.g. "5d7f8c9b4".
std::string podTemplateHash(const Json &podTemplate, std::optional<std::int64_t> collisionCount);
// Whether two templates are the same but for the pod-template-hash label (EqualIgnoreHash).
bool equalIgnoreHash(const Json &a, const Json &b);

} // namespace flowlab::kube::deployment
