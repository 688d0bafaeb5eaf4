#pragma once

// The lab cluster's certificates: a CA of its own and the apiserver's serving certificate,
// made with OpenSSL the first time and reused after. kubectl refuses to send a bearer token
// over plain HTTP (client-go only reads credentials for TLS servers), so the address kubectl
// uses, flowlabd's relay on 127.0.0.1:6443, speaks TLS with this certificate; inside the lab
// the apiserver speaks plain HTTP, which the packet capture can show.

#include "tracer/base/Result.h"

#include <string>
#include <vector>

namespace flowlab::kube {

struct ClusterPki
{
    std::string caCertPath;     // PEM; what a kubeconfig's certificate-authority-data holds
    std::string serverCertPath; // PEM, signed by the CA
    std::string serverKeyPath;  // PEM, mode 0600

    // The CA certificate's PEM text, for certificate-authority-data.
    Result<std::string> caPem() const;
};

struct ServerIdentity
{
    std::string commonName = "kube-apiserver";
    std::vector<std::string> dnsNames{"localhost", "kubernetes", "kubernetes.default",
                                      "kubernetes.default.svc",
                                      "kubernetes.default.svc.cluster.local"};
    std::vector<std::string> ipAddresses{"127.0.0.1", "192.168.56.100", "10.43.0.1"};
};

// Makes `dir`/ca.crt, ca.key, apiserver.crt and apiserver.key where they are missing (ECDSA
// P-256, SHA-256; the CA for ten years, the server for one), and returns their paths. A
// server certificate whose names differ from `identity` is made again.
Result<ClusterPki> ensureClusterPki(const std::string &dir, const ServerIdentity &identity = {});

} // namespace flowlab::kube
