#pragma once

// What controllers ask about a pod (k8s.io/kubernetes/pkg/api/v1/pod): is it ready, since
// when, is it available (ready for minReadySeconds), is it still one of its owner's replicas.

#include "engine/kube/api/Resources.h"
#include "engine/kube/controllers/Time.h"

#include <optional>

namespace flowlab::kube {

// The Ready condition is True (the kubelet's verdict: every container ready, probes passing).
bool isPodReady(const Json &pod);
// When the Ready condition last became True.
std::optional<TimePoint> podReadySince(const Json &pod);
// Ready, and for at least minReadySeconds: what a Deployment counts as available.
bool isPodAvailable(const Json &pod, int minReadySeconds, TimePoint now);
// Succeeded or Failed: its containers will not run again.
bool isPodTerminal(const Json &pod);
// Counts as a replica: not terminal and not being deleted (controller.IsPodActive).
bool isPodActive(const Json &pod);
// The highest restart count among its containers.
int podRestarts(const Json &pod);

} // namespace flowlab::kube
