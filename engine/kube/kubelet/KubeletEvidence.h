#pragma once

// What flowlab-kubelet records for Flowlab's lessons, one evidence event per line (see
// engine/kube/client/EvidenceLog.h):
//   grpc  every CRI call: service, method, the decoded request and response, the gRPC
//         status and how long it took, and the pod it was made for;
//   api   every pod status PATCH (and the final DELETE of a pod): path, body, HTTP status;
//   log   the files it writes into a ConfigMap or Secret volume (event "volume"), by name.
// The PLEG's once-a-second relist (ListContainers) is not recorded: it would drown a lesson,
// and what it finds is (the sync it starts makes recorded calls).

#include "engine/kube/api/Resources.h"
#include "engine/kube/client/EvidenceLog.h"
#include "engine/kube/cri/ContainerRuntime.h"
#include "engine/kube/kubelet/PodVolumes.h"

#include <string>

namespace flowlab::kube::kubelet {

// Which pod the CRI calls made on this thread are for, and whether they are recorded at all;
// set for the length of a pod sync (or a relist) on the worker thread that runs it.
class CriCallScope
{
public:
    explicit CriCallScope(std::string podKey, bool recorded = true);
    ~CriCallScope();
    CriCallScope(const CriCallScope &) = delete;
    CriCallScope &operator=(const CriCallScope &) = delete;

    static const std::string &podKey();
    static bool recorded();

private:
    std::string m_previousKey;
    bool m_previousRecorded;
};

class KubeletEvidence
{
public:
    explicit KubeletEvidence(EvidenceLog &log);

    // The runtime's observer: ContainerRuntime::setObserver([&](auto &c) { e.criCall(c); }).
    void criCall(const cri::CriCall &call);
    // One request the kubelet made to the apiserver about a pod.
    void apiCall(const std::string &method, const std::string &path, const Json &body,
                 int httpStatus, const std::string &podKey, const std::string &summary,
                 double durationMs);

    // Files the kubelet wrote into a pod's ConfigMap or Secret volume: names, never values.
    void volumeWrite(const std::string &podKey, const VolumeWrite &write);

    // The grpc event of a call, without the source (public for tests).
    static Event criEvent(const cri::CriCall &call, const std::string &podKey);

private:
    EvidenceLog &m_log;
};

} // namespace flowlab::kube::kubelet
