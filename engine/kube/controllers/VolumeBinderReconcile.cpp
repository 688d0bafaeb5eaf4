#include "engine/kube/controllers/VolumeBinderReconcile.h"

namespace flowlab::kube::volumebinder {

namespace {

const ResourceInfo &claims()
{
    return builtinResource("", "persistentvolumeclaims");
}

const ResourceInfo &volumes()
{
    return builtinResource("", "persistentvolumes");
}

std::string sizeOf(const Json &claim)
{
    const std::string size = stringAt(claim, {"spec", "resources", "requests", "storage"});
    return size.empty() ? "1Gi" : size;
}

Json accessModesOf(const Json &claim)
{
    const Json &modes = at(claim, {"spec", "accessModes"});
    return modes.is_array() && !modes.empty() ? modes : Json::array({"ReadWriteOnce"});
}

} // namespace

std::string volumeNameFor(const Json &claim)
{
    return "pvc-" + uidOf(claim);
}

Json volumeFor(const Json &claim, const std::string &volumeDir)
{
    const std::string name = volumeNameFor(claim);
    Json spec = {{"capacity", {{"storage", sizeOf(claim)}}},
                 {"accessModes", accessModesOf(claim)},
                 {"persistentVolumeReclaimPolicy", "Delete"},
                 {"hostPath", {{"path", volumeDir + "/" + name}, {"type", "DirectoryOrCreate"}}},
                 {"claimRef",
                  {{"apiVersion", "v1"},
                   {"kind", "PersistentVolumeClaim"},
                   {"namespace", namespaceOf(claim)},
                   {"name", nameOf(claim)},
                   {"uid", uidOf(claim)}}}};
    if (const std::string storageClass = stringAt(claim, {"spec", "storageClassName"});
        !storageClass.empty())
        spec["storageClassName"] = storageClass;
    return {{"apiVersion", "v1"},
            {"kind", "PersistentVolume"},
            {"metadata",
             {{"name", name},
              {"annotations", {{"pv.kubernetes.io/provisioned-by", "flowlab.dev/hostpath"}}}}},
            {"spec", spec}};
}

Decision reconcile(const Json &claim, const Json &volume, const std::string &volumeDir)
{
    Decision decision;
    decision.controller = kComponent;
    decision.object = refOf(claims(), claim);
    const std::string wanted = volumeNameFor(claim);
    const std::string bound = stringAt(claim, {"spec", "volumeName"});
    const std::string phase = stringAt(claim, {"status", "phase"});
    decision.desired = {{"volumeName", bound.empty() ? wanted : bound}, {"phase", "Bound"}};
    decision.actual = {{"volumeName", bound}, {"phase", phase}};
    decision.desiredText = "bound to a " + sizeOf(claim) + " volume";
    decision.actualText = phase.empty() ? "Pending" : phase;
    if (isBeingDeleted(claim)) {
        decision.note = "the claim is being deleted";
        return decision;
    }
    const Json &storageClass = at(claim, {"spec", "storageClassName"});
    if (bound.empty() && storageClass.is_string() && storageClass.get<std::string>().empty()) {
        decision.note = "storageClassName \"\" asks for an existing volume, and the lab "
                        "provisions only";
        return decision;
    }
    if (!bound.empty() && bound != wanted) {
        decision.note = "bound to " + bound + ", which the lab did not provision";
        return decision;
    }
    if (volume.is_null()) {
        Action create = Action::create(volumes(), volumeFor(claim, volumeDir),
                                       "provision PersistentVolume " + wanted + " (hostPath " +
                                           volumeDir + "/" + wanted + ")");
        create.withEvents(claims(), claim,
                          EventNote{"Normal", "ProvisioningSucceeded",
                                    "Successfully provisioned volume " + wanted},
                          EventNote{"Warning", "ProvisioningFailed", "{error}"});
        decision.actions.push_back(std::move(create));
    }
    if (bound.empty())
        decision.actions.push_back(Action::patch(claims(), namespaceOf(claim), nameOf(claim),
                                                 {{"spec", {{"volumeName", wanted}}}},
                                                 "bind claim to " + wanted));
    if (!volume.is_null() && stringAt(volume, {"status", "phase"}) != "Bound")
        decision.actions.push_back(Action::patch(volumes(), "", wanted,
                                                 {{"status", {{"phase", "Bound"}}}},
                                                 "mark " + wanted + " Bound",
                                                 "application/merge-patch+json", "status"));
    if (phase != "Bound")
        decision.actions.push_back(Action::patch(
            claims(), namespaceOf(claim), nameOf(claim),
            {{"status",
              {{"phase", "Bound"},
               {"accessModes", accessModesOf(claim)},
               {"capacity", {{"storage", sizeOf(claim)}}}}}},
            "mark claim Bound", "application/merge-patch+json", "status"));
    return decision;
}

Decision reclaim(const Json &volume)
{
    Decision decision;
    decision.controller = kComponent;
    decision.object = refOf(volumes(), volume);
    decision.desiredText = "deleted (its claim is gone, reclaim policy Delete)";
    decision.actualText = stringAt(volume, {"status", "phase"});
    decision.actions.push_back(
        Action::remove(volumes(), "", nameOf(volume), Json(), "delete " + nameOf(volume)));
    return decision;
}

} // namespace flowlab::kube::volumebinder
