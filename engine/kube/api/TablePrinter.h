#pragma once

// Server-side printing: what `kubectl get` asks for with
//   Accept: application/json;as=Table;v=v1;g=meta.k8s.io
// and prints as it comes. Columns are the real apiserver's for each kind, e.g. pods:
//   NAME READY STATUS RESTARTS AGE, and with -o wide (priority 1) IP NODE NOMINATED NODE
//   READINESS GATES.

#include "engine/kube/api/Resources.h"

#include <chrono>
#include <vector>

namespace flowlab::kube {

struct TableOptions
{
    // ?includeObject=None|Metadata|Object; kubectl's default asks for Metadata, which gives
    // each row a PartialObjectMetadata (meta.k8s.io/v1) as its object.
    enum class IncludeObject { None, Metadata, Object };
    IncludeObject includeObject = IncludeObject::Metadata;
    bool noHeaders = false; // leave columnDefinitions empty (watch events after the first)
    // AGE and the like are computed against this.
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// A meta.k8s.io/v1 Table of `objects` (all of `resource`'s kind), with the resource version
// and continue token of the list they came from.
Json tableFor(const ResourceInfo &resource, const std::vector<Json> &objects,
              const TableOptions &options, const std::string &resourceVersion = {},
              const std::string &continueToken = {});

// Kubernetes' duration for AGE columns ("5s", "3m2s", "4h", "2d3h", "14d", "3y45d").
std::string humanDuration(std::chrono::seconds age);

} // namespace flowlab::kube
