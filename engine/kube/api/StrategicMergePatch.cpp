// Strategic merge patch, as the apiserver applies it (k8s.io/apimachinery/pkg/util/
// strategicpatch: StrategicMergeMapPatch with MergeParallelList and IgnoreUnmatchedNulls).
// The Go implementation reads patchStrategy/patchMergeKey from struct tags; here the same
// facts are a table, and error messages are worded as the Go ones so kubectl prints the same.

#include "engine/kube/api/Patch.h"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

namespace flowlab::kube {

namespace {

// ---- Patch metadata: the struct tags of the built-in types, as data -----------------------

enum Strategy : unsigned {
    kAtomic = 0,           // no tag: a patch replaces lists whole, merges maps key by key
    kMerge = 1u << 0,      // patchStrategy:"merge": lists merge by patchMergeKey, or as sets
    kRetainKeys = 1u << 1, // patchStrategy:"retainKeys": only shapes the patches clients send
    kReplaceMap = 1u << 2, // patchStrategy:"replace": a map is replaced whole
};

struct PatchField
{
    std::string_view owner; // the type the field belongs to; a kind names the object's root
    std::string_view field; // its JSON name
    std::string_view type;  // the field's type, or its items' for a list; "" when no field of
                            // it needs metadata
    unsigned strategy = kAtomic;
    std::string_view mergeKey;
};

// Every object's metadata is an ObjectMeta; this table lists the rest. The pod template sits
// at spec for a Pod, spec.template.spec for the workloads and a Job, and
// spec.jobTemplate.spec.template.spec for a CronJob: the rows from each kind down lead there.
// "ConditionedStatus" stands for the statuses whose only tagged field is conditions.
constexpr PatchField kPatchFields[] = {
    {"Pod", "spec", "PodSpec"},
    {"Pod", "status", "PodStatus"},
    {"PodTemplate", "template", "PodTemplateSpec"},
    {"Deployment", "spec", "DeploymentSpec"},
    {"Deployment", "status", "ConditionedStatus"},
    {"DeploymentSpec", "template", "PodTemplateSpec"},
    {"DeploymentSpec", "strategy", "", kRetainKeys},
    {"ReplicaSet", "spec", "WorkloadSpec"},
    {"ReplicaSet", "status", "ConditionedStatus"},
    {"StatefulSet", "spec", "WorkloadSpec"},
    {"StatefulSet", "status", "ConditionedStatus"},
    {"DaemonSet", "spec", "WorkloadSpec"},
    {"DaemonSet", "status", "ConditionedStatus"},
    {"WorkloadSpec", "template", "PodTemplateSpec"},
    {"Job", "spec", "JobSpec"},
    {"Job", "status", "ConditionedStatus"},
    {"JobSpec", "template", "PodTemplateSpec"},
    {"CronJob", "spec", "CronJobSpec"},
    {"CronJobSpec", "jobTemplate", "JobTemplateSpec"},
    {"JobTemplateSpec", "metadata", "ObjectMeta"},
    {"JobTemplateSpec", "spec", "JobSpec"},
    {"PodTemplateSpec", "metadata", "ObjectMeta"},
    {"PodTemplateSpec", "spec", "PodSpec"},

    {"ObjectMeta", "finalizers", "", kMerge},
    {"ObjectMeta", "ownerReferences", "", kMerge, "uid"},

    {"PodSpec", "containers", "Container", kMerge, "name"},
    {"PodSpec", "initContainers", "Container", kMerge, "name"},
    {"PodSpec", "ephemeralContainers", "Container", kMerge, "name"},
    {"PodSpec", "volumes", "", kMerge | kRetainKeys, "name"},
    {"PodSpec", "imagePullSecrets", "", kMerge, "name"},
    {"PodSpec", "hostAliases", "", kMerge, "ip"},
    {"PodSpec", "tolerations", "", kAtomic}, // no merge key: replaced whole
    {"PodSpec", "topologySpreadConstraints", "", kMerge, "topologyKey"},
    {"PodSpec", "schedulingGates", "", kMerge, "name"},
    {"PodSpec", "resourceClaims", "", kMerge | kRetainKeys, "name"},
    {"Container", "env", "", kMerge, "name"},
    {"Container", "envFrom", "", kAtomic},
    {"Container", "ports", "", kMerge, "containerPort"},
    {"Container", "volumeMounts", "", kMerge, "mountPath"},
    {"Container", "volumeDevices", "", kMerge, "devicePath"},
    {"PodStatus", "conditions", "", kMerge, "type"},
    {"PodStatus", "podIPs", "", kMerge, "ip"},
    {"PodStatus", "hostIPs", "", kMerge, "ip"},
    {"PodStatus", "resourceClaimStatuses", "", kMerge | kRetainKeys, "name"},
    {"ConditionedStatus", "conditions", "", kMerge, "type"},

    {"Service", "spec", "ServiceSpec"},
    {"Service", "status", "ConditionedStatus"},
    {"ServiceSpec", "ports", "", kMerge, "port"},
    {"ServiceAccount", "secrets", "", kMerge, "name"},
    {"Node", "spec", "NodeSpec"},
    {"Node", "status", "NodeStatus"},
    {"NodeSpec", "podCIDRs", "", kMerge},
    {"NodeSpec", "taints", "", kAtomic}, // no tags upstream: replaced whole
    {"NodeStatus", "conditions", "", kMerge, "type"},
    {"NodeStatus", "addresses", "", kMerge, "type"},
    {"Namespace", "status", "ConditionedStatus"},
    {"PersistentVolumeClaim", "status", "ConditionedStatus"},
};

struct FieldMeta
{
    std::string_view type;
    bool merge = false;
    bool replaceMap = false;
    std::string_view mergeKey;
};

// ---- Go's renderings, for error messages as the apiserver words them ------------------------

constexpr std::string_view kDirective = "$patch";
constexpr std::string_view kRetainKeysDirective = "$retainKeys";
constexpr std::string_view kSetElementOrderPrefix = "$setElementOrder";
constexpr std::string_view kDeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";

// fmt's %v of a decoded JSON value: map[k:v ...] with sorted keys, [a b], <nil>.
std::string goValue(const Json &value)
{
    switch (value.type()) {
    case Json::value_t::null:
        return "<nil>";
    case Json::value_t::string:
        return value.get<std::string>();
    case Json::value_t::object: {
        std::string out = "map[";
        bool first = true;
        for (const auto &[key, item] : value.items()) {
            out += (first ? "" : " ") + key + ":" + goValue(item);
            first = false;
        }
        return out + "]";
    }
    case Json::value_t::array: {
        std::string out = "[";
        for (std::size_t i = 0; i < value.size(); ++i)
            out += (i ? " " : "") + goValue(value[i]);
        return out + "]";
    }
    default:
        return value.dump();
    }
}

// The Go type a decoded JSON value has; apimachinery's decoder makes integers int64.
std::string goType(const Json &value)
{
    switch (value.type()) {
    case Json::value_t::null:
        return "%!s(<nil>)";
    case Json::value_t::object:
        return "map[string]interface {}";
    case Json::value_t::array:
        return "[]interface {}";
    case Json::value_t::string:
        return "string";
    case Json::value_t::boolean:
        return "bool";
    case Json::value_t::number_float:
        return "float64";
    default:
        return "int64";
    }
}

constexpr std::string_view kMapType = "map[string]interface {}";
constexpr std::string_view kSliceType = "[]interface {}";

Error badArgType(std::string_view expected, const Json &actual)
{
    return Error("expected a " + std::string(expected) + ", but received a " + goType(actual));
}

Error noMergeKey(const Json &map, std::string_view key)
{
    return Error("map: " + goValue(map) +
                 " does not contain declared merge key: " + std::string(key));
}

Error badPatchType(const Json &directive, const Json &map)
{
    const std::string shown = directive.is_string()
                                  ? directive.get<std::string>()
                                  : "%!s(" + goType(directive) + "=" + goValue(directive) + ")";
    return Error("unknown patch type: " + shown + " in map: " + goValue(map));
}

Error badPrimitiveList()
{
    return Error("invalid patch format of primitive list");
}

Error badRetainKeys()
{
    return Error("invalid patch format of retainKeys");
}

Error badSetElementOrder()
{
    return Error("invalid patch format of setElementOrder list");
}

// "$setElementOrder/containers" -> "containers"; anything else with the prefix is malformed.
Result<std::string> directiveTarget(std::string_view key, std::string_view prefix)
{
    const std::size_t slash = key.find('/');
    if (slash == key.npos || key.substr(0, slash) != prefix)
        return prefix == kSetElementOrderPrefix ? badSetElementOrder() : badPrimitiveList();
    return std::string(key.substr(slash + 1));
}

// ---- The merge ----------------------------------------------------------------------------

using Items = std::vector<Json>;

// The type all items of the lists share, in Go's terms; lists of lists are refused.
Result<std::string> itemType(const Json &original, const Json &patch)
{
    std::string shared;
    for (const Json *list : {&original, &patch}) {
        for (const Json &item : *list) {
            const std::string type = goType(item);
            if (shared.empty()) {
                if (item.is_array())
                    return Error("lists of lists are not supported");
                shared = type;
            } else if (type != shared) {
                return Error("list element types are not identical: [" + goValue(original) + " " +
                             goValue(patch) + "]");
            }
        }
    }
    if (shared.empty())
        return Error("no elements in any of the given slices");
    return shared;
}

// Whether two items are the same list entry: by merge key, or by value for primitives.
Result<bool> sameEntry(const Json &left, const Json &right, std::string_view mergeKey)
{
    if (mergeKey.empty())
        return left == right;
    for (const Json *item : {&left, &right}) {
        if (!item->is_object())
            return badArgType(kMapType, *item);
        if (!item->contains(mergeKey))
            return noMergeKey(*item, mergeKey);
    }
    return left[std::string(mergeKey)] == right[std::string(mergeKey)];
}

// Where `item` sits in `list`, by merge key for maps; -1 when absent.
long indexIn(const Json &list, const Json &item, std::string_view mergeKey, bool maps)
{
    const std::string key(mergeKey);
    const auto keyOf = [&](const Json &entry) -> Json {
        return entry.is_object() && entry.contains(key) ? entry[key] : Json();
    };
    for (std::size_t i = 0; i < list.size(); ++i)
        if (maps ? keyOf(list[i]) == keyOf(item) : list[i] == item)
            return long(i);
    return -1;
}

bool isDeleteItem(const Json &item)
{
    return item.is_object() && item.contains(kDirective) &&
           item[std::string(kDirective)] == "delete";
}

class StrategicMerge
{
public:
    explicit StrategicMerge(std::string_view kind)
        : m_kind(kind)
    {}

    Result<Json> mergeMap(Json original, Json patch, std::string_view type) const;

private:
    FieldMeta fieldMeta(std::string_view type, std::string_view field) const;
    Status applyRetainKeys(Json &original, Json &patch) const;
    Status mergeElementOrders(Json &original, Json &patch, std::string_view type) const;
    Result<Json> mergeList(Json original, const Json &patch, const FieldMeta &meta,
                           bool deleteList) const;
    Result<Json> mergeSlice(Json original, const Json &patch, const FieldMeta &meta,
                            bool deleteList) const;
    Result<Json> applyItemDirectives(Json &original, const Json &patch,
                                     const std::string &key) const;
    Result<Json> clean(const Json &value) const;

    std::string_view m_kind;
};

FieldMeta StrategicMerge::fieldMeta(std::string_view type, std::string_view field) const
{
    for (const PatchField &entry : kPatchFields)
        if (entry.owner == type && entry.field == field)
            return {entry.type, (entry.strategy & kMerge) != 0, (entry.strategy & kReplaceMap) != 0,
                    entry.mergeKey};
    if (type == m_kind && field == "metadata")
        return {"ObjectMeta"};
    return {};
}

// What a value from the patch becomes where nothing was before: the apiserver would store it
// as sent and decode it into its typed object, which forgets nulls and directive keys. The
// same here, directives applied to nothing: {"$patch": "delete"} is {}, a list item asking to
// be deleted is dropped, {"$patch": "replace"} keeps the rest.
Result<Json> StrategicMerge::clean(const Json &value) const
{
    if (value.is_object()) {
        Json out = Json::object();
        if (value.contains(kDirective)) {
            const Json &directive = value[std::string(kDirective)];
            if (directive == "delete")
                return out;
            if (directive != "replace")
                return badPatchType(directive, value);
        }
        for (const auto &[key, item] : value.items()) {
            if (item.is_null() || key == kDirective || key == kRetainKeysDirective)
                continue;
            if (key.starts_with(kSetElementOrderPrefix) ||
                key.starts_with(kDeleteFromPrimitiveListPrefix))
                continue;
            if (key.starts_with('$'))
                return Error("unknown patch directive \"" + key + "\"");
            auto cleaned = clean(item);
            if (!cleaned)
                return cleaned;
            out[key] = std::move(*cleaned);
        }
        return out;
    }
    if (value.is_array()) {
        Json out = Json::array();
        for (const Json &item : value) {
            if (item.is_object() && item.contains(kDirective)) {
                const Json &directive = item[std::string(kDirective)];
                if (directive == "delete" || directive == "replace")
                    continue;
                if (directive == "merge")
                    return Error("merging lists cannot yet be specified in the patch");
                return badPatchType(directive, item);
            }
            auto cleaned = clean(item);
            if (!cleaned)
                return cleaned;
            out.push_back(std::move(*cleaned));
        }
        return out;
    }
    return value;
}

Result<Json> StrategicMerge::mergeMap(Json original, Json patch, std::string_view type) const
{
    if (patch.contains(kDirective)) {
        const Json directive = patch[std::string(kDirective)];
        if (directive == "replace")
            return clean(patch);
        if (directive == "delete")
            return Json::object();
        return badPatchType(directive, patch);
    }
    if (!original.is_object())
        original = Json::object();
    if (Status retained = applyRetainKeys(original, patch); !retained)
        return retained.error();
    if (Status ordered = mergeElementOrders(original, patch, type); !ordered)
        return ordered.error();

    for (auto &[patchKey, value] : patch.items()) {
        std::string key = patchKey;
        bool deleteList = false;
        if (key.starts_with(kDeleteFromPrimitiveListPrefix)) {
            auto target = directiveTarget(key, kDeleteFromPrimitiveListPrefix);
            if (!target)
                return target.error();
            key = std::move(*target);
            deleteList = true;
        } else if (key.starts_with('$')) {
            return Error("unknown patch directive \"" + key + "\"");
        }

        // null deletes; nulls for keys the object lacks are dropped (IgnoreUnmatchedNulls).
        if (value.is_null()) {
            original.erase(key);
            continue;
        }
        const auto existing = original.find(key);
        // Deleting from a list the object lacks deletes nothing. (Go stores the deletion list
        // as the list there, which no client means.)
        if (deleteList && existing == original.end())
            continue;
        const FieldMeta meta = fieldMeta(type, key);
        Result<Json> merged = Json();
        if (existing != original.end() && existing->is_object() && value.is_object())
            merged =
                meta.replaceMap ? clean(value) : mergeMap(std::move(*existing), value, meta.type);
        else if (existing != original.end() && existing->is_array() && value.is_array())
            merged = mergeList(std::move(*existing), value, meta, deleteList);
        else
            merged = clean(value); // absent before, or of another type: the patch's value
        if (!merged)
            return merged.error();
        original[key] = std::move(*merged);
    }
    return original;
}

// "$retainKeys": keys of the object missing from the list are cleared; every key the patch
// sets must be in it.
Status StrategicMerge::applyRetainKeys(Json &original, Json &patch) const
{
    const auto found = patch.find(kRetainKeysDirective);
    if (found == patch.end())
        return success();
    const Json keep = std::move(*found);
    patch.erase(found);
    if (!keep.is_array())
        return badRetainKeys();
    const auto kept = [&](const std::string &key) {
        return std::find(keep.begin(), keep.end(), Json(key)) != keep.end();
    };
    for (const auto &[key, value] : patch.items()) {
        if (value.is_null() || key.starts_with(kDeleteFromPrimitiveListPrefix) ||
            key.starts_with(kSetElementOrderPrefix))
            continue;
        if (!kept(key))
            return badRetainKeys();
    }
    for (auto it = original.begin(); it != original.end();) {
        if (kept(it.key()))
            ++it;
        else
            it = original.erase(it);
    }
    return success();
}

// The patch items must appear in the $setElementOrder list, in its order.
Status validateElementOrder(const Json &patchList, const Json &order, std::string_view mergeKey)
{
    if (order.empty() || patchList.empty())
        return success();
    Items items;
    for (const Json &item : patchList) {
        if (!mergeKey.empty() && !item.is_object())
            return badArgType(kMapType, item);
        if (mergeKey.empty() || !isDeleteItem(item))
            items.push_back(item);
    }
    std::size_t p = 0;
    std::size_t s = 0;
    while (p < items.size() && s < order.size()) {
        if (items[p].is_object() && items[p].contains(kDirective)) {
            ++p;
            continue;
        }
        auto same = sameEntry(items[p], order[s], mergeKey);
        if (!same)
            return same.error();
        if (*same)
            ++p;
        ++s;
    }
    if (p < items.size())
        return Error("The order in patch list:\n" + goValue(patchList) +
                     "\n doesn't match $setElementOrder list:\n" + goValue(order) + "\n");
    return success();
}

// Splits `merged` into the items `by` lists and the others, keeping their order.
Result<std::pair<Items, Items>> splitListed(const Json &merged, const Json &by,
                                            std::string_view mergeKey)
{
    Items listed;
    Items others;
    for (const Json &item : merged) {
        bool found = false;
        if (mergeKey.empty()) {
            found = std::find(by.begin(), by.end(), item) != by.end();
        } else {
            if (!item.is_object())
                return badArgType(kMapType, item);
            if (!item.contains(mergeKey))
                return noMergeKey(item, mergeKey);
            for (std::size_t i = 0; i < by.size(); ++i) {
                if (!by[i].is_object())
                    return Error("value for key " + std::to_string(i) + " is not a map.");
                if (by[i].contains(mergeKey) &&
                    by[i][std::string(mergeKey)] == item[std::string(mergeKey)])
                    found = true;
            }
        }
        (found ? listed : others).push_back(item);
    }
    return std::pair{std::move(listed), std::move(others)};
}

// Sorts `items` by where they sit in `order`; items to delete go last.
Result<Items> sortByOrder(Items items, const Json &order, std::string_view mergeKey, bool maps)
{
    Items toDelete;
    if (maps) {
        // Both lists must be maps with the merge key (validateMergeKeyInLists).
        for (const Json &item : order) {
            if (!item.is_object())
                return badArgType(kMapType, item);
            if (!item.contains(mergeKey))
                return noMergeKey(item, mergeKey);
        }
        for (const Json &item : items) {
            if (!item.is_object())
                return badArgType(kMapType, item);
            if (!item.contains(mergeKey))
                return noMergeKey(item, mergeKey);
        }
        const auto deleted = std::stable_partition(
            items.begin(), items.end(), [](const Json &item) { return !isDeleteItem(item); });
        toDelete.assign(std::make_move_iterator(deleted), std::make_move_iterator(items.end()));
        items.erase(deleted, items.end());
    }
    std::stable_sort(items.begin(), items.end(), [&](const Json &a, const Json &b) {
        const long ia = indexIn(order, a, mergeKey, maps);
        const long ib = indexIn(order, b, mergeKey, maps);
        return ia >= 0 && ib >= 0 && ia < ib;
    });
    std::move(toDelete.begin(), toDelete.end(), std::back_inserter(items));
    return items;
}

// normalizeElementOrder: the patch's items in the patch's (or $setElementOrder's) order, the
// server-only items in the object's order, interleaved where the object orders both. A new
// item goes before the server-only item it meets, so without $setElementOrder new entries
// come first, as they do against a real apiserver.
Result<Json> orderItems(Items patchItems, Items serverOnly, const Json &patchOrder,
                        const Json &serverOrder, std::string_view mergeKey, bool maps)
{
    auto patchSorted = sortByOrder(std::move(patchItems), patchOrder, mergeKey, maps);
    if (!patchSorted)
        return patchSorted.error();
    auto serverSorted = sortByOrder(std::move(serverOnly), serverOrder, mergeKey, maps);
    if (!serverSorted)
        return serverSorted.error();
    const Items &left = *serverSorted;
    const Items &right = *patchSorted;
    Json out = Json::array();
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < left.size() || j < right.size()) {
        if (i == left.size()) {
            out.push_back(right[j++]);
        } else if (j == right.size()) {
            out.push_back(left[i++]);
        } else {
            const long li = indexIn(serverOrder, left[i], mergeKey, maps);
            const long ri = indexIn(serverOrder, right[j], mergeKey, maps);
            if (li >= 0 && ri >= 0 && li < ri)
                out.push_back(left[i++]);
            else
                out.push_back(right[j++]);
        }
    }
    return out;
}

// "$setElementOrder/<list>": merges that list now, then orders it as the directive says.
Status StrategicMerge::mergeElementOrders(Json &original, Json &patch, std::string_view type) const
{
    std::vector<std::string> keys;
    for (const auto &[key, value] : patch.items())
        if (key.starts_with(kSetElementOrderPrefix))
            keys.push_back(key);
    for (const std::string &key : keys) {
        const Json order = std::move(patch[key]);
        patch.erase(key);
        if (!order.is_array())
            return badArgType(kSliceType, order);
        auto field = directiveTarget(key, kSetElementOrderPrefix);
        if (!field)
            return field.error();
        const auto inOriginal = original.find(*field);
        const auto inPatch = patch.find(*field);
        if (inOriginal != original.end() && !inOriginal->is_array())
            return badArgType(kSliceType, *inOriginal);
        if (inPatch != patch.end() && !inPatch->is_array())
            return badArgType(kSliceType, *inPatch);
        const FieldMeta meta = fieldMeta(type, *field);
        const Json originalList = inOriginal != original.end() ? *inOriginal : Json::array();
        const Json patchList = inPatch != patch.end() ? *inPatch : Json::array();
        if (Status valid = validateElementOrder(patchList, order, meta.mergeKey); !valid)
            return valid;
        if (inOriginal == original.end() && inPatch == patch.end())
            continue;

        Result<Json> merged = originalList;
        if (inPatch != patch.end())
            merged = inOriginal != original.end() ? mergeList(originalList, patchList, meta, false)
                                                  : clean(patchList);
        if (!merged)
            return merged.error();
        auto parts = splitListed(*merged, order, meta.mergeKey);
        if (!parts)
            return parts.error();
        auto elementType = itemType(originalList, patchList);
        if (!elementType)
            return elementType.error();
        auto ordered = orderItems(std::move(parts->first), std::move(parts->second), order,
                                  originalList, meta.mergeKey, *elementType == kMapType);
        if (!ordered)
            return ordered.error();
        original[*field] = std::move(*ordered);
        patch.erase(*field);
    }
    return success();
}

// A list in both: merged when its field says so, otherwise the patch's list replaces it.
Result<Json> StrategicMerge::mergeList(Json original, const Json &patch, const FieldMeta &meta,
                                       bool deleteList) const
{
    if (meta.merge)
        return mergeSlice(std::move(original), patch, meta, deleteList);
    return clean(patch);
}

// Sets of primitives: "$deleteFromPrimitiveList" removes, a patch list adds what is missing.
Result<Json> mergePrimitives(const Json &original, const Json &patch, bool deleteList)
{
    const auto contains = [](const Json &list, const Json &item) {
        return std::find(list.begin(), list.end(), item) != list.end();
    };
    Json merged = Json::array();
    if (deleteList) {
        for (const Json &item : original)
            if (!contains(patch, item))
                merged.push_back(item);
        return merged;
    }
    for (const Json *list : {&original, &patch})
        for (const Json &item : *list)
            if (!contains(merged, item))
                merged.push_back(item);
    auto parts = splitListed(merged, patch, "");
    if (!parts)
        return parts.error();
    return orderItems(std::move(parts->first), std::move(parts->second), patch, original, "",
                      false);
}

// Applies the list items carrying "$patch" to `original`: "delete" drops the entries with that
// merge key, "replace" makes the other items the whole list. Returns the items left to merge.
Result<Json> StrategicMerge::applyItemDirectives(Json &original, const Json &patch,
                                                 const std::string &key) const
{
    Json rest = Json::array();
    bool replace = false;
    for (const Json &item : patch) {
        if (!item.contains(kDirective)) {
            rest.push_back(item);
            continue;
        }
        const Json &directive = item[std::string(kDirective)];
        if (directive == "delete") {
            if (!item.contains(key))
                return noMergeKey(item, key);
            Json kept = Json::array();
            for (Json &entry : original)
                if (!(entry.contains(key) && entry[key] == item[key]))
                    kept.push_back(std::move(entry));
            original = std::move(kept);
        } else if (directive == "replace") {
            replace = true;
        } else if (directive == "merge") {
            return Error("merging lists cannot yet be specified in the patch");
        } else {
            return badPatchType(directive, item);
        }
    }
    if (!replace)
        return rest;
    auto cleaned = clean(rest);
    if (!cleaned)
        return cleaned;
    original = std::move(*cleaned);
    return Json::array();
}

Result<Json> StrategicMerge::mergeSlice(Json original, const Json &patch, const FieldMeta &meta,
                                        bool deleteList) const
{
    if (original.empty() && patch.empty())
        return original;
    auto elementType = itemType(original, patch);
    if (!elementType)
        return elementType.error();
    if (*elementType != kMapType)
        return mergePrimitives(original, patch, deleteList);

    const std::string key(meta.mergeKey);
    if (key.empty())
        return Error("cannot merge lists without merge key for type " +
                     std::string(meta.type.empty() ? "string" : "struct"));
    auto patchItems = applyItemDirectives(original, patch, key);
    if (!patchItems)
        return patchItems;

    // Each item merges into the entry with the same key, or is appended.
    Json merged = original;
    for (const Json &item : *patchItems) {
        if (!item.contains(key))
            return noMergeKey(item, key);
        const auto match = std::find_if(merged.begin(), merged.end(), [&](const Json &entry) {
            return entry.contains(key) && entry[key] == item[key];
        });
        if (match == merged.end()) {
            auto added = clean(item);
            if (!added)
                return added;
            merged.push_back(std::move(*added));
        } else {
            auto combined = mergeMap(std::move(*match), item, meta.type);
            if (!combined)
                return combined;
            *match = std::move(*combined);
        }
    }
    auto parts = splitListed(merged, *patchItems, key);
    if (!parts)
        return parts.error();
    return orderItems(std::move(parts->first), std::move(parts->second), *patchItems, original, key,
                      true);
}

} // namespace

Result<Json> applyStrategicMergePatch(Json target, const Json &patch, const std::string &kind)
{
    if (!target.is_object() || !patch.is_object())
        return Error("invalid JSON document");
    return StrategicMerge(kind).mergeMap(std::move(target), patch, kind);
}

} // namespace flowlab::kube
