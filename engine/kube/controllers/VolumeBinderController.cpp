#include "engine/kube/controllers/VolumeBinderController.h"

#include "engine/kube/controllers/VolumeBinderReconcile.h"

namespace flowlab::kube {

VolumeBinderController::VolumeBinderController(ControllerContext &context, std::string volumeDir,
                                               QObject *parent)
    : Controller(context, volumebinder::kComponent, 1, parent)
    , m_claims(context.informers.of("", "persistentvolumeclaims"))
    , m_volumes(context.informers.of("", "persistentvolumes"))
    , m_volumeDir(std::move(volumeDir))
{
    auto enqueue = [this](const Json &claim) { m_queue.add(Informer::keyOf(claim)); };
    m_claims.addHandlers({enqueue, [enqueue](const Json &, const Json &now) { enqueue(now); },
                          [this](const Json &claim) {
                              m_queue.add("pv:" + volumebinder::volumeNameFor(claim));
                          }});
    m_volumes.addHandlers({[this](const Json &volume) { onVolume(volume); },
                           [this](const Json &, const Json &now) { onVolume(now); }, {}});
}

void VolumeBinderController::onVolume(const Json &volume)
{
    const std::string ns = stringAt(volume, {"spec", "claimRef", "namespace"});
    const std::string name = stringAt(volume, {"spec", "claimRef", "name"});
    if (!name.empty())
        m_queue.add(ns + "/" + name);
    m_queue.add("pv:" + nameOf(volume));
}

void VolumeBinderController::sync(const std::string &key, WorkQueue::Finished finished)
{
    if (key.rfind("pv:", 0) == 0) {
        const Json *volume = m_volumes.find(key.substr(3));
        // Only the volumes this controller made, and only once their claim is gone.
        if (!volume ||
            annotationOf(*volume, "pv.kubernetes.io/provisioned-by") != "flowlab.dev/hostpath" ||
            isBeingDeleted(*volume)) {
            finished();
            return;
        }
        const Json *claim = m_claims.find(stringAt(*volume, {"spec", "claimRef", "namespace"}),
                                          stringAt(*volume, {"spec", "claimRef", "name"}));
        if (claim && uidOf(*claim) == stringAt(*volume, {"spec", "claimRef", "uid"})) {
            finished();
            return;
        }
        carryOut(key, volumebinder::reclaim(*volume), std::move(finished));
        return;
    }
    const Json *claim = m_claims.find(key);
    if (!claim) {
        finished();
        return;
    }
    const Json *volume = m_volumes.find(volumebinder::volumeNameFor(*claim));
    Decision decision =
        volumebinder::reconcile(*claim, volume ? *volume : Json(), m_volumeDir);
    // A claim already bound, with its volume Bound, is not worth a line of evidence.
    carryOut(key, std::move(decision), std::move(finished), {},
             !(volume && stringAt(*claim, {"status", "phase"}) == "Bound" &&
               stringAt(*volume, {"status", "phase"}) == "Bound"));
}

} // namespace flowlab::kube
