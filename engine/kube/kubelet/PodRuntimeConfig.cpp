#include "engine/kube/kubelet/PodRuntimeConfig.h"

#include "engine/kube/api/JsonFields.h"

namespace flowlab::kube::kubelet {

using namespace fields;

PodIdentity PodIdentity::of(const Json &pod)
{
    const Json &metadata = get(pod, "metadata");
    return {string(get(metadata, "namespace")), string(get(metadata, "name")),
            string(get(metadata, "uid"))};
}

std::string podLogDirectory(const SandboxOptions &options, const PodIdentity &pod)
{
    return options.podLogRoot + "/" + pod.ns + "_" + pod.name + "_" + pod.uid;
}

v1::PodSandboxConfig sandboxConfig(const Json &pod, std::uint32_t attempt,
                                   const SandboxOptions &options)
{
    const PodIdentity id = PodIdentity::of(pod);
    const Json &spec = get(pod, "spec");
    v1::PodSandboxConfig config;
    v1::PodSandboxMetadata *metadata = config.mutable_metadata();
    metadata->set_name(id.name);
    metadata->set_namespace_(id.ns);
    metadata->set_uid(id.uid);
    metadata->set_attempt(attempt);

    const std::string hostname = string(get(spec, "hostname"));
    config.set_hostname(hostname.empty() ? id.name : hostname);
    config.set_log_directory(podLogDirectory(options, id));

    // ClusterFirst (the default) sends lookups to cluster DNS, with the search path that
    // makes "web" mean web.<namespace>.svc.cluster.local.
    const std::string dnsPolicy = string(get(spec, "dnsPolicy"));
    if (!options.clusterDns.empty() && (dnsPolicy.empty() || dnsPolicy == "ClusterFirst")) {
        v1::DNSConfig *dns = config.mutable_dns_config();
        dns->add_servers(options.clusterDns);
        dns->add_searches(id.ns + ".svc." + options.clusterDomain);
        dns->add_searches("svc." + options.clusterDomain);
        dns->add_searches(options.clusterDomain);
        dns->add_options("ndots:5");
    }

    for (const Json &container : items(get(spec, "containers")))
        for (const Json &port : items(get(container, "ports"))) {
            const int hostPort = int(integer(get(port, "hostPort")));
            if (hostPort <= 0)
                continue;
            v1::PortMapping *mapping = config.add_port_mappings();
            const std::string protocol = string(get(port, "protocol"));
            mapping->set_protocol(protocol == "UDP"    ? v1::UDP
                                  : protocol == "SCTP" ? v1::SCTP
                                                       : v1::TCP);
            mapping->set_container_port(int(integer(get(port, "containerPort"))));
            mapping->set_host_port(hostPort);
            mapping->set_host_ip(string(get(port, "hostIP")));
        }

    auto &labels = *config.mutable_labels();
    for (const auto &[key, value] : get(get(pod, "metadata"), "labels").items())
        if (value.is_string())
            labels[key] = value.get<std::string>();
    labels[kPodNameLabel] = id.name;
    labels[kPodNamespaceLabel] = id.ns;
    labels[kPodUidLabel] = id.uid;
    auto &annotations = *config.mutable_annotations();
    for (const auto &[key, value] : get(get(pod, "metadata"), "annotations").items())
        if (value.is_string())
            annotations[key] = value.get<std::string>();

    v1::LinuxPodSandboxConfig *linuxConfig = config.mutable_linux();
    if (!options.cgroupRoot.empty())
        linuxConfig->set_cgroup_parent(options.cgroupRoot + "/pod" + id.uid);
    v1::NamespaceOption *namespaces =
        linuxConfig->mutable_security_context()->mutable_namespace_options();
    namespaces->set_network(boolean(get(spec, "hostNetwork")) ? v1::NODE : v1::POD);
    namespaces->set_pid(boolean(get(spec, "hostPID")) ? v1::NODE : v1::CONTAINER);
    namespaces->set_ipc(boolean(get(spec, "hostIPC")) ? v1::NODE : v1::POD);
    return config;
}

v1::ContainerConfig containerConfig(const Json &pod, const Json &container, std::uint32_t attempt,
                                    const std::vector<std::pair<std::string, std::string>> &env)
{
    const PodIdentity id = PodIdentity::of(pod);
    const std::string name = string(get(container, "name"));
    v1::ContainerConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_metadata()->set_attempt(attempt);
    config.mutable_image()->set_image(string(get(container, "image")));
    for (const Json &word : items(get(container, "command")))
        config.add_command(string(word));
    for (const Json &word : items(get(container, "args")))
        config.add_args(string(word));
    config.set_working_dir(string(get(container, "workingDir")));
    for (const auto &[key, value] : env) {
        v1::KeyValue *pair = config.add_envs();
        pair->set_key(key);
        pair->set_value(value);
    }
    auto &labels = *config.mutable_labels();
    labels[kPodNameLabel] = id.name;
    labels[kPodNamespaceLabel] = id.ns;
    labels[kPodUidLabel] = id.uid;
    labels[kContainerNameLabel] = name;
    auto &annotations = *config.mutable_annotations();
    annotations[kRestartCountAnnotation] = std::to_string(attempt);
    annotations[kGracePeriodAnnotation] =
        std::to_string(integer(get(pod, {"spec", "terminationGracePeriodSeconds"}), 30));
    config.set_log_path(name + "/" + std::to_string(attempt) + ".log");
    config.set_stdin(boolean(get(container, "stdin")));
    config.set_stdin_once(boolean(get(container, "stdinOnce")));
    config.set_tty(boolean(get(container, "tty")));
    if (boolean(get(container, {"securityContext", "privileged"})))
        config.mutable_linux()->mutable_security_context()->set_privileged(true);
    return config;
}

bool shouldPull(const Json &container, bool imagePresent)
{
    std::string policy = string(get(container, "imagePullPolicy"));
    if (policy.empty()) {
        const std::string image = string(get(container, "image"));
        const auto slash = image.rfind('/');
        const std::string last = slash == std::string::npos ? image : image.substr(slash + 1);
        const bool untagged = last.find(':') == std::string::npos && image.find('@') == std::string::npos;
        policy = untagged || image.ends_with(":latest") ? "Always" : "IfNotPresent";
    }
    if (policy == "Always")
        return true;
    if (policy == "Never")
        return false;
    return !imagePresent;
}

bool shouldRestart(const Json &pod, int exitCode)
{
    const std::string policy = string(get(pod, {"spec", "restartPolicy"}));
    if (policy == "Never")
        return false;
    if (policy == "OnFailure")
        return exitCode != 0;
    return true; // Always, the default
}

} // namespace flowlab::kube::kubelet
