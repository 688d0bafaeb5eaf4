#pragma once

// Runs volumebinder::reconcile for each PersistentVolumeClaim, and deletes the volumes it
// provisioned once their claims are gone (VolumeBinderReconcile.h). Queue keys are claims'
// "namespace/name", and "pv:<name>" for a volume to check for its claim.

#include "engine/kube/controllers/Controller.h"

namespace flowlab::kube {

class VolumeBinderController : public Controller
{
    Q_OBJECT

public:
    VolumeBinderController(ControllerContext &context, std::string volumeDir,
                           QObject *parent = nullptr);

protected:
    void sync(const std::string &key, WorkQueue::Finished finished) override;

private:
    void onVolume(const Json &volume);

    Informer &m_claims;
    Informer &m_volumes;
    std::string m_volumeDir;
};

} // namespace flowlab::kube
