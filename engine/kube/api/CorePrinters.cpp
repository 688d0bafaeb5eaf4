// Printers for the core/v1 kinds other than pods, and endpointslices: services and their
// endpoints, nodes, namespaces, configuration, events and storage.

#include "engine/kube/api/JsonFields.h"
#include "engine/kube/api/TablePrinters.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace flowlab::kube::printers {

namespace {

using fields::get;
using fields::integer;
using fields::items;
using fields::string;

std::string name(const Json &object)
{
    return string(get(object, {"metadata", "name"}));
}

std::string objectAge(const Json &object, const PrintContext &context)
{
    return age(get(object, {"metadata", "creationTimestamp"}), context);
}

std::string join(const std::vector<std::string> &parts, const char *separator = ",")
{
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i)
        out += (i ? separator : "") + parts[i];
    return out;
}

// listWithMoreString: the first three, then "+ N more...".
std::string firstThree(const std::vector<std::string> &all, const char *whenEmpty)
{
    constexpr std::size_t kMax = 3;
    if (all.size() > kMax) {
        const std::vector<std::string> shown(all.begin(), all.begin() + kMax);
        return join(shown) + " + " + std::to_string(all.size() - kMax) + " more...";
    }
    const std::string out = join(all);
    return out.empty() ? whenEmpty : out;
}

// net.JoinHostPort: IPv6 addresses get brackets.
std::string hostPort(const std::string &host, std::int64_t port)
{
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// ---- services ----

// The load balancer's addresses, sorted and without duplicates (loadBalancerStatusStringer).
// The apiserver prints wide, so nothing is clipped.
std::string loadBalancerAddresses(const Json &loadBalancer)
{
    std::set<std::string> addresses;
    for (const Json &ingress : items(get(loadBalancer, "ingress"))) {
        if (const std::string ip = string(get(ingress, "ip")); !ip.empty())
            addresses.insert(ip);
        else if (const std::string host = string(get(ingress, "hostname")); !host.empty())
            addresses.insert(host);
    }
    return join({addresses.begin(), addresses.end()});
}

std::string serviceExternalIP(const Json &service)
{
    const Json &spec = get(service, "spec");
    std::vector<std::string> externalIPs;
    for (const Json &ip : items(get(spec, "externalIPs")))
        externalIPs.push_back(string(ip));
    const std::string type = string(get(spec, "type"));
    if (type == "ClusterIP" || type == "NodePort")
        return externalIPs.empty() ? "<none>" : join(externalIPs);
    if (type == "LoadBalancer") {
        const std::string balancer =
            loadBalancerAddresses(get(service, {"status", "loadBalancer"}));
        if (!externalIPs.empty())
            return balancer.empty() ? join(externalIPs) : balancer + "," + join(externalIPs);
        return balancer.empty() ? "<pending>" : balancer;
    }
    if (type == "ExternalName")
        return string(get(spec, "externalName"));
    return "<unknown>";
}

std::string servicePorts(const Json &ports)
{
    std::vector<std::string> pieces;
    for (const Json &port : items(ports)) {
        const std::string protocol = string(get(port, "protocol"));
        const auto nodePort = integer(get(port, "nodePort"));
        std::string piece = std::to_string(integer(get(port, "port")));
        if (nodePort > 0)
            piece += ":" + std::to_string(nodePort);
        pieces.push_back(piece + "/" + protocol);
    }
    return pieces.empty() ? "<none>" : join(pieces);
}

Json serviceCells(const Json &service, const PrintContext &context)
{
    const Json &spec = get(service, "spec");
    // spec.clusterIPs[0]; spec.clusterIP for an object written before the list was filled in.
    const Json &clusterIPs = items(get(spec, "clusterIPs"));
    std::string clusterIP =
        clusterIPs.empty() ? string(get(spec, "clusterIP")) : string(clusterIPs[0]);
    return Json::array({name(service), string(get(spec, "type")),
                        clusterIP.empty() ? "<none>" : clusterIP, serviceExternalIP(service),
                        servicePorts(get(spec, "ports")), objectAge(service, context),
                        formatLabels(get(spec, "selector"))});
}

const Printer kServices{
    {nameColumn(),
     {"Type", "string", "",
      "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are "
      "ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a "
      "cluster-internal IP address for load-balancing to endpoints. Endpoints are determined "
      "by the selector or if that is not specified, by manual construction of an Endpoints "
      "object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated "
      "and the endpoints are published as a set of endpoints rather than a virtual IP. "
      "\"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the "
      "same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an "
      "external load-balancer (if supported in the current cloud) which routes to the same "
      "endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified "
      "externalName. Several other fields do not apply to ExternalName services. More info: "
      "https://kubernetes.io/docs/concepts/services-networking/service/"
      "#publishing-services-service-types"},
     {"Cluster-IP", "string", "",
      "clusterIP is the IP address of the service and is usually assigned randomly. If an "
      "address is specified manually, is in-range (as per system configuration), and is not in "
      "use, it will be allocated to the service; otherwise creation of the service will fail. "
      "This field may not be changed through updates unless the type field is also being "
      "changed to ExternalName (which requires this field to be blank) or the type field is "
      "being changed from ExternalName (in which case this field may optionally be specified, "
      "as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP "
      "address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which "
      "is useful when direct endpoint connections are preferred and proxying is not required.  "
      "Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified "
      "when creating a Service of type ExternalName, creation will fail. This field will be "
      "wiped when updating a Service to type ExternalName. More info: "
      "https://kubernetes.io/docs/concepts/services-networking/service/"
      "#virtual-ips-and-service-proxies"},
     {"External-IP", "string", "",
      "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
      "traffic for this service.  These IPs are not managed by Kubernetes.  The user is "
      "responsible for ensuring that traffic arrives at a node with this IP.  A common example "
      "is external load-balancers that are not part of the Kubernetes system."},
     {"Port(s)", "string", "",
      "The list of ports that are exposed by this service. More info: "
      "https://kubernetes.io/docs/concepts/services-networking/service/"
      "#virtual-ips-and-service-proxies"},
     ageColumn(),
     {"Selector", "string", "",
      "Route service traffic to pods with label keys and values matching this selector. If "
      "empty or not present, the service is assumed to have an external process managing its "
      "endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, "
      "and LoadBalancer. Ignored if type is ExternalName. More info: "
      "https://kubernetes.io/docs/concepts/services-networking/service/",
      1}},
    serviceCells};

// formatEndpoints: "ip:port" for every address and port, headless subsets as bare IPs.
std::string formatEndpoints(const Json &endpoints)
{
    const Json &subsets = get(endpoints, "subsets");
    if (fields::size(subsets) == 0)
        return "<none>";
    constexpr std::size_t kMax = 3;
    std::vector<std::string> list;
    std::size_t count = 0;
    for (const Json &subset : items(subsets)) {
        const Json &addresses = items(get(subset, "addresses"));
        const Json &ports = items(get(subset, "ports"));
        if (ports.empty()) {
            count += addresses.size();
            for (const Json &address : addresses) {
                if (list.size() == kMax)
                    break;
                list.push_back(string(get(address, "ip")));
            }
            continue;
        }
        for (const Json &port : ports) {
            count += addresses.size();
            for (const Json &address : addresses) {
                if (list.size() == kMax)
                    break;
                list.push_back(hostPort(string(get(address, "ip")), integer(get(port, "port"))));
            }
        }
    }
    if (count > kMax)
        return join(list) + " + " + std::to_string(count - kMax) + " more...";
    return join(list);
}

Json endpointsCells(const Json &endpoints, const PrintContext &context)
{
    return Json::array(
        {name(endpoints), formatEndpoints(endpoints), objectAge(endpoints, context)});
}

const Printer kEndpoints{
    {nameColumn(),
     {"Endpoints", "string", "",
      "The set of all endpoints is the union of all subsets. Addresses are placed into subsets "
      "according to the IPs they share. A single address with multiple ports, some of which "
      "are ready and some of which are not (because they come from different containers) will "
      "result in the address being displayed in different subsets for the different ports. No "
      "address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of "
      "addresses and ports that comprise a service."},
     ageColumn()},
    endpointsCells};

Json endpointSliceCells(const Json &slice, const PrintContext &context)
{
    std::vector<std::string> ports;
    for (const Json &port : items(get(slice, "ports"))) {
        if (get(port, "port").is_number_integer())
            ports.push_back(std::to_string(integer(get(port, "port"))));
        else if (get(port, "name").is_string())
            ports.push_back(string(get(port, "name")));
        else
            ports.push_back("*");
    }
    std::vector<std::string> addresses;
    for (const Json &endpoint : items(get(slice, "endpoints"))) {
        for (const Json &address : items(get(endpoint, "addresses")))
            addresses.push_back(string(address));
    }
    return Json::array({name(slice), string(get(slice, "addressType")),
                        firstThree(ports, "<unset>"), firstThree(addresses, "<unset>"),
                        objectAge(slice, context)});
}

const Printer kEndpointSlices{
    {nameColumn(),
     {"AddressType", "string", "",
      "addressType specifies the type of address carried by this EndpointSlice. All addresses "
      "in this slice must be the same type. This field is immutable after creation. The "
      "following address types are currently supported: * IPv4: Represents an IPv4 Address. * "
      "IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name."},
     {"Ports", "string", "",
      "ports specifies the list of network ports exposed by each endpoint in this slice. Each "
      "port must have a unique name. When ports is empty, it indicates that there are no "
      "defined ports. When a port is defined with a nil port value, it indicates \"all "
      "ports\". Each slice may include a maximum of 100 ports."},
     {"Endpoints", "string", "",
      "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum "
      "of 1000 endpoints."},
     ageColumn()},
    endpointSliceCells};

// ---- nodes and namespaces ----

std::string nodeStatus(const Json &node)
{
    std::vector<std::string> status;
    for (const Json &condition : items(get(node, {"status", "conditions"}))) {
        if (string(get(condition, "type")) != "Ready")
            continue;
        status = {string(get(condition, "status")) == "True" ? "Ready" : "NotReady"};
    }
    if (status.empty())
        status.push_back("Unknown");
    if (fields::boolean(get(node, {"spec", "unschedulable"})))
        status.push_back("SchedulingDisabled");
    return join(status);
}

// findNodeRoles: node-role.kubernetes.io/<role> labels and the older kubernetes.io/role.
std::string nodeRoles(const Json &node)
{
    constexpr std::string_view kPrefix = "node-role.kubernetes.io/";
    std::set<std::string> roles;
    for (const auto &[key, value] : get(node, {"metadata", "labels"}).items()) {
        if (key.starts_with(kPrefix) && key.size() > kPrefix.size())
            roles.insert(key.substr(kPrefix.size()));
        else if (key == "kubernetes.io/role" && !string(value).empty())
            roles.insert(string(value));
    }
    return roles.empty() ? "<none>" : join({roles.begin(), roles.end()});
}

std::string nodeAddress(const Json &node, std::string_view type)
{
    for (const Json &address : items(get(node, {"status", "addresses"}))) {
        if (string(get(address, "type")) == type)
            return string(get(address, "address"));
    }
    return "<none>";
}

std::string orUnknown(std::string value)
{
    return value.empty() ? "<unknown>" : value;
}

Json nodeCells(const Json &node, const PrintContext &context)
{
    const Json &info = get(node, {"status", "nodeInfo"});
    return Json::array({name(node), nodeStatus(node), nodeRoles(node), objectAge(node, context),
                        string(get(info, "kubeletVersion")), nodeAddress(node, "InternalIP"),
                        nodeAddress(node, "ExternalIP"), orUnknown(string(get(info, "osImage"))),
                        orUnknown(string(get(info, "kernelVersion"))),
                        orUnknown(string(get(info, "containerRuntimeVersion")))});
}

const char *const kNodeAddressesDescription =
    "List of addresses reachable to the node. Queried from cloud provider, if available. More "
    "info: https://kubernetes.io/docs/concepts/nodes/node/#addresses Note: This field is "
    "declared as mergeable, but the merge key is not sufficiently unique, which can cause data "
    "corruption when it is merged. Callers should instead use a full-replacement patch. See "
    "https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change "
    "during the lifetime of a Node. However, there are some exceptions where this may not be "
    "possible, such as Pods that inherit a Node's address in its own status or consumers of "
    "the downward API (status.hostIP).";

const Printer kNodes{
    {nameColumn(),
     {"Status", "string", "", "The status of the node"},
     {"Roles", "string", "", "The roles of the node"},
     ageColumn(),
     {"Version", "string", "", "Kubelet Version reported by the node."},
     {"Internal-IP", "string", "", kNodeAddressesDescription, 1},
     {"External-IP", "string", "", kNodeAddressesDescription, 1},
     {"OS-Image", "string", "",
      "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1},
     {"Kernel-Version", "string", "",
      "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1},
     {"Container-Runtime", "string", "",
      "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
      "containerd://1.4.2).",
      1}},
    nodeCells};

Json namespaceCells(const Json &ns, const PrintContext &context)
{
    return Json::array({name(ns), string(get(ns, {"status", "phase"})), objectAge(ns, context)});
}

const Printer kNamespaces{
    {nameColumn(), {"Status", "string", "", "The status of the namespace"}, ageColumn()},
    namespaceCells};

// ---- configuration ----

Json configMapCells(const Json &configMap, const PrintContext &context)
{
    const auto count =
        fields::size(get(configMap, "data")) + fields::size(get(configMap, "binaryData"));
    return Json::array({name(configMap), count, objectAge(configMap, context)});
}

const Printer kConfigMaps{
    {nameColumn(),
     {"Data", "string", "",
      "Data contains the configuration data. Each key must consist of alphanumeric characters, "
      "'-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. "
      "The keys stored in Data must not overlap with the keys in the BinaryData field, this is "
      "enforced during validation process."},
     ageColumn()},
    configMapCells};

Json secretCells(const Json &secret, const PrintContext &context)
{
    return Json::array({name(secret), string(get(secret, "type")),
                        fields::size(get(secret, "data")), objectAge(secret, context)});
}

const Printer kSecrets{
    {nameColumn(),
     {"Type", "string", "",
      "Used to facilitate programmatic handling of secret data. More info: "
      "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"},
     {"Data", "string", "",
      "Data contains the secret data. Each key must consist of alphanumeric characters, '-', "
      "'_' or '.'. The serialized form of the secret data is a base64 encoded string, "
      "representing the arbitrary (possibly non-string) data value here. Described in "
      "https://tools.ietf.org/html/rfc4648#section-4"},
     ageColumn()},
    secretCells};

Json serviceAccountCells(const Json &account, const PrintContext &context)
{
    return Json::array(
        {name(account), fields::size(get(account, "secrets")), objectAge(account, context)});
}

const Printer kServiceAccounts{
    {nameColumn(),
     {"Secrets", "string", "",
      "Secrets is a list of the secrets in the same namespace that pods running using this "
      "ServiceAccount are allowed to use. Pods are only limited to this list if this service "
      "account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". "
      "The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. "
      "Prefer separate namespaces to isolate access to mounted secrets. This field should not "
      "be used to find auto-generated service account token secrets for use outside of pods. "
      "Instead, tokens can be requested directly using the TokenRequest API, or service "
      "account token secrets can be manually created. More info: "
      "https://kubernetes.io/docs/concepts/configuration/secret"},
     ageColumn()},
    serviceAccountCells};

// ---- events ----

// formatEventSource: "kubelet, node1", falling back to the reporting controller/instance.
std::string eventSource(const Json &event)
{
    std::string component = string(get(event, {"source", "component"}));
    if (component.empty())
        component = string(get(event, "reportingController"));
    std::string host = string(get(event, {"source", "host"}));
    if (host.empty())
        host = string(get(event, "reportingInstance"));
    return host.empty() ? component : component + ", " + host;
}

std::string trimmed(const std::string &text)
{
    const auto first = text.find_first_not_of(" \t\n\r\v\f");
    if (first == std::string::npos)
        return "";
    const auto last = text.find_last_not_of(" \t\n\r\v\f");
    return text.substr(first, last - first + 1);
}

Json eventCells(const Json &event, const PrintContext &context)
{
    std::string firstSeen = age(get(event, "firstTimestamp"), context);
    if (!parseTimestamp(get(event, "firstTimestamp")))
        firstSeen = age(get(event, "eventTime"), context);
    std::string lastSeen = age(get(event, "lastTimestamp"), context);
    if (!parseTimestamp(get(event, "lastTimestamp")))
        lastSeen = firstSeen;
    std::int64_t count = integer(get(event, "count"));
    if (const Json &series = get(event, "series"); series.is_object()) {
        lastSeen = age(get(series, "lastObservedTime"), context);
        count = integer(get(series, "count"));
    } else if (count == 0) {
        count = 1; // singleton events of the events.k8s.io API carry no count
    }

    const Json &involved = get(event, "involvedObject");
    std::string kind = string(get(involved, "kind"));
    std::transform(kind.begin(), kind.end(), kind.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    const std::string involvedName = string(get(involved, "name"));
    const std::string target = involvedName.empty() ? kind : kind + "/" + involvedName;

    return Json::array({lastSeen, string(get(event, "type")), string(get(event, "reason")), target,
                        string(get(involved, "fieldPath")), eventSource(event),
                        trimmed(string(get(event, "message"))), firstSeen, count, name(event)});
}

const Printer kEvents{
    {{"Last Seen", "string", "",
      "The time at which the most recent occurrence of this event was recorded."},
     {"Type", "string", "",
      "Type of this event (Normal, Warning), new types could be added in the future"},
     {"Reason", "string", "",
      "This should be a short, machine understandable string that gives the reason for the "
      "transition into the object's current status."},
     {"Object", "string", "", "The object that this event is about."},
     {"Subobject", "string", "",
      "If referring to a piece of an object instead of an entire object, this string should "
      "contain a valid JSON/Go field access statement, such as "
      "desiredState.manifest.containers[2]. For example, if the object reference is to a "
      "container within a pod, this would take on a value like: \"spec.containers{name}\" "
      "(where \"name\" refers to the name of the container that triggered the event) or if no "
      "container name is specified \"spec.containers[2]\" (container with index 2 in this "
      "pod). This syntax is chosen only to have some well-defined way of referencing a part of "
      "an object.",
      1},
     {"Source", "string", "",
      "The component reporting this event. Should be a short machine understandable string.", 1},
     {"Message", "string", "", "A human-readable description of the status of this operation."},
     {"First Seen", "string", "",
      "The time at which the event was first recorded. (Time of server receipt is in "
      "TypeMeta.)",
      1},
     {"Count", "string", "", "The number of times this event has occurred.", 1},
     {"Name", "string", "name", kNameDescription, 1}},
    eventCells};

// ---- storage ----

// GetAccessModesAsString: in a fixed order, whatever the spec's order.
std::string accessModes(const Json &modes)
{
    std::set<std::string> present;
    for (const Json &mode : items(modes))
        present.insert(string(mode));
    std::vector<std::string> out;
    for (const auto &[mode, shortName] :
         {std::pair{"ReadWriteOnce", "RWO"}, std::pair{"ReadOnlyMany", "ROX"},
          std::pair{"ReadWriteMany", "RWX"}, std::pair{"ReadWriteOncePod", "RWOP"}}) {
        if (present.count(mode))
            out.push_back(shortName);
    }
    return join(out);
}

// A resource.Quantity as given; an absent one prints as "0". Stored quantities are not
// re-canonicalized ("1024Mi" stays "1024Mi" where a real apiserver would store "1Gi").
std::string quantity(const Json &value)
{
    if (value.is_string())
        return value.get<std::string>();
    if (value.is_number())
        return value.dump();
    return "0";
}

std::string storageClass(const Json &object)
{
    const Json &annotation =
        get(get(object, {"metadata", "annotations"}), "volume.beta.kubernetes.io/storage-class");
    if (annotation.is_string())
        return annotation.get<std::string>();
    return string(get(object, {"spec", "storageClassName"}));
}

std::string orUnset(const Json &value)
{
    return value.is_string() ? value.get<std::string>() : "<unset>";
}

Json persistentVolumeCells(const Json &volume, const PrintContext &context)
{
    const Json &spec = get(volume, "spec");
    std::string claim;
    if (const Json &ref = get(spec, "claimRef"); ref.is_object())
        claim = string(get(ref, "namespace")) + "/" + string(get(ref, "name"));
    std::string phase = string(get(volume, {"status", "phase"}));
    if (!get(volume, {"metadata", "deletionTimestamp"}).is_null())
        phase = "Terminating";
    return Json::array({name(volume), quantity(get(spec, {"capacity", "storage"})),
                        accessModes(get(spec, "accessModes")),
                        string(get(spec, "persistentVolumeReclaimPolicy")), phase, claim,
                        storageClass(volume), orUnset(get(spec, "volumeAttributesClassName")),
                        string(get(volume, {"status", "reason"})), objectAge(volume, context),
                        orUnset(get(spec, "volumeMode"))});
}

const Printer kPersistentVolumes{
    {nameColumn(),
     {"Capacity", "string", "",
      "capacity is the description of the persistent volume's resources and capacity. More "
      "info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"},
     {"Access Modes", "string", "",
      "accessModes contains all ways the volume can be mounted. More info: "
      "https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"},
     {"Reclaim Policy", "string", "",
      "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released "
      "from its claim. Valid options are Retain (default for manually created "
      "PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and "
      "Recycle (deprecated). Recycle must be supported by the volume plugin underlying this "
      "PersistentVolume. More info: "
      "https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"},
     {"Status", "string", "",
      "phase indicates if a volume is available, bound to a claim, or released by a claim. "
      "More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"},
     {"Claim", "string", "",
      "claimRef is part of a bi-directional binding between PersistentVolume and "
      "PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the "
      "authoritative bind between PV and PVC. More info: "
      "https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"},
     {"StorageClass", "string", "", "StorageClass of the pv"},
     {"VolumeAttributesClass", "string", "", "VolumeAttributesClass of the pv"},
     {"Reason", "string", "",
      "reason is a brief CamelCase string that describes any failure and is meant for machine "
      "parsing and tidy display in the CLI."},
     ageColumn(),
     {"VolumeMode", "string", "",
      "volumeMode defines if a volume is intended to be used with a formatted filesystem or to "
      "remain in raw block state. Value of Filesystem is implied when not included in spec.",
      1}},
    persistentVolumeCells};

Json persistentVolumeClaimCells(const Json &claim, const PrintContext &context)
{
    const Json &spec = get(claim, "spec");
    std::string phase = string(get(claim, {"status", "phase"}));
    if (!get(claim, {"metadata", "deletionTimestamp"}).is_null())
        phase = "Terminating";
    const std::string volumeName = string(get(spec, "volumeName"));
    std::string capacity;
    std::string modes;
    if (!volumeName.empty()) {
        capacity = quantity(get(claim, {"status", "capacity", "storage"}));
        modes = accessModes(get(claim, {"status", "accessModes"}));
    }
    return Json::array({name(claim), phase, volumeName, capacity, modes, storageClass(claim),
                        orUnset(get(spec, "volumeAttributesClassName")), objectAge(claim, context),
                        orUnset(get(spec, "volumeMode"))});
}

const Printer kPersistentVolumeClaims{
    {nameColumn(),
     {"Status", "string", "", "phase represents the current phase of PersistentVolumeClaim."},
     {"Volume", "string", "",
      "volumeName is the binding reference to the PersistentVolume backing this claim."},
     {"Capacity", "string", "",
      "capacity represents the actual resources of the underlying volume."},
     {"Access Modes", "string", "",
      "accessModes contains the actual access modes the volume backing the PVC has. More info: "
      "https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1"},
     {"StorageClass", "string", "", "StorageClass of the pvc"},
     {"VolumeAttributesClass", "string", "", "VolumeAttributesClass of the pvc"},
     ageColumn(),
     {"VolumeMode", "string", "",
      "volumeMode defines what type of volume is required by the claim. Value of Filesystem is "
      "implied when not included in claim spec.",
      1}},
    persistentVolumeClaimCells};

} // namespace

const std::vector<PrinterEntry> &corePrinters()
{
    static const std::vector<PrinterEntry> entries{
        {"", "services", &kServices},
        {"", "endpoints", &kEndpoints},
        {"discovery.k8s.io", "endpointslices", &kEndpointSlices},
        {"", "nodes", &kNodes},
        {"", "namespaces", &kNamespaces},
        {"", "configmaps", &kConfigMaps},
        {"", "secrets", &kSecrets},
        {"", "serviceaccounts", &kServiceAccounts},
        {"", "events", &kEvents},
        {"", "persistentvolumes", &kPersistentVolumes},
        {"", "persistentvolumeclaims", &kPersistentVolumeClaims},
    };
    return entries;
}

} // namespace flowlab::kube::printers
